"""A query as search reads it: its words as index terms with their weights, the taxonomy's aliases
added, "quoted phrases", and spelling corrected against the corpus before anything is scored."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from functools import lru_cache

from .analysis import STOP_WORDS, fold, stem, terms
from .facets import Filters
from .reader import OneTimeLoads, SearchError
from .speakers import NamedSpeaker
from .topics import Topic, naming_phrases

EXPANSION_WEIGHT = 0.35  # an alias added from the taxonomy counts less than a word the user typed
EQUIVALENT_WEIGHT = 0.8  # another name of what the query names (vocabulary.yml): nearly the same words
# A related word of one the user typed (vocabulary.yml's `words:`, "alert" for "warning"): 0.3 and
# 0.5 measured, with and without it covering the typed word; 0.5 covering was best on the tuning sets.
RELATED_WEIGHT = 0.5
# Typed words that name a topic of the query ("Dicker Data" in "Dicker Data support hours") are
# its context, and the topic boost already favours passages on that topic; the other words are
# what is asked about it. Naming words count this much when there are other words (a plateau
# from 0.4 to 0.6 on the development queries; own queries unchanged).
NAMING_WEIGHT = 0.4
PHRASE = re.compile(r'"([^"]+)"')
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
MEMO_LIMIT = 10_000  # queries remembered per kb.db; past it the memory starts again
# The most a query may ask, so that one request cannot hold the server: what people type is a few
# words; the limits apply to kb search, the search page and the SQL functions alike.
MAX_QUERY_CHARS = 500
MAX_QUERY_WORDS = 50
TIME_LIMIT_MS = 1000  # as Datasette's sql_time_limit_ms; the page uses that setting
# Spelling correction tries every one-edit neighbour of an unknown word: bounded per query.
MAX_CORRECTIONS = 4
MAX_CORRECTED_LENGTH = 24
CORRECTION_SECONDS = 0.1


@dataclass
class Query:
    text: str
    limit: int = 10
    offset: int = 0
    filters: Filters = field(default_factory=Filters)
    time_limit_ms: int = TIME_LIMIT_MS
    weaker: bool = False  # also list the chunks that score but are no match (see kb/search.py)


@dataclass
class Analysis:
    """A query as it is ranked: corrected, its speaker taken out, its terms weighted."""

    typed: str  # as the user typed it
    text: str  # what is ranked: corrected, without the speaker's name and the question's words
    corrected: str | None  # the typed query with its spelling corrected, when that changed it
    speaker: NamedSpeaker | None  # a speaker the query names
    named: list[Topic]  # topics the ranked text names
    terms: list[str]
    boosts: dict[str, float]
    equivalents: list[tuple[str, ...]] = field(default_factory=list)  # other names of what it names, as terms
    related: dict[str, tuple[str, ...]] = field(default_factory=dict)  # typed terms -> their related terms
    names: list[str] = field(default_factory=list)  # the parts of the text that name a topic or a vocabulary entry

    @property
    def words(self) -> list[str]:
        """The ranked text's words as typed, lower case ("authenticator", "links")."""
        return re.findall(r"[a-z]+", self.text.lower())

    @property
    def concepts(self) -> list[tuple[str, ...]]:
        """What makes a chunk a match, any one of these term tuples held whole: a name the query
        uses (as a phrase: "zero trust", not "trust"), another name of what it names
        (vocabulary.yml), or any other word it asks; not the topic aliases it is expanded with."""
        named = [phrase_of(name) for name in self.names]
        in_names = {t for name in self.names for t in terms(name)}
        words = [(t,) for t in dict.fromkeys(terms(self.text)) if " " not in t and t not in in_names]
        return list(dict.fromkeys(c for c in named + self.equivalents + words if c))

    @property
    def concept_groups(self) -> list[list[tuple[str, ...]]]:
        """The concepts grouped by what they stand for: the names the query uses with their other
        names (any one of them), then each other word asked on its own."""
        named = [c for c in [phrase_of(name) for name in self.names] + self.equivalents if c]
        return ([list(dict.fromkeys(named))] if named else []) + [[c] for c in self.concepts if c not in named]


def check_query(text: str) -> None:
    """SearchError when a query asks more than any search should do."""
    words = len(text.split())
    if len(text) > MAX_QUERY_CHARS or words > MAX_QUERY_WORDS:
        plural = "" if words == 1 else "s"
        raise SearchError(f"the query is too long ({len(text):,} characters, {words:,} word{plural}): a query may have "
                          f"at most {MAX_QUERY_CHARS} characters and {MAX_QUERY_WORDS} words")


class Deadline:
    """The moment a search must be done by; `check` raises SearchError once it has passed (time
    spent on one-time loads meanwhile not counted). `words`: the query's, for the advice."""

    def __init__(self, limit_ms: int | None, words: int = 0):
        self.limit_ms, self.words = limit_ms, words
        self.at = time.monotonic() + limit_ms / 1000 if limit_ms else None
        self.loads_before = OneTimeLoads.seconds

    def check(self) -> None:
        if self.at is not None and time.monotonic() > self.at + OneTimeLoads.seconds - self.loads_before:
            advice = "; a query of fewer words is quicker" if self.words > 1 else ""
            raise SearchError(f"the search took longer than {self.limit_ms:,} ms, the time limit, and was stopped{advice}")


def query_terms(text: str, named: list[Topic], equivalents: list[tuple[str, ...]] = (),
                related: dict[str, tuple[str, ...]] | None = None) -> tuple[list[str], dict[str, float]]:
    """The query's index terms and their boosts: 1 for typed words, less for the words that name
    a topic of the query (`named`) when it asks more than the topic, EQUIVALENT_WEIGHT for the
    other names of what it names (`equivalents`: vocabulary.yml), RELATED_WEIGHT for the related
    words of typed ones (`related`: typed term -> its related terms), less still for topic aliases."""
    typed = terms(text)
    boosts = {t: 1.0 for t in typed}
    naming = {t for topic in named for phrase in naming_phrases(text, topic) for t in terms(phrase)}
    if naming and not naming.issuperset(t for t in typed if " " not in t):
        for term in naming.intersection(typed):
            boosts[term] = NAMING_WEIGHT
    for term in (t for name in equivalents for t in name):
        boosts.setdefault(term, EQUIVALENT_WEIGHT)
    for term in (t for found in (related or {}).values() for t in found):
        boosts.setdefault(term, RELATED_WEIGHT)
    for topic in named:
        for phrase in topic.phrases():
            for term in terms(phrase):
                boosts.setdefault(term, EXPANSION_WEIGHT)
    return typed + [t for t in boosts if t not in typed], boosts


def phrase_of(text: str) -> tuple[str, ...]:
    """A phrase as the terms a chunk must all hold: its word pairs, or its one word."""
    found = terms(text)
    return tuple(t for t in found if " " in t) or tuple(found)


def asked_terms(query_terms_: list[str], boosts: dict[str, float]) -> list[str]:
    """The single words the user asked about: typed, and not naming a topic of the query."""
    return [t for t in dict.fromkeys(query_terms_) if boosts.get(t) == 1.0 and " " not in t]


def phrase_terms(text: str) -> list[list[str]]:
    """For each "quoted phrase": the terms a chunk must hold (its word pairs, or its one word)."""
    found = []
    for phrase in PHRASE.findall(fold(text)):
        phrase_terms_ = terms(phrase)
        found.append([t for t in phrase_terms_ if " " in t] or phrase_terms_)
    return found


def phrase_stems(text: str) -> list[tuple[str, ...]]:
    """Each "quoted phrase" of the query as the stems of its words, stop words left out."""
    return [tuple(stem(w) for w in re.findall(r"[a-z0-9]+", fold(phrase)) if w not in STOP_WORDS)
            for phrase in PHRASE.findall(text)]


def query_stems(text: str) -> set[str]:
    """The stems of the query's words, for marking them in snippets."""
    return {stem(w) for w in re.findall(r"[a-z0-9]+", fold(text)) if w not in STOP_WORDS}


class Memo(dict):
    """query -> answer, forgotten all at once when it grows past MEMO_LIMIT."""

    def __init__(self, work):
        super().__init__()
        self.work = work

    def __missing__(self, key):
        if len(self) >= MEMO_LIMIT:
            self.clear()
        value = self[key] = self.work(key)
        return value


class Corrector:
    """Spelling correction against one kb.db: a word the corpus never uses (4 ASCII letters or
    more, and not a word of the taxonomy's names and aliases) becomes the likeliest corpus word one
    edit away, if there is one: "resourse" -> "resource"."""

    def __init__(self, reader):
        self.reader = reader
        # Words of topic names and aliases are never "corrected", though no chunk uses them
        # ("PowerBI", "leak" in "data leak prevention"): they name a topic the query asks for.
        self.taxonomy_words = {w for t in reader.taxonomy for key in t.keys for w in key}
        self.corrected = Memo(self.correct)

    def correct(self, text: str) -> str:
        """The text with its unknown words corrected: at most MAX_CORRECTIONS of them, and for at
        most CORRECTION_SECONDS (past that, the rest of the text is searched as typed)."""
        spans = list(re.finditer(r"[\w'’-]+", text))
        stems = [(terms(m.group()) or [""])[0] for m in spans]
        out, last, tried = [], 0, 0
        until, loads_before = time.monotonic() + CORRECTION_SECONDS, OneTimeLoads.seconds
        for n, match in enumerate(spans):
            word = match.group()
            spent_loading = OneTimeLoads.seconds - loads_before  # the word lists, read once: not counted
            if tried < MAX_CORRECTIONS and time.monotonic() - spent_loading < until and self.is_unknown(word, stems[n]):
                tried += 1
                context = (stems[n - 1] if n else "", stems[n + 1] if n + 1 < len(spans) else "")
                fixed = self.likeliest_neighbour(word.lower(), context)
                if fixed is not None:
                    out.append(text[last:match.start()])
                    out.append(fixed.upper() if word.isupper() else fixed.capitalize() if word[0].isupper() else fixed)
                    last = match.end()
        return "".join(out) + text[last:]

    def is_unknown(self, word: str, word_stem: str) -> bool:
        return (4 <= len(word) <= MAX_CORRECTED_LENGTH and word.isascii() and word.isalpha() and bool(word_stem)
                and len(terms(word)) == 1
                and word.lower() not in self.taxonomy_words and self.reader.postings(word_stem) is None
                and not is_english_word(word))

    def likeliest_neighbour(self, word: str, context: tuple[str, str] = ("", "")) -> str | None:
        """The word one deletion, insertion, change or swap away whose stem makes a word pair the
        corpus has with the query's neighbouring words, else whose stem most chunks use."""
        word_df = self.reader.word_df()
        before, after = context
        best, best_key = None, None
        for candidate in sorted(one_edit_away(word)):
            stems = terms(candidate)
            if len(stems) != 1 or stems[0] not in word_df:
                continue
            stem_ = stems[0]
            pairs = sum(self.reader.postings(pair) is not None for pair in (f"{before} {stem_}", f"{stem_} {after}")
                        if not pair.startswith(" ") and not pair.endswith(" "))
            key = (pairs, word_df[stem_], len(candidate) == len(word))
            if best_key is None or key > best_key:
                best, best_key = candidate, key
        return best


@lru_cache(maxsize=1)
def english_words():
    """pyspellchecker's English word list, read on the first word the corpus lacks (it takes a
    quarter of a second, which a search without an unknown word never pays)."""
    with OneTimeLoads.timed():
        from spellchecker import SpellChecker
        return SpellChecker(language="en", distance=1).word_frequency


def is_english_word(word: str) -> bool:
    """A real word the corpus happens not to use ("coping") is searched as typed, never turned
    into a corpus word one letter away ("coming")."""
    return word.lower() in english_words()


def one_edit_away(word: str) -> set[str]:
    """Every string one deleted, inserted, changed or swapped letter or digit from `word`."""
    cuts = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in cuts if b}
            | {a + b[1] + b[0] + b[2:] for a, b in cuts if len(b) > 1}
            | {a + c + b[1:] for a, b in cuts if b for c in ALPHABET}
            | {a + c + b for a, b in cuts for c in ALPHABET}) - {word}
