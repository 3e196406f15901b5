"""The packed postings format of the terms table, and the query's TF-IDF vector: what search
needs of the index, without the build's scientific stack (scipy and scikit-learn load slowly)."""
from __future__ import annotations

import math
from collections import Counter

import numpy as np

ID_DTYPE = np.dtype("<i4")
WEIGHT_DTYPE = np.dtype("<f4")
COUNT_DTYPE = np.dtype("<u2")


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
