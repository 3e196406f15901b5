"""One document per episode or post, however many sources describe it, and never one of two shows.

Every item of every feed is a document of its own (known in its feed by its guid, else its
enclosure URL, else its link); other sources are merged into it, or with one another, by what
identifies an episode (ingest/identity.py says which show each belongs to). Strong evidence: a URL
that names one episode (its page, listen-at, transcript or audio link; not one that several items
of one source share, such as the channel's home page), a transcript file named in the feed's
<podcast:transcript> or named like the item's own files ('ntk301.vtt' beside the enclosure
'ntk301.mp3'), and an audio file with a transcript file of the same name in the same folder
('talk.mp3', 'talk.vtt'). Weaker evidence, used only within one show: the season and episode
number, and an article's title. Two feed items, two different numbers or seasons, and (on weak
evidence) two shows are never merged.

Each field is then taken from the source whose role (ingest/formats.py) knows it best: the page
for titles and show notes, the feed for dates, audio, durations and the show, a transcript file
for turns. The result does not depend on the order the files were given in.
"""
from __future__ import annotations

import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import PurePath

from .chapters import chapter_keys, chapter_names, merged_chapters
from .errors import IngestWarning
from .html_text import unique_resources
from .identity import assign_ids, file_stem, known_shows, show_key, show_of
from .model import Document, Segment, slugify
from .urls import is_web_url, name_of, normal_url

# Which roles to take each field from, best first; a role not named comes after those named.
PAGE_FIRST = ("page", "archive", "feed", "audio", "transcript")
FEED_FIRST = ("feed", "page", "archive", "transcript")
FIELDS = {
    "title": PAGE_FIRST, "episode": PAGE_FIRST, "published": FEED_FIRST, "duration_seconds": FEED_FIRST,
    "url": ("page", "feed", "archive", "transcript"), "listen_url": ("page", "feed", "archive", "transcript"),
    "show": FEED_FIRST, "show_url": FEED_FIRST, "season": FEED_FIRST, "episode_type": FEED_FIRST, "guid": FEED_FIRST,
}
MIN_STEM = 4  # a file stem shorter than this ('1', 'e01') is no name of one episode's files
MAX_SHARING = 20  # a key held by more documents than this identifies none of them


def sort_key(doc: Document) -> tuple:
    return (doc.source, doc.line or 0, doc.id, doc.title)


def rank(doc: Document, order: tuple[str, ...]) -> tuple:
    return (order.index(doc.role) if doc.role in order else len(order), sort_key(doc))


@dataclass
class Identity:
    """What a group of matched documents is: nothing in two groups that disagree may be merged."""

    episode: int | None
    season: int | None
    shows: frozenset
    item: bool = False  # it holds a feed item

    @classmethod
    def of(cls, doc: Document, show: str | None) -> Identity:
        return cls(doc.episode, doc.season, frozenset([show] if show else []), doc.role == "feed")

    def fits(self, other: Identity, strong: bool) -> bool:
        if None not in (self.episode, other.episode) and self.episode != other.episode:
            return False
        if None not in (self.season, other.season) and self.season != other.season:
            return False
        if self.item and other.item:
            return False  # every item of every feed is a document of its own
        return strong or not (self.shows and other.shows and self.shows.isdisjoint(other.shows))

    def joined(self, other: Identity) -> Identity:
        return Identity(self.episode if self.episode is not None else other.episode,
                        self.season if self.season is not None else other.season,
                        self.shows | other.shows, self.item or other.item)


def merge_documents(documents: list[Document]) -> list[Document]:
    """Documents that describe the same episode or post, merged, with their final ids; ordered by
    the source and line of each one's main source (the page, else the feed item, else the transcript)."""
    docs = sorted(documents, key=sort_key)
    shows = known_shows(docs)
    show_ids = [show_of(d, shows) for d in docs]
    parent = list(range(len(docs)))
    identity = [Identity.of(d, show) for d, show in zip(docs, show_ids)]

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for strong in (True, False):  # strong evidence first, so a weak match cannot block it
        holders: dict[tuple, list[int]] = defaultdict(list)
        for i, key in match_keys(docs, show_ids, strong):
            holders[key].append(i)
        for found in holders.values():
            pairs = [(j, i) for n, i in enumerate(found) for j in found[:n]] if len(found) <= MAX_SHARING else []
            for j, i in pairs:
                a, b = root(j), root(i)
                if a != b and identity[a].fits(identity[b], strong):
                    parent[max(a, b)] = min(a, b)
                    identity[min(a, b)] = identity[a].joined(identity[b])
    groups: dict[int, list[Document]] = {}
    for i, doc in enumerate(docs):
        groups.setdefault(root(i), []).append(doc)
    merged = sorted(((merge_group(group), min(identity[i].shows, default=None)) for i, group in groups.items()),
                    key=lambda pair: sort_key(pair[0]))
    documents = [doc for doc, _ in merged]
    warn_unattached(documents)
    assign_ids(documents, [show for _, show in merged])
    return documents


def match_keys(docs: list[Document], shows: list[str | None], strong: bool) -> list[tuple[int, tuple]]:
    """(document index, key) pairs: documents that share a key describe one episode or post. A key
    that several documents of one source share (every item's <link> is the channel's home page,
    'Episode 1 Part 1' and 'Part 2') identifies none of them."""
    names, chapters = file_names(docs), chapter_names(docs)
    seasoned = Counter((show, d.episode) for d, show in zip(docs, shows)
                       if d.role == "feed" and d.season is not None and d.episode is not None)
    pairs = [(i, key) for i, doc in enumerate(docs)
             for key in (strong_keys(doc, names) + chapter_keys(doc, chapters) if strong
                         else weak_keys(doc, shows[i], seasoned))]
    per_source = Counter((docs[i].source, key) for i, key in pairs)
    return [(i, key) for i, key in pairs if per_source[(docs[i].source, key)] == 1]


def strong_keys(doc: Document, names: FileNames) -> list[tuple]:
    keys: list[tuple] = []
    home = normal_url(doc.show_url) if is_web_url(doc.show_url) else None
    for url in (doc.url, doc.listen_url, doc.audio_url, *doc.transcript_urls):
        if is_web_url(url) and normal_url(url) != home:
            keys.append(("url", normal_url(url)))
    for url in doc.transcript_urls:
        if names.transcripts[name_of(url).lower()] == 1:  # 'transcript.vtt' for every episode names none
            keys.append(("transcript", name_of(url).lower()))
    if doc.role == "feed":
        keys += [("stem", stem) for stem in own_stems(doc) if names.stems[stem] == 1]
    if doc.role in ("transcript", "audio"):
        if is_web_url(doc.source):
            keys.append(("url", normal_url(doc.source)))
        if names.transcripts[name_of(doc.source).lower()] == 1:
            keys.append(("transcript", name_of(doc.source).lower()))
        stem = file_stem(doc.source)
        if names.stems[stem] == 1:
            keys.append(("stem", stem))
        if local_stem(doc) in names.audio:  # talk.mp3 and its talk.vtt (not two transcripts alone)
            keys.append(("file", local_stem(doc)))
    return keys


@dataclass
class FileNames:
    """How many items name each transcript file, how many feed items own each file stem, and the
    audio files given (their paths without the ending)."""

    transcripts: Counter
    stems: Counter
    audio: set


def file_names(docs: list[Document]) -> FileNames:
    return FileNames(Counter(name_of(u).lower() for d in docs for u in d.transcript_urls),
                     Counter(stem for d in docs if d.role == "feed" for stem in own_stems(d)),
                     {local_stem(d) for d in docs if d.role == "audio" and d.local_file})


def local_stem(doc: Document) -> str | None:
    return str(PurePath(doc.local_file).with_suffix("")).lower() if doc.local_file else None


def own_stems(doc: Document) -> set[str]:
    """The stems of the files a feed item links, long enough to name one episode ('ntk301')."""
    return {s for u in (doc.audio_url, *doc.transcript_urls) if u and len(s := file_stem(u)) >= MIN_STEM}


def weak_keys(doc: Document, show: str | None, seasoned: Counter) -> list[tuple]:
    """Season and number within a show; a chapters file without a season ('ep17-chapters.json')
    also joins the one feed item of that number in a season, where only one season has it."""
    keys: list[tuple] = []
    if doc.episode is not None and show:
        keys.append(("episode", show, doc.season, doc.episode))
        if (doc.role == "chapters" and doc.season is None) or (doc.role == "feed" and seasoned[(show, doc.episode)] == 1):
            keys.append(("episode-in-a-season", show, doc.episode))
    if doc.kind == "article":
        keys.append(("article", doc.id))
    return keys


def warn_unattached(documents: list[Document]) -> None:
    """A transcript or audio file whose name gives an episode number but no show is not attached
    to that number's episode of some show: say so, and how to name it."""
    numbered = {(d.episode, d.season): d for d in documents if d.show and d.role in ("feed", "page", "archive")}
    for doc in documents:
        other = numbered.get((doc.episode, doc.season))
        if doc.role in ("transcript", "audio") and doc.show is None and other is not None and len(doc.sources) == 1:
            number = f"s{doc.season}e{doc.episode}" if doc.season is not None else str(doc.episode)
            example = f"{slugify(show_key(other.show) or '')}-{number}{PurePath(name_of(doc.source)).suffix}"
            warnings.warn(IngestWarning(
                f"{doc.source}: the name gives episode {number} but no show, so it was not attached to "
                f"{other.show}'s; name it after the show (such as '{example}') or link it from the "
                "feed's <podcast:transcript> to attach it"))


def is_turn(seg: Segment) -> bool:
    return seg.speaker is not None or seg.start is not None or seg.kind == "transcript"


def merge_group(group: list[Document]) -> Document:
    """The richest of each field; show notes from one source and turns from one transcript."""
    for doc in group:
        doc.sources = sorted({d.source for d in group})
    if len(group) == 1:
        return group[0]
    page_first = sorted(group, key=lambda d: rank(d, PAGE_FIRST))
    primary = page_first[0]
    values = {name: first_value(group, name, order) for name, order in FIELDS.items()}
    kind = "episode" if any(d.kind == "episode" for d in group) else primary.kind
    doc = Document(primary.id, kind, values["title"], primary.source, line=primary.line)
    for name, value in values.items():
        setattr(doc, name, value)
    audio = next((d for d in sorted(group, key=lambda d: rank(d, FEED_FIRST)) if d.audio_url), None)
    if audio is not None:
        doc.audio_url, doc.audio_type = audio.audio_url, audio.audio_type
    doc.format, doc.role, doc.sources = primary.format, primary.role, primary.sources
    doc.tags = list(dict.fromkeys(t for d in page_first for t in d.tags))
    doc.transcript_urls = list(dict.fromkeys(u for d in group for u in d.transcript_urls))
    doc.transcript_types = {u: k for d in reversed(group) for u, k in d.transcript_types.items()}
    doc.chapters_url, doc.chapters = merged_chapters(group)
    notes = next((d for d in page_first if any(not is_turn(s) and s.kind != "boilerplate" for s in d.segments)),
                 next((d for d in page_first if any(not is_turn(s) for s in d.segments)), None))
    doc.segments = [s for s in notes.segments if not is_turn(s)] if notes else []
    doc.segments += transcript_of(group)
    doc.resources = unique_resources([r for d in page_first for r in d.resources])
    return doc


def first_value(group: list[Document], name: str, order: tuple[str, ...]):
    for doc in sorted(group, key=lambda d: rank(d, order)):
        value = getattr(doc, name)
        if value is not None:
            return value
    return None


def transcript_of(group: list[Document]) -> list[Segment]:
    """Turns from the best transcript: a transcript file before one embedded in a page or dump,
    then the one with the most speaker-labelled turns, then the most timed ones."""
    def richness(doc: Document) -> tuple:
        turns = [s for s in doc.segments if is_turn(s)]
        return (doc.role != "transcript", -sum(s.speaker is not None for s in turns),
                -sum(s.start is not None for s in turns), sort_key(doc))
    candidates = [d for d in group if any(is_turn(s) for s in d.segments)]
    if not candidates:
        return []
    return [s for s in min(candidates, key=richness).segments if is_turn(s)]
