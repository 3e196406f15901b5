"""Ranked search over kb.db: a query analysed (kb/query.py: corrected, its speaker found by
kb/speakers.py, its terms weighted), scored by the formulas of kb/ranking.py on the postings
kb/reader.py reads, filtered by facets, cut to its matches, paged, and shown as results with
snippets (kb/snippets.py). `knowledge_base(path)` gives the Searcher of a kb.db file version.

A chunk is a match when it holds one of the words the user typed (not only an alias the query was
expanded with) and scores at least MATCH_SHARE of the best score (a query of two concepts, such
as "capability score", must have both, or the name it uses); what is left scores, but is noise for the
query: it is counted as "weaker" and listed only when asked for."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import ranking
from .facets import Filters
from .interpret import Interpreter
from .matching import Matching
from .query import Analysis, Deadline, Memo, Query, asked_terms, check_query, phrase_terms, query_stems
from .reader import Reader, SearchError
from .snippets import result, spoken_at
from .topics import Topic, resolve_topic

__all__ = ["Query", "SearchError", "Searcher", "knowledge_base", "search"]


@dataclass
class Ranked:
    """A query's scores, which chunks are its matches, and whether its speaker was kept to."""

    analysis: Analysis
    scores: np.ndarray  # every chunk that passes the filters and phrases; others 0
    matched: np.ndarray  # bool: the matches among them
    by_speaker: bool  # whether the speaker named has a matching passage (theirs come first)

    def listed(self, weaker: bool) -> np.ndarray:
        """The scores of what is listed: the matches, or every chunk that scores."""
        return self.scores if weaker else np.where(self.matched, self.scores, 0)

    def listed_ids(self, weaker: bool) -> np.ndarray:
        """The ids of what is listed (every match scores: its bar is above 0)."""
        return np.flatnonzero(self.scores > 0) if weaker else np.flatnonzero(self.matched)


class Searcher:
    """Search over one read-only kb.db."""

    def __init__(self, path: str | Path):
        self.reader = Reader(path)
        self.taxonomy = self.reader.taxonomy
        self.facets = self.reader.facets
        self.size = self.reader.n_chunks + 1  # score arrays are indexed by chunk id; id 0 is unused
        self.weights = ranking.kind_weights(self.facets.codes["kind"], self.facets.values["kind"])
        # questions whose answer may be the next passage (a transcript's next turn): few, so kept as ids
        self.asking = np.flatnonzero(self.reader.questions & ranking.followed_in_document(self.facets.codes["document"]))
        resources = self.facets.code_of("kind", "resources")  # each episode's list of links
        self.link_lists = np.flatnonzero(self.facets.codes["kind"] == resources) if resources else np.array([], int)
        self.interpreter = Interpreter(self.reader)
        self.matching = Matching(self.reader, self.size)
        self.analyses = Memo(lambda typed: self.interpreter.analysis(typed, self.coverage))

    def corrected(self, text: str) -> str:
        """The query as it is searched: corrected, where the correction finds more."""
        analysis = self.analyse(text)
        return analysis.corrected or analysis.typed

    def query_topics(self, text: str) -> list[Topic]:
        """The topics a query names."""
        return self.interpreter.named[text]

    def topic(self, value: str) -> Topic:
        found = resolve_topic(value, self.taxonomy)
        if not found:
            known = ", ".join(t.name for t in self.taxonomy)
            raise SearchError(f"unknown topic {value!r}; known topics: {known}")
        return found

    def analyse(self, text: str) -> Analysis:
        check_query(text)
        return self.analyses[text]

    def coverage(self, analysis: Analysis) -> int:
        """How many of what the query asks (its concepts) the best-covered match holds: what a
        spelling correction must raise to be kept."""
        scores = self.score(analysis)
        held = self.matching.concepts_held(analysis, scores)
        matched = ranking.matches(scores, held > 0)
        return int(held[matched].max()) if matched.any() else 0

    def scores(self, text: str, deadline: Deadline | None = None) -> np.ndarray:
        """Fused relevance of every chunk (index = chunk id) for a query as typed. SearchError for a
        query over the limits (kb/query.py), or one that runs past its deadline."""
        return self.score(self.analyse(text), deadline)

    def score(self, analysis: Analysis, deadline: Deadline | None = None) -> np.ndarray:
        deadline = deadline or Deadline(None)
        if not analysis.terms:  # only stop words ("the", "they have"): rank by the words anyway
            words = tuple(re.findall(r"[^\W_]+", analysis.text))
            return self.reader.index.full_text_scores(words, self.size) * self.weights if words else np.zeros(self.size)
        found = self.reader.found(analysis.boosts)
        deadline.check()
        scores = ranking.weighted(ranking.bm25(self.size, found, analysis.boosts), self.weights)
        ranking.boost_topics(scores, [self.facets.chunks_with_topic(t.name) for t in analysis.named])
        asked = asked_terms(analysis.terms, analysis.boosts)
        ranking.boost_coverage(scores, [[found[t] for t in (word, *analysis.related.get(word, ())) if t in found]
                                        for word in asked])
        ranking.answer_questions(scores, self.asking)
        return scores

    def ranked(self, query: Query) -> Ranked:
        """The query's scores over the chunks that pass its filters and quoted phrases, and its
        matches; the passages of a speaker it names come first (SPEAKER_BOOST)."""
        deadline = Deadline(query.time_limit_ms, len(query.text.split()))
        analysis = self.analyse(query.text)
        scores = self.score(analysis, deadline)
        deadline.check()
        phrases = phrase_terms(analysis.text)
        if phrases:
            required = [self.reader.postings(t) for terms in phrases for t in terms]
            scores = np.where(ranking.holding_all(self.size, required), scores, 0)
        matched = self.matching.matches(analysis, scores)
        if ranking.LINK_WORDS.intersection(analysis.words) and len(self.link_lists):
            ranking.lift_link_lists(scores, matched, self.link_lists, self.facets.codes["document"])
        by_speaker = False
        if analysis.speaker is not None:
            spoken = self.facets.mask(Filters(speaker=(analysis.speaker.name,)), self.reader.n_chunks)
            spoken[self.reader.likely_speakers.get(analysis.speaker.name, [])] = True  # "Unknown Speaker" turns of theirs
            by_speaker = bool((matched & spoken).any())
            ranking.boost_speaker(scores, spoken)
            matched = self.matching.matches(analysis, scores)
        # What is a match does not depend on the facets chosen, so a facet's count is what it lists.
        filters = replace(query.filters, topic=tuple(self.topic(t).name for t in query.filters.topic))
        mask = self.facets.mask(filters, self.reader.n_chunks)
        if mask is not None:
            scores, matched = np.where(mask, scores, 0), matched & mask
        return Ranked(analysis, scores, matched, by_speaker)

    def run(self, query: Query) -> list[dict]:
        """One page of results, best first."""
        found = self.ranked(query)
        return self.page(found.scores, found.listed_ids(query.weaker), found.analysis, query)

    def search(self, text: str, limit: int = 10, offset: int = 0, weaker: bool = False, **filters) -> list[dict]:
        """One page of results for `text` as `kb search --json` gives them; `filters` by facet
        name (topic, kind, document, speaker, year), each a value or a tuple of values;
        `weaker` lists the chunks that score but are no match, after the matches."""
        chosen = {name: (value,) if isinstance(value, (str, int)) else tuple(value) for name, value in filters.items()}
        try:
            wanted = Filters(**chosen)
        except TypeError:
            raise SearchError(f"unknown filter; the filters are {', '.join(Filters.__dataclass_fields__)}") from None
        return self.run(Query(text, limit, offset, wanted, weaker=weaker))

    def search_with_facets(self, query: Query) -> dict:
        """One page of results, the number of matches (and of weaker ones), and facet counts over
        the matches."""
        found = self.ranked(query)
        ids = found.listed_ids(query.weaker)
        return {**described(found, query), "total": int(found.matched.sum()),
                "weaker": int((found.scores > 0).sum() - found.matched.sum()), "weaker_listed": query.weaker,
                "results": self.page(found.scores, ids, found.analysis, query), "facets": self.facets.counts(ids)}

    def related(self, chunk_id: int, limit: int = 5) -> list[dict]:
        """The passages nearest to one chunk by TF-IDF cosine over its top keywords."""
        found = self.reader.found(self.reader.keywords(chunk_id))
        scores = ranking.keyword_similarity(self.size, found, ranking.weights_in(found, chunk_id))
        if 0 <= chunk_id < self.size:
            scores[chunk_id] = 0
        scores *= self.weights
        ids = ranking.top_ids(scores, limit)
        rows = self.reader.rows(ids)
        return [result(rows[i], float(scores[i]), set()) for i in ids if i in rows]

    def page(self, scores: np.ndarray, ids: np.ndarray, analysis: Analysis, query: Query) -> list[dict]:
        """The page of results the query asks for, from the listed chunks (`ids`) by their scores."""
        ranked = ranking.top_among(scores, ids, query.offset + query.limit)[query.offset:]
        rows = self.reader.rows(ranked)
        words = query_stems(analysis.text)
        results = [result(rows[i], float(scores[i]), words) for i in ranked if i in rows]
        timed = [r["chunk_id"] for r in results if r["start"] is not None]
        if timed and words:
            spoken_at(results, self.reader.timed_words(timed), words)
        return results


def described(found: Ranked, query: Query) -> dict:
    """What a search page says about the query: as typed, as corrected, and the speaker it names."""
    analysis = found.analysis
    out = {"query": analysis.typed, "offset": query.offset, "limit": query.limit,
           "filters": [{"facet": f, "value": v} for f, v in query.filters.items()]}
    if analysis.corrected:
        out["corrected"] = analysis.corrected
    if analysis.speaker is not None:
        out["speaker"] = {"name": analysis.speaker.name, "written": analysis.speaker.written,
                          "asked": analysis.text, "found": found.by_speaker}
    return out


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
