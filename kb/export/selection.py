"""Newsletter export, the choosing: the episodes and write-ups picked by topic, date, episode range
or query, each with its best passages (highlights) and resources, as plain items that the
renderers (kb/export/renderers.py) turn into a format.

Item order is fixed (newest first, then episode number, then id) so the same kb.db and options
give the same output byte for byte.
"""
from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from ingest.errors import KBError

from ..fact_search import fact_label
from ..query import query_stems
from ..reader import Reader
from ..search import Searcher
from ..snippets import snippet
from ..timecode import mmss
from ..topics import matched_topics

# The chunks an item's notes and highlights come from (not boilerplate).
PASSAGE_KINDS = ("show_notes", "transcript", "section", "bullet", "table", "resources", "references")
LIST_KINDS = ("resources", "references")  # highlights only where a document has no passage to show
SUMMARY_CHARS = 280


class ExportError(KBError, ValueError):
    """The export options cannot be met: an unknown topic, a bad date or episode range."""


@dataclass(frozen=True)
class ExportOptions:
    topics: tuple[str, ...] = ()  # topic names or ids; an item needs any one of them
    since: date | None = None
    until: date | None = None
    episodes: tuple[int, int] | None = None  # inclusive range of episode numbers
    query: str | None = None
    highlights: int = 3
    filters: dict = field(default_factory=dict)  # the options as given, echoed into the output


@dataclass
class Export:
    """What every renderer gets: the items, the options, the chart's numbers and, per topic of the
    digest, the (item, resource) pairs whose resource names that topic."""

    items: list[dict]
    options: ExportOptions
    chart: dict
    resources: dict[str, list[tuple[dict, dict]]]


def parse_date(value: str, option: str) -> date:
    """YYYY-MM-DD, or YYYY-MM (the first of the month), as a date; ExportError otherwise."""
    text = value.strip()
    for pattern, suffix in ((r"\d{4}-\d{2}-\d{2}", ""), (r"\d{4}-\d{2}", "-01")):
        if re.fullmatch(pattern, text):
            try:
                return date.fromisoformat(text + suffix)
            except ValueError:
                break
    raise ExportError(f"{option}: {value!r} is not a date; use YYYY-MM-DD (or YYYY-MM)")


def parse_episodes(value: str) -> tuple[int, int]:
    """'230-240' or '234' as an inclusive range."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", value)
    if not match:
        raise ExportError(f"--episodes: {value!r} is not an episode number or range; use e.g. 230-240 or 234")
    low, high = int(match[1]), int(match[2] or match[1])
    if low > high:
        raise ExportError(f"--episodes: the range {value!r} runs backwards; use {high}-{low}")
    return low, high


def export_items(kb: Searcher, options: ExportOptions) -> list[dict]:
    """The chosen documents as plain items (see the README's export schema)."""
    topic_names = tuple(kb.topic(t).name for t in options.topics)  # SearchError lists the known ones
    query_scores = kb.scores(options.query) if options.query else None
    chosen = (document_item(kb.reader, doc, topic_names, query_scores, options)
              for doc in newest_first(kb.reader.documents()) if wanted(doc, options, topic_names))
    return [i for i in chosen if i is not None]


def document_item(reader: Reader, doc: sqlite3.Row, topic_names: tuple[str, ...],
                  query_scores: np.ndarray | None, options: ExportOptions) -> dict | None:
    """One document as an export item; None when a query is given and matches nothing in it."""
    chunks = reader.chunks_of(doc["id"], PASSAGE_KINDS)
    picked = best_chunks(chunks, topic_names, query_scores, options.highlights)
    if query_scores is not None and not picked:
        return None
    return item(reader, doc, chunks, picked, query_stems(options.query or " ".join(topic_names)))


def newest_first(rows: list[sqlite3.Row]) -> list[sqlite3.Row]:
    return sorted(rows, key=lambda d: (d["published"] or "", d["episode"] or 0, d["id"]), reverse=True)


def wanted(doc: sqlite3.Row, options: ExportOptions, topic_names: tuple[str, ...]) -> bool:
    if topic_names and not set(topic_names) & set(json.loads(doc["topics"] or "[]")):
        return False
    if options.episodes and not (doc["episode"] and options.episodes[0] <= doc["episode"] <= options.episodes[1]):
        return False
    if options.since or options.until:
        published = published_day(doc["published"])
        if published is None:
            return False  # a date range cannot place an undated document
        if (options.since and published < options.since) or (options.until and published > options.until):
            return False
    return True


def best_chunks(chunks: list[sqlite3.Row], topic_names: tuple[str, ...], query_scores: np.ndarray | None,
                n: int) -> list[sqlite3.Row]:
    """The n best passages: by query score; else those on the chosen topics, most topics first;
    else those touching most topics (a rough 'most to say' measure). Passages come before lists
    (Resources, references), which read as a run of link labels. Kept in running order."""
    if query_scores is not None:
        scored = [(float(query_scores[c["id"]]), c) for c in chunks if query_scores[c["id"]] > 0]
    else:
        def on_topic(c):
            tags = set(json.loads(c["topics"] or "[]"))
            return len(tags & set(topic_names)) if topic_names else len(tags)
        scored = [(on_topic(c) + c["word_count"] / 10_000, c) for c in chunks]
        on = [(s, c) for s, c in scored if s >= 1 or not topic_names]
        if on and all(c["kind"] in LIST_KINDS for _, c in on):  # only a list names the topic: the notes say more
            on += [(0.0, c) for c in chunks if c["kind"] == "show_notes"][:1]
        scored = on
    if any(c["kind"] not in LIST_KINDS for _, c in scored):
        scored = [(sc, c) for sc, c in scored if c["kind"] not in LIST_KINDS]
    best = sorted(scored, key=lambda sc: (-sc[0], sc[1]["ordinal"]))[:n]
    return sorted((c for _, c in best), key=lambda c: c["ordinal"])


def item(reader: Reader, doc: sqlite3.Row, chunks: list[sqlite3.Row], picked: list[sqlite3.Row],
         stems: set[str]) -> dict:
    prose = [c for c in chunks if c["kind"] in ("show_notes", "section", "transcript")]
    notes = [c["text"] for c in prose if c["kind"] == "show_notes"] or [c["text"] for c in prose[:2]]
    resources = reader.resources(doc["id"])
    found = {
        "id": doc["id"], "kind": doc["kind"], "title": doc["title"], "episode": doc["episode"],
        "url": doc["url"], "published": doc["published"],
        "summary": shorten(doc["description"] or (notes[0] if notes else ""), SUMMARY_CHARS),
        "notes": notes, "topics": json.loads(doc["topics"] or "[]"), "audio": audio(doc),
        "highlights": [highlight(c, stems) for c in picked],
        "resources": [{"label": r["label"], "url": r["url"], "kind": r["kind"]} for r in resources],
    }
    facts = reader.facts_of(doc["id"])
    if facts:  # write-ups: their rates, amounts, points and deadlines as data
        found["facts"] = [fact_item(f) for f in facts]
    return found


def fact_item(row: sqlite3.Row) -> dict:
    return {"label": fact_label(row), **{key: row[key] for key in (
        "subject", "value", "unit", "currency", "qualifier", "figure", "date", "heading", "sentence", "chunk_id",
        "url")}}


def audio(doc: sqlite3.Row) -> dict | None:
    if not doc["audio_url"]:
        return None
    return {"url": doc["audio_url"], "mime_type": doc["audio_type"] or "audio/mpeg",
            "duration_in_seconds": doc["duration_seconds"]}


def highlight(chunk: sqlite3.Row, stems: set[str]) -> dict:
    return {
        "chunk_id": chunk["id"], "speaker": chunk["speaker"], "heading": chunk["heading"],
        "start": chunk["start"], "time": mmss(chunk["start"]), "start_estimated": bool(chunk["start_estimated"]),
        "url": chunk["url"], "snippet": snippet(chunk["text"], stems),
        "topics": json.loads(chunk["topics"] or "[]"),
    }


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def topic_mentions(reader: Reader, items: list[dict], topic_names: tuple[str, ...] = ()) -> dict:
    """Passages per topic per item, for the chart: {"columns": [item labels], "rows": [[topic, counts...]]}."""
    ids = [i["id"] for i in items]
    counts: dict[str, dict[str, int]] = {}
    for name, document_id, n in reader.topic_mentions(ids):
        counts.setdefault(name, {})[document_id] = n
    names = list(topic_names) or sorted(counts, key=lambda t: (-sum(counts[t].values()), t))[:12]
    labels = [f"Episode {i['episode']}" if i["episode"] else i["title"] for i in items]
    return {"columns": labels, "rows": [[t, *[counts.get(t, {}).get(i, 0) for i in ids]] for t in names]}


def resources_on(topic_name: str, items: list[dict], kb: Searcher) -> list[tuple[dict, dict]]:
    """(item, resource) pairs whose resource label names the topic."""
    name = kb.topic(topic_name).name
    return [(i, r) for i in items for r in i["resources"]
            if any(t.name == name for t in matched_topics(r["label"], kb.taxonomy))]


def published_day(published: str | None) -> date | None:
    """The day of a published date; a month-precision date ('2014-01') is its month's first day."""
    if not published:
        return None
    return date.fromisoformat(published[:10] if len(published) >= 10 else f"{published[:7]}-01")
