"""The two transcription engines, each giving segments with words in whisper-timestamped's shape:

- faster-whisper (CTranslate2) on a CTranslate2 model folder;
- whisper-timestamped (openai-whisper) on an openai-whisper checkpoint, made once from a
  CTranslate2 folder where needed (kb/audio/models.py).

Each engine's `run(audio, options, progress)` gives the segments and the language, for
kb/audio/transcribe.py to tidy and cache.
"""
from __future__ import annotations

import contextlib
import math
import os
import sys
import warnings
from functools import lru_cache
from typing import Callable, Iterator

import numpy as np

from .models import ModelRef, converted_checkpoint, resolve_model
from .options import SAMPLE_RATE, EngineError, Progress, TranscribeOptions

GAP_SECONDS = 2.0  # whisper-timestamped: a longer stretch with no words is checked for skipped speech


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
