"""Datasette plugin: the search page and SQL functions for ranked search in kb.db.

Pages (GET parameters only, so every state of the page is a shareable URL):

- /-/kb-search?q=...&topic=...&kind=...&document=...&speaker=...&year=...&page=N
      ranked passages, 20 a page, with facet counts over the whole result set; each facet
      parameter may be repeated (topics: all of them; other facets: any of them)
- /-/kb-search?related=CHUNK_ID[&n=N]   the passages nearest to one passage
- /-/kb-search.json with the same parameters: the same results and facets as JSON
- /-/kb-audio/DOCUMENT_ID   an episode's local audio file, with byte ranges (audio.py)
- /-/search redirects to /-/kb-search, unless datasette-search-all (which owns that path) is installed

SQL functions (functions.py): kb_search, kb_related, kb_score, kb_snippet, kb_mmss, kb_export_item, kb_facts.
The page's state and search are in pages.py, what it shows in views.py, its routes in routes.py,
and its template in templates/kb_search.html.
"""
from __future__ import annotations

import importlib.util

from datasette import hookimpl
from datasette.utils.asgi import NotFound

from .audio import AUDIO_PATH, serve_audio
from .functions import register_functions
from .guard import guarded
from .pages import SEARCH_PATH, can_read_chunks, kb_database
from .routes import redirect_to_search, search_json, search_page


@hookimpl
def prepare_connection(conn, database, datasette):
    db = datasette.databases.get(database)
    if db is not None and db.path:
        register_functions(conn, db.path)


@hookimpl
def register_routes(datasette):
    routes = [(rf"^{SEARCH_PATH}$", search_page), (rf"^{SEARCH_PATH}\.json$", search_json),
              (rf"^{AUDIO_PATH}/(?P<document_id>[^/]+)$", serve_audio)]
    if importlib.util.find_spec("datasette_search_all") is None:
        routes.append((r"^/-/search$", redirect_to_search))
    return routes


@hookimpl
def asgi_wrapper(datasette):
    return lambda app: guarded(app, datasette)


@hookimpl
def menu_links(datasette, actor):
    async def links():
        try:
            db = await kb_database(datasette)
        except NotFound:
            return []
        if not await can_read_chunks(datasette, actor, db):
            return []
        return [{"href": datasette.urls.path(SEARCH_PATH), "label": "Search the podcast"}]
    return links
