"""What a result shows: the window of its text with the query's words, and where it was said (the
first matched word's second, for transcripts with word times), as the dicts `kb search --json` prints."""
from __future__ import annotations

import json
import re
import sqlite3
from bisect import bisect_right
from functools import lru_cache
from itertools import compress
from operator import not_

from .analysis import STOP_WORDS, fold, stem
from .timecode import mmss

SNIPPET_WORDS = 36


@lru_cache(maxsize=100_000)
def token_stems(token: str) -> tuple[str, ...]:
    """The stems of one whitespace-separated token of text (cached: tokens repeat a lot)."""
    return tuple(stem(w) for w in re.findall(r"[a-z0-9]+", fold(token)))


def snippet_parts(text: str, stems: set[str], width: int = SNIPPET_WORDS,
                  phrases: list[tuple[str, ...]] = ()) -> list[tuple[str, bool]]:
    """The window of the text with the most query words, as (word, matched) pairs; a quoted
    phrase of the query (its stems, in order) is kept whole in the middle of the window."""
    tokens = text.split()
    # Each distinct token is looked up once (a passage repeats most of its words), then every
    # token is marked from that set: both in C, no loop in Python.
    distinct = set(tokens)
    matched = set(compress(distinct, map(not_, map(stems.isdisjoint, map(token_stems, distinct)))))
    hits = list(map(matched.__contains__, tokens))
    start = 0
    at = phrase_at(tokens, phrases)
    if len(tokens) > width:
        inside = [at[0], at[-1]] if at else best_window(list(compress(range(len(tokens)), hits)), width)
        if inside:  # centre the phrase, or the matched words of the best window
            middle = (inside[0] + inside[-1]) // 2
            start = min(max(0, middle - width // 2), len(tokens) - width)
    for n in at:
        hits[n] = True
    window = list(zip(tokens[start:start + width], hits[start:start + width]))
    if start > 0:
        window.insert(0, ("…", False))
    if start + width < len(tokens):
        window.append(("…", False))
    return window


def phrase_at(tokens: list[str], phrases: list[tuple[str, ...]]) -> list[int]:
    """The token positions of the first quoted phrase found whole in the tokens: its stems in a
    row, stop words and punctuation between them passed over, as the index reads a phrase."""
    if not any(phrases):
        return []
    seq = [(n, s) for n, token in enumerate(tokens) for s in token_stems(token) if s not in STOP_WORDS]
    words = [s for _, s in seq]
    for phrase in filter(None, phrases):
        for first in range(len(seq) - len(phrase) + 1):
            if tuple(words[first:first + len(phrase)]) == phrase:
                return list(range(seq[first][0], seq[first + len(phrase) - 1][0] + 1))
    return []


def best_window(positions: list[int], width: int) -> list[int]:
    """The positions inside the first window of `width` words that holds the most of them (a
    best window can always start at one of them, so only those starts are tried)."""
    best: list[int] = []
    for n, first in enumerate(positions):
        inside = positions[n:bisect_right(positions, first + width - 1)]
        if len(inside) > len(best):
            best = inside
    return best


def snippet(text: str, stems: set[str]) -> str:
    return " ".join([word for word, _ in snippet_parts(text, stems)])


def result(row: sqlite3.Row, score: float, stems: set[str]) -> dict:
    """One result as a plain dict (the shape of `kb search --json`)."""
    return {
        "chunk_id": row["id"], "document_id": row["document_id"], "title": row["title"],
        "episode": row["episode"], "show": row["show"], "season": row["season"],
        "kind": row["kind"], "heading": row["heading"],
        "speaker": row["speaker"], "likely_speaker": row["likely_speaker"], "start": row["start"], "end": row["end"],
        "start_estimated": bool(row["start_estimated"]), "time": mmss(row["start"]),
        "score": round(score, 4), "topics": json.loads(row["topics"] or "[]"), "url": row["url"],
        "chapter": row["chapter"],
        "snippet": snippet(row["text"], stems), "text": row["text"],
        "document_url": row["document_url"], "audio_url": row["audio_url"],
    }


def spoken_at(results: list[dict], timed: dict[int, list[tuple[str, float | None]]], stems: set[str]) -> None:
    """Results on transcripts with word times (`timed`: chunk id -> (word, start) pairs) start at
    the first word of the query, where most of its words follow close together, and their deep
    link goes to that second."""
    for r in results:
        start = first_match(timed.get(r["chunk_id"], []), stems)
        if start is not None:
            r.update(start=start, time=mmss(start), start_estimated=False,
                     url=re.sub(r"#t=[\d.]+$", f"#t={int(start)}", r["url"]) if r["url"] else r["url"])


def first_match(words: list[tuple[str, float | None]], stems: set[str]) -> float | None:
    """The start of the earliest matched word among those that begin the run holding most query words."""
    hits = [(i, set(token_stems(w)) & stems) for i, (w, start) in enumerate(words) if start is not None]
    hits = [(i, found) for i, found in hits if found]
    if not hits:
        return None
    span = len(stems) + 2
    best = max(hits, key=lambda hit: (len(set().union(*(f for j, f in hits if hit[0] <= j < hit[0] + span))), -hit[0]))
    return words[best[0]][1]
