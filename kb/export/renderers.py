"""The export's formats: each is one function from the chosen items (an `Export`) to text, named
in RENDERERS. A new format is one function and one line here."""
from __future__ import annotations

from typing import Callable

from ..search import Searcher
from .digest import to_html, to_markdown, topic_groups
from .json_feed import to_json, to_jsonfeed
from .selection import Export, ExportOptions, export_items, resources_on, topic_mentions

RENDERERS: dict[str, Callable[[Export], str]] = {
    "jsonfeed": to_jsonfeed,
    "json": to_json,
    "markdown": to_markdown,
    "html": to_html,
}


def render_export(kb: Searcher, options: ExportOptions, fmt: str) -> tuple[str, int]:
    """The export in one format, and how many items it holds."""
    items = export_items(kb, options)
    chart = topic_mentions(kb.reader, items, tuple(options.filters.get("topics") or ()))
    groups = [t for t, _ in topic_groups(items, options) if t != "Other"]
    resources = {t: resources_on(t, items, kb) for t in groups}
    return RENDERERS[fmt](Export(items, options, chart, resources)) + "\n", len(items)
