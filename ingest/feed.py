"""Podcast feeds (RSS or Atom, read with feedparser): one episode per item, with its number, date,
duration, audio enclosure, show notes (HTML cleaned, links kept as resources) and the
<podcast:transcript> links that attach transcript files to it."""
from __future__ import annotations

import email.utils
import html
import io
import mimetypes
import re
import warnings

import feedparser

from .chapters import chapters_link, item_chapters
from .errors import IngestError, IngestWarning
from .html_text import Block, blocks_of, post_body, remove_furniture, soup_of
from .model import Document, LineIndex, document_id
from .show_notes import EPISODE_TITLE, iso_date
from .transcript import transcript_rank
from .urls import web_url

name = "podcast-feed"
role = "feed"
markup = True
FEED_START = re.compile(r"^\s*(?:<\?xml[^>]*\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*|<\?xml-stylesheet[^>]*\?>\s*)*"
                        r"<(?:[\w-]+:)?(?:rss|feed|RDF)\b", re.I | re.S)
ITEM = re.compile(r"<(?:item|entry)\b[^>]*>", re.I)
TRANSCRIPT = re.compile(r"<podcast:transcript\b([^>]*)>", re.I)
ATTRIBUTE = re.compile(r"([\w:-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
XML_DECLARED = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])[^\"']*", re.I)
HARMLESS = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


def sniff(path: str, text: str) -> bool:
    return bool(FEED_START.match(text.lstrip("\ufeff")[:4096]))


def parse(path: str, text: str) -> list[Document]:
    # The text is already decoded: tell feedparser so, rather than let it re-read the declaration.
    data = XML_DECLARED.sub(r"\1utf-8", text, count=1).encode("utf-8")
    parsed = feedparser.parse(io.BytesIO(data), response_headers={"content-type": "application/xml; charset=utf-8"},
                              resolve_relative_uris=True, sanitize_html=True)
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if problem is not None and isinstance(problem, HARMLESS):
        problem = None
    line = problem.getLineNumber() if hasattr(problem, "getLineNumber") else None
    if not parsed.entries:
        if problem is not None:
            raise IngestError(f"not a readable feed: {reason(problem)}", path, line)
        channel = re.search(r"<(?:channel|feed)\b", text)
        raise IngestError("the feed has no items (<item> or <entry>)", path,
                          text.count("\n", 0, channel.start()) + 1 if channel else 1)
    if problem is not None:
        warnings.warn(IngestWarning(f"{path}{f', line {line}' if line else ''}: the feed is not well-formed XML "
                                    f"({reason(problem)}); {len(parsed.entries)} item(s) were read before it"))
    spans = item_spans(text)
    aligned = len(spans) == len(parsed.entries)
    docs = []
    for n, entry in enumerate(parsed.entries):
        line_no, raw = (spans[n] if aligned else (None, ""))
        doc = parse_item(path, entry, line_no, raw, parsed.feed.get("link"))
        if doc is None:
            warnings.warn(IngestWarning(f"{path}{f', line {line_no}' if line_no else ''}: an item with no title "
                                        "or description was skipped"))
        else:
            docs.append(doc)
    if not docs:
        raise IngestError("the feed's items have no titles or descriptions", path, spans[0][0] if spans else None)
    return docs


def reason(problem: Exception) -> str:
    message = problem.getMessage() if hasattr(problem, "getMessage") else str(problem)
    return " ".join(str(message).split())[:120]


def item_spans(text: str) -> list[tuple[int, str]]:
    """(line, raw XML) of each <item>/<entry>, for line numbers and <podcast:transcript> tags."""
    starts = [m.start() for m in ITEM.finditer(text)]
    lines = LineIndex(text)
    return [(lines.line(s), text[s: starts[k + 1] if k + 1 < len(starts) else len(text)])
            for k, s in enumerate(starts)]


def parse_item(path: str, entry: dict, line: int | None, raw: str, feed_link: str | None) -> Document | None:
    title = str(entry.get("title") or "")
    if "html" in (entry.get("title_detail") or {}).get("type", ""):
        title = soup_of(title).get_text(" ")  # titles are text: markup in one is dropped
    title = " ".join(title.split())
    notes_html, notes_type = show_notes(entry)
    if not title and not notes_html.strip():
        return None
    title = title or "Untitled episode"
    episode = episode_number(entry.get("itunes_episode"), title)
    doc = Document(document_id(episode, title), "episode", title, path,
                   episode=episode, url=web_url(entry.get("link"), feed_link), published=item_date(entry), line=line)
    doc.listen_url = doc.url
    doc.audio_url, doc.audio_type = enclosure(entry)
    doc.duration_seconds = duration(entry.get("itunes_duration"))
    doc.tags = list(dict.fromkeys(" ".join(str(t.get("term") or "").split()) for t in entry.get("tags") or []
                                  if t.get("term")))
    doc.transcript_urls = transcripts(raw, entry)
    doc.chapters_url, doc.chapters = chapters_link(raw, entry), item_chapters(path, line, entry, notes_html, notes_type)
    body = post_body(path, note_blocks(notes_html, notes_type, doc.url or feed_link), "show_notes")
    doc.segments, doc.resources = body.segments, body.resources
    doc.listen_url = doc.listen_url or body.listen_url
    return doc


def show_notes(entry: dict) -> tuple[str, str]:
    """The richest description: content:encoded, then description/summary (with its type)."""
    for content in entry.get("content") or []:
        if str(content.get("value") or "").strip():
            return content["value"], content.get("type") or "text/html"
    detail = entry.get("summary_detail") or {}
    return str(entry.get("summary") or ""), detail.get("type") or "text/html"


def note_blocks(notes: str, kind: str, base_url: str | None) -> list[Block]:
    if "html" not in kind:
        return [Block("p", " ".join(p.split())) for p in re.split(r"\n\s*\n", notes) if p.strip()]
    soup = soup_of(notes)
    remove_furniture(soup)
    return blocks_of(soup.body or soup, base_url)


def episode_number(itunes_episode: object, title: str) -> int | None:
    match = re.fullmatch(r"\s*#?0*(\d{1,6})\s*", str(itunes_episode or ""))
    if match:
        return int(match.group(1))
    found = EPISODE_TITLE.search(title) or re.search(r"(?:^|[\s(\[])(?:#|ep\.?\s*)(\d{1,5})\b", title, re.I)
    return int(found.group(1)) if found else None


def item_date(entry: dict) -> str | None:
    """The date as the feed wrote it (RFC 822 or ISO 8601), in the publisher's own time zone."""
    raw = str(entry.get("published") or entry.get("updated") or "").strip()
    if not raw:
        return None
    try:
        return email.utils.parsedate_to_datetime(raw).date().isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    if iso_date(raw):
        return iso_date(raw)
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return f"{parsed.tm_year:04d}-{parsed.tm_mon:02d}-{parsed.tm_mday:02d}" if parsed else None


def duration(value: object) -> int | None:
    """Seconds from itunes:duration: 'HH:MM:SS', 'MM:SS' or seconds ('3754', '3754.5')."""
    text = str(value or "").strip()
    if re.fullmatch(r"\d{1,7}(?:\.\d+)?", text):
        return int(float(text))
    match = re.fullmatch(r"(?:(\d{1,4}):)?(\d{1,4}):(\d{2})(?:\.\d+)?", text)
    if not match or int(match.group(3)) >= 60 or (match.group(1) and int(match.group(2)) >= 60):
        return None
    return int(match.group(1) or 0) * 3600 + int(match.group(2)) * 60 + int(match.group(3))


def enclosure(entry: dict) -> tuple[str | None, str | None]:
    """The audio file: the first audio enclosure (or the first enclosure of any type)."""
    enclosures = [e for e in entry.get("enclosures") or [] if web_url(e.get("href"))]
    if not enclosures:
        return None, None
    chosen = next((e for e in enclosures if str(e.get("type") or "").startswith("audio/")), enclosures[0])
    kind = chosen.get("type") or mimetypes.guess_type(chosen["href"].split("?")[0])[0]
    return web_url(chosen["href"]), kind


def transcripts(raw: str, entry: dict) -> list[str]:
    """<podcast:transcript url=...> links, the formats with speakers and times first."""
    found: list[tuple[str, str]] = []
    for match in TRANSCRIPT.finditer(raw):
        attrs = {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
                 for m in ATTRIBUTE.finditer(match.group(1))}
        if attrs.get("url"):
            found.append((html.unescape(attrs["url"]).strip(), html.unescape(attrs.get("type", ""))))
    if not found and entry.get("podcast_transcript", {}).get("url"):
        found.append((entry["podcast_transcript"]["url"], entry["podcast_transcript"].get("type", "")))
    found.sort(key=lambda f: transcript_rank(f[0], f[1]))
    return list(dict.fromkeys(url for url, _ in found if web_url(url)))
