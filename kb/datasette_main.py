"""What `kb serve` hands over to: Datasette's own command line, with its pint unit registry made
when first used instead of when Datasette is imported.

Datasette 0.65 builds `pint.UnitRegistry()` at import (datasette/views/base.py), parsing pint's
whole definitions file: about 0.6 s of a 1.2 s import on 2 cores, before the first page can be
served. Only columns given `units` in the metadata (and `custom_units`) ever use it, and kb's
metadata gives none; where one does, the registry is built then, with the same result. And
asgi-csrf's secrets are drawn with one read of the system's randomness (see csrf_secret).

    python -m kb.datasette_main serve -i kb.db -m metadata.yml
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import secrets
import sys
import types

PINT = "datasette.vendored.pint"


def real_pint() -> types.ModuleType:
    """The vendored pint, imported now if the stand-in is still in its place."""
    import datasette.vendored as vendored

    module = sys.modules.get(PINT)
    if isinstance(module, PintStandIn):
        spec = importlib.machinery.PathFinder.find_spec(PINT, vendored.__path__)
        module = importlib.util.module_from_spec(spec)
        sys.modules[PINT] = vendored.pint = module
        spec.loader.exec_module(module)
    return module


class LazyUnitRegistry:
    """Stands for `pint.UnitRegistry(...)`: made on the first call or attribute read."""

    def __init__(self, *args, **kwargs):
        self._arguments, self._registry = (args, kwargs), None

    def _real(self):
        if self._registry is None:
            args, kwargs = self._arguments
            self._registry = real_pint().UnitRegistry(*args, **kwargs)
        return self._registry

    def __call__(self, *args, **kwargs):
        return self._real()(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._real(), name)


class PintStandIn(types.ModuleType):
    """In `datasette.vendored.pint`'s place until something needs more than `UnitRegistry`."""

    UnitRegistry = LazyUnitRegistry

    def __getattr__(self, name: str):
        return getattr(real_pint(), name)


def csrf_secret(length: int) -> str:
    """As random as asgi-csrf's own secrets, from one read of the system's randomness: its own
    reads it once a character, 16 times for each request that has no CSRF cookie yet (every
    request of a client that keeps no cookies: 0.9 ms of each search here)."""
    return secrets.token_urlsafe(length)[:length]


def serve_datasette(arguments: list[str] | None = None, metadata: dict | None = None) -> None:
    """Datasette's command line with these arguments (else the process's); exits when it is done.
    `metadata`: the `-m` file as kb read it (renamed for the database), which Datasette then uses
    instead of parsing the file again (its YAML loader took 50 ms of the start)."""
    import asgi_csrf
    import datasette.vendored as vendored

    if PINT not in sys.modules:
        sys.modules[PINT] = vendored.pint = PintStandIn(PINT)
    asgi_csrf.make_secret = csrf_secret
    import datasette.cli  # after the stand-in: it imports datasette.app, which imports pint

    if metadata is not None:
        datasette.cli.parse_metadata = lambda content: metadata
    cli = datasette.cli.cli

    cli.main(args=arguments, prog_name="datasette")


if __name__ == "__main__":
    serve_datasette()
