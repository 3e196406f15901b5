"""The only module that writes SQLite: schema, rows, FTS, and the atomic swap over kb.db."""
from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
import sqlite_utils
from sqlite_utils.db import quote_identifier

from ingest.model import Document

from .atomic import replacing
from .chapter_rows import chapter_rows, chunk_chapters
from .chunking import Chunk
from .facets import FacetIndex
from .facts import Fact
from .schema import INDEXES, SCHEMA_VERSION, TABLES
from .tfidf import TfidfIndex
from .timecode import mmss
from .topics import Topic
from .vocabulary import Names

PAGE_SIZE = 16384  # see atomic_database


def ensure_tables(db: sqlite_utils.Database) -> None:
    for name, spec in TABLES.items():
        if db[name].exists():
            continue
        sql = db.create_table_sql(name, spec["columns"], pk=spec["pk"], foreign_keys=spec.get("foreign_keys"))
        if isinstance(spec["pk"], tuple):  # link tables: the key is the row, so no separate rowid b-tree
            sql = sql.rstrip().removesuffix(";") + " WITHOUT ROWID;"
        db.execute(sql)


def ensure_indexes(db: sqlite_utils.Database) -> None:
    for table, columns in INDEXES:
        db[table].create_index(columns, if_not_exists=True, unique=(table == "terms"))


@contextmanager
def atomic_database(path: str | Path) -> Iterator[sqlite_utils.Database]:
    """A new database in a temporary file beside `path`, renamed over it only on success."""
    with replacing(path) as tmp:
        # The build writes the full-text index from a second thread while the first computes TF-IDF.
        db = sqlite_utils.Database(sqlite3.connect(tmp, check_same_thread=False))
        # Passages are rows of about 1 KB, of which a 4 KB page holds three or four and leaves a
        # sixth empty; 16 KB pages leave a fiftieth (kb.db 240 -> 228 MB at 100,000 chunks).
        db.execute(f"pragma page_size = {PAGE_SIZE}")
        # The file is thrown away if anything fails, so durability is only needed at the rename.
        db.execute("pragma synchronous = off")
        db.execute("pragma journal_mode = memory")
        try:
            yield db
            db.conn.commit()
        finally:
            db.close()


def write_passages(db: sqlite_utils.Database, documents: list[Document], chunks: list[Chunk],
                   topics: list[Topic], term_counts: list[int], doc_info: dict[str, dict],
                   vocabulary: list[Names] = (), related_words: list[list[str]] = ()) -> None:
    """Documents, chunks and what hangs off them: every table but the TF-IDF ones."""
    ensure_tables(db)  # indexes after the rows: building one at the end is quicker than keeping it up
    names = {t.id: t.name for t in topics}  # JSON columns hold names: readable in facets and exports
    chapters = chapter_rows(documents)
    with db.conn:
        db["documents"].insert_all(document_rows(documents, doc_info, names))
        bulk_insert(db, "chapters", ([row[c] for c in TABLES["chapters"]["columns"]] for row in chapters))
        bulk_insert(db, "chunks", chunk_rows(chunks, term_counts, names, chunk_chapters(chunks, chapters)))
        db["resources"].insert_all(resource_rows(documents))
        db["topics"].insert_all(topic_rows(topics, chunks))
        bulk_insert(db, "chunk_topics", sorted(((cid, t) for cid, c in enumerate(chunks, 1) for t in c.topics),
                                               key=lambda row: row[1]))  # in key order: appended, not inserted
        bulk_insert(db, "words", word_rows(chunks))
        bulk_insert(db, "vocabulary", ((n, entry.names[0], json.dumps(entry.names, ensure_ascii=False), entry.history,
                                        entry.topic) for n, entry in enumerate(vocabulary, 1)))
        bulk_insert(db, "related_words", ((n, json.dumps(group, ensure_ascii=False))
                                          for n, group in enumerate(related_words, 1)))
        db["kb_meta"].insert_all([
            {"key": "schema_version", "value": str(SCHEMA_VERSION)},
            {"key": "chunk_count", "value": str(len(chunks))},
        ])


def write_facts(db: sqlite_utils.Database, facts: list[Fact]) -> None:
    """The facts table: one row per figure of the write-ups, with its chunk and deep link."""
    with db.conn:
        bulk_insert(db, "facts", ((n, f.document_id, f.chunk_id, f.heading, f.subject, f.value, f.unit, f.currency,
                                   f.qualifier, f.figure, f.date, f.sentence, f.url) for n, f in enumerate(facts, 1)))


def write_full_text(db: sqlite_utils.Database) -> None:
    """The FTS5 index of the chunks, for Datasette's own search box."""
    db["chunks"].enable_fts(["text", "heading", "speaker"], tokenize="porter unicode61", create_triggers=False)


def write_postings(db: sqlite_utils.Database, index: TfidfIndex) -> None:
    """The terms with their packed postings, each chunk's keywords, then every table's indexes."""
    with db.conn:
        bulk_insert(db, "terms", index.term_rows())
        bulk_insert(db, "chunk_keywords", index.keywords)
    ensure_indexes(db)


def write_start_arrays(db: sqlite_utils.Database, index: TfidfIndex, asked: np.ndarray) -> None:
    """The kb_arrays blobs a search opens kb.db with (kb/reader.py): each chunk's BM25 length,
    TF-IDF vector length and facet codes, computed here once from the rows just written, and
    `asked` (questions())."""
    n_chunks = len(index.term_counts)
    lengths, vector_lengths = np.zeros(n_chunks + 1, dtype="<f4"), np.ones(n_chunks + 1, dtype="<f4")
    lengths[1:], vector_lengths[1:] = index.term_counts, index.vector_lengths
    arrays = {"lengths": lengths, "vector_lengths": vector_lengths, "questions": asked,
              "likely_speakers": likely_speaker_ids(db), **FacetIndex(db.conn, n_chunks).to_arrays()}
    with db.conn:
        bulk_insert(db, "kb_arrays", ((name, "bytes" if isinstance(a, bytes) else a.dtype.newbyteorder("<").str,
                                       a if isinstance(a, bytes) else np.ascontiguousarray(a, a.dtype.newbyteorder("<")).tobytes())
                                      for name, a in arrays.items()))


def likely_speaker_ids(db: sqlite_utils.Database) -> bytes:
    """{speaker: [chunk ids]} of the unknown turns each named speaker probably spoke, as JSON: a
    search naming the speaker counts them as theirs without reading the chunks table."""
    found: dict[str, list[int]] = {}
    for chunk_id, speaker in db.execute("select id, likely_speaker from chunks where likely_speaker is not null"):
        found.setdefault(speaker, []).append(chunk_id)
    return json.dumps(found, ensure_ascii=False).encode()


def questions(chunks: list[Chunk]) -> np.ndarray:
    """1 by the id of each chunk whose text ends in a question (a turn that asks, whose answer is
    the next turn: kb/ranking.py `answer_questions`), else 0; from the chunks in memory."""
    return np.array([0] + [c.text.rstrip(" ").endswith("?") for c in chunks], dtype="u1")


def bulk_insert(db: sqlite_utils.Database, table: str, rows: Iterable[tuple]) -> None:
    """Plain executemany for the big derived tables, whose rows are tuples in the schema's column
    order: sqlite-utils' per-value conversion of dicts doubled the build time there."""
    columns = list(TABLES[table]["columns"])
    sql = "insert into {} ({}) values ({})".format(
        quote_identifier(table), ", ".join(map(quote_identifier, columns)), ", ".join("?" * len(columns)))
    db.conn.executemany(sql, rows)


def document_rows(documents: list[Document], doc_info: dict[str, dict], names: dict[str, str]) -> Iterator[dict]:
    for doc in documents:
        info = doc_info.get(doc.id, {})
        yield {
            "id": doc.id, "kind": doc.kind, "title": doc.title, "episode": doc.episode,
            "published": doc.published, "year": int(doc.published[:4]) if doc.published else None,
            "url": doc.url, "audio_url": doc.audio_url, "source": doc.source, "line": doc.line,
            "content_hash": info.get("content_hash"), "description": info.get("description"),
            "topics": json.dumps([names[t] for t in info.get("topics", [])], ensure_ascii=False), "chunk_count": info.get("chunk_count", 0),
            "resource_count": len(doc.resources),
            "listen_url": doc.listen_url, "audio_type": doc.audio_type, "duration_seconds": doc.duration_seconds,
            "tags": json.dumps(doc.tags, ensure_ascii=False),
            "transcript_url": doc.transcript_urls[0] if doc.transcript_urls else None,
            "format": doc.format, "sources": json.dumps(doc.sources or [doc.source], ensure_ascii=False),
            "chapters_url": doc.chapters_url,
            "show": doc.show, "season": doc.season, "episode_type": doc.episode_type, "guid": doc.guid,
        }


def chunk_rows(chunks: list[Chunk], term_counts: list[int], names: dict[str, str],
               chapters: list[tuple[int | None, str | None]]) -> Iterator[tuple]:
    """Rows of the chunks table, in the schema's column order; `chapters` as kb/chapter_rows.py places them."""
    for chunk_id, (c, n_terms, chapter) in enumerate(zip(chunks, term_counts, chapters), 1):
        yield (chunk_id, c.document_id, c.kind, c.ordinal, c.heading, c.speaker, c.start, c.end,
               int(c.start_estimated), mmss(c.start), c.text, c.word_count, n_terms,
               json.dumps([names[t] for t in c.topics], ensure_ascii=False), c.url, *chapter,
               json.dumps(c.cites) if c.cites else None, c.likely_speaker)


def word_rows(chunks: list[Chunk]) -> Iterator[tuple]:
    """(id, chunk_id, word, start, end, confidence, speaker) for the timed words of transcripts; a
    word's speaker is its own where the transcript labels words (audio), else its chunk's."""
    n = 0
    for chunk_id, chunk in enumerate(chunks, 1):
        for w in chunk.words or ():
            n += 1
            yield (n, chunk_id, w.word, w.start, w.end, w.confidence, w.speaker or chunk.speaker)


def resource_rows(documents: list[Document]) -> Iterator[dict]:
    n = 0
    for doc in documents:
        for ordinal, r in enumerate(doc.resources):
            n += 1
            yield {"id": n, "document_id": doc.id, "ordinal": ordinal, "kind": r.kind, "label": r.label, "url": r.url}


def topic_rows(topics: list[Topic], chunks: list[Chunk]) -> Iterator[dict]:
    tagged_chunks: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        for topic_id in chunk.topics:
            tagged_chunks.setdefault(topic_id, []).append(chunk)
    for t in topics:
        tagged = tagged_chunks.get(t.id, [])
        yield {
            "id": t.id, "name": t.name, "description": t.description,
            "aliases": json.dumps(t.aliases), "patterns": json.dumps(t.patterns),
            # what each pattern's matches must contain, so a search need not parse the patterns again
            "pattern_needs": json.dumps(sorted(t.pattern_needs or ())),
            "chunk_count": len(tagged), "document_count": len({c.document_id for c in tagged}),
            "feed": f"/-/feeds/topic/{t.id}.json",  # served by the Datasette plugin (kb/datasette_plugin/feeds.py)
        }
