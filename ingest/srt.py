"""SRT subtitles as transcripts: numbered cues, 'HH:MM:SS,mmm --> HH:MM:SS,mmm', 'Name:' speakers;
markup (tags, ASS overrides, \\N and \\h) never reaches the text (see ingest/cues.py)."""
from __future__ import annotations

from .cues import INDEX, TIMING, FULL_WIDTH, plain_text, timed_blocks
from .errors import TranscriptParseError
from .model import Document
from .speakers import attribute, said, split_dialogue
from .transcript import Cue, check_times, join_cues, transcript_document

name = "srt"
role = "transcript"
encoding_fallback = "cp1252"  # SRT files from older editors are often Windows-1252


def sniff(path: str, text: str) -> bool:
    """An index line (optional) then a 'START --> END' line as the file's first lines."""
    lines = [line.strip() for line in text.lstrip("\ufeff").splitlines()[:20] if line.strip()]
    if lines and INDEX.match(lines[0]):
        lines = lines[1:]
    return bool(lines) and "-->" in lines[0] and bool(TIMING.match(lines[0].translate(FULL_WIDTH)))


def parse(path: str, text: str) -> list[Document]:
    pieces, blocks, gaps = [], [], []
    previous = None
    for block in timed_blocks(text, path):
        gap = block.start - previous.end if previous is not None else None
        for piece in split_dialogue([plain_text(line) for line in block.lines]):
            pieces.append(said(piece))
            blocks.append(block)
            gaps.append(gap)
            gap = 0.0
        previous = block
    cues = [check_times(Cue(words, block.start, block.end, speaker, block.line), path)
            for block, (speaker, words) in zip(blocks, attribute(pieces, gaps)) if words]
    if not cues:
        raise TranscriptParseError("SRT file has no cues ('00:00:01,000 --> 00:00:04,000' lines)", path, 1)
    return [transcript_document(path, join_cues(cues))]
