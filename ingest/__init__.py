"""Reading sources into Documents (ingest/model.py), one module per job:

- sources.py: files, folders and URLs in, merged Documents out (`load_sources`)
- formats.py: the list of formats; one module each (feed, wordpress, webvtt, srt, json_chapters,
  json_transcript, otter_text, blog_dump, audio), with show_notes.py, html_text.py, transcript.py,
  otter.py and chapters.py (timestamp lines, Podlove chapters, chapters files' episodes) for what
  several of them share
- merge.py: one document per episode or post, each field from the source that knows it best
- encoding.py, fetch.py, urls.py: bytes to text, URLs to bytes, which links count

Nothing here imports the index (kb/): reading sources stands alone.
"""
