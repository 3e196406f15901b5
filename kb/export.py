"""Newsletter export: the episodes and write-ups chosen by topic, date, episode range or query,
each with its best passages (highlights) and resources, as plain items that the formats render.

Item order is fixed (newest first, then episode number, then id) so the same kb.db and options
give the same output byte for byte.
"""
from __future__ import annotations

import html
import json
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from .search import KnowledgeBase, query_stems, snippet
from .timecode import mmss
from .topics import matched_topics

SCHEMA = "need-to-know-kb/export/1"
BODY_KINDS = ("show_notes", "transcript", "section", "bullet", "table", "resources", "references")
SUMMARY_CHARS = 280
HOME_PAGE = "https://blog.ciaops.com/"


class ExportError(ValueError):
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


def export_items(kb: KnowledgeBase, options: ExportOptions) -> list[dict]:
    """The chosen documents as plain items (see the README's export schema)."""
    topic_names = tuple(kb.topic(t).name for t in options.topics)  # SearchError lists the known ones
    query_scores = kb.scores(options.query) if options.query else None
    chosen = (document_item(kb, doc, topic_names, query_scores, options)
              for doc in documents(kb.conn) if wanted(doc, options, topic_names))
    return [i for i in chosen if i is not None]


def document_item(kb: KnowledgeBase, doc: sqlite3.Row, topic_names: tuple[str, ...],
                  query_scores: np.ndarray | None, options: ExportOptions) -> dict | None:
    """One document as an export item; None when a query is given and matches nothing in it."""
    chunks = body_chunks(kb.conn, doc["id"])
    picked = best_chunks(chunks, topic_names, query_scores, options.highlights)
    if query_scores is not None and not picked:
        return None
    return item(kb.conn, doc, chunks, picked, query_stems(options.query or " ".join(topic_names)))


def documents(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    rows = conn.execute("select * from documents").fetchall()
    return sorted(rows, key=lambda d: (d["published"] or "", d["episode"] or 0, d["id"]), reverse=True)


def wanted(doc: sqlite3.Row, options: ExportOptions, topic_names: tuple[str, ...]) -> bool:
    if topic_names and not set(topic_names) & set(json.loads(doc["topics"] or "[]")):
        return False
    if options.episodes and not (doc["episode"] and options.episodes[0] <= doc["episode"] <= options.episodes[1]):
        return False
    if options.since or options.until:
        published = date.fromisoformat(doc["published"][:10]) if doc["published"] else None
        if published is None:
            return False  # a date range cannot place an undated document
        if (options.since and published < options.since) or (options.until and published > options.until):
            return False
    return True


def body_chunks(conn: sqlite3.Connection, document_id: str) -> list[sqlite3.Row]:
    marks = ",".join("?" * len(BODY_KINDS))
    return conn.execute(f"select * from chunks where document_id = ? and kind in ({marks}) order by ordinal",
                        (document_id, *BODY_KINDS)).fetchall()


def best_chunks(chunks: list[sqlite3.Row], topic_names: tuple[str, ...], query_scores: np.ndarray | None,
                n: int) -> list[sqlite3.Row]:
    """The n best passages: by query score; else those on the chosen topics, most topics first;
    else those touching most topics (a rough 'most to say' measure). Kept in running order."""
    if query_scores is not None:
        scored = [(float(query_scores[c["id"]]), c) for c in chunks if query_scores[c["id"]] > 0]
    else:
        def on_topic(c):
            tags = set(json.loads(c["topics"] or "[]"))
            return len(tags & set(topic_names)) if topic_names else len(tags)
        scored = [(on_topic(c) + c["word_count"] / 10_000, c) for c in chunks]
        scored = [(s, c) for s, c in scored if s >= 1 or not topic_names]
    best = sorted(scored, key=lambda sc: (-sc[0], sc[1]["ordinal"]))[:n]
    return sorted((c for _, c in best), key=lambda c: c["ordinal"])


def item(conn: sqlite3.Connection, doc: sqlite3.Row, chunks: list[sqlite3.Row], picked: list[sqlite3.Row],
         stems: set[str]) -> dict:
    prose = [c for c in chunks if c["kind"] in ("show_notes", "section", "transcript")]
    notes = [c["text"] for c in prose if c["kind"] == "show_notes"] or [c["text"] for c in prose[:2]]
    resources = conn.execute("select label, url, kind from resources where document_id = ? order by ordinal",
                             (doc["id"],)).fetchall()
    return {
        "id": doc["id"], "kind": doc["kind"], "title": doc["title"], "episode": doc["episode"],
        "url": doc["url"], "published": doc["published"],
        "summary": shorten(doc["description"] or (notes[0] if notes else ""), SUMMARY_CHARS),
        "notes": notes, "topics": json.loads(doc["topics"] or "[]"), "audio": audio(doc),
        "highlights": [highlight(c, stems) for c in picked],
        "resources": [{"label": r["label"], "url": r["url"], "kind": r["kind"]} for r in resources],
    }


def audio(doc: sqlite3.Row) -> dict | None:
    if not doc["audio_url"]:
        return None
    keys = doc.keys()
    return {
        "url": doc["audio_url"],
        "mime_type": (doc["audio_type"] if "audio_type" in keys else None) or "audio/mpeg",
        "duration_in_seconds": doc["duration_seconds"] if "duration_seconds" in keys else None,
    }


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


def topic_mentions(kb: KnowledgeBase, items: list[dict], topic_names: tuple[str, ...] = ()) -> dict:
    """Passages per topic per item, for the chart: {"columns": [item labels], "rows": [[topic, counts...]]}."""
    ids = [i["id"] for i in items]
    counts: dict[str, dict[str, int]] = {}
    if ids:
        marks = ",".join("?" * len(ids))
        sql = f"""select t.name, c.document_id, count(*) from chunk_topics ct
                  join chunks c on c.id = ct.chunk_id join topics t on t.id = ct.topic_id
                  where c.document_id in ({marks}) group by t.name, c.document_id"""
        for name, document_id, n in kb.conn.execute(sql, ids):
            counts.setdefault(name, {})[document_id] = n
    names = list(topic_names) or sorted(counts, key=lambda t: (-sum(counts[t].values()), t))[:12]
    labels = [f"Episode {i['episode']}" if i["episode"] else i["title"] for i in items]
    return {"columns": labels, "rows": [[t, *[counts.get(t, {}).get(i, 0) for i in ids]] for t in names]}


def resources_on(topic_name: str, items: list[dict], kb: KnowledgeBase) -> list[tuple[dict, dict]]:
    """(item, resource) pairs whose resource label names the topic."""
    name = kb.topic(topic_name).name
    return [(i, r) for i in items for r in i["resources"]
            if any(t.name == name for t in matched_topics(r["label"], kb.taxonomy))]


def to_json(items: list[dict], options: ExportOptions, chart: dict) -> dict:
    """The plain JSON export: the schema id, the options, the items and the chart's numbers."""
    return {"schema": SCHEMA, "filters": options.filters, "count": len(items), "items": items,
            "topic_mentions": chart}


def to_jsonfeed(items: list[dict], options: ExportOptions, chart: dict) -> dict:
    """JSON Feed 1.1; what the spec has no field for goes in `_need_to_know` extension objects."""
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed_title(options),
        "home_page_url": HOME_PAGE,
        "description": "Episodes and write-ups from the CIAOPS Need to Know knowledge base.",
        "language": "en",
        "items": [feed_item(i) for i in items],
        "_need_to_know": {"about": SCHEMA, "filters": options.filters, "topic_mentions": chart},
    }


def feed_item(i: dict) -> dict:
    out = {"id": i["id"], "title": i["title"], "summary": i["summary"], "content_html": content_html(i),
           "tags": i["topics"]}
    if i["url"]:
        out["url"] = i["url"]
    if i["published"]:
        out["date_published"] = rfc3339(i["published"])
    if i["audio"]:
        attachment = {"url": i["audio"]["url"], "mime_type": i["audio"]["mime_type"]}
        if i["audio"]["duration_in_seconds"]:
            attachment["duration_in_seconds"] = i["audio"]["duration_in_seconds"]
        out["attachments"] = [attachment]
    out["_need_to_know"] = {"kind": i["kind"], "episode": i["episode"], "highlights": i["highlights"],
                            "resources": i["resources"]}
    return out


def content_html(i: dict) -> str:
    """The show notes (or opening paragraphs) and resource links as escaped, script-free HTML."""
    parts = [f"<p>{html.escape(p)}</p>" for p in i["notes"]]
    links = [f"<li>{link_html(r['label'], r['url'])}</li>" for r in i["resources"]]
    if links:
        parts.append("<ul>" + "".join(links) + "</ul>")
    return "\n".join(parts)


def link_html(label: str, url: str | None) -> str:
    """An <a> only for http(s) URLs; anything else stays text."""
    if url and url.lower().startswith(("http://", "https://")):
        return f'<a href="{html.escape(url, quote=True)}">{html.escape(label)}</a>'
    return html.escape(label)


def rfc3339(published: str) -> str:
    return published if "T" in published else f"{published[:10]}T00:00:00Z"


def feed_title(options: ExportOptions) -> str:
    parts = []
    if options.filters.get("topics"):
        parts.append(", ".join(options.filters["topics"]))
    if options.filters.get("query"):
        parts.append(f"“{options.filters['query']}”")
    return "Need to Know" + (f": {' · '.join(parts)}" if parts else "")
