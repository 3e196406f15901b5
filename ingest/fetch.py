"""http(s) URLs as sources: fetched once per build, with a time limit, a size limit and clear errors."""
from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.request
import zlib

from .errors import IngestError

TIMEOUT_SECONDS = 30.0  # for the whole download, not just each read
MAX_BYTES = 32 * 1024 * 1024
USER_AGENT = "need-to-know-kb (+kb build)"


def fetch_url(url: str, timeout: float | None = None, max_bytes: int | None = None) -> tuple[bytes, str | None]:
    """The body and Content-Type of `url`, or an IngestError that says why not."""
    timeout = TIMEOUT_SECONDS if timeout is None else timeout
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise IngestError(too_large(int(length), max_bytes), url)
            data = read_limited(response, url, deadline, timeout, max_bytes)
            if length and length.isdigit() and len(data) < int(length):
                raise IngestError(f"cannot fetch the URL: the download was cut short ({len(data):,} of the "
                                  f"{int(length):,} bytes it announced)", url)
            if (response.headers.get("Content-Encoding") or "").strip().lower() in ("gzip", "x-gzip"):
                data = gunzipped(data, url, max_bytes)  # asked for identity, sent a pre-compressed file
            return data, response.headers.get("Content-Type")
    except IngestError:
        raise
    except urllib.error.HTTPError as exc:
        reason = "a redirect loop" if "infinite loop" in str(exc.reason) else " ".join(str(exc.reason).split())
        raise IngestError(f"cannot fetch the URL: HTTP {exc.code} {reason}", url) from None
    except urllib.error.URLError as exc:
        why = exc.reason
        if isinstance(why, (socket.timeout, TimeoutError)):
            raise IngestError(f"cannot fetch the URL: no answer within {timeout:g} s", url) from None
        raise IngestError(f"cannot fetch the URL: {getattr(why, 'strerror', None) or why}", url) from None
    except (socket.timeout, TimeoutError):
        raise IngestError(f"cannot fetch the URL: no answer within {timeout:g} s", url) from None
    except (http.client.HTTPException, OSError, ValueError) as exc:
        raise IngestError(f"cannot fetch the URL: {exc or type(exc).__name__}", url) from None


def read_limited(response, url: str, deadline: float, timeout: float, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise IngestError(f"cannot fetch the URL: the download took longer than {timeout:g} s", url)
        chunk = response.read1(65536)  # what has arrived: a trickle cannot outlast the deadline
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise IngestError(too_large(None, max_bytes), url)
        chunks.append(chunk)


def gunzipped(data: bytes, url: str, max_bytes: int) -> bytes:
    """A gzip body (Content-Encoding: gzip) unpacked, within the size limit."""
    unpack = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        body = unpack.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise IngestError(f"cannot fetch the URL: the server said gzip, but the body is not ({exc})", url) from None
    if len(body) > max_bytes:
        raise IngestError(too_large(None, max_bytes), url)
    return body


def too_large(size: int | None, limit: int) -> str:
    """The message for a source over the limit; `size` None when it is not known (no Content-Length)."""
    if size is None:
        return f"too large: more than {size_text(limit)}, the most a source may hold"
    return f"too large: {size_text(size)} (a source may hold at most {size_text(limit)})"


def size_text(size: int) -> str:
    """'50 MB', '52.7 MB'; '5,000 bytes' below a megabyte."""
    if size < 1024 * 1024:
        return f"{size:,} bytes"
    return f"{size / 1048576:.1f}".removesuffix(".0") + " MB"
