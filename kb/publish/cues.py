"""Transcript passages -> caption cues, as captioning guidelines suggest: at most MAX_LINES lines
of at most MAX_LINE_CHARS characters (the 'Name: ' that marks a new speaker in SRT included), at
most MAX_CUE_SECONDS on screen, ended at a sentence end once a cue holds enough to read.

A cue's words are timed from the words table where it has a time for every word of the passage,
else spread over the passage's span by their length (longer words take longer to say); words that
share one time (a long source cue's) are spread over it the same way."""
from __future__ import annotations

from dataclasses import dataclass, field

MAX_LINE_CHARS = 42
MAX_LINES = 2
MAX_CUE_SECONDS = 7.0
SENTENCE_BREAK_CHARS = 30  # a sentence end after this many characters ends the cue
MIN_CUE_SECONDS = 0.1  # a cue squeezed shorter (a passage with more words than time) still shows
WORDS_PER_SECOND = 2.5  # for a passage without an end time


@dataclass
class Passage:
    """A timed transcript passage as kb.db holds it, with its words' times where known."""

    speaker: str | None
    start: float
    end: float | None
    text: str
    words: list[tuple[str, float | None, float | None]] = field(default_factory=list)


@dataclass
class Cue:
    start: float
    end: float
    text: str
    speaker: str | None = None
    new_speaker: bool = False  # the first cue of a speaker's turn

    @property
    def shown(self) -> str:
        """The cue's text as SRT shows it, with its speaker's name: on every cue, since a reader
        takes a 'Name:' label for a speaker only where the file uses it more than once."""
        return f"{self.speaker}: {self.text}" if self.speaker else self.text


def wrap(text: str, width: int = MAX_LINE_CHARS) -> list[str] | None:
    """The text on one line, or two balanced lines (a break after punctuation preferred), each at
    most `width` characters; None when it does not fit in MAX_LINES lines."""
    if len(text) <= width:
        return [text]
    words = text.split(" ")
    best: tuple[float, list[str]] | None = None
    for k in range(1, len(words)):
        top, bottom = " ".join(words[:k]), " ".join(words[k:])
        if len(top) <= width and len(bottom) <= width:
            # balanced, after punctuation if it can; never a bottom line of digits, which SRT
            # readers (this project's too) can take for the next cue's number
            cost = abs(len(top) - len(bottom)) - (8 if top[-1] in ",.;:?!" else 0) + (100 if bottom.isdigit() else 0)
            if best is None or cost < best[0]:
                best = (cost, [top, bottom])
    return best[1] if best else None


def shown_lines(text: str) -> list[str]:
    """The lines a cue is written on (a single word longer than a line stays whole on its own)."""
    return wrap(text) or [text]


def timed_tokens(passage: Passage, next_start: float | None) -> list[tuple[str, float, float]]:
    """(token, start, end) for each whitespace-separated token of the passage's text."""
    tokens = passage.text.split()
    if tokens and len(passage.words) == len(tokens) and all(w[1] is not None for w in passage.words):
        return word_timed(tokens, passage.words, next_start)
    end = passage.end if passage.end is not None and passage.end > passage.start else None
    return spread(tokens, passage.start, end, next_start)


def spread(tokens: list[str], start: float, end: float | None, next_start: float | None) -> list[tuple[str, float, float]]:
    """The tokens timed over start..end by their length (an end estimated from the word count
    when not known, never past `next_start`)."""
    end = end or start + len(tokens) / WORDS_PER_SECOND
    if next_start is not None and start < next_start < end:
        end = next_start  # an estimated end never runs into the next passage
    weights = [len(t) + 1 for t in tokens]
    total, done, timed = sum(weights) or 1, 0, []
    for token, weight in zip(tokens, weights):
        begin = start + (end - start) * done / total
        done += weight
        timed.append((token, begin, start + (end - start) * done / total))
    return timed


def word_timed(tokens: list[str], words: list[tuple[str, float | None, float | None]],
               next_start: float | None) -> list[tuple[str, float, float]]:
    """Tokens timed by their words' times. Words that share one time (a source cue's time given to
    each of its words, as WebVTT and segment-timed JSON do) are spread over that span by length,
    never shown as one word per cue all at the same time."""
    timed: list[tuple[str, float, float]] = []
    last, k = words[0][1], 0
    while k < len(tokens):
        run = k + 1
        while run < len(tokens) and words[run][1:] == words[k][1:]:
            run += 1
        start, end = max(words[k][1], last), words[k][2]
        following = words[run][1] if run < len(tokens) else None
        if run - k > 1:
            timed += spread(tokens[k:run], start, end if end is not None and end > start else None,
                            following if following is not None else next_start)
        else:
            end = end if end is not None and end > start else (following if following and following > start
                                                                else start + 1 / WORDS_PER_SECOND)
            timed.append((tokens[k], start, end))
        last, k = start, run
    return timed


def passage_cues(passage: Passage, tokens: list[tuple[str, float, float]], new_speaker: bool) -> list[Cue]:
    """The passage's tokens grouped into cues that fit the lines and the seconds."""
    cues: list[Cue] = []
    current: list[tuple[str, float, float]] = []

    def close() -> None:
        if current:
            cues.append(Cue(current[0][1], min(current[-1][2], current[0][1] + MAX_CUE_SECONDS),
                            " ".join(t for t, _, _ in current), passage.speaker, new_speaker and not cues))
            current.clear()

    for token in tokens:
        if current:
            head = f"{passage.speaker}: " if passage.speaker else ""  # room for SRT's label on every cue
            text = head + " ".join(t for t, _, _ in current) + " " + token[0]
            if wrap(text) is None or token[2] - current[0][1] > MAX_CUE_SECONDS:
                close()
        current.append(token)
        if token[0][-1] in ".?!…" and len(" ".join(t for t, _, _ in current)) >= SENTENCE_BREAK_CHARS:
            close()
    close()
    return cues


def transcript_cues(passages: list[Passage]) -> list[Cue]:
    """Every passage's cues, in order; a cue ends where the next begins (it never overlaps the
    next one unless the passages' own times do) and shows for MIN_CUE_SECONDS at least."""
    cues: list[Cue] = []
    speaker: str | None = None
    for n, passage in enumerate(passages):
        following = passages[n + 1].start if n + 1 < len(passages) else None
        changed = passage.speaker is not None and (passage.speaker != speaker or not cues)
        cues += passage_cues(passage, timed_tokens(passage, following), changed)
        speaker = passage.speaker if passage.speaker is not None else speaker
    for cue, after in zip(cues, cues[1:]):
        if cue.start < after.start < cue.end:
            cue.end = after.start
    for cue in cues:
        cue.start, cue.end = round(cue.start, 3), round(max(cue.end, cue.start + MIN_CUE_SECONDS), 3)
    return cues
