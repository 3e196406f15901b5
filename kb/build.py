"""The build: sources -> documents -> chunks -> topics -> TF-IDF -> kb.db, written atomically."""
from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import multiprocessing
import multiprocessing.pool
import os
import re
import signal
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from ingest.errors import IngestError, IngestWarning
from ingest.fetch import size_text
from ingest.model import Document
from ingest.sources import load_sources

from .chapters import add_generated_chapters
from .chunking import Chunk, chunk_documents
from .facts import extract_facts
from .store import (atomic_database, questions, write_facts, write_full_text, write_passages, write_postings,
                    write_start_arrays)
from .analysis import terms
from .atomic import exclusive, leftovers
from .audio.names import offers as speaker_offers
from .audio.options import SpeakerOptions
from .audio.transcribe import transcriber
from .tfidf import Counts, build_index, chunk_lengths, count_terms, merge_counts
from .paths import bundled
from .topics import Topic, assign_topics, load_taxonomy
from .turns import guess_unknown_speakers
from .vocabulary import Names, load_related_words, load_vocabulary, with_vocabulary

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
    facts: int = 0
    skipped: int = 0  # source files that could not be read (each named in a warning)

    def __str__(self) -> str:
        skipped = f", {self.skipped} file{'s' if self.skipped != 1 else ''} skipped" if self.skipped else ""
        return (f"{self.documents} documents ({self.episodes} episodes), {self.chunks} chunks, "
                f"{self.resources} resources, {self.facts} facts, {self.topics} topics{skipped} in {self.seconds:.1f}s")


def build_kb(sources: list[str | Path], db_path: str | Path, topics_path: str | Path,
             progress: Progress | None = None, vocabulary_path: str | Path | None = None,
             strict: bool = False, speakers: SpeakerOptions | None = None) -> BuildSummary:
    """Build kb.db from sources; the old kb.db is replaced only when every step succeeded. A source
    file that cannot be read is skipped with a warning (counted in the summary), unless `strict`.
    Audio files get speaker labels as `speakers` asks (None: none)."""
    say = progress or (lambda message: None)
    with exclusive(db_path, waiting=say):  # one build of a kb.db at a time: a second one waits
        remove_leftovers(db_path)
        return build_locked(sources, db_path, topics_path, vocabulary_path or bundled("vocabulary.yml"), say, strict,
                            speakers)


def load_terms(topics_path: str | Path, vocabulary_path: str | Path) -> tuple[list[Topic], list[Names], list[list[str]]]:
    """The taxonomy, with the vocabulary's names as aliases of their topics, the vocabulary, and its
    groups of related words."""
    taxonomy, vocabulary = load_taxonomy(topics_path), load_vocabulary(vocabulary_path)
    missing = with_vocabulary(taxonomy, vocabulary)
    if missing:
        warnings.warn(IngestWarning(f"{vocabulary_path}: names of topics that {topics_path} does not have "
                                    f"tag no passages: {', '.join(missing)}"))
    return taxonomy, vocabulary, load_related_words(vocabulary_path)


def build_locked(sources: list[str | Path], db_path: str | Path, topics_path: str | Path,
                 vocabulary_path: str | Path, say: Progress, strict: bool = False,
                 speakers: SpeakerOptions | None = None) -> BuildSummary:
    began = time.perf_counter()
    taxonomy, vocabulary, related_words = load_terms(topics_path, vocabulary_path)
    skipped: list[IngestError] = []
    documents = load_sources(sources, on_file=lambda path: say(f"Reading {path}"), transcribe=transcriber(say, speakers),
                             strict=strict, on_skip=skipped.append)
    mark_repeated_boilerplate(documents)
    for offer in speaker_offers(documents):  # names from show notes: offered, never put on a voice
        say(offer)
    say(f"Chunking {len(documents)} documents")
    chunks = chunk_documents(documents)
    guess_unknown_speakers(chunks)
    if not chunks:
        raise IngestError("no text to index: the posts found have titles but no body",
                          ", ".join(str(s) for s in sources))
    say(f"Indexing {len(chunks)} chunks")
    counts = analyse(chunks, taxonomy, say)
    facts = extract_facts(documents, chunks)
    spread = forked_map if len(chunks) >= PARALLEL_FROM_CHUNKS else map
    if generated := add_generated_chapters(documents, chunks, taxonomy, counts, spread):
        say(f"Generated chapters for {generated} transcript(s) that had none")
    say(f"Writing {db_path}")
    summary = BuildSummary(
        documents=len(documents), episodes=sum(d.kind == "episode" for d in documents),
        chunks=len(chunks), topics=len(taxonomy), resources=sum(len(d.resources) for d in documents),
        seconds=0.0, facts=len(facts), skipped=len(skipped),
    )
    with atomic_database(db_path) as db:
        write_passages(db, documents, chunks, taxonomy, chunk_lengths(counts),
                       document_info(documents, chunks, taxonomy), vocabulary, related_words)
        write_facts(db, facts)
        asked = questions(chunks)
        # Their rows are written: what is left needs only the counts, so the documents and chunks
        # go before the index is weighed (about 300 MB at 100,000 chunks, most of the peak).
        del documents, chunks, facts
        return_freed_memory()
        with ThreadPoolExecutor(1) as helper:  # SQLite fills the full-text index while numpy weighs terms
            full_text = helper.submit(write_full_text, db)
            index = build_index(list(range(1, summary.chunks + 1)), counts)
            full_text.result()
        write_postings(db, index)
        write_start_arrays(db, index, asked)
    summary.seconds = time.perf_counter() - began
    return summary


def remove_leftovers(db_path: str | Path) -> None:
    """Remove the temporary files of builds of this kb.db that were killed while writing (no other
    build of it runs: the lock is held), and name them in a warning."""
    found = leftovers(db_path)
    if found:
        sizes = []
        for path in found:
            with contextlib.suppress(OSError):
                sizes.append(f"{path.name} ({size_text(path.stat().st_size)})")
                path.unlink()
        warnings.warn(IngestWarning(f"removed {len(sizes)} temporary file(s) left by an interrupted build of "
                                    f"{db_path}: {', '.join(sizes)}"))


def analyse(chunks: list[Chunk], taxonomy: list[Topic], progress: Progress | None = None) -> Counts:
    """Count each chunk's index terms and tag its topics: the per-chunk work, in runs of chunks
    spread over the machine's cores when there is enough of it. Workers are forked, so they read
    the chunks and the taxonomy from memory they share, and send back only a count matrix and
    topic ids per run."""
    global _work
    _work = (chunks, taxonomy)
    workers = min(os.cpu_count() or 1, 8)
    parallel = workers > 1 and len(chunks) >= PARALLEL_FROM_CHUNKS and "fork" in multiprocessing.get_all_start_methods()
    runs = _runs(len(chunks), workers * 4 if parallel else 1)
    try:
        if parallel:
            with forked_pool(workers) as pool:
                results = list(_reporting(pool.imap(_analyse_run, runs), runs, progress))
        else:
            results = [_analyse_run(runs[0])]
    finally:
        _work = ([], [])
    for (start, _), (_, topic_ids) in zip(runs, results):
        for chunk, ids in zip(chunks[start:], topic_ids):
            chunk.topics = ids
    counted = [counts for counts, _ in results]
    del results, _  # merge_counts lets each run go once it is copied
    return merge_counts(counted)


def forked_pool(workers: int) -> multiprocessing.pool.Pool:
    """Worker processes forked from this one: they read its memory as it was (no pickling). Freed
    memory goes back first: each worker's resident size starts from this process's."""
    return_freed_memory()
    return multiprocessing.get_context("fork").Pool(workers, initializer=start_worker)


def forked_map(function: Callable, items) -> list:
    """function over items in forked workers, where the machine has more than one core and can fork."""
    items = list(items)
    workers = min(os.cpu_count() or 1, 8, len(items))
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [function(item) for item in items]
    with forked_pool(workers) as pool:
        return pool.map(function, items, chunksize=max(1, len(items) // (workers * 4)))


_work: tuple[list[Chunk], list[Topic]] = ([], [])
PR_SET_PDEATHSIG = 1


def start_worker() -> None:
    """In a worker: SIGTERM ends it at once, and it is killed when the build process dies."""
    # `kb build` turns SIGTERM into SystemExit for a clean stop, and a forked worker inherited it:
    # the pool ends its workers with SIGTERM, and a worker that exited through Python while
    # holding the task queue's lock left its sibling waiting on that lock, and the build hung.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent()


def return_freed_memory() -> None:
    """Collect, then hand freed memory back to the system (glibc keeps it otherwise: 225 MB of
    the documents and chunks at 100,000 chunks), so the next step's peak starts lower."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def die_with_parent() -> None:
    """Be killed when the build process dies, however it dies (Linux), so that a killed build
    leaves no workers computing for nobody."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _runs(n: int, parts: int) -> list[tuple[int, int]]:
    """[start, stop) ranges cutting n chunks into about equal runs."""
    bounds = [round(n * k / parts) for k in range(parts + 1)]
    return [(lo, hi) for lo, hi in zip(bounds, bounds[1:]) if hi > lo] or [(0, 0)]


def _reporting(results: Iterator, runs: list[tuple[int, int]], progress: Progress | None) -> Iterator:
    done = 0
    for (lo, hi), result in zip(runs, results):
        done += hi - lo
        if progress and done < runs[-1][1]:
            progress(f"Indexed {done} of {runs[-1][1]} chunks")
        yield result


def _analyse_run(run: tuple[int, int]) -> tuple[Counts, list[list[str]]]:
    chunks, taxonomy = _work
    part = chunks[run[0]:run[1]]
    topic_ids = [assign_topics(f"{c.heading or ''}\n{c.text}", taxonomy) if c.kind != "boilerplate" else []
                 for c in part]
    return count_terms(indexed_terms(c) for c in part), topic_ids


def indexed_text(chunk: Chunk) -> str:
    """What TF-IDF sees of a chunk: the words, with the speaker and section heading that give them
    context."""
    return "\n".join(part for part in (chunk.speaker, chunk.heading, chunk.text) if part)


def indexed_terms(chunk: Chunk) -> list[str]:
    """The chunk's index terms, and those of its document's title that it lacks, once each: a word
    only in a title finds its episode, and a title word the chunk already has counts no more."""
    found = terms(indexed_text(chunk))
    have = set(found)
    return found + list(dict.fromkeys(t for t in terms(chunk.title or "") if t not in have))


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
    by_document: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        by_document.setdefault(chunk.document_id, []).append(chunk)
    for doc in documents:
        mine = by_document.get(doc.id, [])
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
