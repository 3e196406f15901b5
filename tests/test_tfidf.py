"""The TF-IDF index stored in kb.db reads back as scikit-learn computed it."""
import sqlite3

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from kb.analysis import terms
from kb.postings import PackedPostings, unpack_counts, unpack_ids
from kb.reader import Reader
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
    term, df, ids, counts = conn.execute(
        "select term, df, chunk_ids, counts from terms where term = 'intun'"
    ).fetchone()
    ids, counts = unpack_ids(ids, df), unpack_counts(counts, df)
    weights = Reader(corpus_db).postings("intun").weights
    assert len(ids) == len(weights) == len(counts) == df > 0
    assert ids.min() >= 1 and ids.max() <= n_chunks and (np.diff(ids) > 0).all()
    assert (weights > 0).all() and (weights <= 1).all() and (counts >= 1).all()
    texts = dict(conn.execute(f"select id, lower(text) from chunks where id in ({','.join(map(str, ids))})"))
    assert all("intune" in texts[int(i)] or "intune" in (conn.execute(
        "select lower(coalesce(heading, '')) from chunks where id = ?", (int(i),)).fetchone()[0]) for i in ids)
    # every chunk's vector, as search reads it, is unit length: all its terms' weights squared sum to 1
    every_term = [t for (t,) in conn.execute("select term from terms")]
    sums = np.zeros(n_chunks + 1)
    for found in Reader(corpus_db).found(every_term).values():
        np.add.at(sums, found.chunk_ids, found.weights.astype(float) ** 2)
    assert np.allclose(sums[1:], 1.0, atol=1e-4)


def test_postings_are_packed_narrow_where_they_fit_and_wide_where_not():
    # term 0: close ids and small counts (2 bytes an id, 1 a count); term 1: a gap past 65,535
    # and a count past 255 (4 bytes an id, 2 a count)
    ids = np.array([3, 5, 9, 1, 70_002], dtype=np.int32)
    counts = np.array([1, 2, 255, 300, 1], dtype=np.uint16)
    packed = PackedPostings(np.array([0, 3, 5]), ids, counts)
    (narrow_ids, narrow_counts), (wide_ids, wide_counts) = packed.blobs(0), packed.blobs(1)
    assert (len(narrow_ids), len(narrow_counts), len(wide_ids), len(wide_counts)) == (6, 3, 8, 4)
    assert unpack_ids(narrow_ids, 3).tolist() == [3, 5, 9] and unpack_counts(narrow_counts, 3).tolist() == [1, 2, 255]
    assert unpack_ids(wide_ids, 2).tolist() == [1, 70_002] and unpack_counts(wide_counts, 2).tolist() == [300, 1]


def test_chunk_keywords_readable(corpus_db):
    conn = sqlite3.connect(corpus_db)
    chunk_id = conn.execute("select id from chunks where text like '%f1 will be $4%'").fetchone()[0]
    keywords = [r[0] for r in conn.execute(  # one row a passage, its words as a JSON list
        "select value from chunk_keywords, json_each(keywords) where chunk_id = ? order by key", (chunk_id,))]
    assert len(keywords) == 10 and all(" " not in k for k in keywords)  # single words only
    assert {"price", "4", "dollar"} <= set(keywords)
