"""Who an unlabelled turn of a transcript probably is. Transcription services label a voice they
could not tell "Unknown Speaker" (most of Tim O'Neill's turns in the bundled episode 234's
interview), and a conversation takes turns: a turn between two of Robert's is most
likely by the other person speaking in that stretch. So an unknown turn's likely speaker is the
nearest named speaker, in named turns, who is not the speaker just before or after it; none where
two are equally near or none is within MAX_TURNS_AWAY named turns."""
from __future__ import annotations

import re
from itertools import groupby

from .chunking import Chunk

UNKNOWN = re.compile(r"(unknown|unidentified)( speaker)?", re.IGNORECASE)
NOT_A_VOICE = {"announcer"}  # a produced intro or outro is no one in the conversation
MAX_TURNS_AWAY = 6  # named turns either way: a conversation's stretch, not the whole episode


def is_unknown(speaker: str | None) -> bool:
    return bool(speaker) and bool(UNKNOWN.fullmatch(speaker.strip()))


def guess_unknown_speakers(chunks: list[Chunk]) -> int:
    """Set `likely_speaker` on the chunks of unknown turns (in place); how many were set."""
    guessed = 0
    for _, group in groupby(chunks, key=lambda c: c.document_id):
        turns = [list(run) for _, run in groupby(group, key=lambda c: c.speaker)]
        speakers = [turn[0].speaker for turn in turns]
        for n, speaker in enumerate(speakers):
            if not is_unknown(speaker):
                continue
            likely = likely_speaker(speakers, n)
            for chunk in turns[n]:
                chunk.likely_speaker = likely
            guessed += len(turns[n]) if likely else 0
    return guessed


def likely_speaker(speakers: list[str | None], n: int) -> str | None:
    """The nearest named speaker to turn n, counting named turns only (a run of unknown turns
    between Robert's is one voice), who does not speak just before or after it."""
    beside = {speakers[i] for i in (n - 1, n + 1) if 0 <= i < len(speakers)}
    left = [s for s in reversed(speakers[:n]) if is_named(s)][:MAX_TURNS_AWAY]
    right = [s for s in speakers[n + 1:] if is_named(s)][:MAX_TURNS_AWAY]
    for distance in range(max(len(left), len(right))):
        near = {side[distance] for side in (left, right) if distance < len(side)} - beside
        if near:
            return near.pop() if len(near) == 1 else None
    return None


def is_named(speaker: str | None) -> bool:
    return bool(speaker) and not is_unknown(speaker) and speaker.lower() not in NOT_A_VOICE
