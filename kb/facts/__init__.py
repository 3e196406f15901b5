"""Facts as rows: the rates, amounts, points, times and counts that the write-ups state, each with
its subject, value, unit, qualifier, sentence and the chunk it is in. Computed during the build
from the documents' sections, bullets and tables (transcripts and show notes are speech and link
lists, left out), written to the facts table by kb/store.py.

figures.py finds numbers and their units, shapes.py the structure around them (labels, table
rows), subjects.py the words that say what a figure is about, extract.py puts them together.
"""
from __future__ import annotations

from ingest.model import Document

from ..chunking import Chunk
from .extract import Fact, passage_facts
from .shapes import passages

__all__ = ["Fact", "document_facts", "extract_facts"]


def document_facts(doc: Document) -> list[Fact]:
    """The facts of one document, in reading order."""
    return [fact for passage in passages(doc.segments) for fact in passage_facts(doc.id, passage)]


def extract_facts(documents: list[Document], chunks: list[Chunk]) -> list[Fact]:
    """Every document's facts, each given the id (1-based position in `chunks`) and deep link of
    the chunk its sentence is in."""
    by_document: dict[str, list[tuple[int, Chunk]]] = {}
    for chunk_id, chunk in enumerate(chunks, 1):
        by_document.setdefault(chunk.document_id, []).append((chunk_id, chunk))
    found = []
    for doc in documents:
        facts = document_facts(doc)
        if facts:
            place_in_chunks(facts, by_document.get(doc.id, []))
            found += facts
    return found


def place_in_chunks(facts: list[Fact], chunks: list[tuple[int, Chunk]]) -> None:
    """Each fact's chunk: the first, from the previous fact's on, under its heading that holds
    its sentence (chunks keep their segments' text, perhaps with other spacing)."""
    texts = [(chunk_id, chunk, " ".join(chunk.text.split())) for chunk_id, chunk in chunks]
    cursor = 0
    for fact in facts:
        wanted = " ".join(fact.sentence.split())
        probe = wanted[:80]
        for k in list(range(cursor, len(texts))) + list(range(cursor)):
            chunk_id, chunk, text = texts[k]
            if chunk.heading == fact.heading and (wanted in text or probe in text):
                fact.chunk_id, fact.url, cursor = chunk_id, chunk.url, k
                break
