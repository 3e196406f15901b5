"""Need to Know KB: a searchable knowledge base of the CIAOPS Need to Know podcast.

As a library:

    import kb
    searcher = kb.open("kb.db")
    for hit in searcher.search("calling plans", limit=5, topic="Business Voice"):
        print(hit["title"], hit["time"], hit["url"])
    searcher.related(hit["chunk_id"])

`search` returns the same dicts as `kb search --json`; filters are facet names (topic, kind,
document, speaker, year, ...) with a value or a tuple of values; `weaker=True` also lists the
passages that score but are no match. `related(chunk_id, limit=5)` gives the nearest passages.
"""
from __future__ import annotations

from pathlib import Path


def open(path: str | Path):  # noqa: A001 (kb.open, as the library's one entry point)
    """The searcher of a kb.db built by `kb build`, kept while the file is unchanged."""
    from .search import knowledge_base

    return knowledge_base(path)
