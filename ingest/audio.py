"""Audio files (mp3, m4a, wav, ogg, ...): an episode whose transcript is made from the sound.

Reading sources never transcribes by itself: the build passes in a `transcribe(path) -> dict`
function (kb/audio), which answers from its cache or runs an engine, and returns the transcript in
whisper-timestamped's JSON shape (`segments[]` of start/end/text with `words[]`). A file that is
not usable audio makes it raise an IngestError, and the file is skipped with a warning naming it.
Its timed segments join into turns like any transcript's, keeping their word timestamps and, where
the transcript labels them, their speakers (so a turn, and a chunk, never crosses a speaker). The
episode number and title come from the file name ('Episode 312 - Teams Phone.mp3'); a show-notes
page or feed item of the same number in the same build is merged in by `ingest.merge`.

A binary format: it is read from its path, never decoded as text (see ingest/formats.py).
"""
from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Callable

from .errors import IngestError, IngestWarning
from .model import Document, Word, document_id
from .identity import name_numbers
from .transcript import Cue, join_cues
from .urls import name_of

name = "audio"
role = "audio"
SUFFIXES = (".mp3", ".m4a", ".wav", ".ogg", ".oga", ".opus", ".flac", ".aac", ".webm")
AUDIO_TYPES = {".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".aac": "audio/aac", ".wav": "audio/wav",
               ".ogg": "audio/ogg", ".oga": "audio/ogg", ".opus": "audio/ogg", ".flac": "audio/flac",
               ".webm": "audio/webm"}
Transcribe = Callable[[str], dict]
TRANSCRIPT_SUFFIXES = (".vtt", ".srt", ".json", ".txt")


def sniff(path: str, text: str | None = None) -> bool:
    """Audio is known by its file name: its bytes are never sniffed as text."""
    return Path(path).suffix.lower() in SUFFIXES


def parse(path: str, transcribe: Transcribe | None) -> list[Document]:
    """The episode document of one audio file; a file that is not usable audio is skipped with a
    warning naming it (the other sources are still built)."""
    if transcript_beside(path):  # 'talk.vtt' beside 'talk.mp3' gives the turns: nothing to transcribe
        return [audio_document(path, {"segments": []}, quiet=True)]
    if transcribe is None:
        raise IngestError("audio files are read only by a build that can transcribe them (kb build)", path)
    try:
        result = transcribe(path)
    except IngestError as exc:
        warnings.warn(IngestWarning(f"{path}: skipped: {exc.message}"))
        return []
    return [audio_document(path, result)]


def transcript_beside(path: str) -> bool:
    """Whether a transcript file of the same name lies beside the audio ('talk.mp3', 'talk.vtt')."""
    audio = Path(path)
    return any(audio.with_suffix(suffix).is_file() for suffix in TRANSCRIPT_SUFFIXES)


def audio_document(path: str, result: dict, quiet: bool = False) -> Document:
    """An episode of transcript turns (with word timestamps) from a transcript in whisper-timestamped's shape."""
    cues = [Cue(seg["text"], seg["start"], seg["end"], speaker=seg.get("speaker"),
                words=[Word(w["text"], w["start"], w["end"], w.get("confidence"), w.get("speaker"))
                       for w in seg.get("words") or []])
            for seg in result.get("segments") or []]
    season, episode = name_numbers(path)
    title = title_from_name(path, episode)
    doc = Document(document_id(episode, title), "episode", title, path, episode=episode, line=None)
    doc.season = season
    doc.audio_url = Path(path).resolve().as_uri()  # a feed's enclosure URL replaces it when merged
    doc.audio_type = AUDIO_TYPES.get(Path(path).suffix.lower())
    duration = (result.get("audio") or {}).get("duration")
    doc.duration_seconds = round(duration) if isinstance(duration, (int, float)) else None
    doc.segments = join_cues([c for c in cues if c.text.strip()])
    if not doc.segments and not quiet:
        warnings.warn(IngestWarning(f"{path}: no speech found; the episode has no transcript"))
    return doc


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
