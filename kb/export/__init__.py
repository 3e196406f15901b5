"""Newsletter export (`kb export`): selection.py chooses the items, renderers.py names the formats
(json_feed.py: JSON Feed and plain JSON; digest.py: Markdown and HTML digests with a chart)."""
