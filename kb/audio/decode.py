"""An audio file's sound as 16 kHz mono float32 samples, decoded in-process by PyAV (FFmpeg's own
libraries, so no ffmpeg binary), with clear errors for empty, truncated and non-audio files."""
from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Iterator

import numpy as np

from .options import SAMPLE_RATE, AudioError

SILENCE_PEAK = 10 ** (-50 / 20)  # quieter than -50 dBFS throughout: silence, no model is run
TRUNCATION_SLACK = 1.0  # seconds: decoding may fall this far short of the declared length


def decode_audio(path: str | os.PathLike) -> np.ndarray:
    """The file's sound as 16 kHz mono float32 in [-1, 1], decoded with PyAV (FFmpeg's libraries)."""
    import av  # a faster-whisper dependency: the audio extra's

    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise AudioError(f"cannot read the file: {exc.strerror}", path) from None
    if size == 0:
        raise AudioError("file is empty (0 bytes)", path)
    check_wav_length(path, size)
    pieces: list[np.ndarray] = []
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioError("no audio stream in the file", path)
            stream = container.streams.audio[0]
            declared = container.duration / 1_000_000 if container.duration else None
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            for frame in decoded_frames(container, stream):
                pieces += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
            pieces += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    except av.error.FFmpegError as exc:
        raise AudioError(f"not an audio file, or a corrupt one ({exc.strerror or exc})", path) from None
    audio = np.concatenate(pieces).astype(np.float32) / 32768.0 if pieces else np.zeros(0, np.float32)
    if not audio.size:
        raise AudioError("no sound could be decoded: not an audio file, or a corrupt one", path)
    got = audio.size / SAMPLE_RATE
    if declared and got < declared - max(TRUNCATION_SLACK, 0.02 * declared):
        raise AudioError(f"file is truncated: {got:.1f} s of the {declared:.1f} s it declares could be decoded", path)
    return audio


def decoded_frames(container, stream) -> Iterator:
    """Frames in order; a damaged frame in the middle is skipped (players do the same)."""
    import av

    frames = container.decode(stream)
    while True:
        try:
            yield next(frames)
        except StopIteration:
            return
        except av.error.InvalidDataError:
            continue


def check_wav_length(path: Path, size: int) -> None:
    """A WAV file shorter than its RIFF header says was cut off (FFmpeg trusts the file size)."""
    with open(path, "rb") as f:
        head = f.read(12)
    if len(head) == 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        declared = struct.unpack("<I", head[4:8])[0] + 8
        if 44 < declared < 0xFFFFFFFF and size < declared:  # 0 or all ones: written as a stream
            raise AudioError(f"file is truncated: {size} of the {declared} bytes its WAV header declares", path)


def is_silent(audio: np.ndarray) -> bool:
    return float(np.abs(audio).max(initial=0.0)) < SILENCE_PEAK
