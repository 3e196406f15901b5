"""Ranked search over kb.db: a query's terms (kb/query.py) scored by the formulas of
kb/ranking.py on the postings kb/reader.py reads, filtered by facets, paged, and shown as results
with snippets (kb/snippets.py). `knowledge_base(path)` gives the Searcher of a kb.db file version."""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import ranking
from .facets import Filters
from .query import (Corrector, Deadline, Memo, Query, asked_terms, check_query, phrase_terms, query_stems,
                    query_terms)
from .reader import Reader, SearchError
from .snippets import result, spoken_at
from .topics import Topic, matched_topics, resolve_topic

__all__ = ["Query", "SearchError", "Searcher", "knowledge_base", "search"]


class Searcher:
    """Search over one read-only kb.db."""

    def __init__(self, path: str | Path):
        self.reader = Reader(path)
        self.taxonomy = self.reader.taxonomy
        self.facets = self.reader.facets
        self.size = self.reader.n_chunks + 1  # score arrays are indexed by chunk id; id 0 is unused
        self.weights = ranking.kind_weights(self.facets.codes["kind"], self.facets.values["kind"])
        self.correction = Corrector(self.reader)
        self.named = Memo(lambda text: matched_topics(text, self.taxonomy))  # ranking and paging both ask

    def corrected(self, text: str) -> str:
        return self.correction.corrected[text]

    def query_topics(self, text: str) -> list[Topic]:
        """The topics a query names."""
        return self.named[text]

    def topic(self, value: str) -> Topic:
        found = resolve_topic(value, self.taxonomy)
        if not found:
            known = ", ".join(t.name for t in self.taxonomy)
            raise SearchError(f"unknown topic {value!r}; known topics: {known}")
        return found

    def scores(self, text: str, deadline: Deadline | None = None) -> np.ndarray:
        """Fused relevance of every chunk (index = chunk id), spelling corrected first. SearchError
        for a query over the limits (kb/query.py), or one that runs past its deadline."""
        check_query(text)
        deadline = deadline or Deadline(None)
        text = self.corrected(text)
        named = self.query_topics(text)
        terms, boosts = query_terms(text, named)
        deadline.check()
        found = self.reader.found(boosts)
        deadline.check()
        scores = ranking.fused(ranking.cosine(self.size, found, terms, boosts),
                               ranking.bm25(self.size, found, boosts), self.weights)
        ranking.boost_topics(scores, [self.facets.chunks_with_topic(t.name) for t in named])
        ranking.boost_coverage(scores, [found[t] for t in asked_terms(terms, boosts) if t in found])
        return scores

    def ranked(self, query: Query) -> np.ndarray:
        """Scores of the chunks that pass the query's filters and quoted phrases (others 0)."""
        deadline = Deadline(query.time_limit_ms)
        scores = self.scores(query.text, deadline)
        deadline.check()
        phrases = phrase_terms(query.text)
        if phrases:
            required = [self.reader.postings(t) for terms in phrases for t in terms]
            scores = np.where(ranking.holding_all(self.size, required), scores, 0)
        filters = replace(query.filters, topic=tuple(self.topic(t).name for t in query.filters.topic))
        mask = self.facets.mask(filters, self.reader.n_chunks)
        return scores if mask is None else np.where(mask, scores, 0)

    def run(self, query: Query) -> list[dict]:
        """One page of results, best first."""
        check_query(query.text)
        query = replace(query, text=self.corrected(query.text))
        return self.page(self.ranked(query), query)

    def search(self, text: str, limit: int = 10, offset: int = 0, **filters) -> list[dict]:
        """One page of results for `text` as `kb search --json` gives them; `filters` by facet
        name (topic, kind, document, speaker, year), each a value or a tuple of values."""
        chosen = {name: (value,) if isinstance(value, (str, int)) else tuple(value) for name, value in filters.items()}
        try:
            wanted = Filters(**chosen)
        except TypeError:
            raise SearchError(f"unknown filter; the filters are {', '.join(Filters.__dataclass_fields__)}") from None
        return self.run(Query(text, limit, offset, wanted))

    def search_with_facets(self, query: Query) -> dict:
        """One page of results, the number of results, and facet counts over all of them."""
        typed = query.text
        check_query(typed)
        query = replace(query, text=self.corrected(query.text))
        scores = self.ranked(query)
        matched = np.flatnonzero(scores > 0)
        return {"query": typed, **({"corrected": query.text} if query.text != typed else {}),
                "total": int(len(matched)), "offset": query.offset, "limit": query.limit,
                "filters": [{"facet": f, "value": v} for f, v in query.filters.items()],
                "results": self.page(scores, query), "facets": self.facets.counts(matched)}

    def related(self, chunk_id: int, limit: int = 5) -> list[dict]:
        """The passages nearest to one chunk by TF-IDF cosine over its top keywords."""
        keywords = dict(self.reader.keywords(chunk_id))
        scores = ranking.keyword_similarity(self.size, self.reader.found(keywords), keywords)
        if 0 <= chunk_id < self.size:
            scores[chunk_id] = 0
        scores *= self.weights
        ids = ranking.top_ids(scores, limit)
        rows = self.reader.rows(ids)
        return [result(rows[i], float(scores[i]), set()) for i in ids if i in rows]

    def page(self, scores: np.ndarray, query: Query) -> list[dict]:
        ranked = ranking.top_ids(scores, query.offset + query.limit)[query.offset:]
        rows = self.reader.rows(ranked)
        words = query_stems(query.text)
        results = [result(rows[i], float(scores[i]), words) for i in ranked if i in rows]
        timed = [r["chunk_id"] for r in results if r["start"] is not None]
        if timed and words:
            spoken_at(results, self.reader.timed_words(timed), words)
        return results


@lru_cache(maxsize=8)
def open_searcher(path: str, mtime: float) -> Searcher:
    """One Searcher per kb.db file version, shared within the process."""
    return Searcher(path)


def knowledge_base(path: str | Path) -> Searcher:
    path = Path(path)
    if not path.is_file():
        raise SearchError(f"{path}: no such database; run 'kb build' first")
    return open_searcher(str(path.resolve()), path.stat().st_mtime)


def search(db_path: str | Path, text: str, limit: int = 10, topics: tuple[str, ...] = (),
           kind: str | None = None, offset: int = 0) -> list[dict]:
    """Ranked results for `text` as dicts (see kb/snippets.py `result`)."""
    filters = Filters(topic=tuple(topics), kind=(kind,) if kind else ())
    return knowledge_base(db_path).run(Query(text, limit, offset, filters))
