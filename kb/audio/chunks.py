"""Long files in chunks: cut in the longest silence near every minute, each chunk decoded on its
own and cached as soon as it is done, so memory stays that of one chunk and an interrupted run
resumes from the last finished chunk.

Decoding the whole file in one call computes the features of all of it first (about 0.9 MB per
second of audio: some 3 GB for an hour); a 60 s chunk peaks at about 170 MB. A chunk's file is
written by rename, so it exists only when complete; decoding is deterministic and no state crosses
a chunk edge, so a resumed transcript equals an uninterrupted one.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import numpy as np

from ..atomic import write_json
from .options import SAMPLE_RATE, Progress
from .speech import Regions, silences

CHUNK_SECONDS = 60.0
CUT_TOLERANCE = 1 / 6  # of a chunk's length, either side of each mark, to look for a silence in (10 s a minute)
DecodeChunk = Callable[[np.ndarray, float], list[dict]]  # (piece, its start) -> segments on the file's clock


def cut_points(regions: Regions, duration: float, every: float = CHUNK_SECONDS) -> list[float]:
    """Chunk edges from 0 to the end: the middle of the longest silence near each `every`-second
    mark after the previous edge (the mark itself where there is none)."""
    gaps, tolerance = silences(regions, duration), every * CUT_TOLERANCE
    edges = [0.0]
    while edges[-1] + every < duration - tolerance:
        mark = edges[-1] + every
        near = [(a, b) for a, b in gaps if abs((a + b) / 2 - mark) <= tolerance and (a + b) / 2 > edges[-1] + every / 2]
        best = max(near, key=lambda g: g[1] - g[0], default=None)
        edges.append(round((best[0] + best[1]) / 2, 2) if best else mark)
    return edges + [duration]


def chunk_file(folder: Path, start: float, end: float) -> Path:
    return folder / f"chunk-{start:09.2f}-{end:09.2f}.json"


def read_chunk(path: Path) -> list[dict] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, list) else None


def decode_in_chunks(audio: np.ndarray, edges: list[float], decode: DecodeChunk, folder: Path | None,
                     progress: Progress) -> list[dict]:
    """Every chunk's segments, in order: read from `folder` where a finished one is there, else
    decoded now and written there. Progress is reported after each chunk."""
    duration = audio.size / SAMPLE_RATE
    segments: list[dict] = []
    for start, end in zip(edges, edges[1:]):
        path = chunk_file(folder, start, end) if folder is not None else None
        found = read_chunk(path) if path is not None else None
        if found is None:
            found = decode(audio[int(start * SAMPLE_RATE):int(end * SAMPLE_RATE)], start)
            if path is not None:
                write_json(path, found)
        segments += found
        progress(min(end, duration), duration)
    return segments


def remove_chunks(folder: Path | None) -> None:
    """The chunk files of a finished transcript: the whole transcript is cached now."""
    if folder is None or not folder.is_dir():
        return
    for path in folder.glob("chunk-*.json"):
        path.unlink(missing_ok=True)
    try:
        folder.rmdir()
    except OSError:
        pass
