"""The packed postings format of the terms table: one row per term with its chunk ids and its
counts in them as little-endian blobs, each in the narrowest form that holds it (ids as 16-bit
gaps, counts as bytes: 3 bytes an entry where plain int32 ids, float32 weights and uint16 counts
took 10). The TF-IDF weights are computed on reading from the counts, the idf and each chunk's
vector length (kb_arrays). What search needs of the index, without the build's scientific stack
(scipy and scikit-learn load slowly)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

ID_DTYPE = np.dtype("<i4")
GAP_DTYPE = np.dtype("<u2")
COUNT_DTYPE = np.dtype("<u2")
SMALL_COUNT_DTYPE = np.dtype("u1")


@dataclass
class Postings:
    """One term's postings as read for search."""

    idf: float
    df: int
    chunk_ids: np.ndarray
    counts: np.ndarray
    bm25: np.ndarray  # the term's BM25 contribution to each chunk, which search ranks by
    vector_lengths: np.ndarray = field(repr=False)  # every chunk's TF-IDF vector length, by chunk id

    @cached_property
    def weights(self) -> np.ndarray:
        """L2-normalised TF-IDF weights, for related passages: computed when first asked for."""
        return tfidf_weights(self.counts, self.idf, self.vector_lengths[self.chunk_ids])


def pack(array: np.ndarray, dtype: np.dtype) -> bytes:
    return np.ascontiguousarray(array, dtype=dtype).tobytes()


def unpack_ids(blob: bytes, df: int) -> np.ndarray:
    """A term's chunk ids: gaps between ids as uint16 (2 bytes each, the usual case), or the ids
    themselves as int32 where a gap is too wide for 16 bits; the blob's length says which."""
    if len(blob) == 2 * df:
        return np.cumsum(np.frombuffer(blob, dtype=GAP_DTYPE), dtype=ID_DTYPE.newbyteorder("="))
    return np.frombuffer(blob, dtype=ID_DTYPE)


def unpack_counts(blob: bytes, df: int) -> np.ndarray:
    """A term's count in each of its chunks: uint8, or uint16 where one passes 255."""
    return np.frombuffer(blob, dtype=SMALL_COUNT_DTYPE if len(blob) == df else COUNT_DTYPE)


def tfidf_weights(counts: np.ndarray, idf: float, chunk_norms: np.ndarray) -> np.ndarray:
    """A term's L2-normalised TF-IDF weight in each chunk (sublinear tf, as scikit-learn's), from
    its counts and those chunks' vector lengths: computed on reading rather than stored."""
    weights = np.log(counts.astype(np.float32))
    weights += 1.0
    weights *= np.float32(idf)
    weights /= chunk_norms
    return weights


class PackedPostings:
    """Every term's postings (term-major, `indptr` bounds) packed for the terms table, each term
    in its narrowest form, decided for all terms at once."""

    def __init__(self, indptr: np.ndarray, ids: np.ndarray, counts: np.ndarray):
        starts = indptr[:-1]
        self.bounds = indptr.tolist()
        filled = starts < indptr[1:]
        gaps = np.empty_like(ids)  # int32: chunk ids stay below 2**31; filled without a temporary copy
        if len(ids):
            gaps[0] = ids[0]
            np.subtract(ids[1:], ids[:-1], out=gaps[1:])
        gaps[starts[filled]] = ids[starts[filled]]  # each term's first gap is from 0
        self.narrow_ids = np.zeros(len(starts), bool)
        self.narrow_counts = np.zeros(len(starts), bool)
        if len(ids):
            self.narrow_ids[filled] = np.maximum.reduceat(gaps, starts[filled]) < 2**16
            self.narrow_counts[filled] = np.maximum.reduceat(counts, starts[filled]) < 2**8
        self.ids, self.counts = ids, counts  # the wide forms are packed term by term: few need them
        np.minimum(gaps, 2**16 - 1, out=gaps)
        self.gaps = gaps.astype(GAP_DTYPE)
        self.small_counts = counts.astype(SMALL_COUNT_DTYPE)
        self.small_counts[counts > 255] = 255

    def blobs(self, n: int) -> tuple[bytes, bytes]:
        lo, hi = self.bounds[n], self.bounds[n + 1]
        ids = self.gaps[lo:hi].tobytes() if self.narrow_ids[n] else pack(self.ids[lo:hi], ID_DTYPE)
        counts = self.small_counts[lo:hi].tobytes() if self.narrow_counts[n] else pack(self.counts[lo:hi], COUNT_DTYPE)
        return ids, counts
