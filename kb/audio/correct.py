"""The taxonomy's jargon spelt as the show spells it, after decoding: a word, or two or three words
run together, that sounds and is spelt almost like a term of topics.yml or vocabulary.yml becomes
that term ("per view" -> "Purview", "In tune" -> "Intune", "G-DAB" -> "GDAP").

It cannot derail decoding (it never touches the decoder) and it is careful with real words: one
English word is never replaced (pyspellchecker's word list; "enter" stays "enter", not "Entra"),
two or three are only when run together they are the term, or one letter off it with the same
sound. The merged word keeps the first word's start and the last one's end: the model's times.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ..paths import bundled
from ..query import english_words  # pyspellchecker's list, read once for the spelling of queries too

MIN_TERM = 4  # letters: shorter terms (AD, ID, PIM) are too easy to hit by chance
COMMON = 5000  # a name this common in English (Teams, Exchange, Business) is a word Whisper already spells
MAX_WINDOW = 3  # words run together into one term at most
SOUNDS = {**dict.fromkeys("bfpv", "1"), **dict.fromkeys("cgjkqsxz", "2"), **dict.fromkeys("dt", "3"),
          "l": "4", **dict.fromkeys("mn", "5"), "r": "6"}  # Soundex's classes of consonants


def letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


@lru_cache(maxsize=1 << 16)
def sound(word: str) -> str:
    """A sound key: the first letter, then the consonants by Soundex class, repeats and vowels gone
    ("purview" and "perview" are both p61; "intune" and "intoon" i535)."""
    word = letters(word).replace("ph", "f").replace("ck", "k")
    if not word:
        return ""
    key, last = word[0], SOUNDS.get(word[0], "")
    for ch in word[1:]:
        code = SOUNDS.get(ch, "")
        if code and code != last:
            key += code
        if ch not in "hw":  # as in Soundex, h and w do not part two of one class
            last = code
    return key


def distance(a: str, b: str) -> int:
    """Levenshtein distance (edits of one letter)."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def is_term(word: str) -> bool:
    """A product name or acronym: capitals after the first letter (SharePoint, GDAP) or a capitalised
    word that English has not (Intune, Entra) or seldom uses (Purview, Copilot, Defender)."""
    return len(letters(word)) >= MIN_TERM and word[:1].isupper() and (
        any(c.isupper() for c in word[1:]) or english_words()[word.lower()] < COMMON)


def english(word: str) -> bool:
    return word in english_words()


@lru_cache(maxsize=4)
def jargon(topics: str | None = None, vocabulary: str | None = None) -> dict[str, str]:
    """letters -> the term as spelt, from the taxonomy's names and aliases and the vocabulary's names."""
    from ..topics import TaxonomyError, load_taxonomy
    from ..vocabulary import VocabularyError, load_vocabulary

    phrases: list[str] = []
    try:
        phrases += [p for t in load_taxonomy(topics or bundled("topics.yml")) for p in (t.name, *t.aliases)]
    except (TaxonomyError, OSError):
        pass
    try:
        phrases += [n for entry in load_vocabulary(vocabulary or bundled("vocabulary.yml")) for n in entry.names]
    except (VocabularyError, OSError):
        pass
    terms: dict[str, str] = {}
    for word in (w.strip(",.()") for p in phrases for w in p.split()):
        if is_term(word):
            terms.setdefault(letters(word), word)
    return terms


def match(words: list[str], terms: dict[str, str]) -> str | None:
    """The term these transcript words are a near-miss of, or None."""
    said = letters("".join(words))
    if len(said) < MIN_TERM:
        return None
    if said in terms:
        return terms[said]
    real = [english(letters(w)) for w in words]
    if (len(words) == 1 and real[0]) or not said.isalpha():  # numbers and codes: only as spelt
        return None
    most = 1 if all(real) else max(1, len(said) // 3)  # real words: one letter off; a non-word: a third
    near = [(distance(key, said), key) for key in terms if abs(len(key) - len(said)) <= most and sound(key) == sound(said)]
    near = sorted((d, key) for d, key in near if d <= most)
    return terms[near[0][1]] if near else None


def correct_words(words: list[dict], terms: dict[str, str]) -> list[dict]:
    """The words with each near-miss of a term replaced by it (longest window first)."""
    out, i = [], 0
    while i < len(words):
        for n in range(min(MAX_WINDOW, len(words) - i), 0, -1):
            window = words[i:i + n]
            term = match([w["text"] for w in window], terms)
            if term is not None:
                first, last = window[0]["text"], window[-1]["text"]
                text = re.match(r"\W*", first).group(0) + term + re.search(r"\W*$", last).group(0)
                if text != first or n > 1:
                    out.append({**window[0], "text": text, "end": window[-1]["end"],
                                "confidence": min(w.get("confidence", 0.0) for w in window)})
                    i += n
                    break
        else:
            out.append(words[i])
            i += 1
    return out


def correct_segments(segments: list[dict], topics: str | Path | None = None,
                     vocabulary: str | Path | None = None) -> list[dict]:
    """Segments whose words (and text) have the taxonomy's jargon spelt as the show spells it."""
    terms = jargon(str(topics) if topics else None, str(vocabulary) if vocabulary else None)
    out = []
    for seg in segments:
        words = correct_words(seg.get("words") or [], terms) if terms else seg.get("words") or []
        text = " ".join(w["text"] for w in words) if words else seg.get("text", "")
        out.append({**seg, "words": words, "text": text})
    return out
