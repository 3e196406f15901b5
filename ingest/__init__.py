"""Read sources into Documents. One module per format, one entry point: `load_sources`.

A format module has `name`, `sniff(path, text) -> bool` and `parse(path, text) -> list[Document]`.
`FORMATS` is tried in order; the first module whose `sniff` accepts the text parses it, so more
specific formats (HTML, RSS, VTT, SRT, JSON transcripts, audio) go before the plain-text dump.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import blog_dump
from .model import Document, IngestError, Resource, Segment, TranscriptParseError

__all__ = ["Document", "IngestError", "Resource", "Segment", "TranscriptParseError", "load_sources"]

FORMATS = [blog_dump]
# In a folder, only files with these endings are read (a file named directly is always read).
SOURCE_SUFFIXES = {".txt", ".text", ".md", ""}


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


def read_text(path: Path) -> str:
    """The file's text as UTF-8, or an IngestError that says what is wrong with it."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read the file: {exc.strerror}", str(path)) from None
    if not data.strip():
        raise IngestError("file is empty", str(path))
    if b"\x00" in data[:65536]:
        raise IngestError("binary file, not text (it contains NUL bytes)", str(path))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise IngestError("not valid UTF-8 text; save the file as UTF-8", str(path), line) from None
    return text.removeprefix("\ufeff")


def parse_file(path: Path) -> list[Document]:
    """Detect the format of one file and parse it."""
    text = read_text(path)
    for fmt in FORMATS:
        if fmt.sniff(str(path), text):
            return fmt.parse(str(path), text)
    raise IngestError("unrecognised format", str(path))


def load_sources(
    sources: Iterable[str | os.PathLike],
    on_file: Callable[[Path], None] | None = None,
) -> list[Document]:
    """Parse every source file; ids are made unique across files by a numeric suffix."""
    documents: list[Document] = []
    for source in sources:
        for path in iter_source_files([source]):
            if on_file:
                on_file(path)
            for doc in parse_file(path):
                doc.source = source_name(path, Path(source))
                documents.append(doc)
    return unique_ids(documents)


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
