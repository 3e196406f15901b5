"""TF-IDF over chunks with scikit-learn, stored as one packed postings row per term.

Each term row carries three blobs: the chunk ids (int32), the chunk's L2-normalised TF-IDF
weights (float32) and the raw term counts (uint16, for BM25). A query reads only the rows of its
own terms, so a process answers from kb.db without loading the whole matrix, and a term read
once stays cached in memory.

Counting is split so that it can run in parallel: `count_terms` turns the term lists of one run
of chunks into a count matrix with its own vocabulary, `merge_counts` joins the runs, and
`build_index` weights the result. Everything per term or per chunk after counting is numpy.
"""
from __future__ import annotations

from array import array
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Iterable, Iterator

import numpy as np
from scipy.sparse import csr_matrix

from .postings import ID_DTYPE, PackedPostings
from .postings import tfidf_weights as term_weights

TOP_KEYWORDS = 10  # per chunk: the readable chunk_keywords table, and related passages
KEYWORD_BLOCK = 8192  # chunks whose keywords are sorted at a time


@dataclass
class TermPostings:
    term: str
    df: int
    idf: float
    chunk_ids: np.ndarray
    weights: np.ndarray
    counts: np.ndarray


@dataclass
class Counts:
    """Term counts of a run of chunks: a chunks x vocabulary matrix and the vocabulary."""
    matrix: csr_matrix
    vocabulary: list[str]


@dataclass
class TfidfIndex:
    """Postings of every term, held column-wise: term n's chunks are ids[indptr[n]:indptr[n+1]]."""
    vocabulary: list[str]
    df: np.ndarray
    idf: np.ndarray
    indptr: np.ndarray
    ids: np.ndarray
    counts: np.ndarray
    keywords: Iterable[tuple[int, str]]  # chunk_id, its top words as a JSON list, best first
    term_counts: list[int]  # index terms per chunk: the document length for BM25
    vector_lengths: np.ndarray  # each chunk's TF-IDF vector length before L2 normalisation
    chunk_ids: np.ndarray  # the chunks' ids, ascending, in the order of the two arrays above

    @property
    def postings(self) -> Iterator[TermPostings]:
        """Each term's postings with its weights, computed as search computes them from the
        counts (kb/postings.py): the build itself keeps no weights."""
        for n, term in enumerate(self.vocabulary):
            lo, hi = self.indptr[n], self.indptr[n + 1]
            lengths = self.vector_lengths[np.searchsorted(self.chunk_ids, self.ids[lo:hi])]
            yield TermPostings(term, int(self.df[n]), float(self.idf[n]), self.ids[lo:hi],
                               term_weights(self.counts[lo:hi], self.idf[n], lengths), self.counts[lo:hi])

    def term_rows(self) -> Iterator[tuple]:
        """(id, term, df, idf, chunk_ids, counts) rows of the terms table, blobs packed."""
        packed = PackedPostings(self.indptr, self.ids, self.counts)
        for n, (term, df, idf) in enumerate(zip(self.vocabulary, self.df.tolist(), self.idf.tolist())):
            yield (n + 1, term, df, idf, *packed.blobs(n))


def count_terms(chunk_terms: Iterable[list[str]]) -> Counts:
    """Count each chunk's index terms (`analysis.terms`, in chunk order) against a vocabulary
    of this run's own; ids are given in order of first appearance."""
    vocabulary: defaultdict[str, int] = defaultdict()
    vocabulary.default_factory = vocabulary.__len__  # a new term gets the next id, all in C
    indptr, columns, values = array("q", [0]), array("i"), array("i")
    for chunk in chunk_terms:
        counted = Counter(chunk)
        columns.extend(map(vocabulary.__getitem__, counted))
        values.extend(counted.values())
        indptr.append(len(columns))
    matrix = csr_matrix((np.frombuffer(values, np.int32), np.frombuffer(columns, np.int32),
                         np.frombuffer(indptr, np.int64)), shape=(len(indptr) - 1, len(vocabulary)))
    return Counts(matrix, list(vocabulary))


def merge_counts(runs: list[Counts]) -> Counts:
    """Runs of chunks, in order, as one count matrix over one vocabulary. The list is emptied as
    the runs are copied in, so that each run's memory goes as soon as it is copied (the runs and
    the whole matrix are never all held at once)."""
    vocabulary: defaultdict[str, int] = defaultdict()
    vocabulary.default_factory = vocabulary.__len__
    nnz = sum(run.matrix.nnz for run in runs)
    data, columns = np.empty(nnz, np.int32), np.empty(nnz, np.int32)
    lengths, at = [np.zeros(1, np.int64)], 0
    runs.reverse()  # popped from the end, in order
    while runs:
        run = runs.pop()
        global_ids = np.fromiter(map(vocabulary.__getitem__, run.vocabulary), np.int32, len(run.vocabulary))
        n = run.matrix.nnz
        data[at:at + n] = run.matrix.data
        columns[at:at + n] = global_ids[run.matrix.indices]
        lengths.append(np.diff(run.matrix.indptr))
        at += n
        del run
    indptr = np.cumsum(np.concatenate(lengths))
    return Counts(csr_matrix((data, columns, indptr), shape=(len(indptr) - 1, len(vocabulary))), list(vocabulary))


def build_index(chunk_ids: list[int], chunk_terms: Iterable[list[str]] | Counts) -> TfidfIndex:
    """Fit TF-IDF on the chunks' index terms (term lists in chunk order, or their `Counts`);
    return postings per term and each chunk's top keywords."""
    counted = chunk_terms if isinstance(chunk_terms, Counts) else count_terms(chunk_terms)
    counts, vocabulary = counted.matrix, counted.vocabulary
    ids = np.asarray(chunk_ids, dtype=ID_DTYPE)
    lengths = chunk_lengths(counted)
    if not vocabulary:  # no chunk has an index term (only stop words, or no letters at all)
        empty = np.zeros(0)
        return TfidfIndex([], empty, empty, np.zeros(1, np.int64), empty, empty, [], lengths,
                          np.ones(len(ids), np.float32), ids)
    idf = smooth_idf(counts)
    weights, vector_lengths = tfidf_weights(counts, idf)
    # Term-major order of the entries; the counts in that order, capped in place (no second copy).
    positions = csr_matrix((np.arange(counts.nnz, dtype=np.int32 if counts.nnz < 2**31 else np.int64),
                            counts.indices, counts.indptr),
                           shape=counts.shape).tocsc()
    term_counts = counts.data[positions.data]
    np.minimum(term_counts, 65535, out=term_counts)
    return TfidfIndex(
        vocabulary=vocabulary, df=np.diff(positions.indptr), idf=idf, indptr=positions.indptr,
        ids=ids[positions.indices], counts=term_counts,
        keywords=top_keywords(counts, weights, vocabulary, ids), term_counts=lengths,
        vector_lengths=vector_lengths, chunk_ids=ids,
    )


def smooth_idf(counts: csr_matrix) -> np.ndarray:
    """scikit-learn's smoothed idf, ln((1 + n) / (1 + df)) + 1, from the document frequencies:
    its TfidfTransformer first copied every count as float64 (100 MB at 100,000 chunks)."""
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return np.log((counts.shape[0] + 1) / (df + 1.0)) + 1.0


def chunk_lengths(counts: Counts) -> list[int]:
    """Each chunk's number of index terms (BM25's document length)."""
    return np.asarray(counts.matrix.sum(axis=1)).ravel().astype(np.int64).tolist()


def tfidf_weights(counts: csr_matrix, idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's sublinear, L2-normalised TF-IDF of each stored count, in the same order, and
    each chunk's vector length (what search divides by, kb/postings.py)."""
    weights = np.log(counts.data.astype(np.float32))
    weights += 1.0
    weights *= idf.astype(np.float32)[counts.indices]
    row_lengths = np.diff(counts.indptr)
    squares = np.zeros(len(row_lengths))
    filled = row_lengths > 0
    if counts.nnz:
        squares[filled] = np.add.reduceat(np.square(weights), counts.indptr[:-1][filled], dtype=np.float64)
    vector_lengths = np.sqrt(np.where(filled, squares, 1.0)).astype(np.float32)
    weights /= np.repeat(vector_lengths, row_lengths)
    return weights, vector_lengths


def top_keywords(counts: csr_matrix, weights: np.ndarray, vocabulary: list[str],
                 ids: np.ndarray) -> Iterator[tuple[int, str]]:
    """Each chunk's highest-weighted single words (bigrams read badly and seldom recur), best
    first, as a JSON list; found KEYWORD_BLOCK chunks at a time as they are read, so that the
    sort's arrays stay small however many chunks there are."""
    single = np.fromiter((" " not in term for term in vocabulary), bool, len(vocabulary))
    for first in range(0, counts.shape[0], KEYWORD_BLOCK):
        last = min(first + KEYWORD_BLOCK, counts.shape[0])
        lo, hi = counts.indptr[first], counts.indptr[last]
        keep = single[counts.indices[lo:hi]]
        rows = np.repeat(np.arange(first, last, dtype=np.int32), np.diff(counts.indptr[first:last + 1]))[keep]
        columns, found = counts.indices[lo:hi][keep], weights[lo:hi][keep]
        # One stable sort: by chunk, then weight down (weights are in (0, 1], so the key stays
        # below the next chunk's); equal weights keep their stored order, so the result is deterministic.
        order = np.argsort(rows + (1.0 - found.astype(np.float64)) * 0.5, kind="stable")
        rows, columns = rows[order], columns[order]
        rank = np.arange(len(rows)) - np.searchsorted(rows, np.arange(first, last))[rows - first]  # from 0 in each row
        top = rank < TOP_KEYWORDS
        words = zip(ids[rows[top]].tolist(), map(vocabulary.__getitem__, columns[top].tolist()))
        yield from ((chunk_id, json.dumps([word for _, word in run])) for chunk_id, run in groupby(words, key=itemgetter(0)))
