"""WebVTT transcripts: cues with '<v Speaker>' voices (or 'Speaker:' prefixes), times past the hour."""
from __future__ import annotations

import html
import re

from .errors import TranscriptParseError
from .model import Document
from .transcript import Cue, check_times, join_cues, speaker_prefix, timed_blocks, transcript_document

name = "webvtt"
role = "transcript"
encoding_fallback = "cp1252"
SIGNATURE = re.compile(r"^\ufeff?WEBVTT(?:[ \t].*)?$")
VOICE = re.compile(r"<v(?:\.[\w.-]+)*(?:\s+([^>]*))?>", re.I)
TAG = re.compile(r"</?[a-z][^>]*>|<\d[\d:.]*>", re.I)


def sniff(path: str, text: str) -> bool:
    first = text.lstrip("\ufeff \t\r\n").split("\n", 1)[0].rstrip("\r")
    return bool(SIGNATURE.match(first))


def parse(path: str, text: str) -> list[Document]:
    cues: list[Cue] = []
    speaker = None
    for line, start, end, body in timed_blocks(text, path):
        for voice, words in voices("\n".join(body)):
            if voice is None:
                voice, words = speaker_prefix(words)
            speaker = voice or speaker  # an unvoiced cue goes on with the last speaker
            if words:
                cues.append(check_times(Cue(words, start, end, speaker, line), path))
    if not cues:
        raise TranscriptParseError("WebVTT file has no cues ('00:00:01.000 --> 00:00:04.000' lines)", path, 1)
    return [transcript_document(path, join_cues(cues))]


def voices(cue_text: str) -> list[tuple[str | None, str]]:
    """The cue's text split by '<v Name>' spans, markup removed and entities decoded."""
    parts: list[tuple[str | None, str]] = []
    marks = list(VOICE.finditer(cue_text))
    if not marks or marks[0].start() > 0:
        parts.append((None, cue_text[: marks[0].start() if marks else len(cue_text)]))
    for k, mark in enumerate(marks):
        stop = marks[k + 1].start() if k + 1 < len(marks) else len(cue_text)
        parts.append(((mark.group(1) or "").strip() or None, cue_text[mark.end():stop]))
    cleaned = [(v, " ".join(html.unescape(TAG.sub("", t)).split())) for v, t in parts]
    return [(v, t) for v, t in cleaned if t]
