"""Text analysis shared by indexing, topic matching and querying, so all three agree on terms.

Folding: curly quotes, British spellings (licence -> license), number words (four -> 4),
apostrophes (O'Neill -> oneill); then Snowball stemming, stop words out, and adjacent-word
bigrams so that phrases such as "business voice" outweigh the two words apart.
"""
from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

PUNCTUATION = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
                             "\u2013": "-", "\u2014": "-", "\u00a0": " "})
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
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
KILO = re.compile(r"\b(\d+)k\b")
DOLLARS = re.compile(r"[$](\d[\d.]*)")
PERCENT = re.compile(r"(\d)\s?%")
# Kept although sklearn lists them: in this domain they carry meaning ("IT partners", "the US").
MEANINGFUL = {"it", "us", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
              "ten", "eleven", "twelve", "fifteen", "twenty", "forty", "fifty", "sixty", "hundred",
              "first", "third", "call", "system", "bill", "fire", "find", "top", "full", "back"}
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS - MEANINGFUL) | {"s", "t", "ll", "ve", "re", "d", "m"}
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?(?:-[a-z0-9]+)*")
_stemmer = snowballstemmer.stemmer("english")


def fold(text: str) -> str:
    """Lower case, straight quotes and dashes, American spellings: the form that is matched."""
    text = text.translate(PUNCTUATION).lower()
    return re.sub(r"[a-z]+", lambda m: BRITISH_TO_AMERICAN.get(m.group(), m.group()), text)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def words(text: str) -> list[str]:
    """Folded words, apostrophes closed up, hyphenated compounds kept whole and in parts."""
    out: list[str] = []
    for token in WORD.findall(spell_symbols(fold(text))):
        token = token.removesuffix("'s").replace("'", "")
        parts = token.split("-")
        if len(parts) > 1:
            out += [p for p in parts if p]
            out.append("".join(parts))  # "multi-factor" also as "multifactor"
        else:
            out.append(token)
    return numbers_as_digits(out)


def spell_symbols(text: str) -> str:
    """'$4' -> '4 dollars', '10%' -> '10 percent', '$25,000' and '25K' -> '25000'."""
    text = THOUSANDS.sub("", text)
    text = KILO.sub(r"\g<1>000", text)
    text = DOLLARS.sub(r" \1 dollars ", text)
    return PERCENT.sub(r"\1 percent ", text)


def numbers_as_digits(tokens: list[str]) -> list[str]:
    """Number words as digits, 'twenty four' and 'twenty-four' as '24', so all forms meet."""
    out: list[str] = []
    after_tens_word = False
    for token in tokens:
        if after_tens_word and token in UNIT_WORDS:
            out[-1] = str(int(out[-1]) + int(NUMBER_WORDS[token]))
            after_tens_word = False
            continue
        out.append(NUMBER_WORDS.get(token, token))
        after_tens_word = token in TENS_WORDS
    return out


def terms(text: str) -> list[str]:
    """Index terms: stemmed non-stop words and the bigrams of neighbouring ones."""
    stems = [stem(w) for w in words(text) if w not in STOP_WORDS and len(w) < 40]
    return stems + [f"{a} {b}" for a, b in zip(stems, stems[1:])]
