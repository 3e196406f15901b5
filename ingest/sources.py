"""Sources -> Documents: files, folders and http(s) URLs, each read with the format its content
shows (ingest/formats.py), then merged into one document per episode or post (ingest/merge.py)."""
from __future__ import annotations

import os
import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .audio import Transcribe
from .chapters import chapters_to_fetch, without_orphan_chapters
from .encoding import check_binary, decode, sniff_text
from .errors import IngestError, IngestWarning
from .fetch import MAX_BYTES, fetch_url, too_large
from .formats import BINARY_FORMATS, SOURCE_SUFFIXES, TEXT_FORMATS
from .merge import merge_documents
from .model import Document
from .transcript import TRANSCRIPT_PREFERENCE, transcript_rank
from .urls import is_web_url, name_of

OTHER_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)  # file://, ftp://: not fetched, and not a path either
OnFile = Callable[[str | Path], None]
OnSkip = Callable[[IngestError], None]


def iter_source_files(sources: Iterable[str | os.PathLike]) -> Iterator[Path]:
    """Files named directly, and the source files under folders (sorted, hidden ones skipped).
    Only regular files are read: a FIFO or a device (/dev/zero) would never end."""
    for source in sources:
        if OTHER_URL.match(str(source)):
            raise IngestError("only http:// and https:// URLs are fetched; name a local file by its path", str(source))
        path = Path(source)
        if not path.exists():
            raise IngestError("no such file or folder", str(path))
        if path.is_dir():
            files = sorted(folder_files(path))
            if not files:
                endings = ", ".join(sorted(s or "no ending" for s in SOURCE_SUFFIXES))
                raise IngestError(f"folder holds no source files ({endings})", str(path))
            yield from files
        elif not path.is_file():
            raise IngestError("not a regular file (a FIFO, a device or a socket); name a file or a folder", str(path))
        else:
            yield path


def folder_files(folder: Path) -> Iterator[Path]:
    """The source files under a folder; a sub-folder that cannot be read is named in a warning."""
    def unreadable(error: OSError) -> None:
        warnings.warn(IngestWarning(f"{error.filename}: cannot read the folder ({error.strerror}); "
                                    "the files in it were not read"))
    for root, folders, names in os.walk(folder, onerror=unreadable):
        folders[:] = [f for f in folders if not f.startswith(".")]
        for name in names:
            path = Path(root) / name
            if not name.startswith(".") and path.suffix.lower() in SOURCE_SUFFIXES and path.is_file():
                yield path


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or an IngestError when it cannot be read or is too large to be a source.
    At most MAX_BYTES are read, whatever the file system says of its size."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise IngestError(f"file is {too_large(size, MAX_BYTES)}", str(path))
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise IngestError(f"cannot read the file: {exc.strerror}", str(path)) from None
    if len(data) > MAX_BYTES:
        raise IngestError(f"file is {too_large(None, MAX_BYTES)}", str(path))
    return data


def detect(name: str, data: bytes):
    """The text format whose `sniff` accepts the start of the text."""
    sample = sniff_text(data)
    return next(fmt for fmt in TEXT_FORMATS if fmt.sniff(name, sample))


def parse_file(path: Path, transcribe: Transcribe | None = None) -> list[Document]:
    """Detect the format of one file and parse it."""
    for fmt in BINARY_FORMATS:
        if fmt.sniff(str(path)):
            return labelled(fmt, fmt.parse(str(path), transcribe))
    return parse_bytes(str(path), read_bytes(path))


def parse_bytes(name: str, data: bytes, content_type: str | None = None) -> list[Document]:
    """Detect the format of a source's bytes (a file's, or a URL's with its Content-Type) and parse them."""
    if not data.strip():
        raise IngestError("file is empty", name)
    check_binary(data, name)
    fmt = detect(name, data)
    text = decode(data, name, markup=getattr(fmt, "markup", False),
                  fallback=getattr(fmt, "encoding_fallback", None), content_type=content_type)
    if not text.strip():
        raise IngestError("file is empty", name)
    try:
        return labelled(fmt, fmt.parse(name, text))
    except RecursionError:
        raise IngestError("too deeply nested to read", name) from None


def labelled(fmt, documents: list[Document]) -> list[Document]:
    for doc in documents:
        doc.format, doc.role = fmt.name, fmt.role
    return documents


def load_sources(sources: Iterable[str | os.PathLike], on_file: OnFile | None = None,
                 transcribe: Transcribe | None = None, strict: bool = False,
                 on_skip: OnSkip | None = None) -> list[Document]:
    """Parse every source (file, folder or http(s) URL), merge what describes the same episode or
    post, and make ids unique by a numeric suffix. A feed read from a URL also brings each item's
    <podcast:transcript>, fetched, unless a transcript of that name is among the sources.
    `transcribe` makes the transcript of an audio file (see ingest/audio.py).

    A file or URL that cannot be read is skipped with a warning naming it (and `on_skip` is told),
    so one bad file does not lose a folder; with `strict`, its error stops the load instead. When
    nothing at all could be read, the first error is raised."""
    say = on_file or (lambda source: None)
    documents: list[Document] = []
    from_urls: list[Document] = []
    failed: list[IngestError] = []
    seen: set[str] = set()  # resolved paths and URLs read: a file named twice is read once
    for source in sources:
        if is_web_url(str(source)):
            if once(str(source), seen, str(source)):
                continue
            say(source)
            found = read_or_fail(lambda: parse_bytes(str(source), *fetch_url(str(source))), str(source), strict, failed)
            from_urls += found
            documents += with_source(found, str(source))
            continue
        paths = list(iter_source_files([source]))
        fresh = [path for path in paths if str(path.resolve()) not in seen]
        seen.update(str(path.resolve()) for path in fresh)
        if len(fresh) < len(paths):
            warn_read_twice(str(source), len(paths) - len(fresh))
        for path in fresh:
            say(path)
            found = read_or_fail(lambda: parse_file(path, transcribe), str(path), strict, failed)
            documents += with_source(found, source_name(path, Path(source)), path)
    if failed and not documents:
        raise failed[0]
    for error in failed:
        warnings.warn(IngestWarning(f"{error}; the file was skipped, the other sources were read"))
        if on_skip:
            on_skip(error)
    given = {name_of(d.source).lower() for d in documents}
    wanted = {url: doc for doc in from_urls if (url := preferred_transcript(doc))
              and name_of(url).lower() not in given}
    documents += fetched_transcripts(list(wanted), say, items=wanted)
    documents += fetched_transcripts(chapters_to_fetch(from_urls, documents), say, "chapters")
    return unique_ids(without_orphan_chapters(merge_documents(documents)))


def once(key: str, seen: set[str], source: str) -> bool:
    """Whether this URL was read already (and so is passed over, with a warning)."""
    if key in seen:
        warn_read_twice(source, 1)
        return True
    seen.add(key)
    return False


def warn_read_twice(source: str, count: int) -> None:
    what = "it was" if count == 1 else f"{count} of its files were"
    warnings.warn(IngestWarning(f"{source}: {what} named already among the sources (twice, or in a folder "
                                "given too); each file is read once"))


def read_or_fail(read: Callable[[], list[Document]], name: str, strict: bool, failed: list[IngestError]) -> list[Document]:
    """What `read` gives; a source that cannot be read is noted in `failed` (raised, when strict).
    A parser's own bug on an odd file is reported like bad input, not as a traceback."""
    try:
        return read()
    except IngestError as exc:
        error = exc
    except Exception as exc:  # noqa: BLE001 - one unreadable file must not end the build
        error = IngestError(f"could not be read ({type(exc).__name__}: {exc}); please report this as a bug", name)
    if strict:
        raise error
    failed.append(error)
    return []


def with_source(documents: list[Document], source: str, path: Path | None = None) -> list[Document]:
    for doc in documents:
        doc.source = source
        doc.local_file = str(path.resolve()) if path is not None else None
    return documents


def preferred_transcript(item: Document) -> str | None:
    """The one of a feed item's transcript links to fetch: in a format read here by its tag's type,
    else by its file ending; else one that says nothing of its format ('/t/12345', no type), whose
    answer shows it. An item whose links are all in other formats (text/html) is named in a warning."""
    types = item.transcript_types
    links = [(transcript_rank(url, types.get(url, "")), n, url) for n, url in enumerate(item.transcript_urls)
             if is_web_url(url)]
    unknown = len(TRANSCRIPT_PREFERENCE)
    readable = [r for r in links if r[0] < unknown] or [r for r in links if not types.get(r[2])]
    if links and not readable:
        kinds = ", ".join(dict.fromkeys(types.get(url) or "?" for _, _, url in links))
        warnings.warn(IngestWarning(f"{item.source}{f', line {item.line}' if item.line else ''}: the item's "
                                    f"transcripts are in no format read here ({kinds}); none was fetched"))
    return min(readable)[2] if readable else None


def fetched_transcripts(urls: list[str], say: OnFile, role: str = "transcript",
                        items: dict[str, Document] | None = None) -> list[Document]:
    """The transcripts (or chapters files: `role`) at these URLs, fetched a few at a time; one that
    cannot be fetched or read is skipped with a warning (the feed's episode is still built). A
    transcript takes the season and number of the feed item in `items` that links it (its URL's
    '12345' is no episode number)."""
    def fetch(url: str) -> tuple[str, bytes, str | None] | IngestError:
        try:
            return (url, *fetch_url(url))
        except IngestError as exc:
            return exc
    documents: list[Document] = []
    with ThreadPoolExecutor(max_workers=8) as pool:
        for url, got in zip(urls, pool.map(fetch, urls)):
            say(url)
            try:
                if isinstance(got, IngestError):
                    raise got
                linked = items[url].transcript_types.get(url, "") if items and url in items else ""
                if role == "transcript" and "html" in str(got[2] or "").lower() and "html" not in linked:
                    raise IngestError("not a transcript (the server sent an HTML page)", url)  # a login page
                found = parse_bytes(*got)
                if role == "chapters" and any(d.role != role for d in found):
                    raise IngestError(f"not a chapters file (it reads as {found[0].format})", url)
                for doc in found if items and url in items else []:
                    doc.season, doc.episode = items[url].season, items[url].episode
                documents += with_source(found, url)
            except IngestError as exc:
                warnings.warn(IngestWarning(f"{url}: {role} skipped: {exc.message}"))
    return documents


def source_name(path: Path, source: Path) -> str:
    """The path as stored in kb.db: from the folder given (or the file's name), wherever the build ran."""
    base = source.parent if source.is_dir() else path.parent
    # absolute, not resolved: a folder given through a link ('corpus' -> elsewhere) keeps its name
    return Path(os.path.abspath(path)).relative_to(os.path.abspath(base)).as_posix()


def unique_ids(documents: list[Document]) -> list[Document]:
    seen: dict[str, int] = {}
    for doc in documents:
        count = seen.get(doc.id, 0) + 1
        seen[doc.id] = count
        if count > 1:
            doc.id = f"{doc.id}-{count}"
    return documents
