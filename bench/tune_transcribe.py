"""Decoding choices for faster-whisper, tried on the TUNING texts only (bench/texts/tuning), so the
held-back grid of bench/transcribe.py stays a fair report of whatever is chosen here.

Each cell of bench/transcribe.py's grid (3 voices x 2 rates, clean and 15 dB pink noise, the
two-voice dialogue, LibriVox) gets one tuning text (rotated, its first --sentences sentences), and
every variant runs the whole pipeline (chunks, checks, recovery) with some of the engine's options
changed. Prints per variant the WER of every cell, the worst synthetic cell, LibriVox, the first
word's delay and the CPU seconds per audio second.

    .venv/bin/python bench/tune_transcribe.py                       # every variant
    .venv/bin/python bench/tune_transcribe.py --variant default --variant beam8
"""
from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import speechgen  # noqa: E402
from scoring import score  # noqa: E402
from transcribe import DIALOGUE_VOICES, RATES, VOICES  # noqa: E402

from kb.audio.engines import FasterWhisper  # noqa: E402
from kb.audio.models import resolve_model  # noqa: E402
from kb.audio.options import TranscribeOptions  # noqa: E402
from kb.audio.passes import decode_file  # noqa: E402
from kb.audio.speech import speech_regions  # noqa: E402
from kb.audio.vocabulary import default_prompt  # noqa: E402

# A Wiener filter on the noise measured in the pauses, tried before decoding ("denoise"): not kept,
# it helped two noisy cells and hurt three.
FRAME, HOP = 512, 128  # 32 ms windows every 8 ms
NOISE_FLOOR = 10 ** (-50 / 20)  # RMS of the pauses below -50 dBFS: nothing to take out
MIN_PAUSE = 0.5  # seconds of pauses needed to measure the noise
GAIN_FLOOR = 0.15  # never damp a cell by more than this (deeper makes "musical" noise)
OVERSUB = 1.5  # take out a little more than the measured noise


def pause_mask(frames: int, regions: list) -> np.ndarray:
    """Which analysis frames lie wholly outside speech (with a 0.1 s margin)."""
    centres = (np.arange(frames) * HOP + FRAME / 2) / speechgen.RATE
    quiet = np.ones(frames, bool)
    for a, b in regions:
        quiet &= ~((centres > a - 0.1) & (centres < b + 0.1))
    return quiet


def denoise(audio: np.ndarray, regions: list) -> np.ndarray:
    """The audio with its steady noise damped (as it is where there is no noise to measure)."""
    from scipy.signal import istft, stft

    if audio.size < FRAME * 4:
        return audio
    _, _, spec = stft(audio, fs=speechgen.RATE, nperseg=FRAME, noverlap=FRAME - HOP)
    quiet = pause_mask(spec.shape[1], regions)
    if quiet.sum() * HOP / speechgen.RATE < MIN_PAUSE:
        return audio
    power = np.abs(spec) ** 2
    noise = power[:, quiet].mean(axis=1, keepdims=True)
    pauses = np.concatenate([audio[i * HOP:i * HOP + FRAME] for i in np.flatnonzero(quiet)[::4]])
    if np.sqrt(np.mean(pauses ** 2)) < NOISE_FLOOR:
        return audio
    gain = np.maximum(1 - OVERSUB * noise / np.maximum(power, 1e-12), GAIN_FLOOR ** 2) ** 0.5
    _, out = istft(spec * gain, fs=speechgen.RATE, nperseg=FRAME, noverlap=FRAME - HOP)
    return out[:audio.size].astype(np.float32)


# name: (WhisperModel arguments, transcribe() arguments, TranscribeOptions fields)
VARIANTS = {
    "default": ({}, {}, {}),
    "beam1": ({}, {"beam_size": 1}, {"beam_size": 1}),
    "beam8": ({}, {"beam_size": 8, "best_of": 8}, {"beam_size": 8}),
    "patience2": ({}, {"patience": 2.0}, {}),
    "lenpen0.8": ({}, {"length_penalty": 0.8}, {}),
    "no-condition": ({}, {"condition_on_previous_text": False}, {}),
    "no-fallback": ({}, {"temperature": 0.0}, {}),
    "rep-penalty1.1": ({}, {"repetition_penalty": 1.1}, {}),
    "chunk20": ({}, {"chunk_length": 20}, {}),
    "without-timestamps": ({}, {"without_timestamps": True}, {}),
    "vad-filter": ({}, {"vad_filter": True, "vad_parameters": {"min_silence_duration_ms": 300, "speech_pad_ms": 200}}, {}),
    "float32": ({"compute_type": "float32"}, {}, {}),
    "int8_float32": ({"compute_type": "int8_float32"}, {}, {}),
    "hotwords": ({}, {"hotwords": default_prompt(ROOT / "topics.yml")}, {}),  # the --vocabulary prompt's terms
    "vocabulary": ({}, {}, {"prompt": default_prompt(ROOT / "topics.yml")}),  # kb transcribe --vocabulary
    "denoise": ({}, {}, {}),  # the pauses' noise taken out first (`denoise` above): not kept, see README
    "threads2": ({"cpu_threads": 2}, {}, {}),
    "threads2-workers2": ({"cpu_threads": 2, "num_workers": 2}, {}, {}),
}


def cells(sentences: int) -> dict[str, speechgen.Clip]:
    """Cell name -> one clip of a tuning text, rotating the texts over the cells."""
    texts = [(n, lines[:sentences]) for n, lines in speechgen.texts("tuning").items()]
    out, k = {}, 0
    for voice in VOICES:
        for wpm in RATES:
            name, lines = texts[k % len(texts)]  # a dialogue text here is said in the one voice
            clip = speechgen.synthesise(f"{name}__{voice}__{wpm}", lines, {"A": voice}, wpm, seed=7 + k)
            out[f"{voice} {wpm} wpm"] = clip
            out[f"{voice} {wpm} wpm, 15 dB"] = speechgen.with_noise(clip, 15, seed=70 + k)
            k += 1
    dialogue = next((n, lines) for n, lines in texts if {s for s, _ in lines} >= {"A", "B"})
    clip = speechgen.synthesise(f"{dialogue[0]}__dialogue", dialogue[1], DIALOGUE_VOICES, 140, seed=99)
    out["dialogue, 2 voices"], out["dialogue, 2 voices, 15 dB"] = clip, speechgen.with_noise(clip, 15, seed=98)
    if (real := speechgen.librivox()) is not None:
        out["LibriVox (real)"] = real
    return out


@functools.lru_cache(maxsize=4)
def engine_for(model_args: tuple) -> FasterWhisper:
    """The bundled tiny.en with these WhisperModel arguments (default: int8, threads chosen by CTranslate2)."""
    from faster_whisper import WhisperModel

    ref = resolve_model("faster-whisper", None)
    engine = FasterWhisper(ref, 0)
    args = {"device": "cpu", "compute_type": "int8", **dict(model_args)}
    if dict(model_args):
        engine.model = WhisperModel(ref.path, **args)
    engine.ref = ref
    return engine


def with_overrides(engine: FasterWhisper, overrides: dict) -> FasterWhisper:
    """The engine whose model.transcribe takes `overrides` over what engines.py passes."""
    model = engine.model
    original = type(model).transcribe

    class Patched:
        def __getattr__(self, name):
            return getattr(model, name)

        def transcribe(self, audio, **kwargs):
            return original(model, audio, **{**kwargs, **overrides})

    patched = FasterWhisper.__new__(FasterWhisper)
    patched.model, patched.ref = Patched(), engine.ref
    return patched


def run_variant(name: str, clips: dict[str, speechgen.Clip], correct=None) -> dict:
    model_args, overrides, fields = VARIANTS[name]
    engine = with_overrides(engine_for(tuple(sorted(model_args.items()))), overrides)
    options = TranscribeOptions(use_cache=False, **fields)
    rows = {}
    for cell, clip in clips.items():
        began, cpu = time.perf_counter(), time.process_time()
        audio = denoise(clip.audio, speech_regions(clip.audio)) if name.startswith("denoise") else clip.audio
        decoded = decode_file(audio, engine, options, None, lambda done, total: None)
        wall, cpu = time.perf_counter() - began, time.process_time() - cpu
        segments = correct(decoded.segments) if correct else decoded.segments
        s = score(clip.sentences, segments)
        rows[cell] = {"wer": s["wer"], "edits": s["edits"], "ref": s["ref_words"], "late": s["first_word_late"],
                      "cpu": cpu, "wall": wall, "duration": clip.duration, "jargon": s["jargon"],
                      "segments": segments, "sentences": clip.sentences}
    return rows


def summary(name: str, rows: dict) -> str:
    synthetic = {c: r for c, r in rows.items() if "LibriVox" not in c}
    wer = sum(r["edits"] for r in synthetic.values()) / sum(r["ref"] for r in synthetic.values())
    worst = max(synthetic.items(), key=lambda kv: kv[1]["wer"])
    met = sum(r["wer"] <= 0.12 for r in synthetic.values())
    duration = sum(r["duration"] for r in rows.values())
    real = rows.get("LibriVox (real)", {}).get("wer", float("nan"))
    late = max((r["late"] if r["late"] is not None else 99) for r in rows.values())
    jargon = [sum(r["jargon"][k] for r in rows.values()) for k in (0, 1)]
    return (f"| {name} | {wer:.1%} | {met}/{len(synthetic)} | {worst[1]['wer']:.1%} ({worst[0]}) | {real:.1%} | {late:.2f} | "
            f"{jargon[0]}/{jargon[1]} | {sum(r['cpu'] for r in rows.values()) / duration:.3f} | "
            f"{sum(r['wall'] for r in rows.values()) / duration:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", action="append", choices=list(VARIANTS), help="variant to try (repeatable; default all)")
    parser.add_argument("--sentences", type=int, default=10, help="sentences of each tuning text [10]")
    parser.add_argument("--json", type=Path, help="write every variant's rows to this file")
    args = parser.parse_args()
    clips = cells(args.sentences)
    print(f"{len(clips)} cells, {sum(c.duration for c in clips.values()):.0f} s of audio; tuning texts")
    print("| variant | WER (synthetic) | cells <= 12% | worst cell | LibriVox | 1st word late s | jargon | CPU s / audio s | RTF wall |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |", flush=True)
    found = {}
    for name in args.variant or list(VARIANTS):
        found[name] = run_variant(name, clips)
        print(summary(name, found[name]), flush=True)
        if args.json:  # after each variant, so a long run can be read as it goes
            args.json.write_text(json.dumps(found, indent=1))


if __name__ == "__main__":
    main()
