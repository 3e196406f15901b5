"""Otter-style transcripts: a turn header 'Speaker Name  M:SS' (or H:MM:SS) followed by its text."""
from __future__ import annotations

import re
import warnings

from .errors import IngestWarning, TranscriptParseError
from .model import Segment, parse_timestamp

# A speaker is one to six words that start with a letter ("Speaker 1" too); the stamp ends the line.
TURN_HEADER = re.compile(
    r"^(?P<speaker>[^\W\d_][^:]{0,60}?)(?P<gap>\s+)(?P<stamp>(?:\d+:)?\d{1,2}:\d{2})\s*$"
)
# Blog copies of a transcript wrap the speaker in markup: '<b>Robert</b>  0:04'.
TAG = re.compile(r"</?[A-Za-z][^<>]{0,100}>")
LOWER_NAME_WORDS = 3  # 'robert  0:04': an uncapitalised name, only with Otter's two-space gap
MAX_HOURS = 99  # a turn stamped later than this is a typo: the turn is kept, without a time


def looks_like_name(speaker: str, gap: str = " ") -> bool:
    """'Robert Crane', 'Tim O’Neill', 'Speaker 1', 'Jane de Souza', '李明'; not 'See you at' (one
    lower-case word at most). An uncapitalised 'robert' is a name only before Otter's two spaces."""
    words = speaker.split()
    if not 1 <= len(words) <= 6:
        return False
    if not words[0][0].islower():  # capitalised, or a script without case (李明)
        return sum(w[0].islower() for w in words) <= 1
    return len(gap) >= 2 and len(words) <= LOWER_NAME_WORDS and not re.search(r"[.,;!?]", speaker)


def turn_header(line: str) -> tuple[str, int | None] | None:
    """(speaker, start second) when the line is a turn header, else None; the start is None when
    the stamp is no plausible time ('Jane Doe  12345678:00:00')."""
    match = TURN_HEADER.match(TAG.sub("", line).strip())
    if not match or not looks_like_name(match["speaker"], match["gap"]):
        return None
    hours = match["stamp"].split(":")[0] if match["stamp"].count(":") == 2 else "0"
    if len(hours) > 2 and int(hours) > MAX_HOURS:
        return match["speaker"].strip(), None
    try:
        return match["speaker"].strip(), parse_timestamp(match["stamp"])
    except ValueError:
        return None


def parse_turns(lines: list[tuple[int, str]], path: str | None = None) -> list[Segment]:
    """Speaker turns from numbered lines; each turn ends where the next begins."""
    turns: list[Segment] = []
    for lineno, line in lines:
        text = line.strip()
        if not text:
            continue
        header = turn_header(text)
        if header:
            speaker, start = header
            if start is None:
                warnings.warn(IngestWarning(f"{path}, line {lineno}: {text!r} has no plausible time; "
                                            "the turn is kept without one"))
            turns.append(Segment("transcript", "", speaker=speaker, start=start, line=lineno))
        elif turns:
            turns[-1].text = f"{turns[-1].text} {text}".strip()
        else:  # text before the first header is kept, without speaker or time
            turns.append(Segment("transcript", text, line=lineno))
    if not any(t.speaker for t in turns):
        first = lines[0][0] if lines else None
        raise TranscriptParseError("transcript has no 'Speaker M:SS' turn headers", path, first)
    turns = [t for t in turns if t.text]
    for turn, following in zip(turns, turns[1:]):
        if following.start is not None and following.start >= (turn.start or 0):
            turn.end = following.start
    return turns
