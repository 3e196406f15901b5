"""Ranked search over kb.db: TF-IDF cosine with taxonomy expansion, filters and snippets."""
from __future__ import annotations

import json
import re
from bisect import bisect_right
from itertools import compress
from operator import not_
import sqlite3
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from .analysis import STOP_WORDS, fold, stem, terms
from .facets import FacetIndex, Filters
from .timecode import mmss
from .postings import query_weights, unpack_counts, unpack_ids, unpack_weights
from .topics import Topic, matched_topics, naming_phrases, resolve_topic, topics_from_entries

EXPANSION_WEIGHT = 0.35  # an alias added from the taxonomy counts less than a word the user typed
# Typed words that name a topic of the query ("Dicker Data" in "Dicker Data support hours") are
# its context, and the topic boost already favours passages on that topic; the other words are
# what is asked about it. Naming words count this much when there are other words (a plateau
# from 0.4 to 0.6 on the development queries; own queries unchanged).
NAMING_WEIGHT = 0.4
BM25_K1, BM25_B = 1.2, 0.75
# Fusion: each score scaled by its best value, then mixed. Measured on the development and own
# queries (bench/queries-own.json): 0.25 cosine + 0.75 BM25 beat reciprocal-rank fusion, and
# either alone (see the closing notes); scaling keeps it one pass over arrays, no sorting.
COSINE_SHARE = 0.25
TOPIC_BOOST = 0.3
COVERAGE_WEIGHT = 1.0
KIND_WEIGHT = {"boilerplate": 0.2, "resources": 0.7, "references": 0.7}
SNIPPET_WORDS = 36
PHRASE = re.compile(r'"([^"]+)"')


class SearchError(ValueError):
    """The search could not run: no kb.db, a kb.db from another tool, or an unknown filter."""


@dataclass
class Postings:
    idf: float
    df: int
    chunk_ids: np.ndarray
    weights: np.ndarray  # L2-normalised TF-IDF, for the cosine
    bm25: np.ndarray  # the term's BM25 contribution to each chunk


@dataclass
class Query:
    text: str
    limit: int = 10
    offset: int = 0
    filters: Filters = field(default_factory=Filters)


class KnowledgeBase:
    """A read-only kb.db with its postings loaded term by term on demand and kept."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.is_file():
            raise SearchError(f"{self.path}: no such database; run 'kb build' first")
        self.conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        try:
            self.n_chunks = self.conn.execute("select coalesce(max(id), 0) from chunks").fetchone()[0]
            self.taxonomy = self._load_taxonomy()
            self.length = self._load_lengths()
            self.facets = FacetIndex(self.conn, self.n_chunks)
        except sqlite3.DatabaseError as exc:
            raise SearchError(f"{self.path}: not a kb.db built by 'kb build' ({exc})") from None
        self._postings: dict[str, Postings | None] = {}
        self._word_df: dict[str, int] | None = None
        self._corrected: dict[str, str] = {}
        # Words of topic names and aliases are never "corrected", though no chunk uses them
        # ("PowerBI", "leak" in "data leak prevention"): they name a topic the query asks for.
        self.taxonomy_words = {w for t in self.taxonomy for key in t.keys for w in key}
        self._query_topics: dict[str, list[Topic]] = {}
        self.mean_length = float(self.length[1:].mean()) if self.n_chunks else 1.0
        # BM25's length normalisation of each chunk, which no term or query changes.
        self.length_norm = (BM25_K1 * (1 - BM25_B + BM25_B * self.length / (self.mean_length or 1.0))).astype(np.float32)
        by_kind = np.array([KIND_WEIGHT.get(k, 1.0) for k in self.facets.values["kind"]], dtype=np.float32)
        self.weight = by_kind[self.facets.codes["kind"]]  # boilerplate and lists count for less

    def _load_taxonomy(self) -> list[Topic]:
        rows = self.conn.execute("select name, description, aliases, patterns from topics order by rowid")
        return topics_from_entries([
            {"name": r["name"], "description": r["description"],
             "aliases": json.loads(r["aliases"] or "[]"), "patterns": json.loads(r["patterns"] or "[]")}
            for r in rows
        ], str(self.path))

    def _load_lengths(self) -> np.ndarray:
        """Each chunk's number of index terms, by chunk id (id 0 is unused): BM25's length."""
        lengths = np.zeros(self.n_chunks + 1, dtype=np.float32)
        rows = self.conn.execute("select id, coalesce(term_count, 0) from chunks").fetchall()
        if rows:
            ids, counts = zip(*rows)
            lengths[np.array(ids, dtype=np.int64)] = counts
        return lengths

    def postings(self, term: str) -> Postings | None:
        """One term's idf and postings, read from kb.db the first time the term is asked for."""
        if term not in self._postings:
            row = self.conn.execute(
                "select idf, df, chunk_ids, weights, counts from terms where term = ?", (term,)
            ).fetchone()
            self._postings[term] = self._make_postings(*row) if row else None
        return self._postings[term]

    def read_postings(self, terms_wanted) -> None:
        """Read the postings of every term not yet in memory with one statement (a query's
        terms and expansions come at once: one round trip instead of one per term)."""
        missing = [t for t in dict.fromkeys(terms_wanted) if t not in self._postings]
        for start in range(0, len(missing), 500):  # within SQLite's limit on parameters
            batch = missing[start:start + 500]
            for term, *row in self.conn.execute(
                    f"select term, idf, df, chunk_ids, weights, counts from terms where term in "
                    f"({','.join('?' * len(batch))})", batch):
                self._postings[term] = self._make_postings(*row)
            for term in batch:
                self._postings.setdefault(term, None)

    def _make_postings(self, idf: float, df: int, ids_blob: bytes, weights_blob: bytes, counts_blob: bytes) -> Postings:
        """Unpacked postings with each chunk's BM25 weight for the term, which no query changes."""
        ids = unpack_ids(ids_blob)
        tf = unpack_counts(counts_blob).astype(np.float32)
        bm25_idf = np.float32(np.log(1 + (self.n_chunks - df + 0.5) / (df + 0.5)))
        bm25 = tf * (bm25_idf * (BM25_K1 + 1))
        tf += self.length_norm[ids]
        bm25 /= tf
        return Postings(idf, df, ids, unpack_weights(weights_blob), bm25)

    def topic(self, value: str) -> Topic:
        found = resolve_topic(value, self.taxonomy)
        if not found:
            known = ", ".join(t.name for t in self.taxonomy)
            raise SearchError(f"unknown topic {value!r}; known topics: {known}")
        return found

    def query_terms(self, text: str) -> tuple[list[str], dict[str, float]]:
        """The query's index terms and their boosts: 1 for typed words, less for the words that
        name a topic of the query when it asks more than the topic, less still for topic aliases."""
        typed = terms(text)
        boosts = {t: 1.0 for t in typed}
        named = self.query_topics(text)
        naming = {t for topic in named for phrase in naming_phrases(text, topic) for t in terms(phrase)}
        if naming and not naming.issuperset(t for t in typed if " " not in t):
            for term in naming.intersection(typed):
                boosts[term] = NAMING_WEIGHT
        for topic in named:
            for phrase in topic.phrases():
                for term in terms(phrase):
                    boosts.setdefault(term, EXPANSION_WEIGHT)
        return typed + [t for t in boosts if t not in typed], boosts

    def corrected(self, text: str) -> str:
        """The query with each word the corpus never uses (4 ASCII letters or more, and not a
        word of the taxonomy's names and aliases) replaced by the likeliest corpus word one edit
        away, if there is one: "resourse" -> "resource"."""
        if text not in self._corrected:
            if len(self._corrected) > 10_000:
                self._corrected.clear()
            self._corrected[text] = self._correct(text)
        return self._corrected[text]

    def _correct(self, text: str) -> str:
        spans = list(re.finditer(r"[\w'’-]+", text))
        stems = [(terms(m.group()) or [""])[0] for m in spans]
        out, last = [], 0
        for n, match in enumerate(spans):
            word = match.group()
            if (len(word) >= 4 and word.isascii() and word.isalpha() and stems[n] and len(terms(word)) == 1
                    and word.lower() not in self.taxonomy_words and self.postings(stems[n]) is None):
                context = (stems[n - 1] if n else "", stems[n + 1] if n + 1 < len(spans) else "")
                fixed = self.likeliest_neighbour(word.lower(), context)
                if fixed is not None:
                    out.append(text[last:match.start()])
                    out.append(fixed.upper() if word.isupper() else fixed.capitalize() if word[0].isupper() else fixed)
                    last = match.end()
        return "".join(out) + text[last:]

    def likeliest_neighbour(self, word: str, context: tuple[str, str] = ("", "")) -> str | None:
        """The word one deletion, insertion, change or swap away whose stem makes a word pair the
        corpus has with the query's neighbouring words, else whose stem most chunks use."""
        if self._word_df is None:  # read once, and only when a query has an unknown word
            self._word_df = dict(self.conn.execute("select term, df from terms where instr(term, ' ') = 0"))
        before, after = context
        best, best_key = None, None
        for candidate in sorted(one_edit_away(word)):
            stems = terms(candidate)
            if len(stems) != 1 or stems[0] not in self._word_df:
                continue
            stem_ = stems[0]
            pairs = sum(self.postings(pair) is not None for pair in (f"{before} {stem_}", f"{stem_} {after}")
                        if not pair.startswith(" ") and not pair.endswith(" "))
            key = (pairs, self._word_df[stem_], len(candidate) == len(word))
            if best_key is None or key > best_key:
                best, best_key = candidate, key
        return best

    def cosine(self, query_terms: list[str], boosts: dict[str, float]) -> np.ndarray:
        """TF-IDF cosine of every chunk with the query (index = chunk id)."""
        idf = {t: p.idf for t in boosts if (p := self.postings(t)) is not None}
        scores = np.zeros(self.n_chunks + 1, dtype=np.float32)
        for term, weight in query_weights(query_terms, idf, boosts).items():
            found = self.postings(term)
            scores[found.chunk_ids] += weight * found.weights
        return scores

    def bm25(self, boosts: dict[str, float]) -> np.ndarray:
        """Okapi BM25 of every chunk, from the same postings (term counts and chunk lengths)."""
        scores = np.zeros(self.n_chunks + 1, dtype=np.float32)
        for term, boost in boosts.items():
            found = self.postings(term)
            if found is not None:
                scores[found.chunk_ids] += boost * found.bm25
        return scores

    def scores(self, text: str) -> np.ndarray:
        """Fused relevance of every chunk (index = chunk id), weighted down for boilerplate.

        Computed in place on one array: at 100,000 chunks every whole-array pass costs tens of
        microseconds, a good share of a query."""
        text = self.corrected(text)
        query_terms, boosts = self.query_terms(text)
        self.read_postings(boosts)
        fused = self.cosine(query_terms, boosts)
        scale_to(fused, COSINE_SHARE)
        bm25 = self.bm25(boosts)
        scale_to(bm25, 1 - COSINE_SHARE)
        fused += bm25
        fused *= self.weight
        self.boost_topics(fused, text)
        self.boost_coverage(fused, query_terms, boosts)
        return fused

    def boost_coverage(self, scores: np.ndarray, query_terms: list[str], boosts: dict[str, float]) -> None:
        """Scores times 1 plus the share of the asked words (typed, not naming a topic) a chunk
        holds: passages with all the words beat passages that repeat one of them (the
        'coordination' factor)."""
        typed = [t for t in dict.fromkeys(query_terms) if boosts.get(t) == 1.0 and " " not in t]
        present = [found for t in typed if (found := self.postings(t)) is not None]
        if len(present) < 2:
            return
        held = np.zeros(self.n_chunks + 1, dtype=np.float32)
        for found in present:
            held[found.chunk_ids] += 1
        held *= COVERAGE_WEIGHT / len(present)
        held += 1
        scores *= held

    def boost_topics(self, scores: np.ndarray, text: str) -> None:
        """Chunks tagged with a topic the query names rank higher: the taxonomy's patterns catch
        forms that words alone miss (misheard names, renamed products)."""
        named = [t.name for t in self.query_topics(text)]
        if not named or TOPIC_BOOST == 0:
            return
        tagged = [self.facets.chunks_with_topic(name) for name in named]
        if len(tagged) == 1:
            scores[tagged[0]] *= 1 + TOPIC_BOOST
            return
        ids, times = np.unique(np.concatenate(tagged), return_counts=True)
        scores[ids] *= 1 + TOPIC_BOOST * times.astype(np.float32) / len(named)

    def query_topics(self, text: str) -> list[Topic]:
        """The topics a query names (kept: ranking asks twice per query, paging asks again)."""
        if text not in self._query_topics:
            if len(self._query_topics) > 10_000:
                self._query_topics.clear()
            self._query_topics[text] = matched_topics(text, self.taxonomy)
        return self._query_topics[text]

    def phrase_mask(self, text: str) -> np.ndarray | None:
        """Chunks that hold every "quoted phrase" of the query: all its word pairs, or its word."""
        mask = None
        for phrase in PHRASE.findall(fold(text)):
            phrase_terms = terms(phrase)
            pairs = [t for t in phrase_terms if " " in t] or phrase_terms
            for term in pairs:
                found = self.postings(term)
                has = np.zeros(self.n_chunks + 1, dtype=bool)
                if found is not None:
                    has[found.chunk_ids] = True
                mask = has if mask is None else mask & has
        return mask

    def ranked(self, query: Query) -> np.ndarray:
        """Scores of the chunks that pass the query's filters and quoted phrases (others 0)."""
        scores = self.scores(query.text)
        phrases = self.phrase_mask(query.text)
        if phrases is not None:
            scores = np.where(phrases, scores, 0)
        filters = replace(query.filters, topic=tuple(self.topic(t).name for t in query.filters.topic))
        mask = self.facets.mask(filters, self.n_chunks)
        return scores if mask is None else np.where(mask, scores, 0)

    def search(self, query: Query) -> list[dict]:
        """One page of results, best first."""
        query = replace(query, text=self.corrected(query.text))
        return self.page(self.ranked(query), query)

    def search_with_facets(self, query: Query) -> dict:
        """One page of results, the number of results, and facet counts over all of them."""
        typed = query.text
        query = replace(query, text=self.corrected(query.text))
        scores = self.ranked(query)
        matched = np.flatnonzero(scores > 0)
        return {"query": typed, **({"corrected": query.text} if query.text != typed else {}), "total": int(len(matched)), "offset": query.offset, "limit": query.limit,
                "filters": [{"facet": f, "value": v} for f, v in query.filters.items()],
                "results": self.page(scores, query), "facets": self.facets.counts(matched)}

    def related(self, chunk_id: int, limit: int = 5) -> list[dict]:
        """The passages nearest to one chunk by TF-IDF cosine over its top keywords."""
        keywords = self.conn.execute(
            "select term, weight from chunk_keywords where chunk_id = ? order by rank", (chunk_id,)).fetchall()
        scores = np.zeros(self.n_chunks + 1, dtype=np.float32)
        for term, weight in keywords:
            found = self.postings(term)
            if found is not None:
                scores[found.chunk_ids] += weight * found.weights
        if 0 <= chunk_id < len(scores):
            scores[chunk_id] = 0
        scores *= self.weight
        ids = top_ids(scores, limit)
        rows = self.rows(ids)
        return [result(rows[i], float(scores[i]), set()) for i in ids if i in rows]

    def page(self, scores: np.ndarray, query: Query) -> list[dict]:
        ranked = top_ids(scores, query.offset + query.limit)[query.offset:]
        rows = self.rows(ranked)
        words = query_stems(query.text)
        results = [result(rows[i], float(scores[i]), words) for i in ranked if i in rows]
        spoken_at(self.conn, results, words)
        return results

    def rows(self, ids: list[int]) -> dict[int, sqlite3.Row]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        sql = f"""select c.*, d.title, d.episode, d.kind as document_kind from chunks c
                  join documents d on d.id = c.document_id where c.id in ({marks})"""
        return {r["id"]: r for r in self.conn.execute(sql, ids)}


def one_edit_away(word: str) -> set[str]:
    """Every string one deleted, inserted, changed or swapped letter or digit from `word`."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    cuts = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in cuts if b}
            | {a + b[1] + b[0] + b[2:] for a, b in cuts if len(b) > 1}
            | {a + c + b[1:] for a, b in cuts if b for c in alphabet}
            | {a + c + b for a, b in cuts for c in alphabet}) - {word}


def scale_to(scores: np.ndarray, top: float) -> None:
    """Scores scaled in place so that the best is `top`: rankings on different scales can be mixed."""
    best = float(scores.max()) if scores.size else 0.0
    if best > 0:
        scores *= top / best


def top_ids(scores: np.ndarray, k: int) -> list[int]:
    """Ids of the k best positive scores, best first; ties by chunk id for stable output.

    Only the chunks above a bar are sorted: half the best score first, lowered until k are above
    it (every chunk left out scores below the k-th, so the result is exact)."""
    best = float(scores.max()) if scores.size and k > 0 else 0.0
    if best <= 0:
        return []
    bar = best / 2
    candidates = np.flatnonzero(scores >= bar)
    while len(candidates) < k and bar > 0:
        bar = bar / 8 if bar > best / 1e6 else 0.0
        candidates = np.flatnonzero(scores >= bar) if bar > 0 else np.flatnonzero(scores > 0)
    if len(candidates) > 4 * k:  # many near the top: keep the k best, ties at the edge included
        edge = np.partition(scores[candidates], len(candidates) - k)[len(candidates) - k]
        candidates = candidates[scores[candidates] >= edge]
    return sorted(candidates.tolist(), key=lambda i: (-scores[i], i))[:k]


@lru_cache(maxsize=100_000)
def token_stems(token: str) -> tuple[str, ...]:
    """The stems of one whitespace-separated token of text (cached: tokens repeat a lot)."""
    return tuple(stem(w) for w in re.findall(r"[a-z0-9]+", fold(token)))


def query_stems(text: str) -> set[str]:
    return {stem(w) for w in re.findall(r"[a-z0-9]+", fold(text)) if w not in STOP_WORDS}


def snippet_parts(text: str, stems: set[str], width: int = SNIPPET_WORDS) -> list[tuple[str, bool]]:
    """The window of the text with the most query words, as (word, matched) pairs."""
    tokens = text.split()
    hits = list(map(not_, map(stems.isdisjoint, map(token_stems, tokens))))  # all in C: no loop in Python
    start = 0
    if len(tokens) > width:
        inside = best_window(list(compress(range(len(tokens)), hits)), width)
        if inside:  # centre the matched words of the best window
            middle = (inside[0] + inside[-1]) // 2
            start = min(max(0, middle - width // 2), len(tokens) - width)
    window = list(zip(tokens[start:start + width], hits[start:start + width]))
    if start > 0:
        window.insert(0, ("…", False))
    if start + width < len(tokens):
        window.append(("…", False))
    return window


def best_window(positions: list[int], width: int) -> list[int]:
    """The positions inside the first window of `width` words that holds the most of them (a
    best window can always start at one of them, so only those starts are tried)."""
    best: list[int] = []
    for n, first in enumerate(positions):
        inside = positions[n:bisect_right(positions, first + width - 1)]
        if len(inside) > len(best):
            best = inside
    return best


def snippet(text: str, stems: set[str]) -> str:
    return " ".join([word for word, _ in snippet_parts(text, stems)])


def result(row: sqlite3.Row, score: float, stems: set[str]) -> dict:
    return {
        "chunk_id": row["id"], "document_id": row["document_id"], "title": row["title"],
        "episode": row["episode"], "kind": row["kind"], "heading": row["heading"],
        "speaker": row["speaker"], "start": row["start"], "end": row["end"],
        "start_estimated": bool(row["start_estimated"]), "time": mmss(row["start"]),
        "score": round(score, 4), "topics": json.loads(row["topics"] or "[]"), "url": row["url"],
        "snippet": snippet(row["text"], stems), "text": row["text"],
    }


def spoken_at(conn: sqlite3.Connection, results: list[dict], stems: set[str]) -> None:
    """Results on audio transcripts (chunks with rows in `words`) start at the first word of the
    query, where most of its words follow close together, and their deep link goes to that second."""
    ids = [r["chunk_id"] for r in results if r["start"] is not None]
    if not ids or not stems:
        return
    timed: dict[int, list[tuple[str, float | None]]] = {}
    try:
        for chunk_id, word, start in conn.execute(
                f"select chunk_id, word, start from words where chunk_id in ({','.join('?' * len(ids))}) "
                "order by chunk_id, id", ids):
            timed.setdefault(chunk_id, []).append((word, start))
    except sqlite3.OperationalError:  # a kb.db from before the words table
        return
    for r in results:
        start = first_match(timed.get(r["chunk_id"], []), stems)
        if start is not None:
            r.update(start=start, time=mmss(start), start_estimated=False,
                     url=re.sub(r"#t=[\d.]+$", f"#t={int(start)}", r["url"]) if r["url"] else r["url"])


def first_match(words: list[tuple[str, float | None]], stems: set[str]) -> float | None:
    """The start of the earliest matched word among those that begin the run holding most query words."""
    hits = [(i, set(token_stems(w)) & stems) for i, (w, start) in enumerate(words) if start is not None]
    hits = [(i, found) for i, found in hits if found]
    if not hits:
        return None
    span = len(stems) + 2
    best = max(hits, key=lambda hit: (len(set().union(*(f for j, f in hits if hit[0] <= j < hit[0] + span))), -hit[0]))
    return words[best[0]][1]


@lru_cache(maxsize=8)
def open_kb(path: str, mtime: float) -> KnowledgeBase:
    """One KnowledgeBase per kb.db file version, shared within the process."""
    return KnowledgeBase(path)


def knowledge_base(path: str | Path) -> KnowledgeBase:
    path = Path(path)
    if not path.is_file():
        raise SearchError(f"{path}: no such database; run 'kb build' first")
    return open_kb(str(path.resolve()), path.stat().st_mtime)


def search(db_path: str | Path, text: str, limit: int = 10, topics: tuple[str, ...] = (),
           kind: str | None = None, offset: int = 0) -> list[dict]:
    """Ranked results for `text` as dicts (see `result`)."""
    filters = Filters(topic=tuple(topics), kind=(kind,) if kind else ())
    return knowledge_base(db_path).search(Query(text, limit, offset, filters))
