"""Where the audio holds speech: Silero VAD (the ONNX file inside faster-whisper's wheel, loaded
offline), with an energy detector as the fallback where faster-whisper is missing.

The transcript is checked against these regions (kb/audio/checks.py), long files are cut in their
silences (kb/audio/chunks.py), and the speaker stage embeds only speech (kb/audio/speakers.py).
Silero is preferred: on noisy audio the energy rule marked 75 s of one clip that had lost nothing.
"""
from __future__ import annotations

import numpy as np

from .options import SAMPLE_RATE

Regions = list[tuple[float, float]]
ENERGY_FRAME = 320  # 20 ms


def speech_regions(audio: np.ndarray, min_silence_ms: int = 300, pad_ms: int = 100) -> Regions:
    """(start, end) seconds of speech, in order; Silero VAD, else the energy detector."""
    try:
        from faster_whisper.vad import VadOptions, get_speech_timestamps
    except ImportError:
        return energy_regions(audio)
    found = get_speech_timestamps(audio, VadOptions(min_silence_duration_ms=min_silence_ms, speech_pad_ms=pad_ms))
    return [(t["start"] / SAMPLE_RATE, t["end"] / SAMPLE_RATE) for t in found]


def energy_regions(audio: np.ndarray) -> Regions:
    """Frames within 30 dB of the loud end of the file (its 95th percentile) and above -50 dBFS;
    pauses under 0.3 s bridged, blips under 0.25 s dropped."""
    n = audio.size // ENERGY_FRAME
    if not n:
        return []
    energy = 10 * np.log10((audio[: n * ENERGY_FRAME].reshape(n, ENERGY_FRAME) ** 2).mean(axis=1) + 1e-12)
    loud = energy > max(-50.0, float(np.percentile(energy, 95)) - 30.0)
    step = ENERGY_FRAME / SAMPLE_RATE
    regions: list[list[float]] = []
    for i in np.flatnonzero(loud):
        start = i * step
        if regions and start - regions[-1][1] < 0.3:
            regions[-1][1] = start + step
        else:
            regions.append([start, start + step])
    return [(a, b) for a, b in regions if b - a >= 0.25]


def speech_seconds(regions: Regions, start: float = 0.0, end: float = float("inf")) -> float:
    """How much of [start, end] is speech."""
    return sum(max(0.0, min(b, end) - max(a, start)) for a, b in regions)


def silences(regions: Regions, duration: float) -> Regions:
    """The stretches between speech regions (and before the first, after the last)."""
    edges = [0.0, *[t for r in regions for t in r], duration]
    return [(a, b) for a, b in zip(edges[::2], edges[1::2]) if b > a]
