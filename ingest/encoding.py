"""Bytes -> text: byte-order marks, declared charsets, Windows-1252 fallbacks, NULs and mojibake.

Sources come from many tools: a WordPress export declares windows-1252, an SRT from an old editor
is Windows-1252 without saying so, a copy-paste turned ’ into â€™. Every parser gets clean str.
"""
from __future__ import annotations

import codecs
import re
import warnings

from .errors import IngestError, IngestWarning

BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
]
# Browsers read these labels as Windows-1252 (WHATWG Encoding), and so do we: 0x92 is ’, not a control.
AS_WINDOWS_1252 = {"latin-1", "latin1", "iso-8859-1", "iso8859-1", "l1", "ascii", "us-ascii", "cp819", "iso-ir-100"}
META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]{1,40})", re.I)
XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9_.:-]{1,40})[\"']")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Terminal escapes pasted from a console: colours ('\x1b[31m') and window titles ('\x1b]0;...\x07'), whole.
ANSI_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]{0,200}(?:\x07|\x1b\\)?)")
# Soft hyphens, zero-width spaces and joiners, word joiners, BOMs and bidi marks: invisible on the
# page, but they split words ('Telefonie\xadanbieter' would never match 'Telefonieanbieter').
INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
BINARY_CONTROL_SHARE = 0.05  # more control bytes than this in the first 64 KiB: not a text file
BINARY_MIN_CONTROLS = 64  # without a NUL, a file is binary only with this many control bytes too
SAMPLE = 65536


def bom_encoding(data: bytes) -> tuple[str | None, int]:
    for bom, name in BOMS:
        if data.startswith(bom):
            return name, len(bom)
    return None, 0


def check_binary(data: bytes, path: str) -> None:
    """Audio, images and other binaries are refused; a text file with a stray NUL is not."""
    if bom_encoding(data)[0] in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        return
    sample = data[:SAMPLE]
    controls = sum(sample.count(bytes([b])) for b in (*range(0, 9), *range(14, 32)))
    if controls <= BINARY_CONTROL_SHARE * len(sample):
        return
    if b"\0" in sample:
        raise IngestError("binary file, not text (it contains NUL bytes)", path)
    if controls >= BINARY_MIN_CONTROLS:  # a short text with four backspaces in it is still text
        raise IngestError(f"binary file, not text ({controls} control characters in its first "
                          f"{len(sample):,} bytes)", path)


def declared_charset(data: bytes, content_type: str | None = None, markup: bool = False) -> str | None:
    """The charset an HTTP header declares, or for markup an XML declaration or HTML <meta>."""
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type or "", re.I)
    if match:
        return match.group(1)
    head = data[:4096] if markup else b""
    for pattern in (XML_ENCODING, META_CHARSET):
        found = pattern.search(head)
        if found:
            return found.group(1).decode("ascii")
    return None


def codec_for(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    if label in AS_WINDOWS_1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def sniff_text(data: bytes) -> str:
    """A lenient decoding of the start of a file, good enough to recognise its format."""
    encoding, skip = bom_encoding(data)
    return data[skip:skip + SAMPLE].decode(encoding or "utf-8", errors="replace")


def decode(data: bytes, path: str, *, markup: bool = False, fallback: str | None = None,
           content_type: str | None = None) -> str:
    """Text from bytes: a byte-order mark wins, then a declared charset (the HTTP header; for markup,
    its XML declaration or <meta>), then UTF-8. Bytes that none of these read are an error naming
    the line, or, where the format has a `fallback` (markup always: Windows-1252, as browsers do),
    read with it and a warning. Control characters are dropped and mojibake is repaired."""
    encoding, skip = bom_encoding(data)
    body = data[skip:]
    declared = encoding or codec_for(declared_charset(body, content_type, markup))
    fallback = fallback or ("cp1252" if markup else None)
    for codec in dict.fromkeys(filter(None, (declared, "utf-8"))):
        try:
            return visible(repair_mojibake(drop_controls(body.decode(codec), path)))
        except UnicodeDecodeError as exc:
            error = exc if codec == "utf-8" else None
    if fallback is None:
        line = body[: error.start].count(b"\n") + 1 if error else None
        raise IngestError("not valid UTF-8 text; save the file as UTF-8", path, line)
    warnings.warn(IngestWarning(f"{path}: not valid UTF-8; read as {codec_label(fallback)}"))
    return visible(repair_mojibake(drop_controls(body.decode(fallback, errors="replace"), path)))


def visible(text: str) -> str:
    """The text without invisible characters (INVISIBLE); a BOM at the start is one of them."""
    return INVISIBLE.sub("", text)


def codec_label(codec: str) -> str:
    return "Windows-1252" if codec == "cp1252" else codec


def drop_controls(text: str, path: str) -> str:
    found = CONTROL.search(text)
    if not found:
        return text
    line = text.count("\n", 0, found.start()) + 1
    example = "NUL" if found.group() == "\0" else f"U+{ord(found.group()):04X}"
    warnings.warn(IngestWarning(f"{path}, line {line}: control characters (such as {example}) were removed"))
    return CONTROL.sub("", ANSI_ESCAPE.sub("", text))


def _mojibake_pattern() -> re.Pattern:
    """UTF-8 bytes read as Windows-1252: a lead character (Â..ô) then 1-3 continuation characters,
    each the Windows-1252 (or Latin-1, for its five holes) reading of a byte 0x80-0xBF."""
    def char(b: int) -> str:
        try:
            return bytes([b]).decode("cp1252")
        except UnicodeDecodeError:
            return chr(b)
    cont = "".join(re.escape(char(b)) for b in range(0x80, 0xC0))
    c = f"[{cont}]"
    return re.compile(f"[\u00c2-\u00df]{c}|[\u00e0-\u00ef]{c}{{2}}|[\u00f0-\u00f4]{c}{{3}}")


MOJIBAKE = _mojibake_pattern()


def _to_bytes(text: str) -> bytes:
    return b"".join(ch.encode("cp1252") if ord(ch) > 0xFF or ch.encode("cp1252", "ignore") else bytes([ord(ch)])
                    for ch in text)


def _unmangle(match: re.Match) -> str:
    try:
        return _to_bytes(match.group(0)).decode("utf-8")
    except (UnicodeDecodeError, UnicodeEncodeError):
        return match.group(0)


def repair_mojibake(text: str) -> str:
    """'â€™' -> '’', 'Ã©' -> 'é': UTF-8 that was once decoded as Windows-1252 (twice, at worst)."""
    for _ in range(2):
        if not MOJIBAKE.search(text):
            break
        text = MOJIBAKE.sub(_unmangle, text)
    return text
