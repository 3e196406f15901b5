"""A kb.db opened for reading: checked, its per-chunk arrays loaded once, postings read term by term
as queries ask for them and kept, and the SQL that search, export and the Datasette plugin read
with. Nothing else runs SQL on kb.db for them; only kb/store.py writes it."""
from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ingest.errors import KBError

from .facets import FacetIndex
from .postings import Postings, unpack_counts, unpack_ids
from .ranking import BM25_K1, bm25_weights, length_norms
from .schema import SCHEMA_VERSION
from .topics import Topic, topics_from_entries
from .vocabulary import Names


class SearchError(KBError, ValueError):
    """The search could not run: no kb.db, a kb.db from another tool or version, an unknown filter,
    or a query that asks too much."""


class DamagedError(SearchError):
    """kb.db's pages are damaged (a bad copy, a disk fault): only a new build mends it."""


DAMAGE_CODES = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def connect_read_only(path: Path, **options) -> sqlite3.Connection:
    """kb.db opened read-only by a file: URI, its path quoted so that '#', '?' and '%' in a file
    name are taken literally (unquoted they end the path or start an escape)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, **options)


@contextmanager
def damage_reported(path: str | Path):
    """SQLite's 'database disk image is malformed' while kb.db is read, as a DamagedError that
    says what to do (SQLite's other errors, such as a time limit's 'interrupted', pass)."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorcode", None) is None or exc.sqlite_errorcode & 0xFF not in DAMAGE_CODES:
            raise
        raise DamagedError(f"{path}: kb.db is damaged ({exc}); run 'kb build' again") from None


class OneTimeLoads:
    """The seconds spent loading what a process reads once and keeps (the spelling word lists):
    no query's time limit counts them, or the first query to need them would be refused."""

    seconds = 0.0

    @classmethod
    @contextmanager
    def timed(cls):
        began = time.monotonic()
        try:
            yield
        finally:
            cls.seconds += time.monotonic() - began


# Postings read for queries are kept, up to this much: past it they are read again as needed.
MAX_CACHED_BYTES = 256 * 2**20
MAX_CACHED_TERMS = 200_000


def check_version(conn: sqlite3.Connection, path: Path) -> None:
    """SearchError unless kb.db was built with this version's schema."""
    row = conn.execute("select value from kb_meta where key = 'schema_version'").fetchone()
    if row is None or row[0] != str(SCHEMA_VERSION):
        raise SearchError(f"{path}: built by another version of kb (schema {row[0] if row else 'unknown'}, "
                          f"this one reads {SCHEMA_VERSION}); run 'kb build' again")


def read_related_words(conn: sqlite3.Connection) -> list[list[str]]:
    """vocabulary.yml's `words:` groups as built."""
    return [json.loads(words) for (words,) in conn.execute("select words from related_words order by id")]


def likely_speakers(blob: bytes) -> dict[str, np.ndarray]:
    """speaker -> the ids of the unknown turns they probably spoke (kb/turns.py)."""
    return {speaker: np.array(ids, dtype=np.int64) for speaker, ids in json.loads(blob).items()}


class Reader:
    """A read-only kb.db with its postings loaded term by term on demand and kept."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.is_file():
            raise SearchError(f"{self.path}: no such database; run 'kb build' first")
        self.conn = connect_read_only(self.path, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        try:
            self.check_version()
            self.n_chunks = self.conn.execute("select coalesce(max(id), 0) from chunks").fetchone()[0]
            self.taxonomy = self.load_taxonomy()
            self.vocabulary = self.load_vocabulary()
            self.related_words = read_related_words(self.conn)
            arrays = self.load_arrays()
            self.lengths, self.questions = arrays["lengths"], arrays["questions"].astype(bool)
            self.likely_speakers = likely_speakers(arrays["likely_speakers"])
            self.facets = FacetIndex(self.conn, self.n_chunks, arrays)
        except sqlite3.DatabaseError as exc:
            raise SearchError(f"{self.path}: not a kb.db built by 'kb build' ({exc})") from None
        self.index = PostingsIndex(self.conn, self.n_chunks, length_norms(self.lengths), arrays["vector_lengths"])
        self._document_rank: np.ndarray | None = None

    def check_version(self) -> None:
        check_version(self.conn, self.path)

    def load_taxonomy(self) -> list[Topic]:
        rows = self.conn.execute("select name, description, aliases, patterns, pattern_needs from topics order by rowid")
        return topics_from_entries([
            {"name": r["name"], "description": r["description"],
             "aliases": json.loads(r["aliases"] or "[]"), "patterns": json.loads(r["patterns"] or "[]"),
             "pattern_needs": json.loads(r["pattern_needs"] or "[]")}
            for r in rows
        ], str(self.path))

    def load_vocabulary(self) -> list[Names]:
        rows = self.conn.execute("select names, history, topic from vocabulary order by id")
        return [Names(json.loads(r["names"]), r["history"] or "", r["topic"]) for r in rows]

    def load_arrays(self) -> dict[str, np.ndarray | bytes]:
        """The per-chunk arrays the build kept as one blob each (kb_arrays): `lengths`, each chunk's
        number of index terms by chunk id (BM25's length), `vector_lengths` (its TF-IDF vector's
        length, which the weights are divided by), `questions` (1 where a chunk asks), the facets'."""
        return {name: data if dtype == "bytes" else np.frombuffer(data, dtype=np.dtype(dtype))
                for name, dtype, data in self.conn.execute("select name, dtype, data from kb_arrays")}

    # --- postings (kept in memory by the index below) ----------------------------------------------

    def postings(self, term: str) -> Postings | None:
        return self.index.postings(term)

    def read_postings(self, terms_wanted) -> dict[str, Postings | None]:
        return self.index.read_postings(terms_wanted)

    def found(self, terms_wanted) -> dict[str, Postings]:
        return self.index.found(terms_wanted)

    def word_df(self) -> dict[str, int]:
        return self.index.word_df()

    # --- rows -----------------------------------------------------------------------------------

    def rows(self, ids: list[int]) -> dict[int, sqlite3.Row]:
        """Chunks by id, with their document's title, episode, show, season, date and audio."""
        if not ids:
            return {}
        sql = f"""select c.*, d.title, d.episode, d.show, d.season, d.published, d.audio_url, d.audio_type,
                    d.url as document_url
                  from chunks c join documents d on d.id = c.document_id
                  where c.id in ({','.join('?' * len(ids))})"""
        return {r["id"]: r for r in self.conn.execute(sql, ids)}

    def holding_word(self, ids: np.ndarray, word: str) -> np.ndarray:
        """Those of these chunks whose text or heading has `word` (letters only) as written, plurals
        and all: the stems cannot tell "authenticator" from "authentication"."""
        sql = """select c.id from json_each(?) j join chunks c on c.id = j.value
                 where c.text like ? or c.heading like ?"""
        pattern = f"%{word}%"
        found = self.conn.execute(sql, (json.dumps(ids.tolist()), pattern, pattern)).fetchall()
        return np.array([r[0] for r in found], dtype=np.int64)

    def timed_words(self, chunk_ids: list[int]) -> dict[int, list[tuple[str, float | None]]]:
        """The words table's (word, start) pairs of each chunk, in order."""
        timed: dict[int, list[tuple[str, float | None]]] = {}
        if chunk_ids:
            sql = f"select chunk_id, word, start from words where chunk_id in ({','.join('?' * len(chunk_ids))}) order by chunk_id, id"
            for chunk_id, word, start in self.conn.execute(sql, chunk_ids):
                timed.setdefault(chunk_id, []).append((word, start))
        return timed

    def keywords(self, chunk_id: int) -> list[str]:  # a chunk's top words (stems), best first
        row = self.conn.execute("select keywords from chunk_keywords where chunk_id = ?", (chunk_id,)).fetchone()
        return json.loads(row[0]) if row else []

    def documents(self) -> list[sqlite3.Row]:
        return self.conn.execute("select * from documents").fetchall()

    def document(self, document_id: str) -> sqlite3.Row | None:
        return self.conn.execute("select * from documents where id = ?", (document_id,)).fetchone()

    def chunks_of(self, document_id: str, kinds: tuple[str, ...]) -> list[sqlite3.Row]:
        marks = ",".join("?" * len(kinds))
        return self.conn.execute(f"select * from chunks where document_id = ? and kind in ({marks}) order by ordinal",
                                 (document_id, *kinds)).fetchall()

    def resources(self, document_id: str) -> list[sqlite3.Row]:
        return self.conn.execute("select label, url, kind from resources where document_id = ? order by ordinal",
                                 (document_id,)).fetchall()

    def facts_in(self, chunk_ids: list[int]) -> list[sqlite3.Row]:
        """The facts of these chunks, with their document's title, in reading order."""
        if not chunk_ids:
            return []
        sql = f"""select f.*, d.title from facts f join documents d on d.id = f.document_id
                  where f.chunk_id in ({','.join('?' * len(chunk_ids))}) order by f.id"""
        return self.conn.execute(sql, chunk_ids).fetchall()

    def fact_units(self) -> list[str]:  # the units of kb.db's facts, the most used first
        return [u for u, in self.conn.execute("select unit from facts group by unit order by count(*) desc, unit")]

    def facts_of(self, document_id: str) -> list[sqlite3.Row]:
        """A document's facts, with its title, in reading order."""
        return self.conn.execute("""select f.*, d.title from facts f join documents d on d.id = f.document_id
                                    where f.document_id = ? order by f.id""", (document_id,)).fetchall()

    def topic_mentions(self, document_ids: list[str]) -> list[tuple[str, str, int]]:
        """(topic name, document id, passages) for these documents."""
        if not document_ids:
            return []
        # from each passage's own `topics` (names): chunk_topics is keyed by topic, not passage
        sql = f"""select j.value, c.document_id, count(*) from chunks c, json_each(c.topics) j
                  where c.document_id in ({','.join('?' * len(document_ids))}) group by j.value, c.document_id"""
        return [tuple(r) for r in self.conn.execute(sql, document_ids)]

    def document_rank(self) -> np.ndarray:
        """By chunk id, the place of its document when they are listed newest first (0 first): by
        date, then episode number (undated ones last). Kept once read."""
        if self._document_rank is None:
            order = {doc: n for n, (doc,) in enumerate(self.conn.execute(
                "select id from documents order by coalesce(published, '') desc, coalesce(episode, -1) desc, id desc"))}
            ranks = np.full(self.n_chunks + 1, len(order), dtype=np.int64)
            rows = self.conn.execute("select id, document_id from chunks").fetchall()
            if rows:
                ranks[np.array([r[0] for r in rows], dtype=np.int64)] = [order[r[1]] for r in rows]
            self._document_rank = ranks
        return self._document_rank


class PostingsIndex:
    """The terms table of a kb.db, read term by term as queries ask for terms, and kept (up to
    MAX_CACHED_TERMS terms and MAX_CACHED_BYTES of arrays; past that it starts again); and the
    full-text table, for the queries the terms table cannot answer."""

    def __init__(self, conn: sqlite3.Connection, n_chunks: int, norms: np.ndarray, vector_lengths: np.ndarray):
        self.conn, self.n_chunks, self.norms, self.vector_lengths = conn, n_chunks, norms, vector_lengths
        self._postings: dict[str, Postings | None] = {}
        self._cached_bytes = 0
        self._word_df: dict[str, int] | None = None

    def full_text_scores(self, words: tuple[str, ...], size: int, limit: int = 500) -> np.ndarray:
        """The last `limit` chunks holding all these words (the newest material), scored by BM25
        with each word counted once, which leaves the chunk's length: shorter passages first. For
        queries of stop words only, which the TF-IDF index leaves out; FTS5's own bm25() would
        first count every chunk holding "the" (5 ms at 100,000 chunks, ten times the finding)."""
        scores = np.zeros(size, dtype=np.float32)
        match = " ".join('"' + w.replace('"', '""') + '"' for w in words)
        rows = self.conn.execute("select rowid from chunks_fts where chunks_fts match ? order by rowid desc limit ?",
                                 (match, limit)).fetchall()
        if rows:
            ids = np.array([r[0] for r in rows if r[0] < size], dtype=np.int64)
            scores[ids] = len(words) * (BM25_K1 + 1) / (1 + self.norms[ids])
        return scores

    def postings(self, term: str) -> Postings | None:
        """One term's idf and postings, read from kb.db the first time the term is asked for."""
        return self.read_postings([term])[term]

    def read_postings(self, terms_wanted) -> dict[str, Postings | None]:
        """Each term's postings (None: not in the index), those not yet in memory read with one
        statement (a query's terms and expansions come at once: one round trip, not one per term)."""
        wanted = list(dict.fromkeys(terms_wanted))
        cache = self._postings  # searches share the reader: this call keeps to one cache
        if len(cache) + len(wanted) > MAX_CACHED_TERMS or self._cached_bytes > MAX_CACHED_BYTES:
            cache = self._postings = {}
            self._cached_bytes = 0
        got = {t: cache[t] for t in wanted if t in cache}
        missing = [t for t in wanted if t not in got]
        for start in range(0, len(missing), 500):  # within SQLite's limit on parameters
            batch = missing[start:start + 500]
            for term, idf, df, ids, counts in self.conn.execute(
                    f"select term, idf, df, chunk_ids, counts from terms where term in "
                    f"({','.join('?' * len(batch))})", batch):
                chunk_ids, counts = unpack_ids(ids, df), unpack_counts(counts, df)
                bm25 = bm25_weights(counts, df, self.n_chunks, self.norms[chunk_ids])
                got[term] = Postings(idf, df, chunk_ids, counts, bm25, self.vector_lengths)
                self._cached_bytes += 12 * len(chunk_ids)  # ids, BM25 weights and (when asked for) TF-IDF weights
        for term in missing:
            cache[term] = got.setdefault(term, None)
        return got

    def found(self, terms_wanted) -> dict[str, Postings]:
        """The postings of those of these terms that the index has, in the order given."""
        got = self.read_postings(terms_wanted)
        return {t: p for t in dict.fromkeys(terms_wanted) if (p := got[t]) is not None}

    def word_df(self) -> dict[str, int]:
        """Single-word terms and how many chunks hold each (read once, for spelling correction)."""
        if self._word_df is None:
            with OneTimeLoads.timed():
                self._word_df = dict(self.conn.execute("select term, df from terms where instr(term, ' ') = 0"))
        return self._word_df


class TranscriptReader:
    """A kb.db's timed transcripts and chapters, for `kb publish`: read-only, version checked, and
    without the search index, which publishing never needs."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.is_file():
            raise SearchError(f"{self.path}: no such database; run 'kb build' first")
        self.conn = connect_read_only(self.path)
        self.conn.row_factory = sqlite3.Row
        try:
            check_version(self.conn, self.path)
        except sqlite3.DatabaseError as exc:
            raise SearchError(f"{self.path}: not a kb.db built by 'kb build' ({exc})") from None

    def chapters(self, document_id: str) -> list[sqlite3.Row]:
        return self.conn.execute("select * from chapters where document_id = ? order by ordinal",
                                 (document_id,)).fetchall()

    def timed_documents(self) -> list[sqlite3.Row]:
        """Documents with a timed transcript (passages with a start second), in kb.db's order."""
        return self.conn.execute("""select d.* from documents d where exists (
            select 1 from chunks c where c.document_id = d.id and c.start is not null) order by d.rowid""").fetchall()

    def timed_chunks(self, document_id: str) -> list[sqlite3.Row]:
        """A document's passages with a start second (its transcript's turns), in order."""
        return self.conn.execute("select * from chunks where document_id = ? and start is not null order by ordinal",
                                 (document_id,)).fetchall()

    def word_times(self, chunk_ids: list[int]) -> dict[int, list[tuple[str, float | None, float | None]]]:
        """The words table's (word, start, end) of each chunk, in order."""
        timed: dict[int, list[tuple[str, float | None, float | None]]] = {}
        for start in range(0, len(chunk_ids), 500):
            batch = chunk_ids[start:start + 500]
            sql = f"""select chunk_id, word, start, "end" from words where chunk_id in ({','.join('?' * len(batch))})
                      order by chunk_id, id"""
            for chunk_id, word, begin, end in self.conn.execute(sql, batch):
                timed.setdefault(chunk_id, []).append((word, begin, end))
        return timed
