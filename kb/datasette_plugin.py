"""Datasette plugin: the search page, and SQL functions for ranked search in kb.db's canned queries.

Pages (GET parameters only, so every state of the page is a shareable URL):

- /-/search?q=...&topic=...&kind=...&document=...&speaker=...&year=...&page=N
      ranked passages, 20 a page, with facet counts over the whole result set; each facet
      parameter may be repeated (topics: all of them; other facets: any of them)
- /-/search?related=CHUNK_ID[&n=N]   the passages nearest to one passage
- /-/search.json with the same parameters: the same results and facets as JSON

SQL functions:

- kb_search(q, n)         JSON array of the ids of the n best chunks for q, best first
- kb_related(chunk_id, n) JSON array of the ids of the n chunks nearest to a chunk, nearest first
- kb_score(q, chunk_id)   the fused relevance score of one chunk for q
- kb_snippet(text, q)     the part of text around the query's words
- kb_mmss(seconds)        'MM:SS' (or 'H:MM:SS')
- kb_export_item(document_id, topic, q, n)  one document as `kb export --format json` gives it
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
from datasette import Response, hookimpl
from datasette.utils.asgi import BadRequest, NotFound
from jinja2 import ChoiceLoader, Environment, FileSystemLoader
from markupsafe import Markup, escape

from .export import ExportOptions, document_item
from .facets import FACETS, Filters
from .search import (KnowledgeBase, Query, SearchError, knowledge_base, query_stems, result, snippet,
                     snippet_parts, top_ids)
from .timecode import mmss

MAX_RESULTS = 500
PAGE_SIZE = 20
RELATED_SIZE = 10
TEMPLATES = Path(__file__).parent / "templates"
FACET_TITLES = {"topic": "topic", "kind": "kind", "document": "episode or write-up", "speaker": "speaker",
                "year": "year"}


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

    def kb_related(chunk_id, n=5):
        n = max(0, min(int(n if n is not None else 5), MAX_RESULTS))
        if chunk_id is None or n == 0:
            return "[]"
        try:
            found = knowledge_base(path).related(int(chunk_id), n)
        except SearchError:
            return "[]"
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
        doc = kb.conn.execute("select * from documents where id = ?", (document_id,)).fetchone()
        if doc is None:
            return None
        topics = (kb.topic(str(topic)).name,) if topic else ()
        options = ExportOptions(topics=topics, query=q or None, highlights=max(0, min(int(n or 0), 20)))
        found = document_item(kb, doc, topics, kb.scores(q) if q else None, options)
        return json.dumps(found, ensure_ascii=False) if found else None

    conn.create_function("kb_search", 1, lambda q: kb_search(q))
    conn.create_function("kb_search", 2, kb_search)
    conn.create_function("kb_related", 1, lambda chunk_id: kb_related(chunk_id))
    conn.create_function("kb_related", 2, kb_related)
    conn.create_function("kb_score", 2, kb_score)
    conn.create_function("kb_snippet", 2, kb_snippet, deterministic=True)
    conn.create_function("kb_mmss", 1, mmss, deterministic=True)
    conn.create_function("kb_export_item", 4, kb_export_item)


@hookimpl
def prepare_connection(conn, database, datasette):
    db = datasette.databases.get(database)
    if db is None or not db.path:
        return
    register_functions(conn, db.path)


@hookimpl
def register_routes(datasette):
    return [(r"^/-/search$", search_page), (r"^/-/search\.json$", search_json)]


@hookimpl
def menu_links(datasette, actor, request):
    return [{"href": datasette.urls.path("/-/search"), "label": "Search the podcast"}]


# The search page ------------------------------------------------------------------------------

@dataclass(frozen=True)
class PageState:
    """What the search page shows, read from its GET parameters; every link is made from one."""

    q: str = ""
    filters: tuple[tuple[str, str], ...] = ()  # (facet, value) pairs, facet by facet in FACETS order
    page: int = 1

    def params(self) -> list[tuple[str, str]]:
        return ([("q", self.q)] if self.q else []) + list(self.filters) + (
            [("page", str(self.page))] if self.page > 1 else [])

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
    path = datasette.urls.path("/-/search", format=format)
    params = state.params()
    return f"{path}?{urlencode(params)}" if params else str(path)


def related_url(datasette, chunk_id: int, format: str | None = None) -> str:
    return f"{datasette.urls.path('/-/search', format=format)}?{urlencode({'related': chunk_id})}"


def whole_number(text: str | None, name: str, default: int, most: int | None = None) -> int:
    if text is None or not text.strip():
        return default
    number = int(text) if text.strip().isdigit() else 0
    if number < 1 or (most is not None and number > most):
        upper = f" to {most}" if most is not None else ""
        raise BadRequest(f"{name} must be a whole number from 1{upper}, not {text!r}")
    return number


def page_state(request, kb: KnowledgeBase) -> PageState:
    """The query, chosen filters (topics by their taxonomy names) and page of a request."""
    chosen: list[tuple[str, str]] = []
    for name in FACETS:
        for value in request.args.getlist(name):
            value = value.strip()
            if value and name == "topic":
                value = kb.topic(value).name  # SearchError names the known topics
            if value and (name, value) not in chosen:
                chosen.append((name, value))
    return PageState((request.args.get("q") or "").strip(), tuple(chosen),
                     whole_number(request.args.get("page"), "page", 1))


async def kb_database(datasette):
    """The database named kb, else the first with a chunks table."""
    named = datasette.databases.get("kb")
    if named is not None and named.path:
        return named
    for db in datasette.databases.values():
        if db.path and await db.table_exists("chunks"):
            return db
    raise NotFound("No knowledge base here: serve a kb.db built by 'kb build'")


def search_data(kb: KnowledgeBase, state: PageState) -> dict:
    """One page of ranked results and the facets of all of them (nothing for an empty query)."""
    if not state.q:
        return {"query": "", "total": 0, "offset": 0, "limit": PAGE_SIZE,
                "filters": [{"facet": f, "value": v} for f, v in state.search_filters().items()],
                "results": [], "facets": {}}
    return kb.search_with_facets(Query(state.q, PAGE_SIZE, (state.page - 1) * PAGE_SIZE, state.search_filters()))


def related_data(conn, kb: KnowledgeBase, chunk_id: int, n: int) -> dict:
    """A passage and the passages nearest to it, with the passage's keywords (stems)."""
    rows = kb.rows([chunk_id])
    if chunk_id not in rows:
        raise NotFound(f"No passage {chunk_id}")
    keywords = [r[0] for r in conn.execute("select term from chunk_keywords where chunk_id = ? order by rank",
                                           [chunk_id])]
    return {"related_to": result(rows[chunk_id], 0.0, set()), "keywords": keywords, "limit": n,
            "results": kb.related(chunk_id, n)}


async def run(datasette, request) -> tuple[KnowledgeBase, PageState | None, dict]:
    """The search or related view a request asks for, run in Datasette's SQL threads."""
    db = await kb_database(datasette)
    related = (request.args.get("related") or "").strip()

    def inner(conn):
        kb = knowledge_base(db.path)
        if related:
            chunk_id = whole_number(related, "related", 0)
            n = whole_number(request.args.get("n"), "n", RELATED_SIZE, MAX_RESULTS)
            return kb, None, related_data(conn, kb, chunk_id, n)
        state = page_state(request, kb)
        return kb, state, search_data(kb, state)

    try:
        return await db.execute_fn(inner)
    except SearchError as exc:
        raise BadRequest(str(exc)) from None


def pages(datasette, state: PageState, total: int, format: str | None = None) -> dict:
    last = max(1, -(-total // PAGE_SIZE))
    return {
        "page": state.page, "pages": last,
        "previous_url": page_url(datasette, replace(state, page=min(state.page, last + 1) - 1), format)
        if state.page > 1 else None,
        "next_url": page_url(datasette, replace(state, page=state.page + 1), format) if state.page < last else None,
    }


async def search_json(datasette, request):
    kb, state, data = await run(datasette, request)
    if state is not None:
        data = {**data, **pages(datasette, state, data["total"], "json")}
    return Response.json(data)


async def search_page(datasette, request):
    kb, state, data = await run(datasette, request)
    if state is None:
        context = related_context(datasette, data)
    else:
        context = await search_context(datasette, kb, state, data)
    template = template_env(datasette.jinja_env).get_template("kb_search.html")
    context["site_title"] = datasette.metadata("title") or "Datasette"
    return Response.html(await datasette.render_template(template, context, request=request,
                                                         view_name="kb_search"))


@lru_cache(maxsize=8)
def template_env(env: Environment) -> Environment:
    """Datasette's Jinja environment that also finds kb/templates (after --template-dir and its own)."""
    return env.overlay(loader=ChoiceLoader([env.loader, FileSystemLoader(str(TEMPLATES))]))


def highlighted(text: str, stems: set[str]) -> Markup:
    """The snippet of text with the query's words in <mark>, everything else escaped."""
    return Markup(" ").join(Markup("<mark>{}</mark>").format(word) if hit else escape(word)
                            for word, hit in snippet_parts(text, stems))


def safe_link(url: str | None) -> str | None:
    """Only web links become hrefs: a source could hold a javascript: URL."""
    return url if url and url.lower().startswith(("http://", "https://")) else None


def result_view(datasette, state: PageState | None, found: dict, stems: set[str]) -> dict:
    time = found["time"] and ("~" if found["start_estimated"] else "") + found["time"]
    link = safe_link(found["url"])
    chosen = set(state.filters) if state else set()
    return {
        **found, "when": time or ("page" if link else None), "link": link,
        "snippet_html": highlighted(found["text"], stems),
        "related_url": related_url(datasette, found["chunk_id"]),
        "topic_links": [(topic, None if ("topic", topic) in chosen or state is None
                         else page_url(datasette, state.adding("topic", topic)))
                        for topic in found["topics"]],
    }


def facet_views(datasette, state: PageState, facets: dict) -> list[dict]:
    views = []
    for name, entries in facets.items():
        values = []
        for entry in entries:
            selected = (name, str(entry["value"])) in state.filters
            target = (state.removing if selected else state.adding)(name, entry["value"])
            values.append({**entry, "selected": selected, "toggle_url": page_url(datasette, target)})
        if values:
            views.append({"name": name, "title": FACET_TITLES[name], "values": values})
    return views


async def search_context(datasette, kb: KnowledgeBase, state: PageState, data: dict) -> dict:
    stems = query_stems(data.get("corrected") or state.q)
    results = [result_view(datasette, state, r, stems) for r in data["results"]]
    selected = [{"facet": FACET_TITLES[f], "label": kb.facets.labels.get(v, v) if f == "document" else v,
                 "remove_url": page_url(datasette, state.removing(f, v))} for f, v in state.filters]
    topics = []
    if not state.q:
        db = await kb_database(datasette)
        rows = await db.execute("select name, chunk_count from topics where chunk_count > 0 "
                                "order by chunk_count desc, name")
        topics = [{"name": r["name"], "count": r["chunk_count"], "url": page_url(datasette, PageState(r["name"]))}
                  for r in rows]
    return {
        "q": state.q, "corrected": data.get("corrected"), "filters": state.filters, "results": results,
        "total": data["total"],
        "first": data["offset"] + 1, "last": data["offset"] + len(results),
        "facets": facet_views(datasette, state, data["facets"]), "selected": selected,
        "clear_url": page_url(datasette, PageState(state.q)), "topics": topics,
        "search_url": datasette.urls.path("/-/search"), "json_url": page_url(datasette, state, "json"),
        **pages(datasette, state, data["total"]),
    }


def related_context(datasette, data: dict) -> dict:
    stems = set(data["keywords"])
    source = data["related_to"]
    return {
        "q": "", "filters": (), "search_url": datasette.urls.path("/-/search"),
        "related_to": result_view(datasette, None, source, stems),
        "results": [result_view(datasette, None, r, stems) for r in data["results"]],
        "json_url": related_url(datasette, source["chunk_id"], "json"),
    }
