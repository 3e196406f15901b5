"""JSON transcripts: Podcasting 2.0 (`segments[]` of speaker/startTime/endTime/body), whisper and
whisperX (`segments[]` of start/end/text, perhaps speaker), whisper-timestamped (with `words[]`)."""
from __future__ import annotations

import json
import re

from .errors import TranscriptParseError
from .model import Document, LineIndex, Word
from .cues import parse_cue_time
from .transcript import Cue, check_times, join_cues, transcript_document

name = "json-transcript"
role = "transcript"
encoding_fallback = "cp1252"
SHAPE = ("expected an object with segments[] of startTime/endTime/body (Podcasting 2.0) "
         "or start/end/text (whisper)")


def sniff(path: str, text: str) -> bool:
    # A .json file is JSON whatever it holds (`null`, a bare string), so its error says so.
    return text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[") or path.lower().endswith(".json")


def parse(path: str, text: str) -> list[Document]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptParseError(f"not valid JSON: {exc.msg}", path, exc.lineno) from None
    except RecursionError:
        raise TranscriptParseError("not a transcript: JSON nested too deeply", path, 1) from None
    except ValueError:  # Python reads at most 4,300 digits of an integer
        raise TranscriptParseError("not a transcript: it holds a number too long to read", path, None) from None
    segments = data.get("segments") if isinstance(data, dict) else data
    if not isinstance(segments, list) or not segments:
        raise TranscriptParseError(f"not a transcript: {SHAPE}", path, 1)
    locator = Locator(text)
    cues = [check_times(segment_cue(seg, n, path, locator), path) for n, seg in enumerate(segments)]
    turns = join_cues([c for c in cues if c.text])
    if not turns:
        raise TranscriptParseError(f"transcript segments hold no text ({SHAPE})", path, 1)
    title = data.get("title") if isinstance(data, dict) and isinstance(data.get("title"), str) else None
    return [transcript_document(path, turns, title)]


class Locator:
    """Approximate source lines for the n-th segment: json.loads keeps no positions, so the n-th
    occurrence of the segment's time key is taken (exact for the layouts tools write)."""

    def __init__(self, text: str):
        self.text = text
        self.lines = LineIndex(text)
        self.cache: dict[str, list[int]] = {}

    def line(self, key: str, n: int) -> int | None:
        if key not in self.cache:
            if len(self.cache) > 4:
                return None
            self.cache[key] = [m.start() for m in re.finditer(re.escape(json.dumps(key)) + r"\s*:", self.text)]
        positions = self.cache[key]
        return self.lines.line(positions[n]) if n < len(positions) else None


def segment_cue(seg: object, n: int, path: str, locator: Locator) -> Cue:
    if not isinstance(seg, dict):
        raise TranscriptParseError(f"segment {n + 1} is not an object ({SHAPE})", path, locator.line("segments", 0))
    start_key = "startTime" if "startTime" in seg else "start"
    end_key = "endTime" if "endTime" in seg else "end"
    line = locator.line(start_key, n)
    text = seg.get("body", seg.get("text", ""))
    if not isinstance(text, str):
        raise TranscriptParseError(f"segment {n + 1}: body/text is not a string", path, line)
    speaker = seg.get("speaker")
    if isinstance(seg.get("voice"), str) and seg["voice"].strip() and (speaker is None or str(speaker).isdigit()):
        speaker = seg["voice"]  # Podlove: 'speaker' is a contributor id, 'voice' the name
    speaker = " ".join(str(speaker).split()) or None if speaker not in (None, "") else None
    start = seconds(seg.get(start_key), f"segment {n + 1}: {start_key}", path, line)
    end = seconds(seg.get(end_key), f"segment {n + 1}: {end_key}", path, line)
    words = [w for w in (word_of(item) for item in seg.get("words") or [] if isinstance(item, dict)) if w]
    return Cue(" ".join(text.split()), start, end, speaker, line, words)


def seconds(value: object, what: str, path: str, line: int | None) -> float | None:
    """Seconds from a number, a numeric string or a cue timestamp; None when absent (or empty:
    Podcasting 2.0 gives an endTime only "if available")."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise TranscriptParseError(f"{what} is not a time: {value!r}", path, line)
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip()
        try:
            number = float(text)
        except ValueError:
            number = parse_cue_time(text)
            if number is None:
                raise TranscriptParseError(f"{what} is not a time: {text[:40]!r}", path, line) from None
    if not 0 <= number < 10 ** 7:  # NaN, infinity and negative times fail this too
        raise TranscriptParseError(f"{what} is not a time: {value!r}", path, line)
    return round(number, 3)


def word_time(value: object) -> float | None:
    """A word's time in seconds, or None when it is missing or no plausible time."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if 0 <= number < 10 ** 7 else None


def word_of(item: dict) -> Word | None:
    text = item.get("word", item.get("text"))
    if not isinstance(text, str) or not text.strip():
        return None
    values = [item.get(k) for k in ("start", "end")]
    confidence = item.get("confidence", item.get("probability", item.get("score")))
    start, end = (word_time(v) for v in values)
    conf = float(confidence) if isinstance(confidence, (int, float)) and not isinstance(confidence, bool) else None
    return Word(text.strip(), start, end, conf)
