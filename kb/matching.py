"""What makes a passage a match for a query, which kb/search.py lists and counts: it holds one
of the query's concepts (kb/query.py: a name it uses, another name of it, or a word it asks), or
for a query of two concepts the name, or both words."""
from __future__ import annotations

import re

import numpy as np

from . import ranking
from .analysis import terms
from .query import Analysis
from .reader import Reader
from .topics import naming_phrases


MAX_PHRASE_WORDS = 3  # a query of more words is a question, whose words need not stand together
# Agent nouns that Snowball stems as their verb and its nouns: "authenticator" as "authentication",
# "accelerator" as "accelerate" (jargon-sixth.json: 7 of 12 listed for "Authenticator" were on
# authentication). As a query's one word, a passage must have the noun itself.
AGENT_NOUN = re.compile(r"[a-z]{3,}ators?")


class Matching:
    """The matches among a query's scores, over one kb.db."""

    def __init__(self, reader: Reader, size: int):
        self.reader, self.size = reader, size

    def concepts_held(self, analysis: Analysis, scores: np.ndarray) -> np.ndarray:
        """For each chunk, how many of the query's concepts it holds whole (a query of stop words
        only: whether the full-text index found all its words there, which its scores say)."""
        if not analysis.terms:
            return (scores > 0).astype(np.int32)
        found = self.reader.read_postings(t for concept in analysis.concepts for t in concept)
        held = np.zeros(self.size, dtype=np.int32)
        for concept in analysis.concepts:
            held += ranking.holding_all(self.size, [found[t] for t in concept])
        return held

    def holding_a_concept(self, analysis: Analysis, scores: np.ndarray) -> np.ndarray:
        """The chunks holding at least one of the query's concepts whole: the one-word concepts
        marked on one mask, the others term by term."""
        if not analysis.terms:
            return scores > 0
        found = self.reader.read_postings(t for concept in analysis.concepts for t in concept)
        words = [found[c[0]] for c in analysis.concepts if len(c) == 1 and found[c[0]] is not None]
        held = ranking.holding_any(self.size, words)
        for concept in (c for c in analysis.concepts if len(c) > 1):
            held |= ranking.holding_all(self.size, [found[t] for t in concept])
        return held

    def matches(self, analysis: Analysis, scores: np.ndarray) -> np.ndarray:
        return ranking.matches(scores, self.holding(analysis, scores))

    def holding(self, analysis: Analysis, scores: np.ndarray) -> np.ndarray:
        held = self.in_own_form(analysis, self.holding_asked(analysis, scores), scores)
        return self.tagged_when_named(analysis, held, scores)

    def tagged_when_named(self, analysis: Analysis, held: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """For a query that is only a name ("Secure Score", "Business Premium"), the chunks held
        that are tagged with what it names, where some that score are: the stems say "security
        score" for "secure score", and a neighbour's words are no mention (jargon-eighth.json:
        11 of 20 listed for "secure score" were on the Partner Center security score)."""
        if not analysis.named or not analysis.names or not self.only_names(analysis):
            return held
        tagged = held & self.tagged_with_names(analysis)
        return tagged if (tagged & (scores > 0)).any() else held

    @staticmethod
    def only_names(analysis: Analysis) -> bool:
        """Whether every word of the ranked text is in a name it uses."""
        named = {w for name in analysis.names for w in re.findall(r"[a-z0-9]+", name.lower())}
        return set(re.findall(r"[a-z0-9]+", analysis.text.lower())) <= named

    def holding_asked(self, analysis: Analysis, scores: np.ndarray) -> np.ndarray:
        """The chunks holding what the query asks: one of its concepts; but a query of two must
        have the name it uses ("Solutions Partner for Security": not every passage on security),
        or both its words when it names nothing ("capability score": not every passage with
        "score"), where a passage that scores has them. A name is held in its other names too,
        and where its topic is tagged ("Dickie data" for Dicker Data)."""
        phrase = self.phrase_asked(analysis)
        if phrase:  # where some passage that scores has the phrase whole; else as any other query
            held = ranking.holding_all(self.size, list(self.reader.read_postings(phrase).values()))
            if (held & (scores > 0)).any():
                return held
        groups = analysis.concept_groups if analysis.terms else []
        if len(groups) != 2:
            return self.holding_a_concept(analysis, scores)
        found = self.reader.read_postings(t for group in groups for concept in group for t in concept)
        held = [ranking.holding_any_of(self.size, [[found[t] for t in concept] for concept in group])
                for group in groups]  # the two groups hold every concept between them
        required = [held[0] | self.tagged_with_names(analysis)] if analysis.names else held
        every = np.logical_and.reduce(required)
        return every if (every & (scores > 0)).any() else held[0] | held[1]

    def in_own_form(self, analysis: Analysis, held: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """For a query of one agent noun ("Authenticator"), the chunks held that have the noun as
        written, where some that score do; else, and for other queries, all those held."""
        word = self.agent_noun_asked(analysis)
        if not word:
            return held
        own = np.zeros(self.size, dtype=bool)
        own[self.reader.holding_word(np.flatnonzero(held & (scores > 0)), word)] = True
        return own if own.any() else held

    @staticmethod
    def agent_noun_asked(analysis: Analysis) -> str | None:
        """The singular of the query's one word when it is an agent noun, or None."""
        groups = analysis.concept_groups if analysis.terms else []
        if len(groups) != 1 or len(groups[0]) != 1 or len(groups[0][0]) != 1:
            return None
        words = analysis.words
        if len(words) != 1 or not AGENT_NOUN.fullmatch(words[0]) or tuple(terms(words[0])) != groups[0][0]:
            return None
        return words[0].removesuffix("s")

    def phrase_asked(self, analysis: Analysis) -> tuple[str, ...]:
        """The word pairs of a short query that names nothing, where the corpus uses its words
        together ("net customer adds", "partner agreement"): a passage with the words apart is
        not on it. Empty for other queries."""
        if analysis.names or analysis.speaker is not None:
            return ()
        found = terms(analysis.text)
        words, pairs = [t for t in found if " " not in t], tuple(t for t in found if " " in t)
        if not 2 <= len(words) <= MAX_PHRASE_WORDS or len(pairs) != len(words) - 1:
            return ()
        return pairs if all(p is not None for p in self.reader.read_postings(pairs).values()) else ()

    def tagged_with_names(self, analysis: Analysis) -> np.ndarray:
        """Chunks tagged with a topic whose name (not a part of a longer name) the query uses."""
        tagged = np.zeros(self.size, dtype=bool)
        for topic in analysis.named:
            if set(naming_phrases(analysis.text, topic)) & set(analysis.names):
                tagged[self.reader.facets.chunks_with_topic(topic.name)] = True
        return tagged
