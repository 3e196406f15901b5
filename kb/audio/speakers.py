"""Speakers on a transcript: every word and segment labelled ("Speaker 1", "Speaker 2"... in order
of first speech, or a name where a voice sample matches), segments split where the speaker
changes, a confidence per segment, and a summary of who speaks how long.

Each word takes the speaker of the embedding window whose centre is nearest its middle; a single
word between two stretches of one other speaker (an overlap, a short interjection the windows
cannot resolve) keeps its neighbours' label. A speaker is named only from a voice sample that
matches it (cosine similarity at least MATCH, one sample per speaker); names from show notes are
never put on a voice, since a wrong name is worse than "Speaker 2".
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .decode import decode_audio
from .diarize import Diarization, diarize, speech_mask
from .options import EngineError
from .voices import mel_frames, voice_print

MATCH = 0.75  # cosine similarity of a speaker's centroid to a sample for the sample's name
CLEAR_MARGIN = 0.15  # a window this much nearer its own speaker than any other is certain


class VoiceSampleError(EngineError):
    """A voice sample cannot name anyone: unreadable, or too little speech in it."""


@dataclass
class Sample:
    name: str
    path: str
    vector: np.ndarray


def load_sample(name: str, path: str | os.PathLike) -> Sample:
    """A named voice sample's voice print; a few seconds to a minute of the person alone."""
    audio = decode_audio(path)
    vector = voice_print(audio, speech_mask(audio, mel_frames(audio).shape[0]))
    if vector is None:
        raise VoiceSampleError(f"{path}: the voice sample for {name} has too little speech; "
                               "give a few seconds or more of that person speaking alone")
    return Sample(name, str(path), vector)


def samples_in(folder: str | os.PathLike) -> dict[str, str]:
    """Name -> file for each audio file in a folder of samples ('Brenton Johnson.wav')."""
    from ingest.audio import SUFFIXES

    return {p.stem: str(p) for p in sorted(Path(folder).iterdir()) if p.suffix.lower() in SUFFIXES}


def names_for(d: Diarization, samples: list[Sample]) -> dict[int, tuple[Sample, float]]:
    """Speaker number -> (matching sample, similarity): the best one-to-one matches at or above MATCH."""
    from scipy.optimize import linear_sum_assignment

    if not samples or not len(d.labels):
        return {}
    centroids = np.stack([d.embeddings[d.labels == k].mean(axis=0) for k in range(d.count)])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    sims = centroids @ np.stack([s.vector for s in samples]).T
    rows, cols = linear_sum_assignment(-sims)
    return {int(r): (samples[c], float(sims[r, c])) for r, c in zip(rows, cols) if sims[r, c] >= MATCH}


def word_speakers(words: list[dict], d: Diarization) -> tuple[list[int], list[float]]:
    """(speaker number, margin) per word, from the window nearest each word's middle."""
    if not len(d.centres):
        return [0] * len(words), [1.0] * len(words)
    nearest = [int(np.argmin(np.abs(d.centres - (w["start"] + w["end"]) / 2))) for w in words]
    labels = [int(d.labels[i]) for i in nearest]
    margin = [float(d.margins[i]) for i in nearest]
    for i in range(1, len(labels) - 1):  # one word between two stretches of another speaker: theirs
        if labels[i - 1] == labels[i + 1] != labels[i] and margin[i] < CLEAR_MARGIN:
            labels[i] = labels[i - 1]
    return labels, margin


def split_by_speaker(segments: list[dict], labels: list[int], margins: list[float], names: dict[int, str]) -> list[dict]:
    """Segments cut where the speaker changes, each with its speaker and a confidence in [0, 1]."""
    out, n = [], 0
    for seg in segments:
        runs: list[list[int]] = []
        for k in range(n, n + len(seg["words"])):
            if runs and labels[runs[-1][-1]] == labels[k]:
                runs[-1].append(k)
            else:
                runs.append([k])
        words = seg["words"]
        for run in runs:
            mine = [{**words[k - n], "speaker": names[labels[k]]} for k in run]
            certainty = float(np.mean([min(1.0, max(0.0, margins[k]) / CLEAR_MARGIN) for k in run]))
            out.append({**seg, "id": len(out), "start": mine[0]["start"], "end": mine[-1]["end"],
                        "text": " ".join(w["text"] for w in mine), "speaker": names[labels[run[0]]],
                        "speaker_confidence": round(certainty, 2), "words": mine})
        n += len(words)
    return out


def summary(segments: list[dict], d: Diarization, named: dict[int, tuple[Sample, float]], names: dict[int, str]) -> list[dict]:
    """Per speaker, in order of first speech: label, seconds and words, and the sample that named it."""
    out = []
    for k in range(d.count):
        mine = [s for s in segments if s["speaker"] == names[k]]
        sample, similarity = named.get(k, (None, None))
        out.append({"speaker": names[k], "seconds": round(sum(s["end"] - s["start"] for s in mine), 1),
                    "words": sum(len(s["words"]) for s in mine),
                    "sample": Path(sample.path).name if sample else None,
                    "similarity": round(similarity, 3) if similarity is not None else None})
    return out


def label_speakers(result: dict, audio: np.ndarray, count: int | None, samples: list[Sample]) -> dict:
    """The transcript with a speaker on every word and segment, and `speakers` summing them up."""
    d = diarize(audio, count)
    named = names_for(d, samples)
    names = {k: named[k][0].name if k in named else f"Speaker {k + 1}" for k in range(d.count)}
    words = [w for s in result["segments"] for w in s["words"]]
    labels, margins = word_speakers(words, d)
    segments = split_by_speaker(result["segments"], labels, margins, names)
    return {**result, "segments": segments,
            "speakers": [s for s in summary(segments, d, named, names) if s["words"]],
            "speaker_count": {"found": d.count, "estimated": d.estimated, "eigengap": d.confidence}}
