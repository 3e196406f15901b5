"""Titles of generated chapters: the chapter's dominant topic, and the words that set it apart.

Both are weighed by how rare they are in the whole corpus's passages (TF-IDF over the index's
own counts), so a topic or word every episode mentions ("Teams", "partners") titles a chapter
only where it dominates: 'Business Voice: calling, plans'.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

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
WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’+-]*[A-Za-z0-9+]")


@dataclass
class Rarity:
    """How many of the corpus's passages hold each index term (single words) and each topic."""

    passages: int
    term_df: dict[str, int]
    topic_df: Counter

    def of_term(self, stem: str) -> float:
        return math.log((1 + self.passages) / (1 + self.term_df.get(stem, 0)))

    def of_topic(self, topic_id: str) -> float:
        return math.log((1 + self.passages) / (1 + self.topic_df.get(topic_id, 0)))


def corpus_rarity(counts: Counts, chunks: list[Chunk]) -> Rarity:
    df = np.bincount(counts.matrix.indices, minlength=len(counts.vocabulary)).tolist()
    return Rarity(counts.matrix.shape[0], {t: d for t, d in zip(counts.vocabulary, df) if " " not in t},
                  Counter(t for c in chunks for t in c.topics))


FILLER_STEMS = frozenset(s for word in FILLER.split() for s in terms(word))


def chapter_title(texts: list[str], topics: Counter, speakers: set[str], rarity: Rarity,
                  topic_names: dict[str, str]) -> str:
    """'Topic: keyword, keyword', or 'Keyword, keyword, keyword' where the chapter names no topic."""
    order = {topic_id: n for n, topic_id in enumerate(topic_names)}  # ties go to the taxonomy's order
    topic_id = min(topics, key=lambda t: (-topics[t] * rarity.of_topic(t), order.get(t, 0)), default=None)
    topic = topic_names.get(topic_id) if topic_id else None
    taken = FILLER_STEMS | {s for name in [topic or "", *speakers] for s in terms(name)}
    counts: Counter = Counter()
    spellings: dict[str, Counter] = {}
    for text in texts:
        for word in WORD.findall(text):
            stems = terms(word) if "'" not in word and "’" not in word else ()  # no "don't", "we're"
            if len(stems) == 1 and stems[0] not in taken and len(stems[0]) > 2 and not stems[0].isdigit():
                counts[stems[0]] += 1
                spellings.setdefault(stems[0], Counter())[word] += 1
    ranked = sorted(counts, key=lambda s: (-(1 + math.log(counts[s])) * rarity.of_term(s), s))
    words = [shown(spellings[s]) for s in ranked[:TITLE_KEYWORDS + (topic is None)]]
    if topic:
        return f"{topic}: {', '.join(words)}" if words else topic
    return ", ".join(words)[:1].upper() + ", ".join(words)[1:] if words else "Conversation"


def shown(spellings: Counter) -> str:
    """A word as the transcript mostly writes it ('Azure', 'licensing'), lower case on a tie."""
    return max(spellings, key=lambda w: (spellings[w], w.islower(), w))
