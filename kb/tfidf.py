"""TF-IDF over chunks with scikit-learn, stored as one packed postings row per term.

Each term row carries three blobs: the chunk ids (int32), the chunk's L2-normalised TF-IDF
weights (float32) and the raw term counts (uint16, for BM25). A query reads only the rows of its
own terms, so a process answers from kb.db without loading the whole matrix, and a term read
once stays cached in memory.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

TOP_KEYWORDS = 10  # per chunk: the readable chunk_keywords table, and related passages
ID_DTYPE = np.dtype("<i4")
WEIGHT_DTYPE = np.dtype("<f4")
COUNT_DTYPE = np.dtype("<u2")


@dataclass
class TermPostings:
    term: str
    df: int
    idf: float
    chunk_ids: np.ndarray
    weights: np.ndarray
    counts: np.ndarray


@dataclass
class TfidfIndex:
    postings: list[TermPostings]
    keywords: list[tuple[int, str, float, int]]  # chunk_id, term, weight, rank
    term_counts: list[int]  # index terms per chunk: the document length for BM25


def build_index(chunk_ids: list[int], chunk_terms: Iterable[list[str]]) -> TfidfIndex:
    """Fit TF-IDF on the chunks' index terms (`analysis.terms` of each text, read once, in
    chunk order); return postings per term and each chunk's top keywords."""
    if not chunk_ids:
        return TfidfIndex([], [], [])
    counter = CountVectorizer(analyzer=list, dtype=np.int32)  # the terms are already made
    try:
        counts = counter.fit_transform(chunk_terms)
    except ValueError:  # no chunk has an index term (only stop words, or no letters at all)
        return TfidfIndex([], [], [0] * len(chunk_ids))
    transformer = TfidfTransformer(sublinear_tf=True, norm="l2", smooth_idf=True)
    matrix = transformer.fit_transform(counts).astype(np.float32)
    vocabulary = counter.get_feature_names_out()
    ids = np.asarray(chunk_ids, dtype=ID_DTYPE)
    by_term, counts_by_term = matrix.tocsc(), counts.tocsc()
    by_term.sort_indices()
    counts_by_term.sort_indices()
    postings = []
    for col, term in enumerate(vocabulary):
        lo, hi = by_term.indptr[col], by_term.indptr[col + 1]
        postings.append(TermPostings(
            str(term), int(hi - lo), float(transformer.idf_[col]), ids[by_term.indices[lo:hi]],
            by_term.data[lo:hi], np.minimum(counts_by_term.data[lo:hi], 65535),
        ))
    lengths = np.asarray(counts.sum(axis=1)).ravel().tolist()
    return TfidfIndex(postings, list(top_keywords(matrix.tocsr(), vocabulary, ids)), lengths)


def top_keywords(matrix, vocabulary, ids) -> Iterator[tuple[int, str, float, int]]:
    """Each chunk's highest-weighted single words (bigrams read badly and seldom recur)."""
    single = np.array([" " not in term for term in vocabulary])
    for row in range(matrix.shape[0]):
        lo, hi = matrix.indptr[row], matrix.indptr[row + 1]
        columns, weights = matrix.indices[lo:hi], matrix.data[lo:hi]
        keep = single[columns]
        columns, weights = columns[keep], weights[keep]
        for rank, k in enumerate(np.argsort(-weights, kind="stable")[:TOP_KEYWORDS], 1):
            yield int(ids[row]), str(vocabulary[columns[k]]), round(float(weights[k]), 4), rank


def pack(array: np.ndarray, dtype: np.dtype) -> bytes:
    return np.ascontiguousarray(array, dtype=dtype).tobytes()


def unpack_ids(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=ID_DTYPE)


def unpack_weights(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=WEIGHT_DTYPE)


def unpack_counts(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=COUNT_DTYPE)


def query_weights(query_terms: list[str], idf: dict[str, float], boosts: dict[str, float] | None = None) -> dict[str, float]:
    """The query's TF-IDF vector, weighted as the chunks are (sublinear tf, L2 norm).

    Terms missing from the index are dropped; `boosts` scales some terms (expansions count less).
    """
    counts = Counter(t for t in query_terms if t in idf)
    weights = {t: (1 + math.log(c)) * idf[t] * (boosts or {}).get(t, 1.0) for t, c in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {t: w / norm for t, w in weights.items()}
