"""ASGI middleware around Datasette. A kb.db rebuilt while it is served (the build renames a new
file over it) is reopened before the next request, for the table pages and the search alike, so
every page shows the same version. Requests that Datasette 0.65 would answer badly get a clear
4xx instead. kb.db is served read-only, so a POST to one of its canned queries (all read-only) is
a 405 that says to use GET; a canned query's parameter longer than a query may be (kb/query.py)
is a 400 that says the limits, before any search runs or a 100 KB Link header is sent. A table
page asked for a facet that metadata.yml already sets is answered as if it had not asked."""
from __future__ import annotations

import asyncio
import itertools
import os
from urllib.parse import parse_qsl, unquote, urlencode

from datasette import database as datasette_database
from datasette.database import Database
from datasette.utils.asgi import Response

from ..query import check_query
from ..reader import SearchError

READ_ONLY_METHODS = ("GET", "HEAD", "OPTIONS")


def guarded(app, datasette):
    versions = {name: file_version(db.path) for name, db in datasette.databases.items() if db.path}

    async def guard(scope, receive, send):
        reopen_rebuilt(datasette, versions)
        if scope["type"] == "http" and scope["method"] not in READ_ONLY_METHODS and read_only_query(datasette, scope["path"]):
            response = Response.text("This query is read-only: use GET, with its parameters in the URL.\n",
                                     status=405, headers={"Allow": "GET, HEAD"})
            await response.asgi_send(send)
            return
        if scope["type"] == "http":
            cleaned = without_configured_facets(datasette, scope["path"], scope.get("query_string", b"").decode("latin-1"))
            if cleaned is not None:
                scope = dict(scope, query_string=cleaned.encode("latin-1"))
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


def without_configured_facets(datasette, path: str, query_string: str) -> str | None:
    """A table page's query string without the `_facet=`/`_facet_array=` that metadata.yml already
    sets for that table (Datasette 0.65 would show the facet twice, as `topics` and `topics_2`),
    or None when it has none."""
    parts = [unquote(p) for p in path.strip("/").split("/")]
    if len(parts) != 2 or parts[0] not in datasette.databases or not query_string:
        return None
    table = parts[1].removesuffix(".json")
    configured = (datasette.metadata("facets", database=parts[0], table=table) or [])
    keys = {("_facet_array", f["array"]) if isinstance(f, dict) and "array" in f else ("_facet", str(f)) for f in configured}
    pairs = parse_qsl(query_string, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if (k, v) not in keys]
    return urlencode(kept) if len(kept) < len(pairs) else None


def file_version(path: str) -> tuple | None:
    """What changes when a file is replaced or rewritten: its inode, size and modification time."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_ino, found.st_size, found.st_mtime_ns


GENERATIONS = itertools.count(1)


class ReopenedDatabase(Database):
    """A database opened again after its file was replaced. Datasette keeps one connection per
    thread and database name; this one keeps its own per thread under a key of its own, so no
    thread goes on reading the old file through a connection it opened before."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.generation = next(GENERATIONS)

    async def execute_fn(self, fn):
        if self.ds.executor is None:
            return await super().execute_fn(fn)
        key = f"{self.name}\0{self.generation}"

        def in_thread():
            conn = getattr(datasette_database.connections, key, None)
            if not conn:
                conn = self.connect()
                self.ds._prepare_connection(conn, self.name)
                setattr(datasette_database.connections, key, conn)
            return fn(conn)

        return await asyncio.get_event_loop().run_in_executor(self.ds.executor, in_thread)


def reopen_rebuilt(datasette, versions: dict[str, tuple | None]) -> None:
    """Open again, under the same name, each served database whose file has been replaced; the
    old file's connections are closed, so its space is freed."""
    for name, db in list(datasette.databases.items()):
        if not db.path:
            continue
        now = file_version(db.path)
        if name in versions and now is not None and now != versions[name]:
            fresh = ReopenedDatabase(datasette, path=db.path, is_mutable=db.is_mutable)
            datasette.remove_database(name)
            datasette.add_database(fresh, name=name, route=db.route)
            db.close()
        versions[name] = now


def read_only_query(datasette, path: str) -> bool:
    """Whether the path is a canned query of a served database that does not write."""
    parts = [unquote(p) for p in path.strip("/").split("/")]
    if len(parts) != 2 or parts[0] not in datasette.databases:
        return False
    name = parts[1].removesuffix(".json")
    queries = (datasette.metadata("queries", database=parts[0]) or {})
    query = queries.get(name)
    return query is not None and not (isinstance(query, dict) and query.get("write"))
