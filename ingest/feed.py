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
from collections import Counter
from dataclasses import dataclass

import feedparser

from .chapters import chapters_link, item_chapters
from .encoding import visible
from .errors import IngestError, IngestWarning
from .html_text import Block, Body, blocks_of, post_body, remove_furniture, soup_of
from .identity import title_numbers
from .model import Document, LineIndex, Segment, document_id
from .show_notes import iso_date
from .transcript import transcript_rank
from .urls import name_of, normal_url, web_url

name = "podcast-feed"
role = "feed"
markup = True
FEED_START = re.compile(r"^\s*(?:<\?xml[^>]*\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^\[>]*(?:\[.*?\]\s*)?>\s*|<\?xml-stylesheet[^>]*\?>\s*)*"
                        r"<(?:[\w-]+:)?(?:rss|feed|RDF)\b", re.I | re.S)
ENTITY = re.compile(r"<!ENTITY\b", re.I)
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
        # feedparser never expands a DOCTYPE's entities (no billion laughs, no file:// reads): say so.
        why = "its DOCTYPE declares entities, which are not expanded" if ENTITY.search(text) else reason(problem)
        warnings.warn(IngestWarning(f"{path}{f', line {line}' if line else ''}: the feed is not well-formed XML "
                                    f"({why}); {len(parsed.entries)} item(s) were read before it"))
    spans = item_spans(text)
    aligned = len(spans) == len(parsed.entries)
    channel = Channel(" ".join(str(parsed.feed.get("title") or "").split()) or None, web_url(parsed.feed.get("link")))
    docs = []
    for n, entry in enumerate(parsed.entries):
        line_no, raw = (spans[n] if aligned else (None, ""))
        doc = parse_item(path, entry, line_no, raw, channel)
        if doc is None:
            warnings.warn(IngestWarning(f"{path}{f', line {line_no}' if line_no else ''}: an item with no title, "
                                        "description or enclosure was skipped"))
        else:
            docs.append(doc)
    if not docs:
        raise IngestError("the feed's items have no titles, descriptions or enclosures", path,
                          spans[0][0] if spans else None)
    identify_items(docs)
    return docs


@dataclass
class Channel:
    """What the feed says of itself: the show's name and home page."""

    title: str | None
    link: str | None


def reason(problem: Exception) -> str:
    message = problem.getMessage() if hasattr(problem, "getMessage") else str(problem)
    return " ".join(str(message).split())[:120]


def item_spans(text: str) -> list[tuple[int, str]]:
    """(line, raw XML) of each <item>/<entry>, for line numbers and <podcast:transcript> tags."""
    starts = [m.start() for m in ITEM.finditer(text)]
    lines = LineIndex(text)
    return [(lines.line(s), text[s: starts[k + 1] if k + 1 < len(starts) else len(text)])
            for k, s in enumerate(starts)]


def parse_item(path: str, entry: dict, line: int | None, raw: str, channel: Channel) -> Document | None:
    """One item as an episode. The title, the summary and the enclosure are content: an item with
    only a title and an audio file is an episode whose text is its title."""
    title = str(entry.get("title") or "")
    if "html" in (entry.get("title_detail") or {}).get("type", ""):
        title = soup_of(title).get_text(" ")  # titles are text: markup in one is dropped
    title = visible(" ".join(title.split()))
    audio_url, audio_type = enclosure(entry, channel.link)
    link = item_link(entry, channel.link)
    if not title:
        title = title_from_file(audio_url) if audio_url else ""
    body = notes_body(path, entry, link or channel.link)
    if not title and not body.segments and not any(notes.strip() for notes, _ in show_notes(entry)):
        return None
    named, title = bool(title), title or "Untitled episode"
    season, episode = item_numbers(entry, raw, title)
    doc = Document(document_id(episode, title), "episode", title, path, episode=episode, url=link,
                   published=item_date(entry), line=line)
    doc.show, doc.show_url, doc.season = channel.title, channel.link, season
    doc.episode_type = episode_type(entry)
    doc.guid = str(entry.get("id") or "").strip() or None
    doc.listen_url = doc.url
    doc.audio_url, doc.audio_type = audio_url, audio_type
    doc.duration_seconds = duration(entry.get("itunes_duration"))
    doc.tags = list(dict.fromkeys(" ".join(str(t.get("term") or "").split()) for t in entry.get("tags") or []
                                  if t.get("term")))
    # relative links ('rel.vtt', '/rel.vtt') are relative to the feed's own URL
    doc.transcript_types = transcripts(raw, entry, path if web_url(path) else channel.link)
    doc.transcript_urls = list(doc.transcript_types)
    doc.segments = body.segments or ([Segment("show_notes", title)] if named else [])
    doc.resources = body.resources
    doc.listen_url = doc.listen_url or body.listen_url
    doc.chapters_url = chapters_link(raw, entry)
    doc.chapters = item_chapters(path, line, entry, *next(iter(show_notes(entry)), ("", "text/plain")))
    return doc


def notes_body(path: str, entry: dict, base_url: str | None) -> Body:
    """The show notes: of content:encoded and the description or summary, the one with the most
    words (content:encoded when they tie), so a content that is only a heading gives way."""
    bodies = [post_body(path, note_blocks(notes_html, notes_type, base_url), "show_notes")
              for notes_html, notes_type in show_notes(entry)]
    words = [sum(len(s.text.split()) for s in b.segments if s.kind != "boilerplate") for b in bodies]
    return bodies[words.index(max(words))] if bodies else Body()


def item_link(entry: dict, channel_link: str | None) -> str | None:
    """The item's page; not the audio file that a feed gave as the guid, nor the channel's home page."""
    link = web_url(entry.get("link"), channel_link)
    if link is None or (channel_link and normal_url(link) == normal_url(channel_link)):
        return None
    media = (mimetypes.guess_type(link.split("?")[0])[0] or "").startswith(("audio/", "video/"))
    return None if media and entry.get("guidislink") else link


def title_from_file(url: str) -> str:
    """'https://cdn.example/tt-044-defender-for-office.mp3' -> 'tt 044 defender for office'."""
    stem = name_of(url).rsplit(".", 1)[0]
    return " ".join(re.sub(r"[_+-]+", " ", stem).split())


def item_numbers(entry: dict, raw: str, title: str) -> tuple[int | None, int | None]:
    """(season, episode): itunes:season/episode, podcast:season/episode, else the title's. A trailer
    or bonus takes no number from its title ('Bonus: Episode 1 Part 1' is not episode 1)."""
    season = whole(entry.get("itunes_season")) or whole(raw_tag(raw, "podcast:season"))
    episode = whole(entry.get("itunes_episode")) or whole(raw_tag(raw, "podcast:episode"))
    if episode is None and episode_type(entry) in (None, "full"):
        title_season, episode = title_numbers(title)
        season = season if season is not None else (title_season if episode is not None else None)
    return season, episode


def whole(value: object) -> int | None:
    """A season or episode number: '12', '#012', '3.0'; None for '', '-1' and words."""
    match = re.fullmatch(r"\s*#?0*(\d{1,6})(?:\.0+)?\s*", str(value or ""))
    return int(match.group(1)) if match else None


def raw_tag(raw: str, tag: str) -> str | None:
    """The text of a tag in the item's raw XML (feedparser keeps only the attributes of some)."""
    match = re.search(rf"<{tag}\b[^>]*>([^<]*)</{tag}\s*>", raw, re.I)
    return html.unescape(match.group(1)).strip() if match else None


def episode_type(entry: dict) -> str | None:
    value = str(entry.get("itunes_episodetype") or "").strip().lower()
    return value if value in ("full", "trailer", "bonus") else None


def identify_items(docs: list[Document]) -> None:
    """Each item's identity in its feed: its guid, else (missing or repeated) its enclosure URL,
    else its link, else its place in the feed."""
    candidates = [[d.guid, d.audio_url, d.url] for d in docs]
    counts = [Counter(c[k] for c in candidates if c[k]) for k in range(3)]
    for n, (doc, found) in enumerate(zip(docs, candidates)):
        doc.guid = next((v for k, v in enumerate(found) if v and counts[k][v] == 1), f"item-{n + 1}")


def show_notes(entry: dict) -> list[tuple[str, str]]:
    """The descriptions, richest first: content:encoded, then description/summary (with its type)."""
    found = [(c["value"], c.get("type") or "text/html") for c in entry.get("content") or []
             if str(c.get("value") or "").strip()]
    detail = entry.get("summary_detail") or {}
    if str(entry.get("summary") or "").strip():
        found.append((str(entry["summary"]), detail.get("type") or "text/html"))
    return found


def note_blocks(notes: str, kind: str, base_url: str | None) -> list[Block]:
    if "html" not in kind:
        return [Block("p", " ".join(p.split())) for p in re.split(r"\n\s*\n", notes) if p.strip()]
    soup = soup_of(notes)
    remove_furniture(soup)
    return blocks_of(soup.body or soup, base_url)


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


def enclosure(entry: dict, base_url: str | None = None) -> tuple[str | None, str | None]:
    """The audio file: the first audio enclosure (or the first enclosure of any type), a relative
    one resolved against the channel's link; else the item's media:content."""
    found = [(url, e.get("type")) for e in entry.get("enclosures") or [] if (url := web_url(e.get("href"), base_url))]
    found += [(url, m.get("type")) for m in entry.get("media_content") or [] if (url := web_url(m.get("url"), base_url))
              and str(m.get("type") or "audio/").startswith("audio/")]
    if not found:
        return None, None
    url, kind = next((f for f in found if str(f[1] or "").startswith("audio/")), found[0])
    return url, kind or mimetypes.guess_type(url.split("?")[0])[0]


def transcripts(raw: str, entry: dict, base_url: str | None) -> dict[str, str]:
    """<podcast:transcript url=...> links (made absolute against `base_url`) and their types, the
    formats with speakers and times first."""
    found: list[tuple[str, str]] = []
    for match in TRANSCRIPT.finditer(raw):
        attrs = {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
                 for m in ATTRIBUTE.finditer(match.group(1))}
        if attrs.get("url"):
            found.append((html.unescape(attrs["url"]).strip(), html.unescape(attrs.get("type", ""))))
    if not found and entry.get("podcast_transcript", {}).get("url"):
        found.append((entry["podcast_transcript"]["url"], entry["podcast_transcript"].get("type", "")))
    found = [(url, kind.strip()) for link, kind in found if (url := web_url(link, base_url))]
    found.sort(key=lambda f: transcript_rank(f[0], f[1]))
    links: dict[str, str] = {}
    for url, kind in found:
        links.setdefault(url, kind)  # the first of a link given twice wins
    return links
