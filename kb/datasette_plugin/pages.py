"""The search page's state, read from its GET parameters (every link is made from one), and the
search or related view it asks for, run in Datasette's SQL threads."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from collections import OrderedDict
from threading import Lock
from weakref import WeakKeyDictionary
from urllib.parse import urlencode

from datasette.utils.asgi import BadRequest, Forbidden, NotFound
from datasette.views.base import DatasetteError

from ..facets import FACETS, Filters
from ..fact_search import named_facts
from ..query import Query
from ..reader import DamagedError, damage_reported
from ..search import SearchError, Searcher, knowledge_base
from ..snippets import result
from .functions import MAX_RESULTS

SEARCH_PATH = "/-/kb-search"
FEEDS_PATH = "/-/feeds"  # JSON Feeds of passages (feeds.py)
PAGE_SIZE = 20
RELATED_SIZE = 10
PAGES_KEPT = 512
KEPT_PAGES: WeakKeyDictionary = WeakKeyDictionary()  # searcher -> its latest pages, oldest first
PAGES_LOCK = Lock()
FACET_TITLES = {"topic": "topic", "kind": "kind", "document": "episode or write-up", "speaker": "speaker",
                "year": "year", "chapter": "chapter", "show": "show", "season": "season"}


@dataclass(frozen=True)
class PageState:
    """What the search page shows, read from its GET parameters; every link is made from one."""

    q: str = ""
    filters: tuple[tuple[str, str], ...] = ()  # (facet, value) pairs, facet by facet in FACETS order
    page: int = 1
    weaker: bool = False  # list the passages that score but are no match, after the matches

    def params(self) -> list[tuple[str, str]]:
        return ([("q", self.q)] if self.q else []) + list(self.filters) + (
            [("weaker", "1")] if self.weaker else []) + ([("page", str(self.page))] if self.page > 1 else [])

    def adding(self, facet: str, value) -> PageState:
        pair = (facet, str(value))
        if pair in self.filters:
            return replace(self, page=1)
        # Facet by facet, as page_state reads them, so a URL reads the same wherever it was made
        return replace(self, filters=tuple(sorted(self.filters + (pair,), key=lambda f: FACETS.index(f[0]))), page=1)

    def removing(self, facet: str, value) -> PageState:
        return replace(self, filters=tuple(f for f in self.filters if f != (facet, str(value))), page=1)

    def search_filters(self) -> Filters:
        return Filters(**{name: tuple(v for f, v in self.filters if f == name) for name in FACETS})


def page_url(datasette, state: PageState, format: str | None = None) -> str:
    path = datasette.urls.path(SEARCH_PATH, format=format)
    params = state.params()
    return f"{path}?{urlencode(params)}" if params else str(path)


def topic_feed_url(datasette, topic_id: str) -> str:
    return datasette.urls.path(f"{FEEDS_PATH}/topic/{topic_id}.json")


def search_feed_url(datasette, state: PageState) -> str:
    """The saved-search feed of the page's query and filters."""
    params = replace(state, page=1).params()
    return datasette.urls.path(f"{FEEDS_PATH}/search.json") + (f"?{urlencode(params)}" if params else "")


def related_url(datasette, chunk_id: int, format: str | None = None) -> str:
    return f"{datasette.urls.path(SEARCH_PATH, format=format)}?{urlencode({'related': chunk_id})}"


def whole_number(text: str | None, name: str, default: int, most: int | None = None) -> int:
    """A GET parameter that must be a whole number from 1 (ASCII digits only: '²' is a digit to
    str.isdigit, but no number); BadRequest otherwise."""
    if text is None or not text.strip():
        return default
    digits = text.strip()
    number = int(digits) if re.fullmatch(r"[0-9]{1,18}", digits) else 0
    if number < 1 or (most is not None and number > most):
        upper = f" to {most}" if most is not None else ""
        raise BadRequest(f"{name} must be a whole number from 1{upper}, not {text!r}")
    return number


def page_state(request, kb: Searcher) -> PageState:
    """The query, chosen filters (topics by their taxonomy names) and page of a request."""
    chosen: list[tuple[str, str]] = []
    for name in FACETS:
        for value in request.args.getlist(name):
            value = value.strip()
            if value and name == "topic":
                value = kb.topic(value).name  # SearchError names the known topics
            if value and (name, value) not in chosen:
                chosen.append((name, value))
    weaker = (request.args.get("weaker") or "").strip().lower() in ("1", "true", "yes", "on")
    return PageState((request.args.get("q") or "").strip(), tuple(chosen),
                     whole_number(request.args.get("page"), "page", 1), weaker)


async def kb_database(datasette):
    """The database named kb, else the first with a chunks table."""
    named = datasette.databases.get("kb")
    if named is not None and named.path:
        return named
    for db in datasette.databases.values():
        if db.path and await db.table_exists("chunks"):
            return db
    raise NotFound("No knowledge base here: serve a kb.db built by 'kb build'")


def search_data(kb: Searcher, state: PageState, time_limit_ms: int) -> dict:
    """One page of ranked results and the facets of all of them (nothing for an empty query).

    Kept for the PAGES_KEPT latest pages asked of each searcher (one per kb.db file version, so a
    rebuilt kb.db is searched afresh, and its pages go with the old searcher): a popular query is
    then answered without searching again. Callers never change the dict."""
    key = (state, time_limit_ms)
    with PAGES_LOCK:  # Datasette's SQL threads share the pages
        pages = KEPT_PAGES.setdefault(kb, OrderedDict())
        if key in pages:
            pages.move_to_end(key)
            return pages[key]
    data = page_data(kb, state, time_limit_ms)
    with PAGES_LOCK:
        pages[key] = data
        if len(pages) > PAGES_KEPT:
            pages.popitem(last=False)
    return data


def page_data(kb: Searcher, state: PageState, time_limit_ms: int) -> dict:
    if not state.q:
        return {"query": "", "total": 0, "offset": 0, "limit": PAGE_SIZE,
                "filters": [{"facet": f, "value": v} for f, v in state.search_filters().items()],
                "results": [], "facets": {}, "facts": []}
    data = kb.search_with_facets(Query(state.q, PAGE_SIZE, (state.page - 1) * PAGE_SIZE, state.search_filters(),
                                       time_limit_ms, state.weaker))
    return {**data, "facts": page_facts(kb, state)}


def page_facts(kb: Searcher, state: PageState) -> list[dict]:
    """The facts the query names, for the first page (within the chosen write-ups, if any)."""
    if state.page > 1:
        return []
    documents = {v for f, v in state.filters if f == "document"}
    return [f for f in named_facts(kb, state.q) if not documents or f["document_id"] in documents]


def related_data(kb: Searcher, chunk_id: int, n: int) -> dict:
    """A passage and the passages nearest to it, with the passage's keywords (stems)."""
    rows = kb.reader.rows([chunk_id])
    if chunk_id not in rows:
        raise NotFound(f"No passage {chunk_id}")
    keywords = kb.reader.keywords(chunk_id)
    return {"related_to": result(rows[chunk_id], 0.0, set()), "keywords": keywords, "limit": n,
            "results": kb.related(chunk_id, n)}


async def can_read_chunks(datasette, actor, db) -> bool:
    """Whether the actor may see the chunks table, decided as Datasette decides it for the table's
    own page: the table's permission, else the database's, else the instance's."""
    try:
        await ensure_chunks_readable(datasette, actor, db)
    except Forbidden:
        return False
    return True


async def ensure_chunks_readable(datasette, actor, db) -> None:
    """Forbidden (Datasette's 403) unless the actor may see the chunks table. That a visitor who
    is not signed in may is kept once found: it rests on the metadata, read when Datasette starts,
    and Datasette deep-copies the metadata to decide it (1 ms of every search request)."""
    if actor is None and db.name in getattr(datasette, "kb_anonymous_may_read", ()):
        return
    await datasette.ensure_permissions(actor, chunk_permissions(db))
    if actor is None:  # kept on the Datasette itself: another one (a test's) has its own metadata
        datasette.kb_anonymous_may_read = getattr(datasette, "kb_anonymous_may_read", set()) | {db.name}


def chunk_permissions(db) -> list:
    return [("view-table", (db.name, "chunks")), ("view-database", db.name), "view-instance"]


async def run(datasette, request) -> tuple[Searcher, PageState | None, dict]:
    """The search or related view a request asks for, run in Datasette's SQL threads, for an actor
    who may see the chunks table (Forbidden, Datasette's 403, otherwise)."""
    db = await kb_database(datasette)
    await ensure_chunks_readable(datasette, request.actor, db)
    related = (request.args.get("related") or "").strip()
    time_limit = datasette.setting("sql_time_limit_ms")  # the search keeps to Datasette's limit for SQL

    def inner(conn):
        kb = knowledge_base(db.path)
        if related:
            chunk_id = whole_number(related, "related", 0)
            n = whole_number(request.args.get("n"), "n", RELATED_SIZE, MAX_RESULTS)
            return kb, None, related_data(kb, chunk_id, n)
        state = page_state(request, kb)
        return kb, state, search_data(kb, state, time_limit)

    return await execute_search(db, inner)


async def execute_search(db, fn):
    """fn(conn) run in Datasette's SQL threads: a query the search refuses is a 400 that says why;
    a damaged kb.db a 500 that says to build it again (not a traceback)."""
    def reported(conn):
        with damage_reported(db.path):
            return fn(conn)

    try:
        return await db.execute_fn(reported)
    except DamagedError as exc:
        raise DatasetteError(str(exc), title="kb.db is damaged", status=500) from None
    except SearchError as exc:
        raise BadRequest(str(exc)) from None


def pages(datasette, state: PageState, data: dict, format: str | None = None) -> dict:
    """Paging links, and the links that show or hide the weaker passages and the named speaker."""
    total = data["total"] + (data.get("weaker", 0) if state.weaker else 0)
    last = max(1, -(-total // PAGE_SIZE))
    links = {"weaker_url": page_url(datasette, replace(state, weaker=not state.weaker, page=1), format)
             if data.get("weaker") else None}
    if "speaker" in data:  # the same question asked of everyone
        links["speaker_remove_url"] = page_url(datasette, replace(state, q=data["speaker"]["asked"], page=1), format)
    return {**links,
        "page": state.page, "pages": last,
        "previous_url": page_url(datasette, replace(state, page=min(state.page, last + 1) - 1), format)
        if state.page > 1 else None,
        "next_url": page_url(datasette, replace(state, page=state.page + 1), format) if state.page < last else None,
    }
