"""Web links: the one test of what counts as an http(s) URL, and the ways sources name files and
pages. Only such URLs reach kb.db and the pages made from it (javascript:, data: and the like are
dropped), so this check is what keeps a source's links safe to render."""
from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

# A host, then only characters a URL may hold unencoded: no double quotes, angle brackets,
# backslashes, braces, spaces or control characters, which could close an attribute around it.
WEB_URL = re.compile(r"^https?://[^\s/?#\"<>\\^`{|}]+[^\s\"<>\\^`{|}]*$", re.I)
URL_IN_TEXT = re.compile(r"https?://[^\s<>\"')\]]+")


def is_web_url(value: object) -> bool:
    """Whether `value` is an absolute http(s) URL with a host."""
    return isinstance(value, str) and bool(WEB_URL.match(value))


def web_url(value: object, base_url: str | None = None) -> str | None:
    """`value` as an absolute http(s) URL (resolved against `base_url`), or None. Spaces inside
    a URL, which some feeds write unencoded, are encoded."""
    url = " ".join(str(value or "").split())
    if base_url and url:
        url = urljoin(base_url, url)
    url = url.replace(" ", "%20")
    return url if is_web_url(url) else None


def urls_in(text: str) -> list[str]:
    """The http(s) URLs written in a text, without the punctuation that ends a sentence."""
    return [u.rstrip(".,;") for u in URL_IN_TEXT.findall(text)]


def normal_url(url: str) -> str:
    """'https://www.Example.com/e/234/' and 'http://example.com/e/234' are one page."""
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}" + (f"?{parts.query}" if parts.query else "")


def name_of(path: str) -> str:
    """The file name of a path or URL, without query or fragment ('https://x/e/234.vtt?a=1' -> '234.vtt')."""
    if is_web_url(path):
        path = unquote(urlsplit(path).path)
    return PurePosixPath(path.replace("\\", "/")).name
