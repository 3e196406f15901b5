"""The JSON formats of the export: JSON Feed 1.1 (the default) and the plain JSON of the items."""
from __future__ import annotations

import html
import json
import re
import warnings

from ingest.urls import is_web_url

from .selection import Export, ExportOptions

SCHEMA = "need-to-know-kb/export/1"
HOME_PAGE = "https://blog.ciaops.com/"
MIME_TYPE = re.compile(r"[a-z]+/[a-z0-9][a-z0-9.+-]*", re.I)


class ExportWarning(UserWarning):
    """Something was left out of an export; the export goes on."""


def to_json(export: Export) -> str:
    """The plain JSON export: the schema id, the options, the items and the chart's numbers."""
    return as_json({"schema": SCHEMA, "filters": export.options.filters, "count": len(export.items),
                    "items": export.items, "topic_mentions": export.chart})


def to_jsonfeed(export: Export) -> str:
    """JSON Feed 1.1; what the spec has no field for goes in `_need_to_know` extension objects."""
    return as_json({
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed_title(export.options),
        "home_page_url": HOME_PAGE,
        "description": "Episodes and write-ups from the CIAOPS Need to Know knowledge base.",
        "language": "en",
        "items": [feed_item(i) for i in export.items],
        "_need_to_know": {"about": SCHEMA, "filters": export.options.filters, "topic_mentions": export.chart},
    })


def as_json(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def feed_item(i: dict) -> dict:
    out = {"id": i["id"], "title": i["title"], "summary": i["summary"], "content_html": content_html(i),
           "tags": i["topics"]}
    if i["url"]:
        out["url"] = i["url"]
    if i["published"]:
        out["date_published"] = rfc3339(i["published"])
    attachment = audio_attachment(i)
    if attachment:
        out["attachments"] = [attachment]
    out["_need_to_know"] = {"kind": i["kind"], "episode": i["episode"], "highlights": i["highlights"],
                            "resources": i["resources"]}
    if i.get("facts"):
        out["_need_to_know"]["facts"] = i["facts"]
    return out


def audio_attachment(i: dict) -> dict | None:
    """The item's audio as a JSON Feed attachment: only an http(s) URL with a well-formed MIME type
    goes into a feed that podcast apps read; anything else is dropped with a warning."""
    audio = i["audio"]
    if not audio:
        return None
    if not is_web_url(audio["url"]) or not MIME_TYPE.fullmatch(audio["mime_type"] or ""):
        warnings.warn(ExportWarning(f"{i['id']}: audio attachment left out: {audio['url'][:80]!r} "
                                    f"({str(audio['mime_type'])[:40]!r}) is not an http(s) URL with a MIME type"))
        return None
    attachment = {"url": audio["url"], "mime_type": audio["mime_type"]}
    if audio["duration_in_seconds"]:
        attachment["duration_in_seconds"] = audio["duration_in_seconds"]
    return attachment


def content_html(i: dict) -> str:
    """The show notes (or opening paragraphs) and resource links as escaped, script-free HTML."""
    parts = [f"<p>{html.escape(p)}</p>" for p in i["notes"]]
    links = [f"<li>{link_html(r['label'], r['url'])}</li>" for r in i["resources"]]
    if links:
        parts.append("<ul>" + "".join(links) + "</ul>")
    return "\n".join(parts)


def link_html(label: str, url: str | None) -> str:
    """An <a> only for http(s) URLs; anything else stays text."""
    if is_web_url(url):
        return f'<a href="{html.escape(url, quote=True)}">{html.escape(label)}</a>'
    return html.escape(label)


def rfc3339(published: str) -> str:
    day = published[:10] if len(published) >= 10 else f"{published[:7]}-01"  # '2014-01': the month's first day
    return published if "T" in published else f"{day}T00:00:00Z"


def feed_title(options: ExportOptions) -> str:
    parts = []
    if options.filters.get("topics"):
        parts.append(", ".join(options.filters["topics"]))
    if options.filters.get("query"):
        parts.append(f"“{options.filters['query']}”")
    return "Need to Know" + (f": {' · '.join(parts)}" if parts else "")
