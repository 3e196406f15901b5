"""The TF-IDF index stored in kb.db reads back as scikit-learn computed it."""
import sqlite3

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from kb.analysis import terms
from kb.postings import unpack_counts, unpack_ids, unpack_weights
from kb.tfidf import build_index

TEXTS = [
    "Microsoft 365 F1 will be $4 per user per month",
    "The F3 licence will be $10 per user per month",
    "Business Voice brings calling plans to Teams",
]


def test_postings_match_sklearn_tfidf():
    index = build_index([1, 2, 3], [terms(t) for t in TEXTS])
    reference = TfidfVectorizer(analyzer=terms, sublinear_tf=True).fit(TEXTS)
    matrix = reference.transform(TEXTS).toarray()
    vocab = reference.vocabulary_
    assert {p.term for p in index.postings} == set(vocab)
    for p in index.postings:
        column = matrix[:, vocab[p.term]]
        assert list(p.chunk_ids) == [i + 1 for i in np.flatnonzero(column)]
        assert np.allclose(p.weights, column[column > 0], atol=1e-6)


def test_spelling_and_numbers_share_terms():
    # licence and license, "ten" and "10" index as the same terms
    assert terms("licence")[0] == terms("license")[0]
    assert terms("ten dollars") == terms("10 dollars")
    assert terms("Tim O’Neill") == terms("tim oneill") == terms("Tim O'Neill")


def test_counts_and_lengths_for_bm25():
    index = build_index([7, 8], [terms("teams teams phone"), terms("phone")])
    teams = next(p for p in index.postings if p.term == "team")
    assert list(teams.chunk_ids) == [7] and list(teams.counts) == [2]
    # unigrams and bigrams: "team team phone" -> 3 unigrams + 2 bigrams
    assert index.term_counts == [5, 1]


def test_kb_db_round_trip(corpus_db):
    conn = sqlite3.connect(corpus_db)
    n_chunks = conn.execute("select count(*) from chunks").fetchone()[0]
    term, df, ids, weights, counts = conn.execute(
        "select term, df, chunk_ids, weights, counts from terms where term = 'intun'"
    ).fetchone()
    ids, weights, counts = unpack_ids(ids), unpack_weights(weights), unpack_counts(counts)
    assert len(ids) == len(weights) == len(counts) == df > 0
    assert ids.min() >= 1 and ids.max() <= n_chunks
    assert (weights > 0).all() and (weights <= 1).all() and (counts >= 1).all()
    texts = dict(conn.execute(f"select id, lower(text) from chunks where id in ({','.join(map(str, ids))})"))
    assert all("intune" in texts[int(i)] or "intune" in (conn.execute(
        "select lower(coalesce(heading, '')) from chunks where id = ?", (int(i),)).fetchone()[0]) for i in ids)
    # every chunk's vector is unit length: the weights of all terms squared sum to 1
    sums = np.zeros(n_chunks + 1)
    for blob_ids, blob_weights in conn.execute("select chunk_ids, weights from terms"):
        np.add.at(sums, unpack_ids(blob_ids), unpack_weights(blob_weights).astype(float) ** 2)
    assert np.allclose(sums[1:], 1.0, atol=1e-4)


def test_chunk_keywords_readable(corpus_db):
    conn = sqlite3.connect(corpus_db)
    chunk_id = conn.execute("select id from chunks where text like '%f1 will be $4%'").fetchone()[0]
    keywords = [r[0] for r in conn.execute(
        "select term from chunk_keywords where chunk_id = ? order by rank", (chunk_id,))]
    assert len(keywords) == 10 and all(" " not in k for k in keywords)  # single words only
    assert {"price", "4", "dollar"} <= set(keywords)
