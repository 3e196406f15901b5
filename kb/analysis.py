"""Text analysis shared by indexing, topic matching and querying, so all three agree on terms.

Folding: curly quotes, British spellings (licence -> license), number words (four -> 4),
apostrophes (O'Neill -> oneill); then Snowball stemming, stop words out, and adjacent-word
bigrams so that phrases such as "business voice" outweigh the two words apart.
"""
from __future__ import annotations

import re
from functools import lru_cache
from itertools import chain, islice

import importlib.util
from pathlib import Path

import snowballstemmer

PUNCTUATION = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
                             "\u2013": "-", "\u2014": "-", "\u00a0": " "})
PUNCTUATION_PAIRS = [(chr(k), v) for k, v in PUNCTUATION.items()]
BRITISH_TO_AMERICAN = {
    "licence": "license", "licences": "licenses", "licenced": "licensed", "licencing": "licensing",
    "tunnelling": "tunneling", "tunnelled": "tunneled", "cancelled": "canceled", "cancelling": "canceling",
    "centre": "center", "centres": "centers", "programme": "program", "programmes": "programs",
    "behaviour": "behavior", "favour": "favor", "favourite": "favorite", "colour": "color",
    "labour": "labor", "catalogue": "catalog", "analyse": "analyze", "analysed": "analyzed",
    "organise": "organize", "organised": "organized", "organising": "organizing",
    "prioritise": "prioritize", "prioritised": "prioritized", "utilise": "utilize", "utilised": "utilized",
    "recognise": "recognize", "recognised": "recognized", "realise": "realize", "realised": "realized",
    "optimise": "optimize", "optimised": "optimized", "customise": "customize", "customised": "customized",
    "authorise": "authorize", "authorised": "authorized", "standardise": "standardize",
    "minimise": "minimize", "maximise": "maximize", "summarise": "summarize", "emphasise": "emphasize",
    "sanitised": "sanitized", "enrolment": "enrollment", "enrol": "enroll", "defence": "defense",
    "offence": "offense", "practise": "practice", "travelling": "traveling", "modelling": "modeling",
    "labelled": "labeled", "fulfil": "fulfill", "judgement": "judgment", "ageing": "aging",
}
NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
    "thirteen": "13", "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17",
    "eighteen": "18", "nineteen": "19", "twenty": "20", "thirty": "30", "forty": "40",
    "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80", "ninety": "90",
    "hundred": "100", "thousand": "1000", "first": "1st", "second": "2nd", "third": "3rd",
}
TENS_WORDS = {"twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
UNIT_WORDS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
# Patterns that begin with a literal are scanned for far faster, hence the look-behinds and guards.
THOUSANDS = re.compile(r",(?<=\d,)(?=\d{3}\b)")
KILO = re.compile(r"\b(\d+)k\b")
KILO_GUARD = re.compile(r"k\b(?<=\dk)")
DOLLARS = re.compile(r"[$](\d[\d.]*)")
PERCENT = re.compile(r"(\d)\s?%")
# Kept although sklearn lists them: in this domain they carry meaning ("IT partners", "the US").
MEANINGFUL = {"it", "us", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
              "ten", "eleven", "twelve", "fifteen", "twenty", "forty", "fifty", "sixty", "hundred",
              "first", "third", "call", "system", "bill", "fire", "find", "top", "full", "back", "least"}


def english_stop_words() -> frozenset[str]:
    """scikit-learn's English stop words, read from their own small module: importing the
    scikit-learn package takes half a second, which every `kb search` would pay."""
    try:
        package = importlib.util.find_spec("sklearn").submodule_search_locations[0]
        spec = importlib.util.spec_from_file_location(
            "_kb_stop_words", Path(package) / "feature_extraction" / "_stop_words.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return frozenset(module.ENGLISH_STOP_WORDS)
    except (AttributeError, OSError, TypeError, ImportError):  # moved in a later release: import it
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
        return frozenset(ENGLISH_STOP_WORDS)


STOP_WORDS = frozenset(english_stop_words() - MEANINGFUL) | {"s", "t", "ll", "ve", "re", "d", "m"}
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?(?:-[a-z0-9]+)*")
TENS_GUARD = re.compile(r"ty[ -](?:{})\b".format("|".join(UNIT_WORDS)))
TENS_AND_UNIT = re.compile(r"\b({})[ -]({})\b".format("|".join(TENS_WORDS), "|".join(UNIT_WORDS)))
BRITISH = re.compile(r"\b(?:{})\b".format("|".join(sorted(BRITISH_TO_AMERICAN, key=len, reverse=True))))
_stemmer = snowballstemmer.stemmer("english")


def fold(text: str) -> str:
    """Lower case, straight quotes and dashes, American spellings: the form that is matched."""
    return american(lowered(text))


def american(text: str) -> str:
    """British spellings in lower-case text made American."""
    return BRITISH.sub(_american, text)


def _american(match: re.Match) -> str:
    return BRITISH_TO_AMERICAN[match.group()]


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


class Memo(dict):
    """key -> work(key), computed on first sight and kept: a corpus has far fewer distinct words
    (or runs of text) than words, so the per-word Python work runs once per word, and look-ups,
    through `memo.__getitem__` in map(), stay in C."""

    def __init__(self, work):
        super().__init__()
        self.work = work

    def __missing__(self, key):
        if len(self) > 1_000_000:  # a bound for very long builds with endless distinct words
            self.clear()
        value = self[key] = self.work(key)
        return value


def _run_words(run: str) -> tuple[str, ...]:
    """The words of a run of letters, digits, apostrophes and hyphens (see `_runs`)."""
    return tuple(chain.from_iterable(map(_token_words, WORD.findall(run))))


def _token_words(token: str) -> tuple[str, ...]:
    """Apostrophes closed up, hyphenated compounds kept whole and in parts, number words as digits."""
    token = token.removesuffix("'s").replace("'", "")
    parts = [BRITISH_TO_AMERICAN.get(p, p) for p in token.split("-")]
    found = [p for p in parts if p] + ["".join(parts)] if len(parts) > 1 else parts  # "multifactor" too
    return tuple(NUMBER_WORDS.get(w, w) for w in found)


def _run_terms(run: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in _WORDS[run] if w not in STOP_WORDS and len(w) < 40)


_WORDS = Memo(_run_words)
_TERMS = Memo(_run_terms)
# Everything but the characters WORD can match becomes a space: bytes.translate and split cut
# text into runs several times faster than the regular expression; WORD then runs once per
# distinct run. Non-ASCII characters (never in WORD) are encoded as "?", a separator.
RUN_SEPARATORS = bytes(c if chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789'-" else 32 for c in range(256))


def lowered(text: str) -> str:
    """Lower case with straight quotes and dashes (most text is ASCII, and then has none)."""
    if not text.isascii():
        for typographic, plain in PUNCTUATION_PAIRS:  # str.replace is far quicker than str.translate
            if typographic in text:
                text = text.replace(typographic, plain)
    return text.lower()


def _runs(text: str) -> list[str]:
    text = spell_symbols(lowered(text))
    if TENS_GUARD.search(text):  # "twenty four" and "twenty-four" -> "24"
        text = TENS_AND_UNIT.sub(lambda m: str(int(NUMBER_WORDS[m[1]]) + int(NUMBER_WORDS[m[2]])), text)
    return split_runs(text)


def split_runs(text: str) -> list[str]:
    """The runs of characters WORD can match; WORD finds the same in the runs as in the text."""
    return text.encode("ascii", "replace").translate(RUN_SEPARATORS).decode("ascii").split()


def words(text: str) -> list[str]:
    """Folded words: American spellings, apostrophes closed up, compounds whole and in parts,
    numbers as digits."""
    return list(chain.from_iterable(map(_WORDS.__getitem__, _runs(text))))


def spell_symbols(text: str) -> str:
    """'$4' -> '4 dollars', '10%' -> '10 percent', '$25,000' and '25K' -> '25000'."""
    if "," in text:
        text = THOUSANDS.sub("", text)
    if KILO_GUARD.search(text):
        text = KILO.sub(r"\g<1>000", text)
    if "$" in text:
        text = DOLLARS.sub(r" \1 dollars ", text)
    return PERCENT.sub(r"\1 percent ", text) if "%" in text else text


def terms(text: str) -> list[str]:
    """Index terms: stemmed non-stop words and the bigrams of neighbouring ones."""
    stems = list(chain.from_iterable(map(_TERMS.__getitem__, _runs(text))))
    return stems + [f"{a} {b}" for a, b in zip(stems, islice(stems, 1, None))]
