"""Podcasting 2.0 chapters files (JSON chapters 1.2: `{"version", "chapters": [{"startTime",
"title", "img", "url", "toc", "endTime"}]}`). A file becomes a document holding only chapters,
which merges into the episode whose feed item's <podcast:chapters> names it (ingest/chapters.py),
or whose episode number its name or title gives. Silent chapters (`"toc": false`) are left out."""
from __future__ import annotations

import json
import re
import warnings

from .chapters import in_order
from .errors import IngestError, IngestWarning
from .model import Chapter, Document, LineIndex, episode_id, slugify
from .identity import name_numbers, title_numbers
from .urls import name_of, web_url

name = "json-chapters"
role = "chapters"
encoding_fallback = "cp1252"
CHAPTERS_KEY = re.compile(r'"chapters"\s*:\s*\[')
SEGMENTS_KEY = re.compile(r'"segments"\s*:\s*\[')  # a transcript's, which json_transcript reads
SHAPE = 'expected an object with "chapters": [{"startTime": seconds, "title": ...}] (Podcasting 2.0 JSON chapters)'


def sniff(path: str, text: str) -> bool:
    start = text.lstrip("\ufeff \t\r\n")
    return start[:1] == "{" and bool(CHAPTERS_KEY.search(start)) and not SEGMENTS_KEY.search(start)


def parse(path: str, text: str) -> list[Document]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IngestError(f"not valid JSON: {exc.msg}", path, exc.lineno) from None
    except (RecursionError, ValueError):
        raise IngestError(f"not a chapters file: {SHAPE}", path, 1) from None
    items = data.get("chapters") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise IngestError(f"not a chapters file: {SHAPE}", path, 1)
    lines = LineIndex(text)
    starts = [lines.line(m.start()) for m in re.finditer(r'"startTime"\s*:', text)]
    chapters = [c for n, item in enumerate(items) if (c := chapter_of(path, n, item, starts)) is not None]
    title = data.get("title") if isinstance(data.get("title"), str) and data["title"].strip() else None
    season, episode = name_numbers(path)
    if episode is None and title:
        season, episode = title_numbers(title)
    stem = name_of(path).rsplit(".", 1)[0]
    doc = Document(episode_id(episode) if episode is not None else slugify(f"{stem} chapters"), "episode",
                   " ".join(title.split()) if title else f"{stem} (chapters)", path, episode=episode, line=1)
    doc.season = season
    show = data.get("podcastName")
    doc.show = " ".join(show.split()) or None if isinstance(show, str) else None
    doc.chapters = in_order(chapters)
    return [doc]


def chapter_of(path: str, n: int, item: object, starts: list[int]) -> Chapter | None:
    """One chapter object; a silent one (toc false) is None, a broken one is skipped with a warning."""
    line = starts[n] if n < len(starts) else None
    where = f"{path}{f', line {line}' if line else ''}: chapter {n + 1}"
    if not isinstance(item, dict):
        warnings.warn(IngestWarning(f"{where} is not an object; skipped"))
        return None
    start = seconds(item.get("startTime"))
    if start is None:
        warnings.warn(IngestWarning(f"{where} has no startTime in seconds ({item.get('startTime')!r}); skipped"))
        return None
    if item.get("toc") is False:
        return None
    title = item.get("title")
    title = " ".join(title.split()) or None if isinstance(title, str) else None
    end = seconds(item.get("endTime"))
    return Chapter(start, title, end if end is not None and end > start else None,
                   url=web_url(item.get("url")), image=web_url(item.get("img")), source="feed")


def seconds(value: object) -> float | None:
    """Seconds from a number or a numeric string; None when absent or no plausible time."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value) if isinstance(value, (int, float, str)) else None
    except (ValueError, OverflowError):
        return None
    return round(number, 3) if number is not None and 0 <= number < 10 ** 7 else None
