"""Every ranking formula, one plain function each, from arrays to arrays: Okapi BM25 scaled and
weighted by kind, the topic and coverage boosts, quoted phrases, the top ids, and the TF-IDF
similarity of related passages. Scores are arrays indexed by chunk id (id 0 unused). A change to
how passages are ranked is a change here.
"""
from __future__ import annotations

import numpy as np

from .postings import Postings

BM25_K1, BM25_B = 1.2, 0.75
# Search ranks by BM25 alone. A quarter of TF-IDF cosine mixed in was chosen on the first two query
# sets; with the coverage, topic and match rules since, dropping it kept or raised MRR@10 on all six
# sets (check 0.907 -> 0.923), and it was a third of the scoring time (README, search quality).
TOPIC_BOOST = 0.3
COVERAGE_WEIGHT = 1.0
# A match scores at least this share of the best score (and holds a word the user typed): the
# lowest relevant first hit on the four query sets scored 0.23 of the best; noise for short jargon
# queries mostly below 0.1 (bench/search_quality.py).
MATCH_SHARE = 0.2
# The passages of a speaker the query names ("what did Brenton say about voice") count this much
# more: theirs come first, and another speaker's passage that answers better can still follow.
SPEAKER_BOOST = 3.0
# The turn after a question (a transcript's "what would you suggest partners do?") scores at least
# this share of the question's score: the answer seldom repeats what was asked, and stays below it.
# 0.5 to 0.9 measured (and adding a share instead: past the question it cost the development set).
ANSWER_SHARE = 0.7
# A query that asks for links ("which link covered ...", "show notes resource links") finds its
# episode by the passages on it; the episode's list of links then scores this share of its best.
LINKS_SHARE = 1.1
LINK_WORDS = {"link", "links", "url", "urls"}
KIND_WEIGHT = {"boilerplate": 0.2, "resources": 0.7, "references": 0.7}  # lists and boilerplate count less


def length_norms(lengths: np.ndarray) -> np.ndarray:
    """BM25's length normalisation of each chunk (lengths by chunk id), which no query changes."""
    mean = float(lengths[1:].mean()) if len(lengths) > 1 else 1.0
    return (BM25_K1 * (1 - BM25_B + BM25_B * lengths / (mean or 1.0))).astype(np.float32)


def bm25_weights(counts: np.ndarray, df: int, n_chunks: int, norms: np.ndarray) -> np.ndarray:
    """A term's BM25 contribution to each chunk holding it, from its counts there and the
    chunks' length norms (the same order)."""
    idf = np.float32(np.log(1 + (n_chunks - df + 0.5) / (df + 0.5)))
    tf = counts.astype(np.float32)
    weights = tf * (idf * (BM25_K1 + 1))
    tf += norms
    weights /= tf
    return weights


def kind_weights(kinds: np.ndarray, names: list) -> np.ndarray:
    """Each chunk's weight by its kind (kinds as codes into `names`)."""
    by_kind = np.array([KIND_WEIGHT.get(k, 1.0) for k in names], dtype=np.float32)
    return by_kind[kinds]


def keyword_similarity(size: int, postings: dict[str, Postings], weights: dict[str, float]) -> np.ndarray:
    """Every chunk's TF-IDF weights on these terms, summed with the terms' own weights: how near
    each chunk is to a passage described by its keywords."""
    scores = np.zeros(size, dtype=np.float32)
    for term, found in postings.items():
        scores[found.chunk_ids] += weights[term] * found.weights
    return scores


def weights_in(postings: dict[str, Postings], chunk_id: int) -> dict[str, float]:
    """Each term's TF-IDF weight in one chunk, read from its postings (ids are in order)."""
    weights = {}
    for term, found in postings.items():
        n = int(np.searchsorted(found.chunk_ids, chunk_id))
        weights[term] = float(found.weights[n]) if n < len(found.chunk_ids) and found.chunk_ids[n] == chunk_id else 0.0
    return weights


def bm25(size: int, postings: dict[str, Postings], boosts: dict[str, float]) -> np.ndarray:
    """Okapi BM25 of every chunk, each term's contribution scaled by its boost."""
    scores = np.zeros(size, dtype=np.float32)
    for term, found in postings.items():
        scores[found.chunk_ids] += boosts.get(term, 1.0) * found.bm25
    return scores


def scale_to(scores: np.ndarray, top: float) -> None:
    """Scores scaled in place so that the best is `top`: rankings on different scales can be mixed."""
    best = float(scores.max()) if scores.size else 0.0
    if best > 0:
        scores *= top / best


def weighted(bm25_scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The BM25 scores scaled so that the best is 1 (what a result shows), times each chunk's
    weight by its kind; in place."""
    scale_to(bm25_scores, 1.0)
    bm25_scores *= weights
    return bm25_scores


def boost_topics(scores: np.ndarray, tagged: list[np.ndarray]) -> None:
    """Chunks tagged with a topic the query names (ids per topic) rank higher, by the share of
    the named topics they carry: the taxonomy's patterns catch forms that words alone miss."""
    if not tagged or TOPIC_BOOST == 0:
        return
    if len(tagged) == 1:
        scores[tagged[0]] *= 1 + TOPIC_BOOST
        return
    ids, times = np.unique(np.concatenate(tagged), return_counts=True)
    scores[ids] *= 1 + TOPIC_BOOST * times.astype(np.float32) / len(tagged)


def followed_in_document(documents: np.ndarray) -> np.ndarray:
    """For each chunk id, whether the next chunk is of the same document (chunk ids run in
    document order; `documents` are codes by chunk id; id 0 is unused)."""
    followed = np.zeros(len(documents), dtype=bool)
    followed[1:-1] = documents[2:] == documents[1:-1]
    return followed


def lift_link_lists(scores: np.ndarray, matched: np.ndarray, lists: np.ndarray, documents: np.ndarray) -> None:
    """Each list of links (chunk ids) of a document with a match scores at least LINKS_SHARE of
    that document's best match, and is a match, in place (`documents`: codes by chunk id)."""
    best = np.zeros(documents.max() + 1, dtype=scores.dtype)
    np.maximum.at(best, documents[matched], scores[matched])
    lifted = lists[best[documents[lists]] > 0]
    scores[lifted] = np.maximum(scores[lifted], LINKS_SHARE * best[documents[lifted]])
    matched[lifted] = True


def answer_questions(scores: np.ndarray, asking: np.ndarray) -> None:
    """The chunk after each question that scores (`asking`: the ids of question chunks followed in
    their document) scores at least ANSWER_SHARE of the question's score, in place; only an answer
    that scores itself gains, so no passage becomes a weaker match by it."""
    asked = asking[scores[asking] > 0]
    asked = asked[scores[asked + 1] > 0]
    if ANSWER_SHARE and len(asked):
        scores[asked + 1] = np.maximum(scores[asked + 1], ANSWER_SHARE * scores[asked])


def boost_speaker(scores: np.ndarray, spoken: np.ndarray) -> None:
    """The speaker's passages (a bool mask) rank higher, in place."""
    scores[spoken] *= SPEAKER_BOOST


def boost_coverage(scores: np.ndarray, present: list[list[Postings]]) -> None:
    """Scores times 1 plus the share of the asked words a chunk holds: passages with all the words
    beat passages that repeat one of them (the 'coordination' factor). Each asked word is the
    postings of the terms that hold it (itself, and its related words: vocabulary.yml's `words:`);
    a word no chunk holds is left out."""
    present = [postings for postings in present if postings]
    if len(present) < 2:
        return
    held = np.zeros(len(scores), dtype=np.float32)
    for postings in present:
        if len(postings) == 1:
            held[postings[0].chunk_ids] += 1
            continue
        has = np.zeros(len(scores), dtype=bool)  # a chunk holding the word twice over counts once
        for found in postings:
            has[found.chunk_ids] = True
        held += has
    held *= COVERAGE_WEIGHT / len(present)
    held += 1
    scores *= held


def holding_all(size: int, postings: list[Postings | None]) -> np.ndarray:
    """Chunks that hold every one of these terms (a term missing from the index: none do); each
    term's chunks marked in place, and the first term's mark is the start (no pass of ones)."""
    mask = None
    for found in postings:
        has = np.zeros(size, dtype=bool)
        if found is not None:
            has[found.chunk_ids] = True
        mask = has if mask is None else np.logical_and(mask, has, out=mask)
    return np.ones(size, dtype=bool) if mask is None else mask


def holding_any_of(size: int, concepts: list[list[Postings | None]]) -> np.ndarray:
    """Chunks that hold every term of at least one of these concepts (each its terms' postings)."""
    has = np.zeros(size, dtype=bool)
    for concept in concepts:
        has |= holding_all(size, concept)
    return has


def holding_any(size: int, postings: list[Postings]) -> np.ndarray:
    """Chunks that hold at least one of these terms."""
    has = np.zeros(size, dtype=bool)
    for found in postings:
        has[found.chunk_ids] = True
    return has


def matches(scores: np.ndarray, holding: np.ndarray) -> np.ndarray:
    """The chunks that are matches: they hold what was asked, and score at least MATCH_SHARE of
    the best."""
    best = float(scores.max()) if scores.size else 0.0
    if best <= 0:
        return np.zeros(len(scores), dtype=bool)
    return holding & (scores >= MATCH_SHARE * best)  # a positive bar: every chunk above it scores


def top_ids(scores: np.ndarray, k: int) -> list[int]:
    """Ids of the k best positive scores, best first; ties by chunk id for stable output.

    Only the chunks above a bar are sorted: half the best score first, lowered until k are above
    it (every chunk left out scores below the k-th, so the result is exact)."""
    best = float(scores.max()) if scores.size and k > 0 else 0.0
    if best <= 0:
        return []
    bar = best / 2
    candidates = at_or_above(scores, bar)
    while len(candidates) < k and bar > 0:
        bar = bar / 8 if bar > best / 1e6 else 0.0
        candidates = at_or_above(scores, bar)
    if len(candidates) > 4 * k:  # many near the top: keep the k best, ties at the edge included
        edge = np.partition(scores[candidates], len(candidates) - k)[len(candidates) - k]
        candidates = candidates[scores[candidates] >= edge]
    return sorted(candidates.tolist(), key=lambda i: (-scores[i], i))[:k]


def at_or_above(scores: np.ndarray, bar: float) -> np.ndarray:
    """Ids of the positive scores at or above the bar; a bar below the scores' smallest step
    rounds to 0 in their type, and would take in the zeros."""
    return np.flatnonzero(scores >= bar) if scores.dtype.type(bar) > 0 else np.flatnonzero(scores > 0)


def top_among(scores: np.ndarray, ids: np.ndarray, k: int) -> list[int]:
    """Of these ids (their scores all positive), the k with the best scores, best first; ties by
    chunk id, as top_ids. Only the listed chunks are looked at, not every chunk's score."""
    if k <= 0 or not len(ids):
        return []
    values = scores[ids]
    if len(ids) > k:  # those at or above the k-th best value, ties at the edge included
        keep = values >= np.partition(values, len(values) - k)[len(values) - k]
        ids, values = ids[keep], values[keep]
    return ids[np.lexsort((ids, -values))[:k]].tolist()
