"""Otter-style transcript files: 'Speaker Name  M:SS' (or H:MM:SS) turn headers, each followed by
its text, perhaps under a title line. A blog dump holding such turns under 'Transcription' is not one."""
from __future__ import annotations

from .model import Document
from .otter import parse_turns, turn_header
from .show_notes import is_section_header, is_title_like
from .transcript import transcript_document

name = "otter-text"
role = "transcript"
encoding_fallback = "cp1252"
LEADING_LINES = 6  # a turn header must come within the file's first non-blank lines
LONG_LINE_WORDS = 20


def sniff(path: str, text: str) -> bool:
    """A turn header early on, with no section header or long paragraph before it."""
    seen = 0
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if turn_header(line):
            return True
        seen += 1
        if seen >= LEADING_LINES or is_section_header(line) or len(line.split()) >= LONG_LINE_WORDS:
            return False
    return False


def parse(path: str, text: str) -> list[Document]:
    lines = list(enumerate(text.splitlines(), 1))
    first_turn = next(n for n, line in lines if turn_header(line.strip()))
    before = [(n, line.strip()) for n, line in lines if n < first_turn and line.strip()]
    title = before[0][1] if before and is_title_like(before[0][1]) else None
    start = before[0][0] + 1 if title else 1  # a paragraph before the first turn is kept, as text
    turns = parse_turns([(n, line) for n, line in lines if n >= start], path)
    return [transcript_document(path, turns, title)]
