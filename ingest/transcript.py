"""What the transcript formats (WebVTT, SRT, JSON, Otter text files) share: cue times, turns, and
the Document a transcript file becomes."""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .encoding import CONTROL
from .errors import IngestWarning, TranscriptParseError
from .identity import name_numbers, title_numbers
from .model import Document, Segment, Word, episode_id, slugify
from .otter import looks_like_name
from .urls import name_of

# 'HH:MM:SS.mmm', 'H:MM:SS,mmm' (SRT), 'MM:SS.mmm'; hours may pass 99, minutes alone may pass 59.
CUE_TIME = re.compile(r"^(?:(?P<h>\d{1,5}):)?(?P<m>\d{1,4}):(?P<s>\d{2})(?:[.,](?P<ms>\d{1,3}))?$")
TURN_WORDS = 200  # consecutive cues of one speaker join into a turn up to this size (chunks hold 250)
TURN_GAP_SECONDS = 5.0  # a longer silence between two cues of one speaker starts a new turn


@dataclass
class Cue:
    """One timed piece of a transcript, before consecutive cues of a speaker are joined."""

    text: str
    start: float | None
    end: float | None
    speaker: str | None = None
    line: int | None = None
    words: list[Word] = field(default_factory=list)


def parse_cue_time(stamp: str) -> float | None:
    """Seconds from a cue timestamp ('01:02:03.500' -> 3723.5, '75:30,250' -> 4530.25); None if malformed."""
    match = CUE_TIME.match(stamp.strip())
    if not match or (match["h"] and int(match["m"]) >= 60) or int(match["s"]) >= 60:
        return None
    seconds = int(match["h"] or 0) * 3600 + int(match["m"]) * 60 + int(match["s"])
    if match["ms"]:
        seconds += int(match["ms"].ljust(3, "0")) / 1000
    return round(seconds, 3)


def check_times(cue: Cue, path: str) -> Cue:
    """A cue that ends before it starts keeps its start and loses its end, with a warning."""
    if cue.start is not None and cue.end is not None and cue.end < cue.start:
        warnings.warn(IngestWarning(f"{path}, line {cue.line}: cue ends before it starts; its end time was dropped"))
        cue.end = None
    return cue


def join_cues(cues: list[Cue]) -> list[Segment]:
    """Consecutive cues of one speaker become one turn (first cue's start, last cue's end), cut at a
    cue boundary once a turn holds TURN_WORDS words, so every turn keeps an exact start."""
    turns: list[Segment] = []
    for cue in cues:
        text = " ".join(CONTROL.sub("", cue.text).split())
        if not text:
            continue
        last = turns[-1] if turns else None
        if (last is not None and last.speaker == cue.speaker and continues(last, cue)
                and len(last.text.split()) + len(text.split()) <= TURN_WORDS):
            last.text = f"{last.text} {text}"
            last.end = cue.end if cue.end is not None else last.end
            if cue.words:
                last.words = (last.words or []) + cue.words
        else:
            turns.append(Segment("transcript", text, speaker=cue.speaker, start=cue.start, end=cue.end,
                                 line=cue.line, words=list(cue.words) or None))
    return turns


def continues(turn: Segment, cue: Cue) -> bool:
    """Whether a cue goes on from the turn before it: no long silence, and time does not go back."""
    if cue.start is None or turn.start is None:
        return cue.start is None and turn.start is None
    last = turn.end if turn.end is not None else turn.start
    return turn.start <= cue.start and cue.start - last <= TURN_GAP_SECONDS


def episode_from_name(path: str) -> int | None:
    """'234.vtt', 'episode-234.srt', 'NTK_E234.json', 'need-to-know-234-transcript.vtt' -> 234.
    A name with several numbers and no 'episode'/'ep' before one of them names no episode."""
    return name_numbers(path)[1]


def transcript_document(path: str, turns: list[Segment], title: str | None = None) -> Document:
    """A transcript file as a document: an episode when its name (or title) carries the number;
    its duration is where its last turn ends."""
    if not turns:
        raise TranscriptParseError("transcript has no text", path, 1)
    season, episode = name_numbers(path)
    if episode is None and title:
        season, episode = title_numbers(title)
    stem = name_of(path).rsplit(".", 1)[0]
    if episode is not None:
        doc_id, default_title = episode_id(episode), f"Episode {episode} transcript"
    else:
        doc_id, default_title = slugify(stem), f"{re.sub(r'[_-]+', ' ', stem).strip() or 'Untitled'} (transcript)"
    doc = Document(doc_id, "episode", title or default_title, path, episode=episode, line=turns[0].line)
    doc.season = season
    doc.segments = turns
    ends = [t for s in turns for t in (s.end, s.start) if t is not None]
    doc.duration_seconds = round(max(ends)) if ends else None
    return doc


# Where a feed links several transcripts of an item, the one fetched is the first readable one in
# this order (timed turns with speakers first), told by MIME type, else by the file's ending.
TRANSCRIPT_PREFERENCE = (
    ({"text/vtt"}, ".vtt"),
    ({"application/json", "application/x-podcast-transcript+json"}, ".json"),
    ({"application/x-subrip", "application/srt", "text/srt"}, ".srt"),
    ({"text/plain"}, ".txt"),
)


def transcript_rank(url: str, mime: str = "") -> int:
    """The link's place in TRANSCRIPT_PREFERENCE; len(TRANSCRIPT_PREFERENCE) when it is no format read here."""
    mime = mime.split(";")[0].strip().lower()
    suffix = PurePosixPath(name_of(url).lower()).suffix
    for rank, (types, ending) in enumerate(TRANSCRIPT_PREFERENCE):
        if mime in types or (not mime and suffix == ending):
            return rank
    return len(TRANSCRIPT_PREFERENCE)


TIMING = re.compile(r"^\s*(?P<start>\S+)\s*-->\s*(?P<end>\S+)(?:\s.*)?$")
SPEAKER_PREFIX = re.compile(r"^(?:-\s*)?(?:\[(?P<bracket>[^\]]{1,60})\]:?|(?P<name>[^:\[\]]{1,60}?)\s*:)\s+(?P<text>\S.*)$")


def speaker_prefix(text: str) -> tuple[str | None, str]:
    """('Robert Crane', 'Hello') from 'Robert Crane: Hello' or '[Robert Crane] Hello'; (None, text) otherwise."""
    match = SPEAKER_PREFIX.match(text)
    if match:
        name = (match["bracket"] or match["name"] or "").strip()
        if name and len(name.split()) <= 5 and not re.search(r"https?$|[/@]", name) and looks_like_name(name):
            return name, match["text"]
    return None, re.sub(r"^-\s+", "", text)


def timed_blocks(text: str, path: str) -> list[tuple[int, float, float | None, list[str]]]:
    """(line, start, end, text lines) for each 'START --> END' line and the text under it, which runs
    to the next blank line; a malformed time is an error naming its line."""
    lines = text.splitlines()
    blocks = []
    for i, line in enumerate(lines):
        if "-->" not in line:
            continue
        match = TIMING.match(line)
        start = parse_cue_time(match["start"]) if match else None
        end = parse_cue_time(match["end"]) if match else None
        if start is None or end is None:
            raise TranscriptParseError(
                f"malformed cue time {line.strip()[:80]!r} (expected 'HH:MM:SS.mmm --> HH:MM:SS.mmm')", path, i + 1)
        body = []
        for k in range(i + 1, len(lines)):
            if not lines[k].strip() or "-->" in lines[k]:
                break
            body.append(lines[k].strip())
        blocks.append((i + 1, start, end, body))
    return blocks
