"""What the transcript formats (WebVTT, SRT, JSON, audio) share: cues joined into turns, each word
keeping its cue's time, and the Document a transcript file becomes."""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .encoding import CONTROL, visible
from .errors import IngestWarning, TranscriptParseError
from .identity import name_numbers, title_numbers
from .model import Document, Segment, Word, episode_id, slugify
from .urls import name_of

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


def check_times(cue: Cue, path: str) -> Cue:
    """A cue that ends before it starts keeps its start and loses its end, with a warning."""
    if cue.start is not None and cue.end is not None and cue.end < cue.start:
        warnings.warn(IngestWarning(f"{path}, line {cue.line}: cue ends before it starts; its end time was dropped"))
        cue.end = None
    return cue


def join_cues(cues: list[Cue]) -> list[Segment]:
    """Consecutive cues of one speaker become one turn (first cue's start, last cue's end), cut at a
    cue boundary once a turn holds TURN_WORDS words, so every turn keeps an exact start. Every word
    keeps a time: its own where the transcript has word times, else its cue's start and end, so a
    search hit inside a long turn starts at the cue that holds it."""
    turns: list[Segment] = []
    for cue in cues:
        text = " ".join(visible(CONTROL.sub("", cue.text)).split())
        if not text:
            continue
        if not cue.words and cue.start is not None:
            cue.words = [Word(token, cue.start, cue.end) for token in text.split()]
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
