"""One file's decode: the first pass in chunks (cached as each is done), tidied, then checked
against the speech regions and decoded again where it looks wrong (kb/audio/recover.py).

Word times are the model's: they are rounded and kept inside the audio, never pushed into order,
so a misplaced word shows as one (the checks count words off speech) instead of being hidden.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from . import checks
from .chunks import cut_points, decode_in_chunks
from .correct import correct_segments
from .options import SAMPLE_RATE, Progress, TranscribeOptions
from .recover import recover
from .speech import speech_regions

INTERNAL = ("avg_logprob", "compression_ratio")  # Whisper's scores: for the checks, not the transcript


@dataclass
class Decoded:
    segments: list[dict]
    language: str | None
    retries: list[dict] = field(default_factory=list)
    unrecovered: list[dict] = field(default_factory=list)
    checks: dict = field(default_factory=dict)


def tidy(segments: Iterable[dict], duration: float) -> list[dict]:
    """Segments and words in the output shape: plain floats rounded to 10 ms, inside the audio,
    each word's end at or after its start; empty words dropped, "multi" "-factor" joined."""
    out = []
    for seg in segments:
        words = []
        for w in seg.get("words") or []:
            text = " ".join(str(w.get("text", "")).split())
            if not text:
                continue
            start = min(max(float(w["start"]), 0.0), duration)
            end = min(max(float(w["end"]), start), duration)
            confidence = round(float(w.get("confidence") or 0.0), 3)
            if words and text[0] in "-'" and start <= words[-1]["end"]:  # "multi" "-factor": one word
                words[-1].update(text=words[-1]["text"] + text, end=round(end, 2),
                                 confidence=min(confidence, words[-1]["confidence"]))
                continue
            words.append({"text": text, "start": round(start, 2), "end": round(end, 2), "confidence": confidence})
        text = " ".join(w["text"] for w in words) if words else " ".join(str(seg.get("text", "")).split())
        if not text:
            continue
        start = words[0]["start"] if words else min(max(float(seg["start"]), 0.0), duration)
        end = max(words[-1]["end"] if words else min(float(seg["end"]), duration), start)
        if out and is_echo(text, start, out[-1]):
            continue
        scores = {k: round(float(seg[k]), 3) for k in INTERNAL if seg.get(k) is not None}
        out.append({"id": len(out), "start": round(start, 2), "end": round(end, 2), "text": text,
                    "confidence": round(float(seg.get("confidence") or 0.0), 3), **scores, "words": words})
    return out


def is_echo(text: str, start: float, previous: dict) -> bool:
    """A short segment that repeats the end of the one before it, right after it: Whisper's echo
    at the end of a window ("... see you next week." "next week.")."""
    def norm(t: str) -> list[str]:
        return re.findall(r"[a-z0-9']+", t.lower())

    said, before = norm(text), norm(previous["text"])
    return 0 < len(said) <= 3 and before[-len(said):] == said and start - previous["end"] < 1.0


def on_clock(segments: list[dict], offset: float) -> list[dict]:
    """A piece's segments moved onto the whole file's clock."""
    return [{**s, "start": s["start"] + offset, "end": s["end"] + offset,
             "words": [{**w, "start": w["start"] + offset, "end": w["end"] + offset} for w in s["words"]]}
            for s in segments]


def final(segments: list[dict]) -> list[dict]:
    """Numbered in order, without the internal scores."""
    return [{"id": n, **{k: v for k, v in s.items() if k not in (*INTERNAL, "id")}} for n, s in enumerate(segments)]


def decode_file(audio: np.ndarray, engine, options: TranscribeOptions, chunk_folder: Path | None,
                progress: Progress) -> Decoded:
    """The transcript of one file's samples: chunked first pass, checks, recovery."""
    duration = audio.size / SAMPLE_RATE
    regions = speech_regions(audio)
    found = {"language": options.language}

    def first_pass(piece: np.ndarray, start: float) -> list[dict]:
        segments, language = engine.decode(piece, options, found["language"], options.prompt)
        found["language"] = found["language"] or language
        return on_clock(tidy(segments, piece.size / SAMPLE_RATE), start)

    edges = cut_points(regions, duration, options.chunk_seconds)
    segments = tidy(decode_in_chunks(audio, edges, first_pass, chunk_folder, progress), duration)
    result = Decoded(segments, found["language"])
    if options.recover:
        def again(piece: np.ndarray) -> list[dict]:  # no prompt, no previous text, temperature fallback
            return tidy(engine.decode(piece, options, found["language"], None, condition=False)[0],
                        piece.size / SAMPLE_RATE)
        result.segments, result.retries, result.unrecovered = recover(audio, segments, regions, again)
    if options.jargon:
        result.segments = correct_segments(result.segments)
    result.checks = checks.figures(result.segments, regions, duration)
    result.segments = final(result.segments)
    return result
