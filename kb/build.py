"""The build: sources -> documents -> chunks -> topics -> TF-IDF -> kb.db, written atomically."""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from ingest import load_sources
from ingest.model import Document, IngestError

from .chunking import Chunk, chunk_documents
from .store import atomic_database, write_kb
from .analysis import terms
from .tfidf import build_index
from .topics import Topic, assign_topics, load_taxonomy

Progress = Callable[[str], None]
PARALLEL_FROM_CHUNKS = 5000  # below this, starting worker processes costs more than it saves


@dataclass
class BuildSummary:
    documents: int
    episodes: int
    chunks: int
    topics: int
    resources: int
    seconds: float

    def __str__(self) -> str:
        return (f"{self.documents} documents ({self.episodes} episodes), {self.chunks} chunks, "
                f"{self.resources} resources, {self.topics} topics in {self.seconds:.1f}s")


def build_kb(sources: list[str | Path], db_path: str | Path, topics_path: str | Path,
             progress: Progress | None = None) -> BuildSummary:
    """Build kb.db from sources; the old kb.db is replaced only when every step succeeded."""
    began = time.perf_counter()
    say = progress or (lambda message: None)
    taxonomy = load_taxonomy(topics_path)
    documents = load_sources(sources, on_file=lambda path: say(f"Reading {path}"))
    mark_repeated_boilerplate(documents)
    say(f"Chunking {len(documents)} documents")
    chunks = chunk_documents(documents)
    if not chunks:
        raise IngestError("no text to index: the posts found have titles but no body",
                          ", ".join(str(s) for s in sources))
    say(f"Indexing {len(chunks)} chunks")
    index = build_index(list(range(1, len(chunks) + 1)), analyse(chunks, taxonomy))
    say(f"Writing {db_path}")
    with atomic_database(db_path) as db:
        write_kb(db, documents, chunks, taxonomy, index, document_info(documents, chunks, taxonomy))
    return BuildSummary(
        documents=len(documents), episodes=sum(d.kind == "episode" for d in documents),
        chunks=len(chunks), topics=len(taxonomy), resources=sum(len(d.resources) for d in documents),
        seconds=time.perf_counter() - began,
    )


def analyse(chunks: list[Chunk], taxonomy: list[Topic]) -> Iterator[list[str]]:
    """Each chunk's index terms, in order, tagging its topics on the way: the per-chunk work,
    spread over the machine's cores when there is enough of it (fork: the workers share the
    taxonomy). A generator, so the terms of all chunks are never in memory at once."""
    jobs = [(indexed_text(c), f"{c.heading or ''}\n{c.text}" if c.kind != "boilerplate" else None) for c in chunks]
    workers = min(os.cpu_count() or 1, 8)
    if workers > 1 and len(jobs) >= PARALLEL_FROM_CHUNKS and "fork" in multiprocessing.get_all_start_methods():
        with multiprocessing.get_context("fork").Pool(workers, _share_taxonomy, (taxonomy,)) as pool:
            yield from _tagged(chunks, pool.imap(_analyse_one, jobs, chunksize=256))
    else:
        _share_taxonomy(taxonomy)
        yield from _tagged(chunks, map(_analyse_one, jobs))


def _tagged(chunks: list[Chunk], analysed: Iterator[tuple[list[str], list[str]]]) -> Iterator[list[str]]:
    for chunk, (chunk_terms, topic_ids) in zip(chunks, analysed):
        chunk.topics = topic_ids
        yield chunk_terms


_taxonomy: list[Topic] = []


def _share_taxonomy(taxonomy: list[Topic]) -> None:
    global _taxonomy
    _taxonomy = taxonomy


def _analyse_one(job: tuple[str, str | None]) -> tuple[list[str], list[str]]:
    text, topic_text = job
    return terms(text), assign_topics(topic_text, _taxonomy) if topic_text is not None else []


def indexed_text(chunk: Chunk) -> str:
    """What TF-IDF sees: the words, with the speaker and heading that give them context."""
    return "\n".join(part for part in (chunk.speaker, chunk.heading, chunk.text) if part)


def normalised(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def mark_repeated_boilerplate(documents: list[Document]) -> None:
    """Show-notes paragraphs that recur word for word in several documents are boilerplate."""
    seen = Counter(normalised(s.text) for d in documents for s in {id(s): s for s in d.segments}.values()
                   if s.kind == "show_notes")
    for doc in documents:
        for seg in doc.segments:
            if seg.kind == "show_notes" and seen[normalised(seg.text)] > 1:
                seg.kind = "boilerplate"


def document_info(documents: list[Document], chunks: list[Chunk], taxonomy: list[Topic]) -> dict[str, dict]:
    """Derived per-document columns: content hash, description, topics (most chunks first), counts."""
    order = {t.id: n for n, t in enumerate(taxonomy)}
    info: dict[str, dict] = {}
    for doc in documents:
        mine = [c for c in chunks if c.document_id == doc.id]
        counts = Counter(t for c in mine for t in c.topics)
        body = "\n".join(s.text for s in doc.segments)
        description = next((s.text for s in doc.segments if s.kind in ("show_notes", "section")), None)
        info[doc.id] = {
            "content_hash": hashlib.sha256(f"{doc.title}\n{body}".encode()).hexdigest(),
            "description": description,
            "topics": sorted(counts, key=lambda t: (-counts[t], order[t])),
            "chunk_count": len(mine),
        }
    return info
