"""Who speaks when: voice embeddings of 1.6 s windows every 0.25 s over the speech (Silero VAD),
clustered by spectral clustering, with the number of speakers given or read from the eigengap.

Chosen on synthetic dialogues (bench/diarize.py): spectral clustering of the cosine affinity
(each row's top 30% kept, symmetrised) beat agglomerative clustering, and the eigengap of the
normalised Laplacian estimated the count where agglomerative clustering's silhouette split one
voice in two. Its size (`confidence`) says how clearly the voices separate: an estimate of more
than one speaker is kept only with a clear gap (CLEAR_GAP), and two voices the encoder cannot tell
apart come out as one speaker. A long file clusters an even spread of at most MAX_CLUSTERED of its
windows and gives each other window the nearest speaker, so an hour costs little more than a clip.

Each window's embedding is the mean of itself and its neighbours (SMOOTH either side) within the same
stretch of speech, so it speaks for 2.6 s of one voice without reaching across a pause; the clusters
are found on these embeddings less their mean over the file (what all voices share taken out, which
leaves what tells two similar voices apart), and the count on the windows as they are (on smoothed
ones the few windows of an 8 s monologue split into three, on centred ones a single voice splits).
On the tuning texts (bench/diarize.py --texts tuning, windows scored) this
took two similar voices from 43% to 20% of windows wrong (24% to 12% at 15 dB) and three voices from
28% to 20% (19% to 15%); on the real recordings 14% stayed 14%, 8% stayed 8%, and one AMI excerpt
went from 12% to 18% (15 of 83 windows). A wider reach, or one embedding per stretch of speech, did
better on the synthetic dialogues but worse on the real ones, where a turn often follows another
without a pause.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .speech import speech_regions
from .voices import WINDOW_FRAMES, embed, mel_frames

STEP_FRAMES = 25  # a window every 0.25 s
MAX_WINDOWS = 6000  # beyond this the step grows: the affinity matrix is windows squared
MAX_SPEAKERS = 7  # the eigengap looks at this many eigenvalues
KEEP = 0.3  # share of each row of the affinity kept
CLEAR_GAP = 0.3  # an estimated count above one needs an eigengap this big: else one speaker
SMOOTH = 2  # neighbours either side averaged into each window's embedding (same speech stretch only)
MAX_CLUSTERED = 2000  # windows clustered (evenly spread); the others join the nearest speaker: affinity stays 2000 squared


@dataclass
class Diarization:
    centres: np.ndarray  # seconds, the middle of each window
    labels: np.ndarray  # a cluster per window, numbered in order of first speech
    embeddings: np.ndarray
    count: int
    estimated: bool
    confidence: float  # the eigengap: near 0 when the clusters are not clearly apart
    margins: np.ndarray  # per window: similarity to its own speaker minus the best other (1 with one speaker)


def speech_runs(audio: np.ndarray, frames: int) -> np.ndarray:
    """Per 10 ms frame: the number (from 1) of the stretch of speech it is in, 0 outside speech
    (Silero VAD, short pauses kept apart)."""
    runs = np.zeros(frames, int)
    for n, (a, b) in enumerate(speech_regions(audio, min_silence_ms=200, pad_ms=30), start=1):
        runs[int(a * 100): int(b * 100) + 1] = n
    return runs


def speech_mask(audio: np.ndarray, frames: int) -> np.ndarray:
    """Per 10 ms frame: whether it is speech."""
    return speech_runs(audio, frames) > 0


def windows(audio: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(centres in seconds, embeddings, stretch of speech) of the windows that are at least half speech."""
    mels = mel_frames(audio)
    runs = speech_runs(audio, mels.shape[0])
    mask = runs > 0
    step = max(STEP_FRAMES, int(mask.sum() / MAX_WINDOWS) + 1)
    last = max(mels.shape[0] - WINDOW_FRAMES, 0)
    starts = [s for s in range(0, last + 1, step) if mask[s:s + WINDOW_FRAMES].mean() >= 0.5]
    # a window's stretch: the one at its middle, else the latest it covers
    stretch = np.array([runs[s + WINDOW_FRAMES // 2] or runs[s:s + WINDOW_FRAMES].max() for s in starts], int)
    return (np.array(starts) + WINDOW_FRAMES / 2) / 100.0, embed(mels, starts), stretch


def smooth(embeddings: np.ndarray, stretch: np.ndarray, reach: int = SMOOTH) -> np.ndarray:
    """Each embedding averaged with up to `reach` neighbours either side in the same stretch, unit length."""
    out = embeddings.astype(np.float64).copy()
    for o in range(1, min(reach, len(out) - 1) + 1):
        same = stretch[o:] == stretch[:-o]
        out[:-o][same] += embeddings[o:][same]
        out[o:][same] += embeddings[:-o][same]
    return (out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def centred(embeddings: np.ndarray) -> np.ndarray:
    """Embeddings less their mean, unit length: the differences between voices, not what they share."""
    e = embeddings - embeddings.mean(axis=0)
    return e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)


def affinity(embeddings: np.ndarray) -> np.ndarray:
    """Cosine similarity clipped to [0, 1], each row's top KEEP kept, symmetrised."""
    s = np.clip(embeddings @ embeddings.T, 0, 1)
    s = np.where(s >= np.quantile(s, 1 - KEEP, axis=1, keepdims=True), s, 0.0)
    return np.maximum(s, s.T)


def eigengap(a: np.ndarray) -> tuple[int, float]:
    """(speaker count, size of the gap) from the first eigenvalues of the normalised Laplacian."""
    d = 1 / np.sqrt(np.maximum(a.sum(axis=1), 1e-10))
    laplacian = np.eye(len(a)) - d[:, None] * a * d[None, :]
    values = np.sort(np.linalg.eigvalsh(laplacian))[: MAX_SPEAKERS + 1]
    gaps = np.diff(values)
    return int(np.argmax(gaps) + 1), float(gaps.max())


def in_order(labels: np.ndarray) -> np.ndarray:
    """Clusters renumbered 0, 1, 2... in order of first appearance."""
    order = {label: n for n, label in enumerate(dict.fromkeys(labels.tolist()))}
    return np.array([order[x] for x in labels.tolist()], dtype=int)


def nearest_speaker(embeddings: np.ndarray, clustered: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each window's speaker: the clustered speaker whose centroid is most like it."""
    centroids = np.stack([clustered[labels == k].mean(axis=0) for k in np.unique(labels)])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    return np.unique(labels)[np.argmax(embeddings @ centroids.T, axis=1)]


def margins(embeddings: np.ndarray, labels: np.ndarray, count: int) -> np.ndarray:
    """Each window's similarity to its own speaker's centroid minus that to the nearest other one."""
    if count < 2:
        return np.ones(len(labels))
    centroids = np.stack([embeddings[labels == k].mean(axis=0) for k in range(count)])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    sims = embeddings @ centroids.T
    own = sims[np.arange(len(labels)), labels]
    sims[np.arange(len(labels)), labels] = -np.inf
    return own - sims.max(axis=1)


def diarize(audio: np.ndarray, count: int | None = None) -> Diarization:
    """Speakers of the audio; `count` None estimates how many."""
    from sklearn.cluster import SpectralClustering

    centres, raw, stretch = windows(audio)
    embeddings = smooth(raw, stretch)
    if len(centres) < 3:
        return Diarization(centres, np.zeros(len(centres), int), embeddings, 1, count is None, 0.0, np.ones(len(centres)))
    # a long file clusters an even spread of its windows: the eigen-decomposition is cubic in their number
    chosen = np.unique(np.linspace(0, len(centres) - 1, min(len(centres), MAX_CLUSTERED)).astype(int))
    # the count from the windows as they are: smoothed, the few windows of a short monologue split
    estimate, gap = eigengap(affinity(raw[chosen]))
    if count is None and gap < CLEAR_GAP:  # short files split one voice with small gaps (0.22-0.27 seen)
        estimate = 1
    k = min(count or estimate, len(chosen) - 1)
    labels = np.zeros(len(centres), int)
    if k > 1:
        some = SpectralClustering(k, affinity="precomputed", assign_labels="cluster_qr",
                                  random_state=0).fit_predict(affinity(centred(embeddings[chosen])))
        labels = nearest_speaker(embeddings, embeddings[chosen], some) if len(chosen) < len(centres) else some
    labels = in_order(labels)
    k = int(labels.max()) + 1
    return Diarization(centres, labels, embeddings, k, count is None, round(gap, 3), margins(embeddings, labels, k))
