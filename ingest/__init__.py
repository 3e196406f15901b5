"""Read sources into Documents. One module per format, one entry point: `load_sources`.

A format module has `name`, `sniff(path, text) -> bool` and `parse(path, text) -> list[Document]`,
and may set `markup = True` (its declared charset is honoured) or `encoding_fallback` (the codec to
read bytes that are not UTF-8 with). `FORMATS` is tried in order; the first module whose `sniff`
accepts the start of the text parses it, so the formats are detected by content, whatever the
file is called, and the plain-text dump, which accepts any text, comes last.
"""
from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable, Iterator

from . import audio
from .encoding import check_binary, decode, sniff_text
from .fetch import MAX_BYTES, fetch_url, is_url, too_large
from .model import Document, IngestError, IngestWarning, Resource, Segment, TranscriptParseError
from .transcript import name_of

__all__ = ["Document", "IngestError", "Resource", "Segment", "TranscriptParseError", "load_sources"]



def text_formats() -> list:
    """The text format modules in the order they are tried. Imported on first use: the HTML and
    feed parsers load slowly, and `kb search` (which needs only `ingest.model`) never uses them."""
    from . import blog_dump, feed, json_transcript, otter_text, srt, webvtt, wordpress
    return [feed, wordpress, webvtt, srt, json_transcript, otter_text, blog_dump]


def __getattr__(name: str):
    if name == "FORMATS":
        return text_formats()
    raise AttributeError(f"module 'ingest' has no attribute {name!r}")

# In a folder, only files with these endings are read (a file named directly is always read).
SOURCE_SUFFIXES = {".txt", ".text", ".md", "", ".html", ".htm", ".xml", ".rss", ".atom", ".vtt", ".srt", ".json",
                   *audio.SUFFIXES}
# Binary formats are known by their file name and parse the file from its path (`parse(path, None)`):
# their bytes are not text, and an episode's audio may be larger than MAX_BYTES.
BINARY_FORMATS = [audio]


def iter_source_files(sources: Iterable[str | os.PathLike]) -> Iterator[Path]:
    """Files named directly, and the source files under folders (sorted, hidden ones skipped)."""
    for source in sources:
        path = Path(source)
        if not path.exists():
            raise IngestError("no such file or folder", str(path))
        if path.is_dir():
            files = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SOURCE_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not files:
                endings = ", ".join(sorted(s or "no ending" for s in SOURCE_SUFFIXES))
                raise IngestError(f"folder holds no source files ({endings})", str(path))
            yield from files
        else:
            yield path


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or an IngestError when it cannot be read or is too large to be a source."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise IngestError(f"file is {too_large(size, MAX_BYTES)}", str(path))
        return path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read the file: {exc.strerror}", str(path)) from None


def check_text(data: bytes, name: str) -> None:
    if not data.strip():
        raise IngestError("file is empty", name)
    check_binary(data, name)


def detect(name: str, data: bytes):
    """The format module whose `sniff` accepts the start of the text."""
    sample = sniff_text(data)
    return next(fmt for fmt in text_formats() if fmt.sniff(name, sample))


def parse_file(path: Path) -> list[Document]:
    """Detect the format of one file and parse it."""
    for fmt in BINARY_FORMATS:
        if fmt.sniff(str(path), None):
            documents = fmt.parse(str(path), None)
            for doc in documents:
                doc.format = fmt.name
            return documents
    return parse_bytes(str(path), read_bytes(path))


def parse_bytes(name: str, data: bytes, content_type: str | None = None) -> list[Document]:
    """Detect the format of a source's bytes (a file's, or a URL's with its Content-Type) and parse them."""
    check_text(data, name)
    fmt = detect(name, data)
    text = decode(data, name, markup=getattr(fmt, "markup", False),
                  fallback=getattr(fmt, "encoding_fallback", None), content_type=content_type)
    if not text.strip():
        raise IngestError("file is empty", name)
    try:
        documents = fmt.parse(name, text)
    except RecursionError:
        raise IngestError("too deeply nested to read", name) from None
    for doc in documents:
        doc.format = fmt.name
        if fmt.name == "blog-dump" and doc.kind == "episode":
            doc.listen_url = doc.listen_url or doc.url  # the dump's episode URL is its "Listen at" link
    return documents


def load_sources(
    sources: Iterable[str | os.PathLike],
    on_file: Callable[[Path], None] | None = None,
) -> list[Document]:
    """Parse every source (file, folder or http(s) URL), merge what describes the same episode or
    post, and make ids unique by a numeric suffix. A feed read from a URL also brings each item's
    <podcast:transcript>, fetched, unless a transcript of that name is among the sources."""
    documents: list[Document] = []
    from_urls: list[Document] = []
    for source in sources:
        if is_url(source):
            if on_file:
                on_file(source)
            data, content_type = fetch_url(str(source))
            for doc in parse_bytes(str(source), data, content_type):
                doc.source = str(source)
                documents.append(doc)
                from_urls.append(doc)
            continue
        for path in iter_source_files([source]):
            if on_file:
                on_file(path)
            for doc in parse_file(path):
                doc.source = source_name(path, Path(source))
                doc.local_file = str(path.resolve())
                documents.append(doc)
    given = {name_of(d.source).lower() for d in documents}
    wanted = [url for doc in from_urls if (url := preferred_transcript(doc.transcript_urls))
              and name_of(url).lower() not in given]
    documents += fetched_transcripts(list(dict.fromkeys(wanted)), on_file)
    from .merge import merge_documents

    return unique_ids(merge_documents(documents))


TRANSCRIPT_PREFERENCE = (".vtt", ".json", ".srt", ".txt")  # timed turns with speakers first


def preferred_transcript(urls: list[str]) -> str | None:
    """The one of an item's transcript links to fetch: an http(s) one, in a format read here."""
    ranked = [(TRANSCRIPT_PREFERENCE.index(suffix), n, url) for n, url in enumerate(urls)
              if is_url(url) and (suffix := PurePosixPath(name_of(url).lower()).suffix) in TRANSCRIPT_PREFERENCE]
    return min(ranked)[2] if ranked else None


def fetched_transcripts(urls: list[str], on_file: Callable[[Path], None] | None) -> list[Document]:
    """The transcripts at these URLs, fetched a few at a time; one that cannot be fetched or read
    is skipped with a warning (the feed's episode is still built, without its turns)."""
    def fetch(url: str) -> tuple[str, bytes, str | None] | IngestError:
        try:
            return (url, *fetch_url(url))
        except IngestError as exc:
            return exc
    documents: list[Document] = []
    with ThreadPoolExecutor(max_workers=8) as pool:
        for url, got in zip(urls, pool.map(fetch, urls)):
            if on_file:
                on_file(url)
            try:
                if isinstance(got, IngestError):
                    raise got
                parsed = parse_bytes(*got)
            except IngestError as exc:
                warnings.warn(IngestWarning(f"{url}: transcript skipped: {exc.message}"))
                continue
            for doc in parsed:
                doc.source = url
                documents.append(doc)
    return documents


def source_name(path: Path, source: Path) -> str:
    """The path as stored in kb.db: from the folder given (or the file's name), wherever the build ran."""
    base = source.parent if source.is_dir() else path.parent
    return path.resolve().relative_to(base.resolve()).as_posix()


def unique_ids(documents: list[Document]) -> list[Document]:
    seen: dict[str, int] = {}
    for doc in documents:
        count = seen.get(doc.id, 0) + 1
        seen[doc.id] = count
        if count > 1:
            doc.id = f"{doc.id}-{count}"
    return documents
