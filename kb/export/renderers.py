"""The export's formats: each is one function from the chosen items (an `Export`) to text, named
in RENDERERS. A new format is one function and one line here."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..atomic import same_file
from ..search import Searcher
from .digest import to_html, to_markdown, topic_groups
from .json_feed import to_json, to_jsonfeed
from .selection import Export, ExportError, ExportOptions, export_items, resources_on, topic_mentions

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


def check_output(output: str | Path, db_path: str | Path) -> None:
    """ExportError when -o names the database being exported (a slip of `-o kb.db` for `-o kb.json`)."""
    if same_file(output, db_path):
        raise ExportError(f"-o {output} is the database being exported; name another file")


def write_export(output: str | Path, text: str) -> None:
    """The export written to `output`; ExportError (not a traceback) when it cannot be."""
    try:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise ExportError(f"cannot write {output}: {exc.strerror or exc}") from None
