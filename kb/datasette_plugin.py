"""Datasette plugin: SQL functions for ranked search, snippets and times in kb.db's canned queries.

- kb_search(q, n)      JSON array of the ids of the n best chunks for q, best first
- kb_score(q, chunk_id) the fused relevance score of one chunk for q
- kb_snippet(text, q)  the part of text around the query's words
- kb_mmss(seconds)     'MM:SS' (or 'H:MM:SS')
"""
from __future__ import annotations

import json
import os
from functools import lru_cache

import numpy as np
from datasette import hookimpl

from .search import SearchError, knowledge_base, query_stems, snippet, top_ids
from .store import mmss

MAX_RESULTS = 500


def ranked(path: str, q: str) -> tuple[np.ndarray, tuple[int, ...]]:
    """Scores and the best ids for one query against the current version of the file."""
    return ranked_for_version(path, os.stat(path).st_mtime_ns, q)


@lru_cache(maxsize=64)
def ranked_for_version(path: str, version: int, q: str) -> tuple[np.ndarray, tuple[int, ...]]:
    """Kept while the same query is paged through; a rebuilt kb.db has a new version."""
    scores = knowledge_base(path).scores(q)
    return scores, tuple(top_ids(scores, MAX_RESULTS))


def register_functions(conn, path: str) -> None:
    def kb_search(q, n=20):
        if not q or not str(q).strip():
            return "[]"
        try:
            ids = ranked(path, str(q))[1]
        except SearchError:
            return "[]"
        return json.dumps(list(ids[: max(0, min(int(n or 20), MAX_RESULTS))]))

    def kb_score(q, chunk_id):
        if not q or chunk_id is None:
            return None
        scores = ranked(path, str(q))[0]
        return round(float(scores[int(chunk_id)]), 5) if 0 <= int(chunk_id) < len(scores) else None

    def kb_snippet(text, q):
        return snippet(text or "", query_stems(str(q or "")))

    conn.create_function("kb_search", 1, lambda q: kb_search(q))
    conn.create_function("kb_search", 2, kb_search)
    conn.create_function("kb_score", 2, kb_score)
    conn.create_function("kb_snippet", 2, kb_snippet, deterministic=True)
    conn.create_function("kb_mmss", 1, mmss, deterministic=True)


@hookimpl
def prepare_connection(conn, database, datasette):
    db = datasette.databases.get(database)
    if db is None or not db.path:
        return
    register_functions(conn, db.path)

