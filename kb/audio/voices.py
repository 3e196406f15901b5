"""A voice as 256 numbers: the pretrained GE2E speaker encoder that resemblyzer's wheel ships
(`resemblyzer/pretrained.pt`, 17 MB, Apache-2.0), loaded here without importing resemblyzer
itself, whose import needs webrtcvad, pkg_resources (gone from new setuptools) and librosa.

The network is an LSTM (40 -> 256, 3 layers), a linear layer, ReLU and L2 normalisation, over
40-band power mel frames of 16 kHz audio (25 ms Hann windows every 10 ms, centred, Slaney mel
scale and norm: librosa's defaults, computed here with numpy), after raising quiet audio to -30 dBFS.
"""
from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np

from .options import SAMPLE_RATE, EngineError

N_FFT, HOP, N_MELS, EMBEDDING = 400, 160, 40, 256
WINDOW_FRAMES = 160  # 1.6 s of 10 ms frames: one embedding
BATCH = 64
# One torch thread while embedding: the LSTM's steps are small matrix products, and a second
# thread spinning for them cost 8x the CPU time (and 4x the wall time) on a busy 2-core machine.
THREADS = 1


def available() -> bool:
    """Whether the voice encoder's weights are installed (the speakers extra)."""
    try:
        weights_path()
    except EngineError:
        return False
    return True


def weights_path() -> Path:
    """resemblyzer's pretrained.pt, found without running the package's __init__."""
    spec = importlib.util.find_spec("resemblyzer")
    path = Path(list(spec.submodule_search_locations)[0]) / "pretrained.pt" if spec and spec.submodule_search_locations else None
    if path is None or not path.is_file():
        raise EngineError("speaker labels need the voice encoder that the resemblyzer package ships: "
                          "pip install -e '.[speakers]'")
    return path


def encoder():
    """The encoder network with its pretrained weights, on the CPU, in eval mode."""
    return load_encoder(weights_path())


@lru_cache(maxsize=1)
def load_encoder(weights: Path):
    import torch
    from torch import nn

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(N_MELS, EMBEDDING, 3, batch_first=True)
            self.linear = nn.Linear(EMBEDDING, EMBEDDING)
            self.relu = nn.ReLU()

        def forward(self, mels):
            _, (hidden, _) = self.lstm(mels)
            e = self.relu(self.linear(hidden[-1]))
            return e / torch.norm(e, dim=1, keepdim=True)

    model = Encoder()
    state = torch.load(weights, map_location="cpu", weights_only=True)["model_state"]
    model.load_state_dict(state, strict=False)  # the checkpoint also holds the training-only similarity weights
    return model.eval()


def hz_to_mel(f):
    f = np.asarray(f, float)
    return np.where(f >= 1000, 15 + np.log(np.maximum(f, 1e-10) / 1000) / (np.log(6.4) / 27), f / (200.0 / 3))


def mel_to_hz(m):
    m = np.asarray(m, float)
    return np.where(m >= 15, 1000 * np.exp((np.log(6.4) / 27) * (m - 15)), (200.0 / 3) * m)


@lru_cache(maxsize=1)
def mel_filters() -> np.ndarray:
    """(40, 201) Slaney-normalised triangular filters."""
    freqs = np.linspace(0, SAMPLE_RATE / 2, 1 + N_FFT // 2)
    edges = mel_to_hz(np.linspace(hz_to_mel(0), hz_to_mel(SAMPLE_RATE / 2), N_MELS + 2))
    ramps = edges[:, None] - freqs[None, :]
    widths = np.diff(edges)
    filters = np.maximum(0, np.minimum(-ramps[:-2] / widths[:-1, None], ramps[2:] / widths[1:, None]))
    return (filters * (2.0 / (edges[2:] - edges[:-2]))[:, None]).astype(np.float32)


def mel_frames(audio: np.ndarray) -> np.ndarray:
    """(frames, 40) power mel: frame i is centred on sample 160 * i."""
    y = np.pad(louder(audio).astype(np.float32), N_FFT // 2)
    n = 1 + (len(y) - N_FFT) // HOP
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)
    out = np.empty((max(n, 0), N_MELS), np.float32)
    for a in range(0, n, 4096):  # in blocks, so an hour of audio never makes one huge array
        idx = np.arange(N_FFT)[None, :] + HOP * np.arange(a, min(n, a + 4096))[:, None]
        out[a:a + 4096] = (np.abs(np.fft.rfft(y[idx] * window, axis=1)) ** 2) @ mel_filters().T
    return out


def louder(audio: np.ndarray, target_dbfs: float = -30.0) -> np.ndarray:
    """Quiet audio raised to `target_dbfs` RMS (never lowered), as the encoder was trained."""
    rms = float(np.sqrt(np.mean(audio.astype(np.float64) ** 2))) if audio.size else 0.0
    change = target_dbfs - 20 * np.log10(rms + 1e-12) if rms > 0 else 0.0
    return audio * 10 ** (change / 20) if change > 0 else audio


def embed(mels: np.ndarray, starts: list[int]) -> np.ndarray:
    """(len(starts), 256) unit vectors, one per 1.6 s window of mel frames starting at each frame index."""
    import torch

    if not starts:
        return np.zeros((0, EMBEDDING), np.float32)
    model, out, threads = encoder(), [], torch.get_num_threads()
    torch.set_num_threads(THREADS)
    try:
        with torch.no_grad():
            for a in range(0, len(starts), BATCH):
                batch = np.stack([mels[s:s + WINDOW_FRAMES] for s in starts[a:a + BATCH]])
                out.append(model(torch.from_numpy(batch)).numpy())
    finally:
        torch.set_num_threads(threads)  # transcription (whisper-timestamped) keeps its own threads
    return np.concatenate(out)


def voice_print(audio: np.ndarray, speech_mask: np.ndarray | None = None) -> np.ndarray | None:
    """One unit vector for a voice sample: the mean of its speech windows' embeddings (every 0.5 s)."""
    mels = mel_frames(audio)
    last = max(mels.shape[0] - WINDOW_FRAMES, 0)
    starts = [s for s in range(0, last + 1, 50) if speech_mask is None or speech_mask[s:s + WINDOW_FRAMES].mean() >= 0.5]
    if mels.shape[0] < WINDOW_FRAMES // 2 or not starts:
        return None
    if mels.shape[0] < WINDOW_FRAMES:
        mels = np.pad(mels, ((0, WINDOW_FRAMES - mels.shape[0]), (0, 0)))
    mean = embed(mels, starts).mean(axis=0)
    return mean / np.linalg.norm(mean)
