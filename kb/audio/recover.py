"""Recovery: each stretch where the decode looks wrong is decoded again on its own, without the
prompt and without the previous text, with temperature fallback, and the better of the two is kept.

Measured on the old default's transcripts (the vocabulary as a text prompt) of 16 synthetic clips:
WER 22.6% -> 13.9%, sentences lost 35 -> 7, first word over 1 s late 5 -> 0, for 19% of the audio
decoded twice; on transcripts without the prompt it almost never fires. What is retried, why, and
which version was kept goes into the transcript JSON (`retries`); speech that still has no words
afterwards is listed (`unrecovered`) and reported as a warning naming the file and the seconds.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .checks import Problem, all_words, find_problems, segment_problems, uncovered
from .options import SAMPLE_RATE
from .speech import Regions

Decode = Callable[[np.ndarray], list[dict]]  # a piece of audio -> segments on the piece's own clock
MAX_SPAN = 60.0  # seconds: the most one retry decodes
EDGE = 0.2  # seconds of audio either side of a span, so its first and last words are whole


def repair_spans(segments: list[dict], problems: list[Problem], duration: float) -> list[tuple[float, float, list[str]]]:
    """The stretches to decode again, merged, each with its reasons. Lost speech is widened to the
    last word before it and to the end of the next segment, whose words are the ones likely stamped late."""
    words = all_words(segments)
    spans = []
    for p in problems:
        a, b = p.start, p.end
        if p.reason == "speech with no words":
            a = max([w["end"] for w in words if w["end"] <= p.start + 1e-6], default=0.0)
            later = [s for s in segments if s.get("words") and s["words"][0]["start"] >= p.end - 1e-6]
            b = max(p.end, min(later[0]["end"] if later else duration, a + MAX_SPAN, duration))
        spans.append([max(0.0, a), min(duration, b), [p.reason]])
    merged: list[list] = []
    for a, b, reasons in sorted(spans):
        if merged and a <= merged[-1][1] + 0.5 and b - merged[-1][0] <= MAX_SPAN:
            merged[-1][1] = max(merged[-1][1], b)
            merged[-1][2] += [r for r in reasons if r not in merged[-1][2]]
        else:
            merged.append([a, b, reasons])
    return [(a, b, reasons) for a, b, reasons in merged]


def inside(w: dict, a: float, b: float) -> bool:
    return a <= (w["start"] + w["end"]) / 2 <= b


def with_words(seg: dict, words: list[dict]) -> dict:
    return {**seg, "words": words, "start": words[0]["start"], "end": words[-1]["end"],
            "text": " ".join(w["text"] for w in words)}


def shifted(segments: list[dict], offset: float, a: float, b: float) -> list[dict]:
    """A piece's segments on the whole file's clock, keeping the words that fall in [a, b]."""
    out = []
    for seg in segments:
        words = [{**w, "start": w["start"] + offset, "end": w["end"] + offset} for w in seg.get("words") or []]
        words = [w for w in words if inside(w, a, b)]
        if words:
            out.append(with_words(seg, words))
    return out


def badness(segments: list[dict], regions: Regions, a: float, b: float) -> tuple[float, int]:
    """(seconds of speech in [a, b] with no words, segment problems there): lower is better."""
    local = [(max(a, ra), min(b, rb)) for ra, rb in regions if rb > a and ra < b]
    lost = sum(y - x for x, y in uncovered(all_words(segments), local))
    return round(lost, 2), sum(len(segment_problems(s, regions)) for s in segments)


def splice(segments: list[dict], new: list[dict], a: float, b: float) -> list[dict]:
    """The segments with the words in [a, b] replaced by `new`'s."""
    kept = []
    for seg in segments:
        words = [w for w in seg.get("words") or [] if not inside(w, a, b)]
        if words:
            kept.append(with_words(seg, words))
        elif not seg.get("words") and not (a <= seg["start"] <= b):
            kept.append(seg)
    return sorted(kept + new, key=lambda s: s["start"])


def retry_span(audio: np.ndarray, segments: list[dict], regions: Regions, decode: Decode,
               span: tuple[float, float, list[str]]) -> tuple[list[dict], dict]:
    """Decode one span again; keep whichever version leaves less speech without words."""
    a, b, reasons = span
    duration = audio.size / SAMPLE_RATE
    lo, hi = max(0.0, a - EDGE), min(duration, b + EDGE)
    new = shifted(decode(audio[int(lo * SAMPLE_RATE):int(hi * SAMPLE_RATE)]), lo, a - EDGE, b + EDGE)
    old = [with_words(s, [w for w in s["words"] if inside(w, a, b)]) for s in segments
           if any(inside(w, a, b) for w in s.get("words") or [])]
    take = badness(new, regions, a, b) < badness(old, regions, a, b)
    record = {"start": round(a, 2), "end": round(b, 2), "reasons": reasons,
              "kept": "retry" if take else "first pass", "words_before": len(all_words(old)),
              "words_after": len(all_words(new)) if take else len(all_words(old))}
    return (splice(segments, new, a, b) if take else segments), record


def recover(audio: np.ndarray, segments: list[dict], regions: Regions, decode: Decode) -> tuple[list[dict], list[dict], list[dict]]:
    """(segments, retries, unrecovered): the transcript after decoding again where it looks wrong."""
    duration = audio.size / SAMPLE_RATE
    retries = []
    for span in repair_spans(segments, find_problems(segments, regions), duration):
        segments, record = retry_span(audio, segments, regions, decode, span)
        retries.append(record)
    lost = [{"start": round(a, 2), "end": round(b, 2)} for a, b in merge_close(uncovered(all_words(segments), regions))]
    return segments, retries, lost


def merge_close(spans: Regions, pause: float = 2.0) -> Regions:
    """Stretches less than `pause` apart as one (the sentences of one lost passage)."""
    merged: list[list[float]] = []
    for a, b in spans:
        if merged and a - merged[-1][1] < pause:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]
