"""Datasette plugin: the search page and SQL functions for ranked search in kb.db.

Pages (GET parameters only, so every state of the page is a shareable URL):

- /-/kb-search?q=...&topic=...&kind=...&document=...&speaker=...&year=...&page=N
      ranked passages, 20 a page, with facet counts over the whole result set; each facet
      parameter may be repeated (topics: all of them; other facets: any of them)
- /-/kb-search?related=CHUNK_ID[&n=N]   the passages nearest to one passage
- /-/kb-search.json with the same parameters: the same results and facets as JSON
- /-/kb-audio/DOCUMENT_ID   an episode's local audio file, with byte ranges (audio.py)
- /-/search redirects to /-/kb-search, unless datasette-search-all (which owns that path) is installed;
  /-/search.json answers as /-/kb-search.json does
- /-/feeds/topic/SLUG.json and /-/feeds/search.json?q=...: JSON Feed 1.1 of passages on a topic or
      matching a saved search (feeds.py), linked from the search page and the topics table

SQL functions (functions.py): kb_search, kb_related, kb_score, kb_snippet, kb_mmss, kb_export_item, kb_facts.
The page's state and search are in pages.py, what it shows in views.py, its routes in routes.py,
and its template in templates/kb_search.html.
"""
from __future__ import annotations

import importlib.util
import json

from datasette import hookimpl
from datasette.utils.asgi import NotFound
from markupsafe import Markup, escape

from .audio import AUDIO_PATH, serve_audio
from .feeds import search_feed, topic_feed
from .functions import register_functions
from .guard import guarded
from .pages import FEEDS_PATH, SEARCH_PATH, can_read_chunks, kb_database
from .routes import redirect_to_search, search_json, search_page


@hookimpl
def prepare_connection(conn, database, datasette):
    db = datasette.databases.get(database)
    if db is not None and db.path:
        register_functions(conn, db.path)


@hookimpl
def register_routes(datasette):
    # /-/search.json, the JSON's old address, answers as itself: API clients need not follow a redirect.
    routes = [(rf"^{SEARCH_PATH}$", search_page), (rf"^{SEARCH_PATH}\.json$", search_json), (r"^/-/search\.json$", search_json),
              (rf"^{AUDIO_PATH}/(?P<document_id>[^/]+)$", serve_audio),
              (rf"^{FEEDS_PATH}/topic/(?P<slug>[a-z0-9-]+)\.json$", topic_feed),
              (rf"^{FEEDS_PATH}/search\.json$", search_feed)]
    if importlib.util.find_spec("datasette_search_all") is None:
        routes.append((r"^/-/search$", redirect_to_search))
    return routes


@hookimpl
def asgi_wrapper(datasette):
    return lambda app: guarded(app, datasette)


# The SQL box of the kb database page starts from ranked search, not `select * from chapters`.
FIRST_SQL = """-- kb_search(query, n): the best chunk ids for a query, best first
select d.title, c.speaker, c.time, c.url, substr(c.text, 1, 200) as text
from json_each(kb_search('GDAP', 10)) as ranked
join chunks c on c.id = ranked.value
join documents d on d.id = c.document_id
order by ranked.key"""


@hookimpl
def extra_body_script(view_name, database):
    if view_name != "database" or database != "kb":
        return None
    # Runs before Datasette's editor reads the box (on window load); a SQL the user typed stays.
    return ('const box = document.querySelector("textarea#sql-editor");\n'
            f'if (box && box.value.startsWith("select * from ")) box.value = {json.dumps(FIRST_SQL)};')


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


@hookimpl
def render_cell(value, column, table, datasette):
    """The topics table's feed column as a link to the topic's JSON Feed."""
    if table == "topics" and column == "feed" and isinstance(value, str) and value.startswith(f"{FEEDS_PATH}/"):
        return Markup('<a href="{}">JSON Feed</a>').format(escape(datasette.urls.path(value)))
    return None
