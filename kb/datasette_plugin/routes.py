"""The plugin's routes: the search page as HTML or JSON, and the redirect from its old address."""
from __future__ import annotations

from datasette import Response

from .pages import SEARCH_PATH, pages, run
from .views import related_context, search_context


async def search_json(datasette, request):
    kb, state, data = await run(datasette, request)
    if state is not None:
        data = {**data, **pages(datasette, state, data, "json")}
    return Response.json(data)


async def search_page(datasette, request):
    kb, state, data = await run(datasette, request)
    if state is None:
        context = await related_context(datasette, data)
    else:
        context = await search_context(datasette, kb, state, data)
    context["site_title"] = datasette.metadata("title") or "Datasette"
    return Response.html(await datasette.render_template("kb_search.html", context, request=request,
                                                         view_name="kb_search"))


async def redirect_to_search(request):
    """/-/search, the page's old address, goes on working."""
    query = request.query_string
    return Response.redirect(SEARCH_PATH + (f"?{query}" if query else ""))
