"""Chapters found in a transcript, for episodes whose sources list none (source `generated`).

Where the subject changes is scored at every turn start from three signals, each comparing the
talk of the WINDOW_SECONDS before it with the talk after it (0 the same, 1 all changed):

- words: 1 - the TF-IDF cosine of the two windows' single-word index terms (the counts the build
  has already made for its passages, weighed by an idf over the episode's turns),
- topics: 1 - the cosine of the taxonomy topics tagged in the two windows' passages,
- speakers: 1 - the overlap of who speaks how much of each window (a guest arrives, or leaves).

Each signal is put in standard deviations from its mean over the episode, weighed by WEIGHTS and
averaged over the window sizes. The best-scoring turn starts become chapter starts, no two cuts
within MIN_GAP_SECONDS, 3 to 12 an hour (CHAPTERS_PER_HOUR): the fewest allowed, more while a
score stands out, and more again where a chapter runs past LONGEST_SECONDS. Each chapter is
titled by kb/chapter_titles.py.
"""
from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from scipy.sparse import csr_matrix

from ingest.model import Chapter, Document, Segment

from .analysis import terms
from .chapter_titles import CorpusTerms, TurnTerms, chapter_title, corpus_terms
from .chunking import Chunk
from .tfidf import Counts
from .topics import Topic

LONG_ENOUGH_SECONDS = 600  # shorter transcripts get no generated chapters
CHAPTERS_PER_HOUR = (3, 12)
WINDOW_SECONDS = (120, 240, 480)  # the windows compared, each side of a turn start: short ones place a
# change, long ones see a change of segment (the news, then the interview)
MIN_GAP_SECONDS = 300  # 3600 / 12: no two cuts closer than this; the first and last chapter half of it
LONGEST_SECONDS = 1200  # 3600 / 3: a longer chapter is cut again where it scores best
WEIGHTS = {"words": 0.5, "topics": 0.3, "speakers": 0.2}
STANDS_OUT = 0.5  # past the fewest chapters, a start must score this many deviations above the mean


@dataclass
class Turn:
    """A timed turn of the transcript with what the chapter finder compares."""

    start: float
    end: float
    speaker: str | None
    text: str
    topics: Counter = field(default_factory=Counter)
    rows: list[int] = field(default_factory=list)  # its chunks' rows in the index's count matrix


def add_generated_chapters(documents: list[Document], chunks: list[Chunk], taxonomy: list[Topic],
                           counts: Counts, spread: Callable = map) -> int:
    """Give each document with a transcript over LONG_ENOUGH_SECONDS and no chapters generated ones
    (chunks must carry their topics; `counts` are their index terms). Returns how many got chapters.
    `spread(function, items)` maps the documents' work (kb/build.py: over forked workers, which
    read what they need from the memory they share, set in _job)."""
    global _job
    by_document: dict[str, list[tuple[int, Chunk]]] = {}
    for row, chunk in enumerate(chunks):
        if chunk.start is not None:
            by_document.setdefault(chunk.document_id, []).append((row, chunk))
    wanted = [d for d in documents if not d.chapters and d.id in by_document]
    if not wanted:
        return 0
    _job = (wanted, by_document, {t.id: t.name for t in taxonomy}, corpus_terms(counts, chunks))
    try:
        found = list(spread(_chapters_for, range(len(wanted))))
    finally:
        _job = None
    for doc, chapters in zip(wanted, found):
        doc.chapters = chapters
    return sum(bool(d.chapters) for d in wanted)


_job: tuple | None = None


def _chapters_for(n: int) -> list[Chapter]:
    wanted, by_document, names, corpus = _job
    return generate_chapters(turns_of(wanted[n], by_document[wanted[n].id]), names, corpus)


def turns_of(doc: Document, chunks: list[tuple[int, Chunk]]) -> list[Turn]:
    """The document's timed turns, each with the passages (rows, topics) that start inside it."""
    segments = sorted((s for s in doc.segments if s.start is not None and s.text.strip()), key=lambda s: s.start)
    turns = [Turn(s.start, turn_end(s, segments[k + 1] if k + 1 < len(segments) else None), s.speaker, s.text)
             for k, s in enumerate(segments)]
    starts = [t.start for t in turns]
    for row, chunk in chunks:
        at = bisect_right(starts, chunk.start) - 1
        if at >= 0:
            turns[at].topics.update(chunk.topics)
            turns[at].rows.append(row)
    return turns


def turn_end(turn: Segment, following: Segment | None) -> float:
    if turn.end is not None and turn.end > turn.start:
        return turn.end
    if following is not None and following.start > turn.start:
        return following.start
    return turn.start + len(turn.text.split()) / 2.5  # about 150 words a minute


def generate_chapters(turns: list[Turn], topic_names: dict[str, str], corpus: CorpusTerms) -> list[Chapter]:
    """Chapters at turn starts where the subject changes; none for a short or one-turn transcript."""
    if len(turns) < 2 or turns[-1].end - turns[0].start <= LONG_ENOUGH_SECONDS:
        return []
    words = turn_terms(turns, corpus)
    cuts = chosen_cuts(turns, change_scores(turns, words))
    bounds = list(zip([0, *cuts], [*cuts, len(turns)]))
    speakers = {s for t in turns if t.speaker for s in terms(t.speaker)}
    titles = [chapter_title(words.span(a, b), topic_counts(turns[a:b]), [t.text for t in turns[a:b]], speakers,
                            corpus, topic_names) for a, b in bounds]
    # each chapter ends where the next starts (kb/chapter_rows.py); the last with the last turn
    return [Chapter(turns[a].start, title, None if b < len(turns) else turns[-1].end, source="generated")
            for (a, b), title in zip(bounds, titles)]


def topic_counts(span: list[Turn]) -> Counter:
    found: Counter = Counter()
    for turn in span:
        found.update(turn.topics)
    return found


def turn_terms(turns: list[Turn], corpus: CorpusTerms) -> TurnTerms:
    """Each turn's counts of single-word index terms: the sums of its passages' rows of the
    index's count matrix, over the episode's own columns."""
    rows = [r for t in turns for r in t.rows]
    ends = np.cumsum([len(t.rows) for t in turns])
    counts = csr_matrix(membership(ends - [len(t.rows) for t in turns], ends, len(rows)) @ corpus.matrix[rows],
                        dtype=np.float64)
    counts.data[~corpus.unigram[counts.indices]] = 0  # bigrams out: the windows compare words
    counts.eliminate_zeros()
    columns, compact = np.unique(counts.indices, return_inverse=True)
    return TurnTerms(csr_matrix((counts.data, compact.ravel(), counts.indptr), shape=(len(turns), max(len(columns), 1))),
                     columns)


def change_scores(turns: list[Turn], words: TurnTerms) -> np.ndarray:
    """How much changes at the start of each turn but the first: each signal's dissimilarity of the
    windows before and after, in standard deviations from its mean over the episode (so the three
    weigh as WEIGHTS say), averaged over the window sizes."""
    signals = features(turns, words.counts)
    # Sums over windows of turns are differences of running sums: of the turns x turns dot
    # products for the words (sparse and many), of the rows themselves for topics and speakers.
    gram = (signals["words"] @ signals["words"].T).toarray()
    running = {"words": np.pad(gram.cumsum(axis=0).cumsum(axis=1), ((1, 0), (1, 0)))}
    running.update({name: np.vstack([np.zeros((1, signals[name].shape[1])), np.cumsum(signals[name], axis=0)])
                    for name in ("topics", "speakers")})
    starts = np.array([t.start for t in turns])
    at = np.arange(1, len(turns))
    total = np.zeros(len(turns) - 1)
    for seconds in WINDOW_SECONDS:
        low = np.minimum(np.searchsorted(starts, starts[1:] - seconds, side="left"), at - 1)
        high = np.maximum(np.searchsorted(starts, starts[1:] + seconds, side="left"), at + 1)
        for name, weight in WEIGHTS.items():
            change = 1 - similarity(name, running[name], low, at, high)
            change = np.where(np.isnan(change), np.nanmean(change) if np.isfinite(change).any() else 0, change)
            total += weight * (change - change.mean()) / (change.std() or 1)
    return total / len(WINDOW_SECONDS)


def features(turns: list[Turn], counts: csr_matrix) -> dict:
    """Per turn: TF-IDF of its words (sublinear counts and an idf over the episode's turns without
    the +1, so a word every turn uses weighs nothing; sparse), its passages' topic counts, and its
    words per speaker."""
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    words = counts.copy()
    words.data = (1 + np.log(words.data)) * np.log((1 + len(turns)) / (1 + df[words.indices]))
    topic_ids = sorted({t for turn in turns for t in turn.topics})
    topics = np.array([[turn.topics.get(t, 0) for t in topic_ids] for turn in turns], dtype=np.float64).reshape(len(turns), -1)
    speakers = sorted({turn.speaker or "" for turn in turns})
    talk = np.zeros((len(turns), len(speakers)))
    for n, turn in enumerate(turns):
        talk[n, speakers.index(turn.speaker or "")] = len(turn.text.split())
    return {"words": words, "topics": topics, "speakers": talk}


def membership(low: np.ndarray, high: np.ndarray, n: int) -> csr_matrix:
    """A rows x n matrix of ones at columns low[r]..high[r]-1 of each row r."""
    lengths = high - low
    columns = np.concatenate([np.arange(a, b) for a, b in zip(low, high)])
    return csr_matrix((np.ones(len(columns)), columns, np.concatenate([[0], np.cumsum(lengths)])), shape=(len(low), n))


def similarity(name: str, running: np.ndarray, low: np.ndarray, at: np.ndarray, high: np.ndarray) -> np.ndarray:
    """For each turn start, the windows low..at-1 and at..high-1 compared: the cosine of their words
    (from running sums of dot products) or topics (NaN where one has none), or the overlap of
    their shares of talk by speaker."""
    if name == "words":
        def block(r0, r1, c0, c1):
            return running[r1, c1] - running[r0, c1] - running[r1, c0] + running[r0, c0]
        dot, norms = block(low, at, at, high), np.sqrt(np.maximum(block(low, at, low, at) * block(at, high, at, high), 0))
    else:
        a, b = running[at] - running[low], running[high] - running[at]
        if name == "speakers":
            share_a = a / np.maximum(a.sum(axis=1, keepdims=True), 1)
            share_b = b / np.maximum(b.sum(axis=1, keepdims=True), 1)
            return np.minimum(share_a, share_b).sum(axis=1)
        dot, norms = (a * b).sum(axis=1), np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norms > 1e-12, dot / np.where(norms > 1e-12, norms, 1), np.nan)


def chapter_count_range(seconds: float) -> tuple[int, int]:
    """The fewest and most chapters for a transcript this long: 3 to 12 an hour, two at least."""
    hours = seconds / 3600
    fewest = max(2, math.ceil(CHAPTERS_PER_HOUR[0] * hours))
    return fewest, max(fewest, math.floor(CHAPTERS_PER_HOUR[1] * hours))


def chosen_cuts(turns: list[Turn], scores: np.ndarray) -> list[int]:
    """Indexes of the turns that start chapters (after the first): best scores first, each far
    enough from the others and from both ends; the fewest allowed, up to the most allowed while a
    score stands out from the rest, and then more wherever a chapter runs past LONGEST_SECONDS."""
    first, last = turns[0].start, turns[-1].end
    fewest, most = chapter_count_range(last - first)
    gap = min(MIN_GAP_SECONDS, (last - first) / (fewest + 1))
    bar = float(np.mean(scores) + STANDS_OUT * np.std(scores))

    def allowed(i: int, cuts: list[int]) -> bool:
        at = turns[i].start
        return min(at - first, last - at) >= gap / 2 and all(abs(at - turns[c].start) >= gap for c in cuts)

    cuts: list[int] = []
    for i in sorted(range(1, len(turns)), key=lambda i: (-scores[i - 1], i)):
        if len(cuts) + 1 >= most or (len(cuts) + 1 >= fewest and scores[i - 1] < bar):
            break
        if allowed(i, cuts):
            cuts.append(i)
    while len(cuts) + 1 < most:
        bounds = [0, *sorted(cuts), len(turns)]
        a, b = max(zip(bounds, bounds[1:]), key=lambda s: turns[s[1] - 1].end - turns[s[0]].start)
        inside = [i for i in range(a + 1, b) if allowed(i, cuts)]
        if turns[b - 1].end - turns[a].start <= LONGEST_SECONDS or not inside:
            break
        cuts.append(max(inside, key=lambda i: (scores[i - 1], -i)))
    return sorted(cuts)
