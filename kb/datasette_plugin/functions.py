"""SQL functions for kb.db's canned queries, registered on each connection Datasette opens:

- kb_search(q, n)         JSON array of the ids of the n best matches for q, best first: the
                          passages the search page lists (weaker ones are left out)
- kb_related(chunk_id, n) JSON array of the ids of the n chunks nearest to a chunk, nearest first
- kb_score(q, chunk_id)   the relevance score of one chunk for q (as search ranks it)
- kb_snippet(text, q)     the part of text around the query's words
- kb_mmss(seconds)        'MM:SS' (or 'H:MM:SS')
- kb_export_item(document_id, topic, q, n)  one document as `kb export --format json` gives it
- kb_facts(q, n)          JSON array of the ids of the n best facts for q, best first (kb/fact_search.py)
"""
from __future__ import annotations

import json
import os
from functools import lru_cache

import numpy as np

from ..export.selection import ExportOptions, document_item
from ..fact_search import fact_ids
from ..query import Query, query_stems
from ..ranking import top_ids
from ..search import knowledge_base
from ..snippets import snippet
from ..timecode import mmss

MAX_RESULTS = 500


def ranked(path: str, q: str) -> tuple[np.ndarray, tuple[int, ...]]:
    """Scores and the best ids for one query against the current version of the file."""
    return ranked_for_version(path, os.stat(path).st_mtime_ns, q)


@lru_cache(maxsize=64)
def ranked_for_version(path: str, version: int, q: str) -> tuple[np.ndarray, tuple[int, ...]]:
    """Every chunk's score, and the best matches' ids, as the search page ranks and lists them
    (a speaker the query names first). Kept while the same query is paged through; a rebuilt
    kb.db has a new version."""
    found = knowledge_base(path).ranked(Query(q))
    return found.scores, tuple(top_ids(found.listed(weaker=False), MAX_RESULTS))


def register_functions(conn, path: str) -> None:
    def kb_search(q, n=20):
        if not q or not str(q).strip():
            return "[]"
        ids = ranked(path, str(q))[1]  # a query over the limits raises: it is not "no results"
        return json.dumps(list(ids[: max(0, min(int(n or 20), MAX_RESULTS))]))

    def kb_related(chunk_id, n=5):
        n = max(0, min(int(n if n is not None else 5), MAX_RESULTS))
        if chunk_id is None or n == 0:
            return "[]"
        found = knowledge_base(path).related(int(chunk_id), n)
        return json.dumps([r["chunk_id"] for r in found])

    def kb_score(q, chunk_id):
        if not q or chunk_id is None:
            return None
        scores = ranked(path, str(q))[0]
        return round(float(scores[int(chunk_id)]), 5) if 0 <= int(chunk_id) < len(scores) else None

    def kb_snippet(text, q):
        return snippet(text or "", query_stems(str(q or "")))

    def kb_export_item(document_id, topic=None, q=None, n=3):
        """The `kb export --format json` item of one document, as JSON (null: the query misses it)."""
        kb = knowledge_base(path)
        doc = kb.reader.document(document_id)
        if doc is None:
            return None
        topics = (kb.topic(str(topic)).name,) if topic else ()
        options = ExportOptions(topics=topics, query=q or None, highlights=max(0, min(int(n or 0), 20)))
        found = document_item(kb.reader, doc, topics, kb.scores(q) if q else None, options)
        return json.dumps(found, ensure_ascii=False) if found else None

    def kb_facts(q, n=20):
        if not q or not str(q).strip():
            return "[]"
        return json.dumps(fact_ids(knowledge_base(path), str(q), max(0, min(int(n or 20), MAX_RESULTS))))

    conn.create_function("kb_facts", 1, lambda q: kb_facts(q))
    conn.create_function("kb_facts", 2, kb_facts)
    conn.create_function("kb_search", 1, lambda q: kb_search(q))
    conn.create_function("kb_search", 2, kb_search)
    conn.create_function("kb_related", 1, lambda chunk_id: kb_related(chunk_id))
    conn.create_function("kb_related", 2, kb_related)
    conn.create_function("kb_score", 2, kb_score)
    conn.create_function("kb_snippet", 2, kb_snippet, deterministic=True)
    conn.create_function("kb_mmss", 1, mmss, deterministic=True)
    conn.create_function("kb_export_item", 4, kb_export_item)
