"""SRT subtitles as transcripts: numbered cues, 'HH:MM:SS,mmm --> HH:MM:SS,mmm', 'Name:' speakers."""
from __future__ import annotations

import html
import re

from .errors import TranscriptParseError
from .model import Document
from .transcript import TIMING, Cue, check_times, join_cues, speaker_prefix, timed_blocks, transcript_document

name = "srt"
role = "transcript"
encoding_fallback = "cp1252"  # SRT files from older editors are often Windows-1252
TAG = re.compile(r"</?(?:i|b|u|font|c|v)\b[^>]*>|\{\\[^}]*\}", re.I)


def sniff(path: str, text: str) -> bool:
    """An index line (optional) then a 'START --> END' line as the file's first lines."""
    lines = [line.strip() for line in text.lstrip("\ufeff").splitlines()[:20] if line.strip()]
    if lines and lines[0].isdigit():
        lines = lines[1:]
    return bool(lines) and "-->" in lines[0] and bool(TIMING.match(lines[0]))


def parse(path: str, text: str) -> list[Document]:
    cues: list[Cue] = []
    speaker = None
    for line, start, end, body in timed_blocks(text, path):
        if body and body[-1].isdigit() and len(body) > 1:
            body = body[:-1]  # the next cue's index, where a file lost its blank lines
        words = " ".join(html.unescape(TAG.sub("", " ".join(body))).split())
        voice, words = speaker_prefix(words)
        speaker = voice or speaker  # 'Name:' marks a change of speaker; later cues go on with it
        if words:
            cues.append(check_times(Cue(words, start, end, speaker, line), path))
    if not cues:
        raise TranscriptParseError("SRT file has no cues ('00:00:01,000 --> 00:00:04,000' lines)", path, 1)
    return [transcript_document(path, join_cues(cues))]
