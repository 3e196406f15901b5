"""Chapters of an episode, however its sources give them, and how they find their episode.

- Show notes: timestamp lines such as '00:00 Introduction', '(03:15) Passkeys', '1:02:05 - Azure
  budgets' or 'Azure budgets [1:02:05]', one a line (a <br> is a line break), in a feed item's
  description, a WordPress page or the blog dump: source `show-notes`.
- Podlove Simple Chapters (<psc:chapters> inside an item, read by feedparser): source `feed`.
- <podcast:chapters url=...>: the link to a Podcasting 2.0 chapters file, which
  ingest/json_chapters.py reads (source `feed`); the file attaches to the item whose link names it.

Generated chapters, found in a transcript, are the index's work (kb/chapters.py).
"""
from __future__ import annotations

import html
import re
import warnings
from collections import Counter
from itertools import takewhile
from pathlib import PurePosixPath
from typing import Iterable
from urllib.parse import unquote, urlsplit

from .errors import IngestWarning
from .html_text import Block, blocks_of, soup_of
from .model import Chapter, Document, parse_timestamp
from .show_notes import section_header
from .urls import is_web_url, normal_url, urls_in, web_url

TIME = r"(?:\d{1,2}:)?\d{1,2}:\d{2}"  # 3:15, 03:15, 75:30, 1:02:05
# '00:00 Intro', '(03:15) Passkeys', '[1:02:05] - Azure budgets', '- 03:15 – Named locations',
# '00:00 - 03:15 Intro' (a range: its start)
LEADING = re.compile(rf"^\s*(?:[-•*–]\s+)?[\[(]?(?P<time>{TIME})(?:\.\d{{1,3}})?(?:\s*[-–—]\s*{TIME})?[\])]?"
                     rf"(?:\s*[-–—:|]\s*|\s+)(?P<title>.+)$")
# 'Azure budgets (1:02:05)', 'Azure budgets - 1:02:05': a trailing time only in brackets or after a
# dash, so a transcript's 'Speaker Name  0:43' turn header is never read as a chapter
TRAILING = re.compile(rf"^\s*(?:[-•*–]\s+)?(?P<title>.+?)\s*(?:[-–—:|]?\s*[\[(](?P<time>{TIME})[\])]"
                      rf"|\s[-–—|]\s*(?P<dashed>{TIME}))\s*$")
RUN_ON = re.compile(rf"(?<=\S)\s+(?=[\[(]?{TIME}[\])]?\s+\S)")  # '00:00 Intro 03:15 News ...' on one line
MAX_TITLE_WORDS = 16
MAX_CHAPTERS = 150  # more timestamp lines than this are a timestamped transcript, not a chapter list
CHAPTERS_TAG = re.compile(r"<(?:[\w-]+:)?chapters\b([^>]*)>", re.I)
ATTRIBUTE = re.compile(r"([\w:-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
# Which source's chapters win when several describe an episode: a chapters file, then the feed's
# own (PSC) before any show-note lines, and among those the page before the dump and the feed.
CHAPTER_ROLES = ("chapters", "feed", "page", "archive", "transcript", "audio")
# 'ep41-chapters.json' and 'ep41.chapters.json' are the chapters of 'ep41.vtt' (or .mp3) beside them
BESIDE = re.compile(r"[-_. ]chapters\.json$")
TAIL_PARTS = 3  # a chapters file is matched by up to its last three path parts


# --- show notes -------------------------------------------------------------------------------

def timestamp_line(line: str, url: str | None = None) -> Chapter | None:
    """A chapter from one show-notes line, or None when the line is no timestamp line."""
    text = html.unescape(line).replace("\xa0", " ").strip()
    match = LEADING.match(text) or TRAILING.match(text)
    if not match:
        return None
    try:
        start = float(parse_timestamp(match["time"] or match["dashed"]))
    except ValueError:
        return None
    title, found = match["title"], urls_in(match["title"])
    for link in found:
        title = title.replace(link, " ")
    title = " ".join(title.split()).strip(" -–—:|,;")
    words = title.split()
    if not words or len(words) > MAX_TITLE_WORDS or not re.search(r"[^\W\d_]", title):
        return None
    return Chapter(start, title, url=url or (found[0] if found else None), source="show-notes")


def timestamp_chapters(lines: Iterable[tuple[str, str | None]]) -> list[Chapter]:
    """The chapters that (line, link) pairs list: the longest run of timestamp lines whose times
    rise, so a stray '10:30 ...' line before the list does not cut it short. Two at least."""
    found = [c for line, url in lines for part in run_on(line) if (c := timestamp_line(part, url)) is not None]
    if len(found) > MAX_CHAPTERS:
        return []
    best: list[list[Chapter]] = []
    for n, chapter in enumerate(found):  # the longest rising sequence, earliest first on ties
        before = [best[k] for k in range(n) if found[k].start < chapter.start]
        best.append(max(before, key=len, default=[]) + [chapter])
    chosen = max(best, key=len, default=[])
    return chosen if len(chosen) >= 2 else []


def run_on(line: str) -> list[str]:
    """A line that starts with a time and holds two more ('00:00 Intro 03:15 News 21:40 Q&A', where
    a page lost its line breaks) as one line per time; any other line as it is."""
    parts = RUN_ON.split(line.strip())
    return parts if len(parts) >= 3 and LEADING.match(parts[0]) else [line]


def text_chapters(lines: Iterable[str]) -> list[Chapter]:
    """Chapters from plain-text lines (a link written in a line is the chapter's link)."""
    return timestamp_chapters((line, None) for text in lines for line in text.split("\n"))


def block_chapters(blocks: list[Block]) -> list[Chapter]:
    """Chapters from HTML text blocks before any transcript: a line's link is the one whose label
    the line holds."""
    def link_of(block: Block, line: str) -> str | None:
        return next((url for label, url in block.links if label.strip() and label.strip() in line), None)
    before = list(takewhile(lambda b: section_header(b.text.split("\n")[0]) != "transcript", blocks))
    return timestamp_chapters((line, link_of(b, line)) for b in before for line in b.text.split("\n"))


# --- feeds ------------------------------------------------------------------------------------

def item_chapters(path: str, line: int | None, entry: dict, notes: str, notes_type: str) -> list[Chapter]:
    """A feed item's own chapters: its <psc:chapters>, else timestamp lines in its show notes."""
    return psc_chapters(path, line, entry) or note_chapters(notes, notes_type)


def note_chapters(notes: str, notes_type: str) -> list[Chapter]:
    """Timestamp lines in show notes: HTML lines (<br>, <p>, <li>), else the text's own lines
    (feeds label plain-text descriptions text/html too, and their line breaks are no <br>)."""
    if "html" not in notes_type:
        return text_chapters(notes.splitlines())
    soup = soup_of(notes)
    return block_chapters(blocks_of(soup)) or text_chapters(soup.get_text().splitlines())


def psc_chapters(path: str, line: int | None, entry: dict) -> list[Chapter]:
    """Podlove Simple Chapters: start in normal play time ('0', '03:15', '01:02:03.400'), title,
    href and image; a chapter whose start is no time is skipped with a warning."""
    found: list[Chapter] = []
    for item in (entry.get("psc_chapters") or {}).get("chapters") or []:
        start = npt_seconds(str(item.get("start") or ""))
        title = " ".join(str(item.get("title") or "").split()) or None
        if start is None:
            warnings.warn(IngestWarning(f"{path}{f', line {line}' if line else ''}: the chapter "
                                        f"{title or ''!r} has no readable start ({item.get('start')!r}); skipped"))
            continue
        found.append(Chapter(start, title, url=web_url(item.get("href")), image=web_url(item.get("image")),
                             source="feed"))
    return in_order(found)


def npt_seconds(text: str) -> float | None:
    """Seconds from a normal play time: 'SS', 'MM:SS' or 'HH:MM:SS', each with an optional '.mmm'."""
    fields = text.strip().split(":")
    if (not 1 <= len(fields) <= 3 or not re.fullmatch(r"\d{1,7}(?:\.\d{1,6})?", fields[-1])
            or not all(re.fullmatch(r"\d{1,5}", f) for f in fields[:-1])
            or any(float(f) >= 60 for f in fields[1:])):
        return None
    seconds = 0.0
    for field in fields:
        seconds = seconds * 60 + float(field)
    return round(seconds, 3)


def chapters_link(raw: str, entry: dict) -> str | None:
    """The item's <podcast:chapters url=...> when it links a JSON chapters file (the only kind read:
    'application/json+chapters', or any JSON type, or no type and a .json name)."""
    tags = [{m.group(1).lower(): html.unescape(m.group(2) if m.group(2) is not None else m.group(3))
             for m in ATTRIBUTE.finditer(found.group(1))} for found in CHAPTERS_TAG.finditer(raw)]
    tags = [t for t in tags if "url" in t] or [entry.get("podcast_chapters") or {}]
    for tag in tags:
        url = web_url(str(tag.get("url") or "").strip())
        kind = str(tag.get("type") or "").split(";")[0].strip().lower()
        if url and ("json" in kind or not kind and url_path(url).endswith(".json")):
            return url
    return None


def in_order(chapters: list[Chapter]) -> list[Chapter]:
    """By start, one chapter a start (the first listed)."""
    seen: set[float] = set()
    return [c for c in sorted(chapters, key=lambda c: c.start) if not (c.start in seen or seen.add(c.start))]


# --- matching and merging -----------------------------------------------------------------------

def url_path(url: str) -> str:
    return unquote(urlsplit(url).path).lower()


def tails(path: str) -> list[str]:
    """'chapters.json', '17/chapters.json', 'tt/17/chapters.json': the last parts of a path or URL."""
    parts = PurePosixPath((url_path(path) if is_web_url(path) else path.lower()).replace("\\", "/")).parts
    parts = [p for p in parts if p not in ("/", "")]
    return ["/".join(parts[-k:]) for k in range(1, min(TAIL_PARTS, len(parts)) + 1)]


def chapter_names(documents: list[Document]) -> Counter:
    """How many feed items' chapters links end in each tail ('chapters.json' may end them all), and
    how many transcript and audio files have each path less its ending."""
    return Counter([t for d in documents if d.chapters_url for t in tails(d.chapters_url)]
                   + [beside_key(d) for d in documents if d.role in ("transcript", "audio") and d.local_file])


def beside_key(doc: Document) -> tuple:
    return ("beside", str(PurePosixPath(doc.local_file).with_suffix("")).lower())


def chapter_keys(doc: Document, names: Counter) -> list[tuple]:
    """Merge keys that join a chapters file to the item whose link names it: the link's URL, and
    each tail of it that only one item's link ends in."""
    if doc.chapters_url:
        return [("chapters-url", normal_url(doc.chapters_url))] + [
            ("chapters", t) for t in tails(doc.chapters_url) if names[t] == 1]
    if doc.role in ("transcript", "audio") and doc.local_file:
        key = beside_key(doc)
        return [key] if names[key] == 1 else []  # 'ep41.vtt' and 'ep41.json' both: neither is its file
    if doc.role != "chapters":
        return []
    if is_web_url(doc.source):
        return [("chapters-url", normal_url(doc.source))]
    beside = [("beside", BESIDE.sub("", doc.local_file.lower()))] if doc.local_file else []
    return beside + [("chapters", t) for t in tails(doc.local_file or doc.source) if names[t] == 1]


def merged_chapters(group: list[Document]) -> tuple[str | None, list[Chapter]]:
    """The group's chapters link, and the chapters of its best source (see CHAPTER_ROLES)."""
    def rank(doc: Document) -> tuple:
        role = CHAPTER_ROLES.index(doc.role) if doc.role in CHAPTER_ROLES else len(CHAPTER_ROLES)
        return (doc.chapters[0].source != "feed", role, doc.source, doc.line or 0)
    link = next((d.chapters_url for d in group if d.chapters_url), None)
    best = min((d for d in group if d.chapters), key=rank, default=None)
    return link, list(best.chapters) if best else []


def chapters_to_fetch(feed_items: list[Document], documents: list[Document]) -> list[str]:
    """The chapters links of items read from URLs that no chapters file among the sources answers."""
    names = chapter_names(documents)
    have = {key for d in documents if d.role == "chapters" for key in chapter_keys(d, names)}
    return list(dict.fromkeys(d.chapters_url for d in feed_items
                              if d.chapters_url and not set(chapter_keys(d, names)) & have))


def number_of(doc: Document) -> str:
    return f"s{doc.season}e{doc.episode}" if doc.season is not None else f"episode {doc.episode}"


def without_orphan_chapters(documents: list[Document]) -> list[Document]:
    """Merged documents, less the chapters files that joined no episode (each named in a warning)."""
    for doc in documents:
        if doc.role != "chapters":
            continue
        if doc.episode is None:
            why = "and neither its name nor its title gives an episode number"
        elif doc.show:
            why = f"and {doc.show} has no {number_of(doc)} among the sources"
        else:
            why = (f"and it names no show for its {number_of(doc)}: name it after the show, or give it a "
                   "podcastName")
        warnings.warn(IngestWarning(f"{doc.source}: a chapters file that matches no episode (no feed item's "
                                    f"<podcast:chapters> links to it, {why}); skipped"))
    return [d for d in documents if d.role != "chapters"]
