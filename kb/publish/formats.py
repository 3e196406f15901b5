"""The files `kb publish` writes for an episode, as text: WebVTT with <v Speaker> voices, SRT with
'Name:' where the speaker changes, Podcasting 2.0 transcript JSON and chapters JSON (1.2.0), and
the <podcast:transcript>/<podcast:chapters> tags that link them from a feed."""
from __future__ import annotations

import html
import json


from .cues import Cue, shown_lines

# (file ending, MIME type for <podcast:transcript type=...>), in the order the tags are printed
TRANSCRIPT_FILES = ((".vtt", "text/vtt"), (".srt", "application/x-subrip"), (".json", "application/json"))
CHAPTERS_FILE = (".chapters.json", "application/json+chapters")
TRANSCRIPT_VERSION = "1.0.0"
CHAPTERS_VERSION = "1.2.0"


def clock(seconds: float, separator: str) -> str:
    """'01:02:03.500' (WebVTT) or '01:02:03,500' (SRT), from whole milliseconds."""
    ms = round(seconds * 1000)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}{separator}{rest % 1000:03d}"


def plain(text: str) -> str:
    """A cue's text with no '-->' (which would read as a timing line)."""
    return text.replace("-->", "->")


def to_webvtt(cues: list[Cue]) -> str:
    parts = ["WEBVTT\n"]
    for n, cue in enumerate(cues, 1):
        lines = [html.escape(plain(line), quote=False) for line in shown_lines(cue.text)]
        if cue.speaker:
            voice = html.escape(cue.speaker, quote=False).replace("\n", " ")
            lines[0] = f"<v {voice}>{lines[0]}"
        parts.append(f"{n}\n{clock(cue.start, '.')} --> {clock(cue.end, '.')}\n" + "\n".join(lines) + "\n")
    return "\n".join(parts)


def to_srt(cues: list[Cue]) -> str:
    parts = []
    for n, cue in enumerate(cues, 1):
        text = cue.shown
        lines = [plain(line) for line in shown_lines(text)]
        parts.append(f"{n}\n{clock(cue.start, ',')} --> {clock(cue.end, ',')}\n" + "\n".join(lines) + "\n")
    return "\n".join(parts)


def to_transcript_json(cues: list[Cue]) -> str:
    segments = []
    for cue in cues:
        segment = {"speaker": cue.speaker} if cue.speaker else {}
        segments.append({**segment, "startTime": cue.start, "endTime": cue.end, "body": cue.text})
    return as_json({"version": TRANSCRIPT_VERSION, "segments": segments})


def to_chapters_json(title: str | None, chapters: list) -> str:
    """Chapters JSON 1.2.0 from rows of the chapters table (start, end, title, url, image)."""
    out = []
    for row in chapters:
        chapter = {"startTime": row["start"]}
        for key, column in (("endTime", "end"), ("title", "title"), ("url", "url"), ("img", "image")):
            if row[column] is not None:
                chapter[key] = row[column]
        out.append(chapter)
    return as_json({"version": CHAPTERS_VERSION, **({"title": title} if title else {}), "chapters": out})


def as_json(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def feed_tags(document_id: str, title: str, urls: list[tuple[str, str, bool]]) -> str:
    """The tags for one episode's <item>, under a comment naming it; `urls` as (url, MIME type,
    is the chapters file)."""
    comment = f"{document_id}: {title}".replace("--", "–")
    lines = [f"<!-- {html.escape(comment, quote=False)} -->"]
    for url, mime, chapters in urls:
        tag = "podcast:chapters" if chapters else "podcast:transcript"
        lines.append(f'<{tag} url="{html.escape(url, quote=True)}" type="{mime}" />')
    return "\n".join(lines) + "\n"
