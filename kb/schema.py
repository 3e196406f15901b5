"""kb.db's tables as data: what the build writes (kb/store.py) and what readers expect (kb/reader.py).
Bump SCHEMA_VERSION when a table changes, so that a reader refuses a kb.db built by another
version with a message to rebuild, instead of failing on a missing column."""
from __future__ import annotations

SCHEMA_VERSION = 11  # 11: chunks.likely_speaker, related_words; 10: chunk_topics keyed by topic; 9: kb_arrays "questions"; 8: chunk_keywords a row a passage
# What a chunk can be (chunks.kind), in the order facets list them.
CHUNK_KINDS = ("show_notes", "transcript", "section", "bullet", "table", "references", "resources", "boilerplate")
TABLES = {
    "documents": dict(columns={
        "id": str, "kind": str, "title": str, "episode": int, "published": str, "year": int,
        "url": str, "audio_url": str, "source": str, "line": int, "content_hash": str,
        "description": str, "topics": str, "chunk_count": int, "resource_count": int,
        "listen_url": str, "audio_type": str, "duration_seconds": int, "tags": str, "transcript_url": str,
        "format": str, "sources": str, "chapters_url": str, "show": str, "season": int, "episode_type": str,
        "guid": str,
    }, pk="id"),
    "chapters": dict(columns={
        "id": int, "document_id": str, "ordinal": int, "start": float, "end": float, "time": str,
        "title": str, "url": str, "image": str, "source": str,
    }, pk="id", foreign_keys=[("document_id", "documents", "id")]),
    "chunks": dict(columns={
        "id": int, "document_id": str, "kind": str, "ordinal": int, "heading": str, "speaker": str,
        "start": float, "end": float, "start_estimated": int, "time": str, "text": str,
        "word_count": int, "term_count": int, "topics": str, "url": str, "chapter_id": int, "chapter": str,
        "cites": str, "likely_speaker": str,
    }, pk="id", foreign_keys=[("document_id", "documents", "id"), ("chapter_id", "chapters", "id")]),
    "resources": dict(columns={
        "id": int, "document_id": str, "ordinal": int, "kind": str, "label": str, "url": str,
    }, pk="id", foreign_keys=[("document_id", "documents", "id")]),
    "topics": dict(columns={
        "id": str, "name": str, "description": str, "aliases": str, "patterns": str, "pattern_needs": str,
        "chunk_count": int, "document_count": int, "feed": str,
    }, pk="id"),
    # Keyed by topic first: a topic's passages are read in order, and no second index is needed (a
    # passage's topics are also its `topics` column)
    "chunk_topics": dict(columns={"chunk_id": int, "topic_id": str}, pk=("topic_id", "chunk_id"),
                         foreign_keys=[("chunk_id", "chunks", "id"), ("topic_id", "topics", "id")]),
    "terms": dict(columns={"id": int, "term": str, "df": int, "idf": float, "chunk_ids": bytes,
                           "counts": bytes},
                  pk="id"),
    # One row a passage, its top words as a JSON list (a row a word took 29 MB at 100,000 chunks)
    "chunk_keywords": dict(columns={"chunk_id": int, "keywords": str}, pk="chunk_id",
                           foreign_keys=[("chunk_id", "chunks", "id")]),
    "words": dict(columns={"id": int, "chunk_id": int, "word": str, "start": float, "end": float,
                           "confidence": float, "speaker": str}, pk="id", foreign_keys=[("chunk_id", "chunks", "id")]),
    "vocabulary": dict(columns={"id": int, "name": str, "names": str, "history": str, "topic": str}, pk="id"),
    "related_words": dict(columns={"id": int, "words": str}, pk="id"),  # vocabulary.yml's `words:` groups
    "facts": dict(columns={
        "id": int, "document_id": str, "chunk_id": int, "heading": str, "subject": str, "value": float,
        "unit": str, "currency": str, "qualifier": str, "figure": str, "date": str, "sentence": str, "url": str,
    }, pk="id", foreign_keys=[("document_id", "documents", "id"), ("chunk_id", "chunks", "id")]),
    "kb_meta": dict(columns={"key": str, "value": str}, pk="key"),
    # What a search reads when it opens kb.db, one blob each, so it starts in milliseconds: the
    # BM25 length and the facet codes of every chunk, topic memberships, and the facets' values.
    "kb_arrays": dict(columns={"name": str, "dtype": str, "data": bytes}, pk="name"),
}
INDEXES = [
    ("chunks", ["document_id"]), ("chunks", ["kind"]), ("chunks", ["speaker"]),
    ("resources", ["document_id"]), ("terms", ["term"]),
    ("words", ["chunk_id"]), ("documents", ["episode"]), ("chapters", ["document_id"]), ("chunks", ["chapter"]),
    ("facts", ["document_id"]), ("facts", ["chunk_id"]), ("facts", ["unit"]),
    ("documents", ["show", "season", "episode"]),
]
