"""Speech with known words and times for the audio benchmarks: espeak-ng sentence by sentence
(so each sentence's start is known), pink noise at a given SNR, dialogues with a voice per
speaker, and Debian's pocketsphinx-testdata LibriVox recordings with their transcript.

A clip is a 16 kHz WAV with a manifest: per sentence its text, speaker, voice, `onset` (the first
10 ms louder than -40 dBFS) and `offset` (the last). Needs espeak-ng (apt-get install espeak-ng).
"""
from __future__ import annotations

import random
import re
import subprocess
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

RATE = 16000
FRAME = 160  # 10 ms
LOUD = 10 ** (-40 / 20)
TEXTS = Path(__file__).resolve().parent / "texts"
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")


@dataclass
class Clip:
    name: str
    audio: np.ndarray
    sentences: list[dict] = field(default_factory=list)
    tags: dict = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return self.audio.size / RATE

    @property
    def reference(self) -> str:
        return " ".join(s["text"] for s in self.sentences)


def read_text(path: Path) -> list[tuple[str, str]]:
    """(speaker, sentence) pairs of a text file; 'A: ...' names the speaker, other lines are A."""
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if m := re.match(r"([A-Z]):\s*(.+)", line):
            pairs.append((m.group(1), m.group(2)))
        elif line:
            pairs.append(("A", line))
    return pairs


def texts(which: str) -> dict[str, list[tuple[str, str]]]:
    """The texts of bench/texts/<which>/ ('tuning' or 'heldout'), by name."""
    return {p.stem: read_text(p) for p in sorted((TEXTS / which).glob("*.txt"))}


def speak(text: str, voice: str, wpm: int) -> np.ndarray:
    """espeak-ng saying `text`, as float32 at 16 kHz."""
    from scipy.signal import resample_poly

    out = subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "--stdout", text],
                         check=True, capture_output=True).stdout
    pcm = np.frombuffer(out[44:], dtype="<i2").astype(np.float32) / 32768.0
    return resample_poly(pcm, 320, 441).astype(np.float32)  # 22050 -> 16000 Hz


def loud_frames(x: np.ndarray) -> np.ndarray:
    n = x.size // FRAME
    return np.sqrt((x[: n * FRAME].reshape(n, FRAME) ** 2).mean(axis=1)) > LOUD


def synthesise(name: str, lines: list[tuple[str, str]], voices: dict[str, str], wpm: int, seed: int,
               lead: float = 0.0) -> Clip:
    """Each sentence spoken by its speaker's voice, joined with seeded pauses of 0.35-0.85 s."""
    rng = random.Random(seed)
    pieces, sentences, t = [np.zeros(int(lead * RATE), np.float32)], [], int(lead * RATE)
    for i, (speaker, text) in enumerate(lines):
        voice = voices.get(speaker, voices["A"])
        x = speak(text, voice, wpm)
        loud = np.flatnonzero(loud_frames(x))
        first, last = (loud[0], loud[-1] + 1) if loud.size else (0, x.size // FRAME)
        sentences.append({"i": i, "speaker": speaker, "voice": voice, "text": text,
                          "onset": round((t + first * FRAME) / RATE, 3), "offset": round((t + last * FRAME) / RATE, 3)})
        gap = np.zeros(int(rng.uniform(0.35, 0.85) * RATE), np.float32)
        pieces += [x, gap]
        t += x.size + gap.size
    return Clip(name, np.concatenate(pieces), sentences, {"voices": voices, "wpm": wpm})


def pink(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    freqs[0] = freqs[1]
    x = np.fft.irfft(spectrum / np.sqrt(freqs), n)
    return (x / x.std()).astype(np.float32)


def with_noise(clip: Clip, snr_db: float, seed: int) -> Clip:
    """Pink noise at `snr_db` against the power of the speech frames (not the pauses)."""
    loud = loud_frames(clip.audio)
    frames = clip.audio[: loud.size * FRAME].reshape(loud.size, FRAME)[loud]
    noise = pink(clip.audio.size, seed) * np.sqrt(float((frames ** 2).mean()) / 10 ** (snr_db / 10))
    y = clip.audio + noise
    peak = float(np.abs(y).max())
    y = y / peak * 0.9 if peak > 0.99 else y
    return Clip(f"{clip.name}__n{snr_db:g}", y.astype(np.float32), clip.sentences, {**clip.tags, "snr": snr_db})


def write_wav(path: Path, audio: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(RATE)
        f.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as f:
        return np.frombuffer(f.readframes(f.getnframes()), dtype="<i2").astype(np.float32) / 32768.0


def librivox() -> Clip | None:
    """The five LibriVox files joined with 1 s of silence, with their transcript; None where
    pocketsphinx-testdata is not installed. Sentence onsets are the files' first loud frames."""
    if not (LIBRIVOX / "transcription").is_file():
        return None
    said = {name: text.strip() for text, name in
            re.findall(r"<s>(.*?)</s>\s*\((.*?)\)", (LIBRIVOX / "transcription").read_text())}
    pieces, sentences, t = [], [], 0
    for i, name in enumerate((LIBRIVOX / "fileids").read_text().split()):
        x = read_wav(LIBRIVOX / f"{name}.wav")
        loud = np.flatnonzero(loud_frames(x))
        sentences.append({"i": i, "speaker": "A", "voice": "librivox", "text": said[name],
                          "onset": round((t + loud[0] * FRAME) / RATE, 3), "offset": round((t + (loud[-1] + 1) * FRAME) / RATE, 3)})
        pieces += [x, np.zeros(RATE, np.float32)]
        t += x.size + RATE
    return Clip("librivox", np.concatenate(pieces), sentences, {"voices": {"A": "LibriVox reader"}})
