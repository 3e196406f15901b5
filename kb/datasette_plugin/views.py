"""What the search page shows: results with highlighted snippets and links, facets with toggles,
the chosen filters, and the related-passages view, as template context."""
from __future__ import annotations

from markupsafe import Markup, escape

from ingest.urls import is_web_url

from ..query import query_stems
from ..search import Searcher
from ..snippets import snippet_parts
from .pages import (FACET_TITLES, SEARCH_PATH, PageState, kb_database, page_url, pages, related_url, search_feed_url,
                    topic_feed_url)

def highlighted(text: str, stems: set[str]) -> Markup:
    """The snippet of text with the query's words in <mark>, everything else escaped."""
    return Markup(" ").join(Markup("<mark>{}</mark>").format(word) if hit else escape(word)
                            for word, hit in snippet_parts(text, stems))


def safe_link(url: str | None) -> str | None:
    """Only web links become hrefs: a source could hold a javascript: URL."""
    return url if is_web_url(url) else None


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


async def search_context(datasette, kb: Searcher, state: PageState, data: dict) -> dict:
    stems = query_stems(data.get("corrected") or state.q)
    results = [result_view(datasette, state, r, stems) for r in data["results"]]
    selected = [{"facet": FACET_TITLES[f], "label": kb.facets.labels.get(v, v) if f == "document" else v,
                 "remove_url": page_url(datasette, state.removing(f, v))} for f, v in state.filters]
    topics = []
    if not state.q:
        db = await kb_database(datasette)
        rows = await db.execute("select id, name, chunk_count from topics where chunk_count > 0 "
                                "order by chunk_count desc, name")
        topics = [{"name": r["name"], "count": r["chunk_count"], "url": page_url(datasette, PageState(r["name"])),
                   "feed_url": topic_feed_url(datasette, r["id"])} for r in rows]
    return {
        "q": state.q, "corrected": data.get("corrected"), "filters": state.filters, "results": results,
        "total": data["total"],
        "first": data["offset"] + 1, "last": data["offset"] + len(results),
        "facets": facet_views(datasette, state, data["facets"]), "selected": selected,
        "clear_url": page_url(datasette, PageState(state.q)), "topics": topics,
        "search_url": datasette.urls.path(SEARCH_PATH), "json_url": page_url(datasette, state, "json"),
        "feed_url": search_feed_url(datasette, state) if state.q else None,
        **pages(datasette, state, data["total"]),
    }


def related_context(datasette, data: dict) -> dict:
    stems = set(data["keywords"])
    source = data["related_to"]
    return {
        "q": "", "filters": (), "search_url": datasette.urls.path(SEARCH_PATH),
        "related_to": result_view(datasette, None, source, stems),
        "results": [result_view(datasette, None, r, stems) for r in data["results"]],
        "json_url": related_url(datasette, source["chunk_id"], "json"),
    }
