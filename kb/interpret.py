"""What a query asks, worked out once per query: its spelling corrected (where that finds more),
a speaker it names taken out (kb/speakers.py), the topics and vocabulary names it uses, and its
terms weighted (kb/query.py). Scoring it is kb/search.py's job."""
from __future__ import annotations

from typing import Callable

from .analysis import terms
from .query import Analysis, Corrector, Memo, query_terms
from .reader import Reader
from .speakers import SpeakerNames
from .topics import matched_topics, naming_phrases
from .vocabulary import Equivalents, RelatedWords


class Interpreter:
    """Reads queries for one kb.db: its speakers, taxonomy, vocabulary and words."""

    def __init__(self, reader: Reader):
        self.correction = Corrector(reader)
        self.speakers = SpeakerNames(reader.facets.values["speaker"])
        self.equivalents = Equivalents(reader.vocabulary)
        self.related_words = RelatedWords(reader.related_words)
        self.named = Memo(lambda text: matched_topics(text, reader.taxonomy))

    def analysis(self, typed: str, coverage: Callable[[Analysis], int]) -> Analysis:
        """The typed query as ranked. A spelling correction is kept only where the corrected
        query finds more: a match that holds more of the words asked than any match of the query
        as typed."""
        plain = self.plain(typed, typed)
        fixed = self.correction.corrected[typed]
        if fixed == typed:
            return plain
        better = self.plain(typed, fixed)
        return better if coverage(better) > coverage(plain) else plain

    def plain(self, typed: str, text: str) -> Analysis:
        """The query `text` (as typed, or corrected) as ranked."""
        speaker = self.speakers.find(text)
        ranked_text = speaker.rest if speaker and speaker.rest else text
        named = self.named[ranked_text]
        equivalents = self.equivalents.names_of(ranked_text)
        names = [p for topic in named for p in naming_phrases(ranked_text, topic)]
        names += self.equivalents.written_in(ranked_text)
        # a word of a name is the name's ("Defender" in "Microsoft Defender" is no "protect")
        in_names = {t for name in names for t in terms(name)}
        related = self.related_words.of_terms([t for t in terms(ranked_text) if t not in in_names])
        query_terms_, boosts = query_terms(ranked_text, named, equivalents, related)
        return Analysis(typed, ranked_text, text if text != typed else None, speaker, named, query_terms_, boosts,
                        equivalents, related, longest_names(names))


def longest_names(names: list[str]) -> list[str]:
    """The names, without those inside a longer one ("Azure" of "Azure Lighthouse"): a passage
    on Azure is not one on Azure Lighthouse."""
    words = {name: f" {' '.join(name.lower().split())} " for name in dict.fromkeys(names)}
    return [name for name, spaced in words.items()
            if not any(spaced in other and spaced != other for other in words.values())]
