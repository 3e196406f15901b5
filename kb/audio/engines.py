"""The two transcription engines, each giving segments with words in whisper-timestamped's shape:

- faster-whisper (CTranslate2) on a CTranslate2 model folder;
- whisper-timestamped (openai-whisper) on an openai-whisper checkpoint, made once from a
  CTranslate2 folder where needed (kb/audio/models.py).

Each engine's `decode(audio, language, prompt, condition)` decodes one piece of audio (a chunk of
the file, or a stretch decoded again by kb/audio/recover.py) and gives its segments, with Whisper's
own scores (`avg_logprob`, `compression_ratio`) for the plausibility checks, and the language.
Temperature fallback is on in both, as Whisper's defaults have it.
"""
from __future__ import annotations

import math
import os
import warnings
from functools import lru_cache

import numpy as np

from .models import ModelRef, converted_checkpoint, resolve_model
from .options import EngineError, TranscribeOptions

PROMPT_SECONDS = 5.0  # the vocabulary prompt is framed as 0-5 s of earlier speech with timestamps


class FasterWhisper:
    name = "faster-whisper"

    def __init__(self, ref: ModelRef, threads: int):
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise EngineError("faster-whisper is not installed: pip install -e '.[audio]'") from None
        self.model = WhisperModel(ref.path, device="cpu", compute_type="int8", cpu_threads=threads or 0)

    def prompt_tokens(self, prompt: str, language: str | None) -> list[int]:
        """The prompt as token ids between two timestamps, <|0.00|> ... <|5.00|>, so the history the
        model sees has timestamps as its own output does. As plain text, a vocabulary prompt makes
        tiny.en answer whole windows without timestamps, and the speech in them is skipped."""
        from faster_whisper.tokenizer import Tokenizer

        tok = Tokenizer(self.model.hf_tokenizer, self.model.model.is_multilingual, task="transcribe",
                        language=language or "en")
        return [tok.timestamp_begin, *tok.encode(" " + prompt), tok.timestamp_begin + int(PROMPT_SECONDS / 0.02)]

    def decode(self, audio: np.ndarray, options: TranscribeOptions, language: str | None, prompt: str | None,
               condition: bool = True) -> tuple[list[dict], str]:
        """Segments with words, and the language spoken (as given, or detected)."""
        initial = None
        if prompt:
            initial = prompt if options.prompt_form == "text" else self.prompt_tokens(prompt, language)
        found, info = self.model.transcribe(
            audio, language=language, beam_size=options.beam_size, word_timestamps=True,
            initial_prompt=initial, vad_filter=False, condition_on_previous_text=condition)
        segments = [{
            "start": seg.start, "end": seg.end, "text": seg.text, "confidence": math.exp(seg.avg_logprob),
            "avg_logprob": seg.avg_logprob, "compression_ratio": seg.compression_ratio,
            "words": [{"text": w.word, "start": w.start, "end": w.end, "confidence": w.probability}
                      for w in seg.words or []],
        } for seg in found]  # a generator: each segment is decoded when asked for
        return segments, info.language


class WhisperTimestamped:
    name = "whisper-timestamped"

    def __init__(self, ref: ModelRef, threads: int):
        try:
            import torch
            import whisper
            import whisper_timestamped  # noqa: F401  (checked here, used in decode)
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

    def decode(self, audio: np.ndarray, options: TranscribeOptions, language: str | None, prompt: str | None,
               condition: bool = True) -> tuple[list[dict], str]:
        """Segments with words, and the language spoken (as given, or detected)."""
        import torch
        import whisper_timestamped

        before = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = whisper_timestamped.transcribe(
                    self.model, audio, language=language, initial_prompt=prompt or None,
                    beam_size=options.beam_size, best_of=options.beam_size, fp16=False, vad=False,
                    condition_on_previous_text=condition, temperature=(0.0, 0.2, 0.4, 0.6, 0.8, 1.0), verbose=None)
        finally:
            torch.set_num_threads(before)
        segments = [{**seg, "words": seg.get("words") or []} for seg in result.get("segments", [])]
        return segments, result.get("language") or (None if self.model.is_multilingual else "en")


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
