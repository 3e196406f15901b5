"""ASGI middleware around Datasette: requests that Datasette 0.65 would answer badly get a clear
4xx instead. kb.db is served read-only, so a POST to one of its canned queries (all read-only) is
a 405 that says to use GET; a canned query's parameter longer than a query may be (kb/query.py)
is a 400 that says the limits, before any search runs or a 100 KB Link header is sent."""
from __future__ import annotations

from urllib.parse import parse_qsl, unquote

from datasette.utils.asgi import Response

from ..query import check_query
from ..reader import SearchError

READ_ONLY_METHODS = ("GET", "HEAD", "OPTIONS")


def guarded(app, datasette):
    async def guard(scope, receive, send):
        if scope["type"] == "http" and scope["method"] not in READ_ONLY_METHODS and read_only_query(datasette, scope["path"]):
            response = Response.text("This query is read-only: use GET, with its parameters in the URL.\n",
                                     status=405, headers={"Allow": "GET, HEAD"})
            await response.asgi_send(send)
            return
        if scope["type"] == "http" and read_only_query(datasette, scope["path"]):
            problem = parameter_problem(scope.get("query_string", b"").decode("latin-1"))
            if problem:
                await Response.text(problem + "\n", status=400).asgi_send(send)
                return
        await app(scope, receive, send)
    return guard


def parameter_problem(query_string: str) -> str | None:
    """Why a canned query's parameters ask too much, or None."""
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        try:
            check_query(value)
        except SearchError as exc:
            return f"Parameter {name!r}: {exc}"
    return None


def read_only_query(datasette, path: str) -> bool:
    """Whether the path is a canned query of a served database that does not write."""
    parts = [unquote(p) for p in path.strip("/").split("/")]
    if len(parts) != 2 or parts[0] not in datasette.databases:
        return False
    name = parts[1].removesuffix(".json")
    queries = (datasette.metadata("queries", database=parts[0]) or {})
    query = queries.get(name)
    return query is not None and not (isinstance(query, dict) and query.get("write"))
