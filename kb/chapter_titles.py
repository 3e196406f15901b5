"""Titles of generated chapters: the chapter's dominant topic, and the words that set it apart.

Both are weighed by how rare they are in the whole corpus's passages (TF-IDF over the index's
own term counts, which the build has already made), so a topic or word that every episode
mentions ("Teams", "partners") titles a chapter only where it dominates: 'Business Voice:
calling, plans'. A word is shown as the episode mostly writes it ('Azure', 'licensing').
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.sparse import csr_matrix

from .analysis import terms
from .chunking import Chunk
from .tfidf import Counts

TITLE_KEYWORDS = 2  # after the topic; three where the chapter names no topic
# Words of speech that say nothing of the subject, on top of the index's stop words.
FILLER = ("yeah yes okay ok um uh gonna wanna got get really just like know think thing things going actually "
          "basically people lot lots sort kind look want mean good great right well said say make sure way "
          "obviously certainly probably little bit time come able need welcome thank thanks absolutely course "
          "different let talk stuff guys pretty maybe day year years week today around doing done put use new "
          "old also take went see tell give feel hear start point fact quite far stay thought suppose agree "
          "interesting exactly excellent definitely especially happen happening whole big long great")
WORD_END = re.compile(r"[\w’'+-]*")


@dataclass
class CorpusTerms:
    """The index's term counts of every chunk (rows in chunk order), and how rare each term and
    each topic is among the corpus's passages."""

    matrix: csr_matrix
    vocabulary: list[str]
    unigram: np.ndarray  # by column: a single word, not a bigram
    term_idf: np.ndarray
    topic_df: Counter

    def of_topic(self, topic_id: str) -> float:
        return math.log((1 + self.matrix.shape[0]) / (1 + self.topic_df.get(topic_id, 0)))


def corpus_terms(counts: Counts, chunks: list[Chunk]) -> CorpusTerms:
    matrix = counts.matrix.tocsr()
    df = np.bincount(matrix.indices, minlength=len(counts.vocabulary))
    return CorpusTerms(matrix, counts.vocabulary, np.array([" " not in t for t in counts.vocabulary], dtype=bool),
                       np.log((1 + matrix.shape[0]) / (1 + df)), Counter(t for c in chunks for t in c.topics))


@lru_cache(maxsize=200_000)
def word_stem(word: str) -> str | None:
    """The index term of one written word, or None (a stop word, a contraction, a number)."""
    if "'" in word or "’" in word:
        return None
    found = terms(word)
    return found[0] if len(found) == 1 and len(found[0]) > 2 and not found[0].isdigit() else None


FILLER_STEMS = frozenset(s for word in FILLER.split() for s in terms(word))


@dataclass
class TurnTerms:
    """An episode's turns x its single-word index terms (counts), and each column's in the corpus."""

    counts: csr_matrix
    columns: np.ndarray

    def span(self, first: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """(corpus columns, counts) of the terms of turns first..stop-1."""
        lo, hi = self.counts.indptr[first], self.counts.indptr[stop]
        summed = np.bincount(self.counts.indices[lo:hi], weights=self.counts.data[lo:hi],
                             minlength=self.counts.shape[1])
        used = np.flatnonzero(summed)
        return self.columns[used], summed[used]


def written_as(term: str, text: str, lowered: str) -> str | None:
    """The word a text uses most for an index term ('licensing' for 'licens'), lower case on a tie;
    None when it uses none (the term came from a speaker's name or a heading). `lowered` is the
    text in lower case, the same length, searched for the term's first letters."""
    prefix = term[:max(3, len(term) - 2)]
    found: Counter = Counter()
    at = lowered.find(prefix)
    while at != -1:
        if at == 0 or not lowered[at - 1].isalnum():
            word = text[at:WORD_END.match(lowered, at).end()]
            if word_stem(word) == term:
                found[word] += 1
        at = lowered.find(prefix, at + 1)
    return max(found, key=lambda w: (found[w], w.islower(), w)) if found else None


def chapter_title(terms_counted: tuple[np.ndarray, np.ndarray], topics: Counter, texts: list[str],
                  excluded: set[str], corpus: CorpusTerms, topic_names: dict[str, str]) -> str:
    """'Topic: keyword, keyword', or 'Keyword, keyword, keyword' where the chapter names no topic.
    `terms_counted` are the chapter's (corpus columns, counts); `excluded` terms never title it."""
    order = {topic_id: n for n, topic_id in enumerate(topic_names)}  # ties go to the taxonomy's order
    topic_id = min(topics, key=lambda t: (-topics[t] * corpus.of_topic(t), order.get(t, 0)), default=None)
    topic = topic_names.get(topic_id) if topic_id else None
    taken = excluded | FILLER_STEMS | set(terms(topic or ""))
    columns, counts = terms_counted
    scores = (1 + np.log(np.maximum(counts, 1))) * corpus.term_idf[columns]
    text = "\n".join(texts)
    lowered = text.lower()
    if len(lowered) != len(text):  # a letter whose lower case is longer: search the ASCII-folded text
        text = lowered = text.encode("ascii", "replace").decode().lower()
    words: list[str] = []
    for column in columns[np.lexsort((columns, -scores))]:
        term = corpus.vocabulary[column]
        shown = written_as(term, text, lowered) if term not in taken and len(term) > 2 and not term.isdigit() else None
        if shown:
            words.append(shown)
            if len(words) == TITLE_KEYWORDS + (topic is None):
                break
    if topic:
        return f"{topic}: {', '.join(words)}" if words else topic
    return ", ".join(words)[:1].upper() + ", ".join(words)[1:] if words else "Conversation"
