"""WebVTT transcripts: cues with '<v Speaker>' voices (or 'Speaker:' prefixes), times past the hour,
as podcast hosts, Microsoft Teams and YouTube write them (see ingest/cues.py for what is lenient)."""
from __future__ import annotations

import re

from .cues import TimedBlock, plain_text, timed_blocks
from .errors import TranscriptParseError
from .model import Document
from .speakers import Said, attribute, said, split_dialogue
from .transcript import Cue, check_times, join_cues, transcript_document

name = "webvtt"
role = "transcript"
encoding_fallback = "cp1252"
SIGNATURE = re.compile(r"^\ufeff?WEBVTT(?:[ \t].*)?$")
VOICE = re.compile(r"<v(?:\.[\w.-]+)*(?:\s+([^>]*))?>", re.I)
HOLD_SECONDS = 0.05  # YouTube's rolling captions hold the last line for 10 ms between cues
ROLLING_REPEATS = 1  # cues that start with the line the cue before ended on: rolling captions


def sniff(path: str, text: str) -> bool:
    first = text.lstrip("\ufeff \t\r\n").split("\n", 1)[0].rstrip("\r")
    return bool(SIGNATURE.match(first))


def parse(path: str, text: str) -> list[Document]:
    pieces: list[tuple[TimedBlock, Said, float | None]] = []
    previous: TimedBlock | None = None
    for block in unrolled(timed_blocks(text, path)):
        gap = block.start - previous.end if previous is not None else None
        for voice, markup in voices("\n".join(block.lines)):
            for piece in split_dialogue([plain_text(line) for line in markup.split("\n")]):
                pieces.append((block, said(piece, voice), gap))
                gap = 0.0
        previous = block
    spoken = attribute([p for _, p, _ in pieces], [g for _, _, g in pieces])
    cues = [check_times(Cue(words, block.start, block.end, speaker, block.line), path)
            for (block, _, _), (speaker, words) in zip(pieces, spoken) if words]
    if not cues:
        raise TranscriptParseError("WebVTT file has no cues ('00:00:01.000 --> 00:00:04.000' lines)", path, 1)
    return [transcript_document(path, join_cues(cues))]


def voices(cue_text: str) -> list[tuple[str | None, str]]:
    """The cue's markup split by '<v Name>' spans (a span's text with no voice after '</v>')."""
    parts: list[tuple[str | None, str]] = []
    marks = list(VOICE.finditer(cue_text))
    if not marks or marks[0].start() > 0:
        parts.append((None, cue_text[: marks[0].start() if marks else len(cue_text)]))
    for k, mark in enumerate(marks):
        stop = marks[k + 1].start() if k + 1 < len(marks) else len(cue_text)
        inside, _, after = cue_text[mark.end():stop].partition("</v>")
        parts.append((plain_text(mark.group(1) or "") or None, inside))  # 'Ben &amp; Jerry' -> 'Ben & Jerry'
        if after.strip():
            parts.append((None, after))
    return [(v, t) for v, t in parts if plain_text(t)]


def unrolled(blocks: list[TimedBlock]) -> list[TimedBlock]:
    """Rolling captions (YouTube, yt-dlp) read once. In them each cue starts with the line the cue
    before it ended on, and 'hold' cues repeat it: in a file where cues keep doing so, a line that
    repeats the last line of the cue before it is dropped (elsewhere only a 10 ms hold cue is)."""
    texts = [[plain_text(line) for line in block.lines if plain_text(line)] for block in blocks]
    repeats = sum(1 for before, now in zip(texts, texts[1:]) if before and len(now) > 1 and now[0] == before[-1])
    out: list[TimedBlock] = []
    for n, (block, lines) in enumerate(zip(blocks, texts)):
        before = texts[n - 1] if n else []
        markup = [line for line in block.lines if plain_text(line)]
        if lines and before and lines[0] == before[-1] and (
                repeats >= ROLLING_REPEATS or block.end - block.start <= HOLD_SECONDS):
            markup = markup[1:]
        if markup:
            out.append(TimedBlock(block.line, block.start, block.end, markup))
    return out
