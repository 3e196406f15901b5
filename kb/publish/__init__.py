"""`kb publish`: give back to the feed what the knowledge base learnt. For each episode with a
timed transcript it writes, named after the document id, `.vtt`, `.srt` and `.json` transcripts
(cues as kb/publish/cues.py makes them) and, where it has chapters, `.chapters.json`
(kb/publish/formats.py), and gives the <podcast:transcript>/<podcast:chapters> tags that link them.
The same kb.db and options give the same bytes."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urljoin

from ingest.errors import KBError
from ingest.urls import is_web_url

from ..atomic import same_file
from ..reader import TranscriptReader
from .cues import Passage, transcript_cues
from .formats import CHAPTERS_FILE, TRANSCRIPT_FILES, feed_tags, to_chapters_json, to_srt, to_transcript_json, to_webvtt


class PublishError(KBError):
    """The files could not be written, or an option names nothing to publish."""


@dataclass
class Published:
    """What a run wrote: the files (paths), the episodes (document ids) and their feed tags."""

    files: list[Path] = field(default_factory=list)
    episodes: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    cues: int = 0


def publish(db_path: str | Path, out: str | Path, episodes: tuple[int, int] | None = None,
            base_url: str | None = None) -> Published:
    """Write the files of each episode with a timed transcript (episode numbers in `episodes`, an
    inclusive range, when given) into `out`, made if missing."""
    if base_url is not None and not is_web_url(base_url):
        raise PublishError(f"--base-url: {base_url!r} is not an http(s) URL; give the address the files will be "
                           "served from, e.g. https://example.com/transcripts/")
    reader = TranscriptReader(db_path)
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishError(f"{folder}: cannot make the folder ({exc.strerror or exc})") from None
    done = Published()
    for doc in reader.timed_documents():
        if episodes is not None and (doc["episode"] is None or not episodes[0] <= doc["episode"] <= episodes[1]):
            continue
        written = episode_files(reader, doc)
        if written is None:
            continue
        texts, cue_count = written
        for ending in texts:
            if same_file(folder / f"{doc['id']}{ending}", db_path):
                raise PublishError(f"{folder / (doc['id'] + ending)} is the database being published; "
                                   "give --out another folder")
        paths = [write(folder / f"{doc['id']}{ending}", text) for ending, text in texts.items()]
        done.files += paths
        done.episodes.append(doc["id"])
        done.cues += cue_count
        done.tags.append(feed_tags(doc["id"], doc["title"], tag_urls(paths, base_url)))
    return done


def episode_files(reader: TranscriptReader, doc) -> tuple[dict[str, str], int] | None:
    """{file ending: text} of one episode, and how many cues its transcripts hold."""
    chunks = reader.timed_chunks(doc["id"])
    words = reader.word_times([c["id"] for c in chunks])
    passages = [Passage(c["speaker"], c["start"], c["end"], c["text"], words.get(c["id"], [])) for c in chunks]
    cues = transcript_cues(passages)
    if not cues:
        return None
    texts = dict(zip((ending for ending, _ in TRANSCRIPT_FILES),
                     (to_webvtt(cues), to_srt(cues), to_transcript_json(cues))))
    chapters = reader.chapters(doc["id"])
    if chapters:
        texts[CHAPTERS_FILE[0]] = to_chapters_json(doc["title"], chapters)
    return texts, len(cues)


def write(path: Path, text: str) -> Path:
    """The file written whole or not at all (a temporary file renamed over it)."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(text.encode("utf-8"))
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise PublishError(f"{path}: cannot write the file ({exc.strerror or exc})") from None
    return path


def tag_urls(paths: list[Path], base_url: str | None) -> list[tuple[str, str, bool]]:
    """(URL, MIME type, is the chapters file) of each file: under `base_url`, else the file's name."""
    types = dict(TRANSCRIPT_FILES + (CHAPTERS_FILE,))
    out = []
    for path in paths:
        ending = CHAPTERS_FILE[0] if path.name.endswith(CHAPTERS_FILE[0]) else path.suffix
        name = quote(path.name)
        url = urljoin(base_url if base_url.endswith("/") else base_url + "/", name) if base_url else name
        out.append((url, types[ending], ending == CHAPTERS_FILE[0]))
    return out
