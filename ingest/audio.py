"""Audio files (mp3, m4a, wav, ogg, ...): an episode whose transcript is made from the sound.

The transcript comes from the transcription cache when this audio was transcribed before (by
`kb transcribe` or an earlier build, with either engine), else it is made now with the default
engine (kb/transcribe.py). Its timed segments join into turns like any transcript's, keeping their
word timestamps. The episode number and title come from the file name ('Episode 312 - Teams
Phone.mp3'); a show-notes page or feed item of the same number in the same build is merged in by
`ingest.merge` (its title, notes and audio URL win).

A binary format: it is read from its path, never decoded as text (see `ingest.parse_file`).
"""
from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Callable

from .model import Document, IngestError, IngestWarning, Word, slugify
from .transcript import Cue, episode_from_name, join_cues, name_of

name = "audio"
binary = True
# Set by the build to its progress callback, so that a long transcription says how far it is.
report: Callable[[str], None] | None = None
SUFFIXES = (".mp3", ".m4a", ".wav", ".ogg", ".oga", ".opus", ".flac", ".aac", ".webm")


def sniff(path: str, text: str | None = None) -> bool:
    """Audio is known by its file name: its bytes are never sniffed as text."""
    return Path(path).suffix.lower() in SUFFIXES


def parse(path: str, text: str | None = None) -> list[Document]:
    """The episode document of one audio file; a file that is not usable audio is skipped with a
    warning naming it (the other sources are still built), and a missing engine is an error."""
    from kb.transcribe import AudioError, EngineError, cached_any, default_options, transcribe_file

    try:
        result = cached_any(path)
        if result is None:
            result = transcribe_file(path, default_options(), progress_of(path))
            if report is not None:
                report(f"Transcribed {name_of(path)}")
    except AudioError as exc:
        warnings.warn(IngestWarning(f"{path}: skipped: {exc.message}"))
        return []
    except EngineError as exc:
        raise IngestError(f"cannot transcribe: {exc}", path) from None
    except OSError as exc:
        raise IngestError(f"cannot read the file: {exc.strerror or exc}", path) from None
    return [audio_document(path, result)]


def progress_of(path: str) -> Callable[[float, float], None] | None:
    """A transcription progress callback that reports every tenth of the file through `report`."""
    if report is None:
        return None
    said = {-1}

    def update(done: float, total: float) -> None:
        tenth = min(10, int(10 * done / total)) if total else 0
        if tenth not in said and tenth > max(said):
            said.add(tenth)
            report(f"Transcribing {name_of(path)}: {tenth * 10}% of {round(total)} s")
    return update


def audio_document(path: str, result: dict) -> Document:
    """An episode of transcript turns (with word timestamps) from a transcript in kb/transcribe's shape."""
    cues = [Cue(seg["text"], seg["start"], seg["end"],
                words=[Word(w["text"], w["start"], w["end"], w.get("confidence")) for w in seg.get("words") or []])
            for seg in result.get("segments") or []]
    episode = episode_from_name(path)
    title = title_from_name(path, episode)
    doc = Document(f"episode-{episode}" if episode is not None else slugify(title), "episode", title, path,
                   episode=episode, line=None)
    doc.audio_url = Path(path).resolve().as_uri()  # a feed's enclosure URL replaces it when merged
    doc.audio_type = AUDIO_TYPES.get(Path(path).suffix.lower())
    duration = (result.get("audio") or {}).get("duration")
    doc.duration_seconds = round(duration) if isinstance(duration, (int, float)) else None
    doc.segments = join_cues([c for c in cues if c.text.strip()])
    if not doc.segments:
        warnings.warn(IngestWarning(f"{path}: no speech found; the episode has no transcript"))
    return doc


AUDIO_TYPES = {".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".aac": "audio/aac", ".wav": "audio/wav",
               ".ogg": "audio/ogg", ".oga": "audio/ogg", ".opus": "audio/ogg", ".flac": "audio/flac",
               ".webm": "audio/webm"}


def title_from_name(path: str, episode: int | None) -> str:
    """'need-to-know_312_teams-phone.mp3' -> 'Need to know 312 teams phone'; a name that is only the
    episode's number ('312.mp3', 'ep312.m4a') -> 'Episode 312'."""
    stem = name_of(path).rsplit(".", 1)[0]
    words = re.sub(r"[_\s]+|(?<=\w)-(?=\w)|\s-\s", " ", stem).split()
    rest = [w for w in words if not re.fullmatch(r"(?i)(?:episode|ep|e)?[\s._-]*#?0*\d{1,5}|episode|ep", w)]
    if episode is not None and not rest:
        return f"Episode {episode}"
    text = " ".join(words) or "Untitled audio"
    return text[:1].upper() + text[1:]
