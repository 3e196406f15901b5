"""JSON Feed 1.1 feeds of passages, to subscribe to in a feed reader:

- /-/feeds/topic/SLUG.json   the passages tagged with a topic (SLUG is its id: business-voice)
- /-/feeds/search.json?q=... a saved search, with the search page's filters (topic, kind,
                             document, speaker, year, chapter; each may be repeated)

Newest episode first (then, in a topic feed, in the order they were said; in a search feed, best
first), FEED_SIZE items a page (`page=N`; `next_url` names the next). Each item is one passage:
its episode, speaker, time link and snippet, with the rest in a `_need_to_know` object. The
feed's `home_page_url` is the search page for the same thing. Read-only (GET and HEAD), for an
actor who may see the chunks table, as the search page is."""
from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import parse_qsl, urlencode

import numpy as np
from datasette import Response
from datasette.utils.asgi import BadRequest, NotFound
from markupsafe import escape

from ingest.urls import is_web_url

from ..export.json_feed import rfc3339
from ..query import Query, query_stems
from ..search import Searcher, knowledge_base
from ..snippets import result
from .pages import PageState, ensure_chunks_readable, execute_search, kb_database, page_state, page_url, related_url, whole_number
from .views import highlighted

FEED_SIZE = 50
JSON_FEED = "https://jsonfeed.org/version/1.1"
READ_METHODS = ("GET", "HEAD")


async def topic_feed(datasette, request):
    def passages(kb: Searcher, page: int) -> dict:
        slug = request.url_vars["slug"]
        topic = next((t for t in kb.taxonomy if t.id == slug), None)
        if topic is None:
            raise NotFound(f"No topic {slug!r}; the topics are listed at /kb/topics (their id is the feed's name)")
        ids = kb.facets.chunks_with_topic(topic.name).astype(np.int64)
        ranked = ids[np.lexsort((ids, kb.reader.document_rank()[ids]))]
        return {"title": f"Need to Know: {topic.name}", "home": PageState(topic.name),
                "description": f"Passages on {topic.name} from the Need to Know podcast and write-ups, newest "
                               "episode first.", "ids": ranked, "stems": query_stems(topic.name),
                "about": {"topic": topic.name}}
    return await feed_response(datasette, request, passages)


async def search_feed(datasette, request):
    time_limit = datasette.setting("sql_time_limit_ms")

    def passages(kb: Searcher, page: int) -> dict:
        state = replace(page_state(request, kb), page=1)
        if not state.q:
            raise BadRequest("q is required: the words to search for, as on the search page (/-/kb-search)")
        found = kb.ranked(Query(state.q, FEED_SIZE, 0, state.search_filters(), time_limit))
        text = found.analysis.corrected or state.q
        scores = found.listed(state.weaker)  # the matches, as the search page lists them
        ids = np.flatnonzero(scores > 0)
        ranked = ids[np.lexsort((ids, -scores[ids], kb.reader.document_rank()[ids]))]
        filters = ", ".join(f"{f}: {v}" for f, v in state.filters)
        return {"title": f"Need to Know: “{state.q}”" + (f" ({filters})" if filters else ""), "home": state,
                "description": f"Passages matching “{state.q}” from the Need to Know podcast and write-ups, newest "
                               "episode first.", "ids": ranked, "stems": query_stems(found.analysis.text),
                "scores": scores, "about": {"query": state.q, **({"corrected": text} if text != state.q else {}),
                                            "filters": [{"facet": f, "value": v} for f, v in state.filters]}}
    return await feed_response(datasette, request, passages)


async def feed_response(datasette, request, passages) -> Response:
    """The feed `passages(kb, page)` describes, for a reader allowed to see the chunks table."""
    if request.method not in READ_METHODS:
        return Response.text("Feeds are read-only: use GET.\n", status=405, headers={"Allow": "GET, HEAD"})
    db = await kb_database(datasette)
    await ensure_chunks_readable(datasette, request.actor, db)
    page = whole_number(request.args.get("page"), "page", 1)

    def inner(conn):
        kb = knowledge_base(db.path)
        found = passages(kb, page)
        shown = found["ids"][(page - 1) * FEED_SIZE: page * FEED_SIZE].tolist()
        rows = kb.reader.rows(shown)
        return found, [rows[i] for i in shown if i in rows]

    found, rows = await execute_search(db, inner)
    return feed_json(datasette, request, found, rows, page)


def feed_json(datasette, request, found: dict, rows: list, page: int) -> Response:
    here = datasette.absolute_url(request, request.path)
    params = [(k, v) for k, v in parse_qsl(request.query_string, keep_blank_values=True) if k != "page"]
    feed = {
        "version": JSON_FEED, "title": found["title"],
        "home_page_url": datasette.absolute_url(request, page_url(datasette, found["home"])),
        "feed_url": here + (f"?{urlencode(params)}" if params else ""),
        "description": found["description"], "language": "en",
        "items": [feed_item(datasette, request, row, found) for row in rows],
    }
    if page * FEED_SIZE < len(found["ids"]):
        feed["next_url"] = here + "?" + urlencode(params + [("page", str(page + 1))])
    feed["_need_to_know"] = {**found["about"], "total": int(len(found["ids"])), "page": page}
    return Response(json.dumps(feed, ensure_ascii=False, indent=2), content_type="application/feed+json; charset=utf-8")


def feed_item(datasette, request, row, found: dict) -> dict:
    """One passage: where it was said, its snippet with the feed's words marked, its topics."""
    scores = found.get("scores")
    r = result(row, float(scores[row["id"]]) if scores is not None else 0.0, found["stems"])
    when = r["time"] and ("~" if r["start_estimated"] else "") + r["time"]
    link = next((u for u in (r["url"], row["document_url"]) if is_web_url(u)),
                datasette.absolute_url(request, related_url(datasette, r["chunk_id"])))
    where = " · ".join(str(p) for p in (r["title"], r["speaker"], when) if p)
    body = highlighted(row["text"], found["stems"])
    item = {
        "id": f"{r['document_id']}/{row['ordinal']}", "url": link, "title": where,
        "content_html": f'<p>{body}</p>\n<p><a href="{escape(link)}">{escape(when or r["title"])}</a>'
                        + (f" · {escape(r['chapter'])}" if r["chapter"] else "") + "</p>",
        "content_text": r["snippet"], "tags": r["topics"],
    }
    if row["published"]:
        item["date_published"] = rfc3339(row["published"])
    if is_web_url(row["audio_url"]) and row["audio_type"]:
        item["attachments"] = [{"url": row["audio_url"], "mime_type": row["audio_type"]}]
    item["_need_to_know"] = {key: r[key] for key in ("chunk_id", "document_id", "episode", "kind", "speaker", "start",
                                                     "time", "start_estimated", "chapter", "score")}
    return item
