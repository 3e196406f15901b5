"""Is a decode plausible? The signs of lost or misplaced words, found against the speech regions.

A Whisper window that comes back without timestamps makes the engine skip ahead: the speech in it
gets no words, or its words are stamped late and squeezed together. A derailed decode repeats
itself or scores beyond Whisper's own thresholds. Each sign is a `Problem` over a time span, for
kb/audio/recover.py to decode again; `figures` sums them up for the transcript and the benchmark.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .speech import Regions, speech_seconds

WORD_PAD = 0.25  # a word covers this much either side of its own times
LONG_WORD = 1.5  # a word longer than this covers only its first and last half second: a sign of a skip
MIN_GAP = 1.0  # seconds of speech with no word that count as lost
SHORT_WORD = 0.04  # seconds: shorter words are squeezed, not spoken
OFF_SPEECH = 0.5  # a word this far from any speech is not where it was said
COMPRESSION_RATIO = 2.4  # Whisper's thresholds for a failed window
AVG_LOGPROB = -1.0
LATE_START = 1.5  # the first word this long after speech begins is late


@dataclass
class Problem:
    start: float
    end: float
    reason: str


def all_words(segments: list[dict]) -> list[dict]:
    return [w for s in segments for w in s.get("words") or []]


def word_cover(words: list[dict]) -> Regions:
    """The time the words account for, merged."""
    spans = []
    for w in words:
        a, b = w["start"], w["end"]
        spans += [(a - WORD_PAD, a + 0.5), (b - 0.5, b + WORD_PAD)] if b - a > LONG_WORD else [(a - WORD_PAD, b + WORD_PAD)]
    merged: list[list[float]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def uncovered(words: list[dict], regions: Regions, min_gap: float = MIN_GAP) -> Regions:
    """Stretches of at least `min_gap` seconds of speech that no word covers."""
    cover, out = word_cover(words), []
    for ra, rb in regions:
        t = ra
        for ca, cb in cover:
            if cb <= t or ca >= rb:
                continue
            if ca - t >= min_gap:
                out.append((t, ca))
            t = max(t, cb)
        if rb - t >= min_gap:
            out.append((t, rb))
    return out


def near_speech(t: float, regions: Regions) -> bool:
    return any(a - OFF_SPEECH <= t <= b + OFF_SPEECH for a, b in regions)


def off_speech(words: list[dict], regions: Regions) -> list[dict]:
    """Words whose middle is not on or near speech."""
    return [w for w in words if not near_speech((w["start"] + w["end"]) / 2, regions)]


def repeats(text: str) -> bool:
    """A phrase said over and over in a row (1-4 words, 4 times or more): a decoding loop."""
    words = re.findall(r"[a-z0-9']+", text.lower())
    for n in range(1, 5):
        for i in range(len(words) - 4 * n + 1):
            gram = words[i:i + n]
            if all(words[i + k * n:i + (k + 1) * n] == gram for k in range(1, 4)):
                return True
    return False


def segment_problems(seg: dict, regions: Regions) -> list[str]:
    """Why one segment looks wrong, if it does."""
    words, reasons = seg.get("words") or [], []
    if len(words) >= 4 and sum(w["end"] - w["start"] < SHORT_WORD for w in words) >= len(words) / 2:
        reasons.append("words squeezed together")
    if len(words) >= 3 and len(off_speech(words, regions)) >= len(words) / 2:
        reasons.append("words where nothing is said")
    if repeats(seg.get("text", "")):
        reasons.append("repeated words")
    if (seg.get("compression_ratio") or 0) > COMPRESSION_RATIO:
        reasons.append("compression ratio over 2.4")
    if seg.get("avg_logprob") is not None and seg["avg_logprob"] < AVG_LOGPROB and len(words) >= 3:
        reasons.append("average log-probability under -1")
    return reasons


def find_problems(segments: list[dict], regions: Regions) -> list[Problem]:
    """Every sign of a bad decode, in time order."""
    problems = [Problem(a, b, "speech with no words") for a, b in uncovered(all_words(segments), regions)]
    for seg in segments:
        for reason in segment_problems(seg, regions):
            problems.append(Problem(seg["start"], seg["end"], reason))
    return sorted(problems, key=lambda p: (p.start, p.end))


def figures(segments: list[dict], regions: Regions, duration: float) -> dict:
    """The plausibility figures of a transcript: how much speech has words, when the first word
    comes after speech starts, how many words are squeezed or off speech, how near the end it goes."""
    words = all_words(segments)
    speech = speech_seconds(regions)
    lost = uncovered(words, regions)
    return {
        "speech_seconds": round(speech, 2),
        "uncovered_seconds": round(sum(b - a for a, b in lost), 2),
        "coverage": round(1 - sum(b - a for a, b in lost) / speech, 3) if speech else 1.0,
        "first_word_delay": round(words[0]["start"] - regions[0][0], 2) if words and regions else None,
        "last_word_gap": round(regions[-1][1] - words[-1]["end"], 2) if words and regions else None,
        "short_word_share": round(sum(w["end"] - w["start"] < SHORT_WORD for w in words) / len(words), 3) if words else 0.0,
        "words_off_speech": len(off_speech(words, regions)),
        "words": len(words),
    }
