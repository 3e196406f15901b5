"""What the search page shows: results with highlighted snippets and links, facets with toggles,
the chosen filters, and the related-passages view, as template context."""
from __future__ import annotations

from markupsafe import Markup, escape

from ingest.urls import is_web_url

from ..query import phrase_stems, query_stems
from ..search import Searcher
from ..snippets import snippet_parts
from .audio import audio_page_url, local_audio_path
from .pages import (FACET_TITLES, SEARCH_PATH, PageState, kb_database, page_url, pages, related_url, search_feed_url,
                    topic_feed_url)

FACET_SHOWN = 5  # values a facet shows; the rest are behind "more"

def highlighted(text: str, stems: set[str], phrases: list[tuple[str, ...]] = ()) -> Markup:
    """The snippet of text with the query's words in <mark>, everything else escaped."""
    return Markup(" ").join(Markup("<mark>{}</mark>").format(word) if hit else escape(word)
                            for word, hit in snippet_parts(text, stems, phrases=phrases))


def safe_link(url: str | None) -> str | None:
    """Only web links become hrefs: a source could hold a javascript: URL."""
    return url if is_web_url(url) else None


def result_view(datasette, db_name: str, state: PageState | None, found: dict, stems: set[str],
                phrases: list[tuple[str, ...]] = ()) -> dict:
    """A result as the page shows it: its snippet, where it was said, and links to hear or read it."""
    chosen = set(state.filters) if state else set()
    return {
        **found, **where_view(datasette, found), "title_link": title_link(datasette, db_name, found),
        "snippet_html": highlighted(found["text"], stems, phrases),
        "related_url": related_url(datasette, found["chunk_id"]),
        "topic_links": [(topic, None if ("topic", topic) in chosen or state is None
                         else page_url(datasette, state.adding("topic", topic)))
                        for topic in found["topics"]],
    }


def where_view(datasette, found: dict) -> dict:
    """The time and what its link leads to: the episode's audio at that second (with a play
    control), or, where only the episode's page is known, a link that says "episode page"."""
    time = found["time"] and ("~" if found["start_estimated"] else "") + found["time"]
    audio = audio_source(datasette, found) if found["start"] is not None else None
    page = safe_link(found.get("document_url")) or safe_link(found["url"])
    return {"when": time, "audio_src": audio, "play_start": int(found["start"]) if audio else None,
            "time_link": f"{audio}#t={int(found['start'])}" if audio else None,
            "page_link": None if audio else page}


def audio_source(datasette, found: dict) -> str | None:
    """Where the page's player finds the episode's audio: its web URL, or this server's copy of a
    local file."""
    url = found.get("audio_url")
    if safe_link(url):
        return url
    return audio_page_url(datasette, found["document_id"]) if local_audio_path(url) else None


def title_link(datasette, db_name: str, found: dict) -> str:
    """The document's own page, or else its row in Datasette."""
    return safe_link(found.get("document_url")) or datasette.urls.row(db_name, "documents", found["document_id"])


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


def fact_views(datasette, database: str, facts: list[dict]) -> list[dict]:
    """The facts block: 'about 20%', the subject, and a link to the passage (its deep link where
    it is a web page, else the passage's row in Datasette)."""
    return [{**f, "link": safe_link(f["url"]) or (datasette.urls.row(database, "chunks", str(f["chunk_id"]))
                                                  if f["chunk_id"] else None)}
            for f in facts]


async def search_context(datasette, kb: Searcher, state: PageState, data: dict) -> dict:
    asked = (data.get("speaker") or {}).get("asked") or data.get("corrected") or state.q
    stems, phrases = query_stems(asked), phrase_stems(asked)
    db = await kb_database(datasette)
    results = [result_view(datasette, db.name, state, r, stems, phrases) for r in data["results"]]
    selected = [{"facet": FACET_TITLES[f], "label": kb.facets.labels.get(v, v) if f == "document" else v,
                 "remove_url": page_url(datasette, state.removing(f, v))} for f, v in state.filters]
    topics = []
    db = await kb_database(datasette)
    if not state.q:
        rows = await db.execute("select id, name, chunk_count from topics where chunk_count > 0 "
                                "order by chunk_count desc, name")
        topics = [{"name": r["name"], "count": r["chunk_count"], "url": page_url(datasette, PageState(r["name"])),
                   "feed_url": topic_feed_url(datasette, r["id"])} for r in rows]
    return {
        "q": state.q, "corrected": data.get("corrected"), "filters": state.filters, "results": results,
        "facts": fact_views(datasette, db.name, data.get("facts", [])),
        "total": data["total"], "weaker": data.get("weaker", 0), "weaker_listed": state.weaker,
        "speaker": data.get("speaker"), "facet_shown": FACET_SHOWN,
        "estimated": any(r["start_estimated"] and r["when"] for r in results),
        "first": data["offset"] + 1, "last": data["offset"] + len(results),
        "facets": facet_views(datasette, state, data["facets"]), "selected": selected,
        "clear_url": page_url(datasette, PageState(state.q)), "topics": topics,
        "search_url": datasette.urls.path(SEARCH_PATH), "json_url": page_url(datasette, state, "json"),
        "feed_url": search_feed_url(datasette, state) if state.q else None,
        **pages(datasette, state, data),
    }


async def related_context(datasette, data: dict) -> dict:
    stems = set(data["keywords"])
    source = data["related_to"]
    db = await kb_database(datasette)
    return {
        "q": "", "filters": (), "search_url": datasette.urls.path(SEARCH_PATH),
        "related_to": result_view(datasette, db.name, None, source, stems),
        "results": [result_view(datasette, db.name, None, r, stems) for r in data["results"]],
        "json_url": related_url(datasette, source["chunk_id"], "json"),
    }
