"""How the show's posts are written, whatever the file format: episode titles, the section headers
that start a Resources list, a transcript or a reference list, the listen-at and subscribe lines
that every episode repeats, title-like lines, and dates. The blog dump, WordPress pages and feed
show notes all read their text with these, so each format module stays on its own."""
from __future__ import annotations

import re

from .model import Segment
from .errors import TranscriptParseError
from .otter import parse_turns, turn_header

EPISODE_TITLE = re.compile(r"\bepisode\s*#?\s*(\d{1,5})\b", re.I)
RESOURCES_HEADER = re.compile(r"^(resources|links|show links)\s*:?$", re.I)
TRANSCRIPT_HEADER = re.compile(r"^(transcription|transcript|full transcript)\s*:?$", re.I)
REFERENCES_HEADER = re.compile(r"^(references|works cited|sources|bibliography|citations|notes)\s*:?$", re.I)
PLACEHOLDER = re.compile(r"^(bp\d+|audio|video|image)$", re.I)  # where the blog had an image or player
BULLET = re.compile(r"^\s*[•●◦▪■\-*–]\s+")
REFERENCE_ITEM = re.compile(r"^\s*(\[\d{1,3}\]|\d{1,3}[.)])\s*")
LISTEN_CUE = re.compile(r"\blisten\b.*\b(at|here)\s*:?\s*$", re.I)
# Show-notes lines that every episode repeats; they must not drown out real content in search.
BOILERPLATE = re.compile(
    r"subscribe via|itunes\.apple\.com|available on stitcher|stitcher\.com|give the show a rating"
    r"|take a listen and let us know|listen directly to this episode|you have been listening to"
    r"|recorded using microsoft teams|produced with camtasia"
    r"|sponsored by|brought to you by|thanks to our sponsor",
    re.I,
)
BOILERPLATE_MAX_WORDS = 30  # a long paragraph that mentions "subscribe" is still content
LONG_PARAGRAPH_WORDS = 20
ISO_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})")
# Reference numbers glued to the text, as write-ups pasted from a word processor carry them: after a
# word's closing punctuation ("tenant.3 This", "(GDAP).4"), or in brackets ("program[1]"). A
# number after a digit ("100.5") is left alone: it may be a decimal.
CITATION = re.compile(r"(?<=[A-Za-z)\]”’\"][.,;:!?])(\d{1,2}(?:,\d{1,2})*)(?=\s|$)|(?<=[A-Za-z)”’.])((?:\[\d{1,3}\])+)")


def title_episode(title: str) -> int | None:
    """The episode number a title names: 'Need to Know podcast–Episode 234' -> 234."""
    found = EPISODE_TITLE.search(title or "")
    return int(found.group(1)) if found else None


def section_header(line: str) -> str | None:
    """'resources', 'transcript' or 'references' when the line heads such a list, else None."""
    line = line.strip()
    for kind, pattern in (("resources", RESOURCES_HEADER), ("transcript", TRANSCRIPT_HEADER),
                          ("references", REFERENCES_HEADER)):
        if pattern.match(line):
            return kind
    return None


def is_section_header(line: str) -> bool:
    """'Resources', 'Transcription', 'Works cited'...: a header ends its block even without a blank line."""
    return section_header(line) is not None


def is_title_like(line: str) -> bool:
    """A short line that could be a heading: capitalised, no sentence ending, no URL or list marker."""
    line = line.strip()
    if not is_short_line(line, max_words=16) or line[-1] in ".,;:!" or "@" in line:
        return False
    return line[0].isupper() or line[0].isdigit() or line[0] in "\"“'‘"


def is_short_line(line: str, max_words: int) -> bool:
    """A line short enough for a title, and not a URL, list item, placeholder, header or turn."""
    words = line.split()
    if not 1 <= len(words) <= max_words or len(line) > 12 * max_words or "http" in line:
        return False
    if BULLET.match(line) or REFERENCE_ITEM.match(line) or PLACEHOLDER.match(line):
        return False
    return not is_section_header(line) and turn_header(line) is None


def is_boilerplate(text: str) -> bool:
    return len(text.split()) <= BOILERPLATE_MAX_WORDS and bool(BOILERPLATE.search(text) or LISTEN_CUE.search(text))


def transcript_segments(path: str, lines: list[tuple[int, str]]) -> list[Segment]:
    """The turns of a transcript written into a post under 'Transcription'; without turn headers
    its lines are kept as text, without speakers or times."""
    try:
        turns = parse_turns(lines, path)
    except TranscriptParseError:
        return [Segment("transcript", line.strip(), line=n) for n, line in lines if line.strip()]
    for turn in turns:
        if len(turn.text.split()) <= 3 * BOILERPLATE_MAX_WORDS and BOILERPLATE.search(turn.text):
            turn.kind = "boilerplate"
    return turns


def without_citations(text: str) -> tuple[str, list[int]]:
    """The text with its reference numbers taken out, and the numbers, in order, each once."""
    cited: list[int] = []

    def take(match: re.Match) -> str:
        cited.extend(int(n) for n in re.findall(r"\d+", match.group()))
        return ""
    return CITATION.sub(take, text), list(dict.fromkeys(cited))


def iso_date(value: str | None) -> str | None:
    """'2020-04-01' from an ISO date or date-time, else None."""
    match = ISO_DATE.match(value or "")
    return match.group(1) if match else None
