"""One document per episode or post, however many sources describe it.

The feed, the blog page and a transcript file of one episode are matched by episode number, by a
shared URL (page, listen-at or transcript link), by a transcript file named in the feed's
<podcast:transcript>, an audio file and a transcript file of the same name in the same folder
('talk.mp3', 'talk.vtt'), and articles by their title's slug. Each field is then taken from the
source whose role (ingest/formats.py) knows it best: the page for titles and show notes, the feed
for dates, audio and durations, a transcript file for turns. The result does not depend on the
order the files were given in.
"""
from __future__ import annotations

from collections import Counter
from pathlib import PurePath

from .chapters import chapter_keys, chapter_names, merged_chapters
from .html_text import unique_resources
from .model import Document, Segment, episode_id
from .urls import is_web_url, name_of, normal_url

# Which roles to take each field from, best first; a role not named comes after those named.
PAGE_FIRST = ("page", "archive", "feed", "audio", "transcript")
FEED_FIRST = ("feed", "page", "archive", "transcript")
FIELDS = {
    "title": PAGE_FIRST, "episode": PAGE_FIRST, "published": FEED_FIRST, "duration_seconds": FEED_FIRST,
    "url": ("page", "feed", "archive", "transcript"), "listen_url": ("page", "feed", "archive", "transcript"),
}


def sort_key(doc: Document) -> tuple:
    return (doc.source, doc.line or 0, doc.id, doc.title)


def rank(doc: Document, order: tuple[str, ...]) -> tuple:
    return (order.index(doc.role) if doc.role in order else len(order), sort_key(doc))


def merge_documents(documents: list[Document]) -> list[Document]:
    """Documents that describe the same episode or post, merged; ordered by the source and line of
    each one's main source (the page, else the feed item, else the transcript)."""
    docs = sorted(documents, key=sort_key)
    parent = list(range(len(docs)))
    episode = [d.episode for d in docs]

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with: dict[tuple, int] = {}
    feed_names = Counter(name_of(u).lower() for d in docs for u in d.transcript_urls)
    chapters_names = chapter_names(docs)
    for i, doc in enumerate(docs):
        for key in match_keys(doc, feed_names) + chapter_keys(doc, chapters_names):
            if key not in first_with:
                first_with[key] = i
                continue
            a, b = root(first_with[key]), root(i)
            if a != b and (episode[a] is None or episode[b] is None or episode[a] == episode[b]):
                parent[max(a, b)] = min(a, b)  # two numbered episodes never merge through a URL
                episode[min(a, b)] = episode[a] if episode[a] is not None else episode[b]
    groups: dict[int, list[Document]] = {}
    for i, doc in enumerate(docs):
        groups.setdefault(root(i), []).append(doc)
    return sorted((merge_group(group) for group in groups.values()), key=sort_key)


def match_keys(doc: Document, feed_names: Counter) -> list[tuple]:
    keys: list[tuple] = []
    if doc.episode is not None:
        keys.append(("episode", doc.episode))
    for url in (doc.url, doc.listen_url, *doc.transcript_urls):
        if is_web_url(url):
            keys.append(("url", normal_url(url)))
    for url in doc.transcript_urls:
        if feed_names[name_of(url).lower()] == 1:  # 'transcript.vtt' for every episode names none
            keys.append(("transcript", name_of(url).lower()))
    if doc.role == "transcript":
        if is_web_url(doc.source):
            keys.append(("url", normal_url(doc.source)))
        if feed_names[name_of(doc.source).lower()] == 1:
            keys.append(("transcript", name_of(doc.source).lower()))
    if doc.role in ("transcript", "audio") and doc.local_file:  # talk.mp3 and its talk.vtt
        keys.append(("file", str(PurePath(doc.local_file).with_suffix("")).lower()))
    if doc.kind == "article":
        keys.append(("article", doc.id))
    return keys


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
    number = values["episode"]
    doc = Document(episode_id(number) if number is not None else primary.id, kind, values["title"],
                   primary.source, line=primary.line)
    for name, value in values.items():
        setattr(doc, name, value)
    audio = next((d for d in sorted(group, key=lambda d: rank(d, FEED_FIRST)) if d.audio_url), None)
    if audio is not None:
        doc.audio_url, doc.audio_type = audio.audio_url, audio.audio_type
    doc.format, doc.role, doc.sources = primary.format, primary.role, primary.sources
    doc.tags = list(dict.fromkeys(t for d in page_first for t in d.tags))
    doc.transcript_urls = list(dict.fromkeys(u for d in group for u in d.transcript_urls))
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
