"""Segments -> chunks: small enough to be a precise hit, never across a document, section or speaker."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ingest.model import Document, Segment

MIN_WORDS = 60
MAX_WORDS = 250
LIST_WORDS = 150  # a list keeps growing to this size before it is cut at an item
BODY_KINDS = {"section", "bullet", "table"}
PROSE_KINDS = {"section", "show_notes"}
SPEECH_WORDS_PER_SECOND = 2.5  # about 150 words a minute, to estimate times inside a long turn
# A sentence ends at . ! ? or …, perhaps closed by a quote or bracket, before a capital or digit.
SENTENCE_END = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"'”’)]))\s+(?=[\"'“‘(]?[A-Z0-9])")


@dataclass
class Chunk:
    document_id: str
    ordinal: int
    kind: str
    text: str
    heading: str | None = None
    speaker: str | None = None
    start: float | None = None
    end: float | None = None
    start_estimated: bool = False
    url: str | None = None
    topics: list[str] = field(default_factory=list)
    words: list | None = field(default=None, repr=False)  # the turn's Word timestamps for this piece
    cites: list[int] = field(default_factory=list)  # reference numbers its text cited (taken out of the text)
    title: str | None = None  # the document's title, indexed with the first chunk's words (not shown)
    likely_speaker: str | None = None  # who an "Unknown Speaker" turn probably is (kb/turns.py)

    @property
    def word_count(self) -> int:
        return len(self.text.split())


def chunk_documents(documents: list[Document]) -> list[Chunk]:
    return [chunk for doc in documents for chunk in chunk_document(doc)]


def chunk_document(doc: Document) -> list[Chunk]:
    """Merge short neighbours of the same run, split long segments at sentences."""
    chunks: list[Chunk] = []
    for run in runs(doc.segments):
        if run[0].speaker or run[0].start is not None:  # transcript turns, boilerplate ones too
            for turn in run:
                chunks += split_turn(doc, turn)
        else:
            chunks += pack_run(doc, run)
    for ordinal, chunk in enumerate(chunks):
        chunk.ordinal = ordinal
        chunk.url = deep_link(doc, chunk.start)
        # The first chunk carries the title's words for the index: in every chunk they lifted all
        # of a document's passages alike, which cost the own queries 0.01 MRR (see the README).
        chunk.title = doc.title if ordinal == 0 else None
    return chunks


def run_key(seg: Segment) -> tuple:
    # Paragraphs, bullets and tables under one heading may share a chunk (an intro and its list).
    return ("section" if seg.kind in BODY_KINDS else seg.kind, seg.heading, seg.speaker)


def runs(segments: list[Segment]) -> list[list[Segment]]:
    """Consecutive segments that may share a chunk: same heading, speaker and kind of text."""
    grouped: list[list[Segment]] = []
    for seg in segments:
        if grouped and run_key(grouped[-1][0]) == run_key(seg):
            grouped[-1].append(seg)
        else:
            grouped.append([seg])
    return grouped


def pack_run(doc: Document, run: list[Segment]) -> list[Chunk]:
    """Greedy packing: close a chunk once it has MIN_WORDS or the next piece would pass MAX_WORDS;
    a short last chunk joins the one before it when the two fit in MAX_WORDS."""
    pieces = [(piece, seg.kind, n) for n, seg in enumerate(run) for piece in split_text(seg.text)]
    groups: list[list[tuple[str, str]]] = []
    of_segment: list[list[int]] = []  # which segments each group's pieces come from
    for piece, kind, n in pieces:
        if not groups or closes(groups[-1], piece, kind):
            groups.append([])
            of_segment.append([])
        groups[-1].append((piece, kind))
        of_segment[-1].append(n)
    if len(groups) > 1 and words_in(groups[-1]) < MIN_WORDS and words_in(groups[-2] + groups[-1]) <= MAX_WORDS:
        last = groups.pop()
        groups[-1] += last
        tail = of_segment.pop()
        of_segment[-1] += tail
    first = run[0]
    return [Chunk(doc.id, 0, chunk_kind(group), join(group), first.heading, first.speaker,
                  cites=list(dict.fromkeys(c for n in dict.fromkeys(segments) for c in run[n].cites)))
            for group, segments in zip(groups, of_segment)]


def closes(group: list[tuple[str, str]], piece: str, kind: str) -> bool:
    """Whether `group` is complete before `piece`: full, or big enough at a natural break.
    A paragraph is a natural break; list items and table rows run on to LIST_WORDS."""
    size = words_in(group)
    if size + len(piece.split()) > MAX_WORDS:
        return True
    if size < MIN_WORDS:
        return False
    return kind in PROSE_KINDS or kind != group[-1][1] or size >= LIST_WORDS


def words_in(group: list[tuple[str, str]]) -> int:
    return sum(len(piece.split()) for piece, _ in group)


def chunk_kind(group: list[tuple[str, str]]) -> str:
    kinds = {kind for _, kind in group}
    return kinds.pop() if len(kinds) == 1 else "section"


def join(group: list[tuple[str, str]]) -> str:
    # Lists, tables and separate paragraphs keep their lines; pieces of one long paragraph rejoin.
    return "\n".join(piece for piece, _ in group)


def split_turn(doc: Document, turn: Segment) -> list[Chunk]:
    """A long turn becomes several chunks; each later piece gets an estimated start second."""
    pieces = split_text(turn.text)
    total = sum(len(p.split()) for p in pieces) or 1
    if turn.start is not None and turn.end is not None:
        duration = max(0.0, turn.end - turn.start)  # the next turn's start bounds the estimates
    else:
        duration = total / SPEECH_WORDS_PER_SECOND
    chunks, offset = [], 0
    for k, piece in enumerate(pieces):
        start = end = None
        if turn.start is not None:
            start = round(turn.start + duration * offset / total, 1) if k else turn.start
            offset += len(piece.split())
            end = round(turn.start + duration * offset / total, 1)
            if k == len(pieces) - 1 and turn.end is not None:
                end = turn.end
        chunks.append(Chunk(doc.id, 0, turn.kind, piece, turn.heading, turn.speaker, start, end, bool(k)))
    if turn.words and len(turn.words) == total:  # one word per token of the text: exact piece times
        add_words(chunks, turn.words)
    return chunks


def add_words(chunks: list[Chunk], words: list) -> None:
    """Give each piece of a turn its words, and its first and last word's times in place of estimates."""
    taken = 0
    for chunk in chunks:
        chunk.words = words[taken:taken + chunk.word_count]
        taken += chunk.word_count
        if chunk.words and chunk.words[0].start is not None:
            chunk.start, chunk.start_estimated = chunk.words[0].start, False
            chunk.end = chunk.words[-1].end if chunk.words[-1].end is not None else chunk.end


def split_text(text: str) -> list[str]:
    """Text of at most MAX_WORDS per piece, cut at sentence ends into pieces of similar size."""
    n_words = len(text.split())
    if n_words <= MAX_WORDS:
        return [text]
    sentences = [s for sentence in SENTENCE_END.split(text) for s in hard_wrap(sentence)]
    target = n_words / math.ceil(n_words / (MAX_WORDS * 0.8))
    pieces: list[str] = []
    current: list[str] = []
    for sentence in sentences:
        size = sum(len(s.split()) for s in current)
        if current and (size >= target or size + len(sentence.split()) > MAX_WORDS):
            pieces.append(" ".join(current))
            current = []
        current.append(sentence)
    if current:
        pieces.append(" ".join(current))
    return pieces


def hard_wrap(sentence: str) -> list[str]:
    """A 'sentence' longer than MAX_WORDS (unpunctuated speech) is cut by word count."""
    tokens = sentence.split()
    if len(tokens) <= MAX_WORDS:
        return [sentence]
    step = math.ceil(len(tokens) / math.ceil(len(tokens) / (MAX_WORDS * 0.8)))
    return [" ".join(tokens[i:i + step]) for i in range(0, len(tokens), step)]


def deep_link(doc: Document, start: float | None) -> str | None:
    """The audio at the second (media fragment) where known, else the episode or post page."""
    if doc.audio_url and start is not None:
        return f"{doc.audio_url}#t={int(start)}"
    return doc.url
