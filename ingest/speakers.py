"""Who says a cue, and only when the file says so.

A speaker comes from explicit markup (a WebVTT '<v Name>', a JSON 'speaker') or from a 'Name:' or
'[Name]' at the start of a cue, but only a label that looks like a person's name and recurs in the
file (or names a '<v>' voice of it): 'Digo:' ('I say:'), 'J'ai dit:', '[Ángeles ríe]', '[Laughs]'
and 'Note:' are words of the cue, kept as text. 'Dana:' after 'Dana Whitfield:' is the same person.
A cue without a label has no speaker, unless it goes on with a sentence the cue before it left
unfinished; a dialogue dash ('- ') starts a new turn. No word is ever dropped.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

LABEL = re.compile(r"^(?:\[(?P<bracket>[^\]\[]{1,60})\]:?|(?P<name>[^:\[\]]{1,60}?)\s*:)\s+(?P<rest>\S.*)$")
DASH = re.compile(r"^[-–—‐]\s*")
PARTICLES = {"de", "da", "del", "della", "der", "den", "van", "von", "di", "du", "le", "la", "bin", "al", "el",
             "dos", "das", "ten", "ter", "y", "e", "zu", "af"}
# Colon and bracket words that are never a speaker: stage directions, notes, and labels of nobody.
NOT_NAMES = {
    "unknown", "note", "notes", "nb", "update", "tip", "warning", "hinweis", "achtung", "nota", "remarque",
    "important", "disclaimer", "editor's note", "music", "musique", "música", "musik", "laughs", "laughter",
    "laughing", "chuckles", "chuckling", "applause", "silence", "crosstalk", "inaudible", "indistinct", "sighs",
    "pause", "coughs", "intro", "outro", "sponsor", "ad", "break", "end", "start", "today", "now", "yes", "no",
    "so", "and", "but", "okay", "ok", "well", "example", "source", "edit", "question", "answer", "step", "digo",
    "dice", "dit", "sagt", "says", "said", "speaker", "speakers", "voice", "voices", "all", "both", "everyone",
    "audience", "sound", "noise", "beep", "static", "foreign", "singing", "sings",
}
# Labels transcription tools give people they could not name: a speaker all the same.
SPEAKER_NUMBER = re.compile(r"(?i)(?:speaker|spk|sprecher|locutor|intervenant)[ _-]?\d{1,3}|unknown speaker(?: \d{1,3})?")
SENTENCE_END = re.compile(r"[.!?…。！？]['\"”’)\]]*$")
MIN_LABEL_USES = 2


@dataclass
class Said:
    """One speaker's piece of a cue: its text (markup removed), the '<v>' voice when marked, the
    'Name:' or '[Name]' label it starts with (still in `text`), and the text after that label."""

    text: str
    voice: str | None = None
    label: str | None = None
    rest: str | None = None
    dash: bool = False  # it began with a dialogue dash: a new turn


def said(text: str, voice: str | None = None) -> Said:
    """A piece of cue text with its dash removed and its label noted (never taken out yet)."""
    dash = bool(DASH.match(text)) and len(text) > 1
    text = DASH.sub("", text, count=1) if dash else text
    match = None if voice else LABEL.match(text)
    label = " ".join((match["bracket"] or match["name"]).split()) if match else None
    return Said(text, voice, label, match["rest"] if match else None, dash)


def split_dialogue(lines: list[str]) -> list[str]:
    """The cue's lines joined into pieces: a line that starts with a dash or a label starts a new one."""
    pieces: list[str] = []
    for line in (ln.strip() for ln in lines):
        if not line or re.fullmatch(r"[-–—>\s]*", line):  # '-->' as cue text, a lone dash: no words
            continue
        if pieces and not DASH.match(line) and not LABEL.match(line):
            pieces[-1] = f"{pieces[-1]} {line}"
        else:
            pieces.append(line)
    return pieces


def is_name(label: str) -> bool:
    """'Robert Crane', 'Tim O’Neill', 'Jane de Souza', 'SPEAKER 1', 'Unknown Speaker', 'Dr. Noor Haddad'; not 'J'ai dit',
    'Toi, c'est', 'Lucía ríe', 'Dana laughs', 'Note' or 'Step 3'."""
    words = label.split()
    if SPEAKER_NUMBER.fullmatch(label):
        return True
    if not 1 <= len(words) <= 4 or len(label) > 40 or re.search(r"[,;!?\"“”()/@#&*=+<>{}]|\d|https?", label):
        return False
    if label.lower() in NOT_NAMES or words[0].lower() in NOT_NAMES or words[0].lower() in PARTICLES:
        return False
    return all(w[0].isupper() or w.lower() in PARTICLES for w in words)


def speakers_of(pieces: list[Said]) -> dict[str, str]:
    """label -> speaker for the labels that name someone: names used at least twice in the file
    (a first name counting for the one full name it starts: 'Dana' for 'Dana Whitfield'), or
    naming one of its '<v>' voices."""
    voices = {p.voice for p in pieces if p.voice}
    labels = {p.label for p in pieces if p.label and is_name(p.label)}
    full = {}
    for label in labels:
        longer = [other for other in labels | voices if other.startswith(label + " ")]
        full[label] = longer[0] if len(longer) == 1 and " " not in label else label
    uses = Counter(full[p.label] for p in pieces if p.label in full)
    return {label: name for label, name in full.items()
            if uses[name] >= MIN_LABEL_USES or name in voices}


def attribute(pieces: list[Said], gaps: list[float | None]) -> list[tuple[str | None, str]]:
    """(speaker, text) for each piece, in order. `gaps` holds the seconds of silence before each
    piece (None where unknown, 0 inside one cue): a sentence that goes on across cues keeps its
    speaker only when there is no long pause."""
    names = speakers_of(pieces)
    out: list[tuple[str | None, str]] = []
    for piece, gap in zip(pieces, gaps):
        if piece.voice:
            out.append((piece.voice, piece.text))
        elif piece.label in names:
            out.append((names[piece.label], piece.rest))
        elif out and out[-1][0] and not piece.dash and not SENTENCE_END.search(out[-1][1]) and (gap or 0) <= 2.0:
            out.append((out[-1][0], piece.text))  # the sentence goes on
        else:
            out.append((None, piece.text))
    return out
