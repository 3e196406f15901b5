"""Newsletter export (`kb export`): selection.py chooses the items, renderers.py names the formats
(json_feed.py: JSON Feed and plain JSON; digest.py: Markdown and HTML digests with a chart)."""

# The format names, for `kb export --format` (kept here so the CLI starts without importing the
# renderers; tests/test_layout.py checks they are RENDERERS' names).
FORMATS = ("jsonfeed", "json", "markdown", "html")
