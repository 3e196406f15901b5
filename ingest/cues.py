"""Timed text as WebVTT and SRT files hold it in the wild: cue times, cue blocks and cue markup.

Strict where the meaning is not clear, lenient (with one warning per kind per file) where it is:
Microsoft Teams writes '0:0:3.54', some hosts '0.000' (seconds alone), subtitle editors '00:00:11:890'
or full-width '００：００：０５，５００', and settings are sometimes glued to the end time. A time that
cannot be read at all ('00:59:5x.000') is an error naming its line. Cue identifiers, settings,
NOTE/STYLE/REGION blocks, tags, ASS overrides ('{\\an8}') and inline timestamps never reach the text.
"""
from __future__ import annotations

import html
import re
import warnings
from dataclasses import dataclass, field

from .encoding import CONTROL, visible
from .errors import IngestWarning, TranscriptParseError

FULL_WIDTH = str.maketrans("０１２３４５６７８９：，．。", "0123456789:,..")
STAMP = r"-?\d{1,5}(?::\d{1,2}){0,2}(?:[.,]\d{1,3}|:\d{3})?"
# Settings follow the end time after a space, or glued to it ('00:01.000line:40%') after full milliseconds.
TIMING = re.compile(rf"^\s*(?P<start>{STAMP})\s*-->\s*(?P<end>{STAMP})(?P<settings>\s.*|(?<=[.,]\d\d\d)[A-Za-z].*)?$")
TIMING_ATTEMPT = re.compile(r"^\s*-?\d.*-->")  # a line that means to be a cue time
FIELDS = re.compile(r"(?P<sign>-?)(?P<clock>\d{1,5}(?::\d{1,2}){0,2})(?:(?P<sep>[.,:])(?P<ms>\d{1,3}))?")
STANDARD = re.compile(r"(?:\d{2,5}:)?\d{2}:\d{2}[.,]\d{3}")
BLOCK_KEYWORD = re.compile(r"^(?:NOTE|STYLE|REGION)(?:[ \t]|$)")
INDEX = re.compile(r"^\d+(?:\.\d+)?$")  # an SRT cue number ('12', '2.2' in some subtitles)
TAG = re.compile(r"</?[A-Za-z][\w.-]*(?:\s[^<>]*)?/?>|<\d[\d:.]*>")  # any tag, and <00:01.500> timestamps
RUBY_TEXT = re.compile(r"<rt\b[^>]*>", re.I)  # 機密<rt>kimitsu</rt>: the reading is a word of its own
ASS_OVERRIDE = re.compile(r"\{\\[^}]*\}|\{[A-Za-z]:[^}]*\}")  # {\an8}, {\i1}, {Y:i}
SUBTITLE_ESCAPE = re.compile(r"\\[Nnh]")  # \N and \n (line breaks) and \h (a hard space)


@dataclass
class CueTime:
    seconds: float | None  # None: before 0:00
    standard: bool


def read_time(stamp: str) -> CueTime | None:
    """A cue time in any clear form, or None when it cannot be read. '00:01:02.500' and
    '01:02,5' are standard-ish; '0:0:3.54', '3.480', '00:00:11:890' are clear but not standard."""
    text = stamp.strip().translate(FULL_WIDTH)
    match = FIELDS.fullmatch(text)
    if not match or (match["sep"] == ":" and len(match["ms"]) != 3):
        return None
    parts = [int(p) for p in match["clock"].split(":")]
    if len(parts) == 1 and match["ms"] is None:  # a bare number is no time
        return None
    if any(p >= 60 for p in parts[1:]):
        return None
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    if match["ms"]:
        seconds += int(match["ms"].ljust(3, "0")) / 1000
    return CueTime(None if match["sign"] else round(seconds, 3), bool(STANDARD.fullmatch(stamp.strip())))


def parse_cue_time(stamp: str) -> float | None:
    """Seconds from a cue timestamp ('01:02:03.500' -> 3723.5, '75:30,250' -> 4530.25, Teams'
    '0:0:3.54' -> 3.54); None if it cannot be read or is before 0:00."""
    found = read_time(stamp)
    return found.seconds if found else None


@dataclass
class TimedBlock:
    """One cue as written: where its time line is, its times, and its text lines (markup kept)."""

    line: int
    start: float
    end: float
    lines: list[str] = field(default_factory=list)


class Leniency:
    """What was read leniently or skipped, told once per kind per file (a file of 3,000 cues
    written one way gives one warning, not 3,000), with the first line and how many."""

    MESSAGES = {
        "time": "cue times not written as HH:MM:SS.mmm (such as {example!r}) were read as the times they mean",
        "negative": "cues that start before 0:00 (such as {example!r}) were skipped",
        "orphan": "text with no cue time of its own (such as {example!r}) was kept with the cue before it",
        "hidden": "cues that start and end at the same time (such as {example!r}) were skipped: players never show them",
    }

    def __init__(self, path: str):
        self.path = path
        self.found: dict[str, list] = {}

    def note(self, kind: str, line: int, example: str) -> None:
        first = self.found.setdefault(kind, [line, 0, example[:60]])
        first[1] += 1

    def warn(self) -> None:
        for kind, (line, count, example) in self.found.items():
            message = self.MESSAGES[kind].format(example=example)
            warnings.warn(IngestWarning(f"{self.path}, line {line}: {message} ({count} in the file)"))


def timed_blocks(text: str, path: str) -> list[TimedBlock]:
    """The cues of a WebVTT or SRT text: each 'START --> END' line with the lines under it. Blocks
    are separated by blank lines; text with no time line after a cue (a blank line inside a cue)
    stays with that cue; an SRT cue number glued to the next cue is dropped. A cue time that cannot
    be read is an error naming its line; one before 0:00 skips its cue."""
    notes = Leniency(path)
    cues: list[TimedBlock] = []
    skipping = False
    for block in paragraphs(text.splitlines()):
        timed = [(k, times) for k, (n, line) in enumerate(block)
                 if "-->" in line and (times := timing_of(line, n, path, notes)) is not None]
        if not timed:
            if INDEX.match(block[0][1].strip()):
                block = block[1:]  # a cue number whose time line is missing
            if block and cues and not skipping and not BLOCK_KEYWORD.match(block[0][1].strip()):
                notes.note("orphan", block[0][0], block[0][1].strip())
                cues[-1].lines += [line for _, line in block]
            continue
        for k, (at, (start, end)) in enumerate(timed):
            upto = timed[k + 1][0] if k + 1 < len(timed) else len(block)
            body = [text_line for _, text_line in block[at + 1:upto]]
            if k + 1 < len(timed) and body and INDEX.match(body[-1].strip()):
                body = body[:-1]  # the next cue's number, where a file lost its blank lines
            skipping = start is None
            if skipping:
                notes.note("negative", block[at][0], block[at][1].strip())
            else:
                cues.append(TimedBlock(block[at][0], start, end, body))
    if any(c.end > c.start for c in cues):  # where some cues last, one of no length hides data
        for cue in (c for c in cues if c.end == c.start and c.lines):
            notes.note("hidden", cue.line, " ".join(cue.lines))
        cues = [c for c in cues if c.end != c.start]
    notes.warn()
    return cues


def paragraphs(lines: list[str]) -> list[list[tuple[int, str]]]:
    """(line number, line) runs between blank lines."""
    out: list[list[tuple[int, str]]] = [[]]
    for n, line in enumerate(lines, 1):
        if line.strip():
            out[-1].append((n, line))
        elif out[-1]:
            out.append([])
    return [p for p in out if p]


def timing_of(line: str, n: int, path: str, notes: Leniency) -> tuple[float | None, float] | None:
    """(start, end) of a cue time line; None for a line that only holds an arrow ('-->' as an
    identifier or as text). A time that means to be one but cannot be read is an error."""
    match = TIMING.match(line.translate(FULL_WIDTH))
    times = [read_time(match["start"]), read_time(match["end"])] if match else [None, None]
    if None in times:
        if TIMING_ATTEMPT.match(line.translate(FULL_WIDTH)):
            raise TranscriptParseError(
                f"malformed cue time {line.strip()[:80]!r} (expected 'HH:MM:SS.mmm --> HH:MM:SS.mmm')", path, n)
        return None
    if times[0].seconds is None or times[1].seconds is None:
        return None, 0.0  # before 0:00: the caller skips the cue
    if not (times[0].standard and times[1].standard) or line.translate(FULL_WIDTH) != line:
        notes.note("time", n, line.strip())
    return times[0].seconds, times[1].seconds


def plain_text(markup: str) -> str:
    """A cue's words: tags, ASS overrides and inline timestamps removed, \\N and \\h as spaces,
    entities decoded, invisible and control characters dropped."""
    text = RUBY_TEXT.sub(" ", markup)
    text = SUBTITLE_ESCAPE.sub(" ", ASS_OVERRIDE.sub("", TAG.sub("", text)))
    return " ".join(visible(CONTROL.sub("", html.unescape(text))).split())
