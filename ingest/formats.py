"""The source formats: the one list that reading sources and the tests both use.

A format is a module with `name` (stored in documents.format), `role` (what kind of source it is:
one of ROLES, which decide whose fields win when sources are merged, see ingest/merge.py),
`sniff` and `parse`:

- text formats: `sniff(path, sample) -> bool` on the start of the decoded text, `parse(path, text)
  -> list[Document]`; optionally `markup = True` (a declared charset is honoured) or
  `encoding_fallback` (the codec for bytes that are not UTF-8). They are tried in the order of
  TEXT_FORMATS, so a format is known by its content whatever the file is called; the plain-text
  dump, which accepts any text, comes last.
- binary formats: `sniff(path) -> bool` on the file name, `parse(path, transcribe)`: their bytes
  are never decoded as text (audio is transcribed by the function the build passes in).

A new format is one module, added to one of these lists.
"""
from __future__ import annotations

from . import audio, blog_dump, feed, json_chapters, json_transcript, otter_text, srt, webvtt, wordpress

# page: one published post or archive page; archive: a plain-text copy of many posts; feed: a
# podcast feed's items; transcript: a transcript file; audio: a recording, transcribed; chapters:
# a chapters file, which only adds chapters to the episode that names it.
ROLES = ("page", "archive", "feed", "transcript", "audio", "chapters")
TEXT_FORMATS = [feed, wordpress, webvtt, srt, json_chapters, json_transcript, otter_text, blog_dump]
BINARY_FORMATS = [audio]
FORMATS = TEXT_FORMATS + BINARY_FORMATS
# In a folder, only files with these endings are read (a file named directly is always read).
SOURCE_SUFFIXES = {".txt", ".text", ".md", "", ".html", ".htm", ".xml", ".rss", ".atom", ".vtt", ".srt", ".json",
                   *audio.SUFFIXES}
