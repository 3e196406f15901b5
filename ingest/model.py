"""Plain data passed from the parsers to the rest of the pipeline."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field


@dataclass
class Segment:
    """One unit of a document's text: a paragraph, bullet, table, or transcript turn."""

    kind: str  # show_notes | transcript | section | bullet | table | references | resources | boilerplate
    text: str
    heading: str | None = None
    speaker: str | None = None
    start: float | None = None  # seconds from the start of the audio (transcripts)
    end: float | None = None
    line: int | None = None  # line in the source file, for error messages and provenance
    words: list[Word] | None = None  # word timestamps, where the transcript has them
    cites: list[int] = field(default_factory=list)  # the reference numbers its text cited ("tenant.3", "[1]")


@dataclass
class Word:
    """One word of a transcript with its own timestamps (whisper-timestamped, whisper word_timestamps)."""

    word: str
    start: float | None = None
    end: float | None = None
    confidence: float | None = None
    speaker: str | None = None  # who says it, where the transcript labels each word (audio with speakers)


@dataclass
class Resource:
    """A link or reference named by a document (show-notes resource, works-cited entry, inline URL)."""

    label: str
    url: str | None = None
    kind: str = "resource"  # resource | reference | link


@dataclass
class Chapter:
    """A titled part of an episode, from a chapters file or the feed (`feed`), timestamp lines in
    the show notes (`show-notes`), or found in the transcript by kb/chapters.py (`generated`)."""

    start: float  # seconds from the start of the audio
    title: str | None = None
    end: float | None = None
    url: str | None = None
    image: str | None = None
    source: str = "feed"  # feed | show-notes | generated


@dataclass
class Document:
    """One episode or article, as parsed from a source."""

    id: str
    kind: str  # episode | article
    title: str
    source: str
    episode: int | None = None
    url: str | None = None
    show: str | None = None  # the podcast or site it belongs to: the feed's title, the page's site, a title's prefix
    show_url: str | None = None  # that show's home: the feed's channel link (for matching, see ingest/identity.py)
    season: int | None = None  # itunes:season / podcast:season, 'S02E01', 'Season 2, Episode 1'
    episode_type: str | None = None  # itunes:episodeType: full, trailer or bonus
    guid: str | None = None  # a feed item's identity in its feed: its guid, else enclosure URL, else link
    audio_url: str | None = None
    published: str | None = None  # ISO date where the source gives one
    line: int | None = None
    listen_url: str | None = None  # the episode's page on the podcast host ("Listen at:")
    audio_type: str | None = None  # MIME type of audio_url, from the feed's enclosure
    duration_seconds: int | None = None
    tags: list[str] = field(default_factory=list)  # categories and tags, in source order
    transcript_urls: list[str] = field(default_factory=list)  # the feed's <podcast:transcript> links
    transcript_types: dict[str, str] = field(default_factory=dict)  # each link's type="..." ('' when none)
    chapters_url: str | None = None  # the feed's <podcast:chapters> link
    format: str | None = None  # the format module that read it (set by ingest.sources)
    role: str | None = None  # that format's role: page, feed, transcript or audio (see ingest.formats)
    sources: list[str] = field(default_factory=list)  # every source merged into this document
    local_file: str | None = None  # the absolute path it was read from, when a local file (for merging)
    segments: list[Segment] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    chapters: list[Chapter] = field(default_factory=list)  # in order of start (see ingest/chapters.py)


def episode_id(number: int) -> str:
    """The document id of an episode: 'episode-234'."""
    return f"episode-{number}"


def document_id(episode: int | None, title: str) -> str:
    """An episode's id from its number, else a slug of the title."""
    return episode_id(episode) if episode is not None else slugify(title)


def slugify(text: str, max_length: int = 60) -> str:
    """A stable, URL-safe id from a title: lower case, ASCII letters and digits joined by '-'."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug or "untitled"


def parse_timestamp(stamp: str) -> int:
    """Seconds from 'M:SS', 'MM:SS' or 'H:MM:SS' (e.g. '56:07' -> 3367, '1:02:40' -> 3760)."""
    fields = stamp.strip().split(":")
    if (len(fields) not in (2, 3) or not all(f.isdigit() for f in fields)
            or any(len(f) != 2 or int(f) >= 60 for f in fields[1:])):
        raise ValueError(f"not a timestamp: {stamp!r}")
    parts = [int(f) for f in fields]
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds


class LineIndex:
    """1-based line numbers of character offsets in a text, found by bisection (no rescans)."""

    def __init__(self, text: str):
        self.starts = [m.end() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) + 1
