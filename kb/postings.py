"""The packed postings format of the terms table: one row per term with its chunk ids (int32),
TF-IDF weights (float32) and counts (uint16) as little-endian blobs. What search needs of the
index, without the build's scientific stack (scipy and scikit-learn load slowly)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ID_DTYPE = np.dtype("<i4")
WEIGHT_DTYPE = np.dtype("<f4")
COUNT_DTYPE = np.dtype("<u2")


@dataclass
class Postings:
    """One term's postings as read for search."""

    idf: float
    df: int
    chunk_ids: np.ndarray
    weights: np.ndarray  # L2-normalised TF-IDF, for the cosine
    bm25: np.ndarray  # the term's BM25 contribution to each chunk


def pack(array: np.ndarray, dtype: np.dtype) -> bytes:
    return np.ascontiguousarray(array, dtype=dtype).tobytes()


def unpack_ids(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=ID_DTYPE)


def unpack_weights(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=WEIGHT_DTYPE)


def unpack_counts(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=COUNT_DTYPE)
