"""/-/kb-audio/DOCUMENT_ID: the audio of an episode built from a local file (its audio_url is a
file:// URI, which a page served over http cannot play), served with byte ranges so the page's
player can start at any second. Only files that kb.db names as a document's audio are served,
to actors who may read the passages."""
from __future__ import annotations

import mimetypes
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from datasette.utils.asgi import NotFound

from ingest.audio import AUDIO_TYPES

from .pages import ensure_chunks_readable, kb_database

AUDIO_PATH = "/-/kb-audio"
PIECE = 256 * 1024
RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


def local_audio_path(audio_url: str | None) -> Path | None:
    """The local file a file:// audio URL names, when it is an audio file that exists."""
    if not audio_url or not audio_url.startswith("file://"):
        return None
    path = Path(unquote(urlsplit(audio_url).path))
    return path if path.suffix.lower() in AUDIO_TYPES and path.is_file() else None


def audio_page_url(datasette, document_id: str) -> str:
    return datasette.urls.path(f"{AUDIO_PATH}/{document_id}")


async def serve_audio(datasette, request, send):
    db = await kb_database(datasette)
    await ensure_chunks_readable(datasette, request.actor, db)
    document_id = request.url_vars["document_id"]
    row = (await db.execute("select audio_url from documents where id = ?", [document_id])).first()
    path = local_audio_path(row["audio_url"] if row else None)
    if path is None:
        raise NotFound(f"No local audio for {document_id!r}")
    size = path.stat().st_size
    first, last, partial = byte_range(request.headers.get("range"), size)
    if first is None:
        await send_head(send, 416, {"content-range": f"bytes */{size}"}, b"")
        return
    status = 206 if partial else 200
    kind = AUDIO_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    headers = {"content-type": kind, "accept-ranges": "bytes", "content-length": str(last - first + 1 if size else 0)}
    if status == 206:
        headers["content-range"] = f"bytes {first}-{last}/{size}"
    await send_head(send, status, headers, None)
    with path.open("rb") as f:
        f.seek(first)
        left = last - first + 1
        while left > 0:
            piece = f.read(min(PIECE, left))
            left -= len(piece)
            await send({"type": "http.response.body", "body": piece, "more_body": left > 0 and bool(piece)})
            if not piece:
                break


def byte_range(header: str | None, size: int) -> tuple[int | None, int, bool]:
    """(first, last, partial) bytes for a Range header ('bytes=100-', 'bytes=-500'): the whole file
    (partial False) without one, or for one in another unit, unparsable or of several ranges, which
    RFC 9110 lets a server ignore; (None, 0, True) for one that no byte satisfies (past the end, a
    suffix of 0 bytes), which is a 416."""
    match = RANGE.match((header or "").strip())
    if not match or (not match[1] and not match[2]):
        return 0, max(0, size - 1), False
    if not match[1]:
        suffix = int(match[2])
        return (max(0, size - suffix), size - 1, True) if suffix > 0 and size > 0 else (None, 0, True)
    first = int(match[1])
    last = min(int(match[2]), size - 1) if match[2] else size - 1
    return (first, last, True) if first <= last else (None, 0, True)


async def send_head(send, status: int, headers: dict[str, str], body: bytes | None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]})
    if body is not None:
        await send({"type": "http.response.body", "body": body})
