"""The vocabulary (vocabulary.yml): names that mean the same thing, such as a product's old and new
names, its acronym and how it is said aloud. A query naming any of them also finds passages using
the others, which count as the words asked; names given a topic also tag passages with it.

Its `words:` groups are looser: everyday words a user types for the words the corpus uses
("warning" for "alert", "charity" for "nonprofit"). A query's word brings the others of its group
at a lower weight (kb/query.py), and a passage holding one of them covers that word, but only a
word the user typed makes a passage a match."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import KBError

from .analysis import terms
from .topics import Topic, TopicMatcher, compile_topic, naming_phrases, read_entries, resolve_topic, string_list


class VocabularyError(KBError, ValueError):
    """vocabulary.yml is missing, is not valid YAML, or an entry in it is malformed."""


@dataclass
class Names:
    """One product or idea and every name it goes by, the current one first."""

    names: list[str]
    history: str = ""
    topic: str | None = None
    matcher_topic: Topic | None = field(default=None, repr=False)


def load_vocabulary(path: str | Path) -> list[Names]:
    """Read and check vocabulary.yml; errors name the file and the entry."""
    path = Path(path)
    entries = read_entries(path, "names", VocabularyError, "vocabulary")
    if entries is None and read_entries(path, "words", VocabularyError, "vocabulary") is not None:
        return []  # a file of word groups only
    if not isinstance(entries, list):
        raise VocabularyError(f"{path}: expected a 'names:' list of entries")
    return vocabulary_from_entries(entries, str(path))


def vocabulary_from_entries(entries: list, where: str = "vocabulary") -> list[Names]:
    found, owners = [], {}
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise VocabularyError(f"{where}: entry number {number} is not a mapping with 'names:'")
        names = string_list(entry.get("names"), f"{where}: entry number {number}: names")
        if len(names) < 2:
            raise VocabularyError(f"{where}: entry number {number} needs at least two names, not {names}")
        for name in names:
            key = " ".join(name.lower().split())
            if key in owners and owners[key] != number:
                raise VocabularyError(f"{where}: {name!r} is in entry {owners[key]} and entry {number}: "
                                      "a name may mean one thing only")
            owners[key] = number
        topic = str(entry["topic"]).strip() if entry.get("topic") else None
        found.append(Names(names, str(entry.get("history") or ""), topic))
    return found


def load_related_words(path: str | Path) -> list[list[str]]:
    """The `words:` groups of vocabulary.yml (none when it has no such key)."""
    path = Path(path)
    entries = read_entries(path, "words", VocabularyError, "vocabulary")
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise VocabularyError(f"{path}: expected 'words:' to be a list of word groups")
    return related_from_entries(entries, str(path))


def related_from_entries(entries: list, where: str = "vocabulary") -> list[list[str]]:
    groups, owners = [], {}
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, list) or not all(isinstance(w, str) for w in entry):
            raise VocabularyError(f"{where}: word group number {number} is not a list of words")
        words = [w.strip() for w in entry if w.strip()]
        if len(words) < 2:
            raise VocabularyError(f"{where}: word group number {number} needs at least two words, not {words}")
        for word in words:
            key = group_term(word)  # "licence" and "license" are one word to the index
            if key is None:
                raise VocabularyError(f"{where}: word group number {number}: {word!r} is not one or two words "
                                      "that the index keeps (it keeps no stop words, such as 'show')")
            if key in owners and owners[key] != number:
                raise VocabularyError(f"{where}: {word!r} is in word group {owners[key]} and word group {number}: "
                                      "a word may be in one group only")
            owners[key] = number
        groups.append(words)
    return groups


def group_term(word: str) -> str | None:
    """The one index term a group's word stands for: a word's stem (a hyphenated word's joined
    form: "non-profit" is "nonprofit"), or the pair of two words, as the index pairs them across
    stop words ("work from home" is "work home"); None for more, or where a word of its own is a
    stop word, which the index does not keep ("trade show")."""
    stems = []
    for part in word.split():
        found = terms(part.replace("-", "")) if "-" in part else terms(part)
        if len(found) > 1:
            return None
        stems.append(found[0] if found else None)
    kept = [s for s in stems if s]
    if not stems or stems[0] is None or stems[-1] is None or len(kept) > 2:
        return None
    return " ".join(kept)


class RelatedWords:
    """Each index term's related terms: the others of its `words:` group."""

    def __init__(self, groups: list[list[str]]):
        self.of: dict[str, tuple[str, ...]] = {}
        for group in groups:
            group_terms = list(dict.fromkeys(t for t in map(group_term, group) if t))
            for term in group_terms:
                self.of[term] = tuple(t for t in group_terms if t != term)

    def of_terms(self, query_terms: list[str]) -> dict[str, tuple[str, ...]]:
        """The query's terms that have related terms, with them."""
        return {t: self.of[t] for t in dict.fromkeys(query_terms) if t in self.of}


def with_vocabulary(topics: list[Topic], vocabulary: list[Names]) -> list[str]:
    """Add each entry's names to its topic's aliases (for tagging); the topics named that the
    taxonomy does not have are returned (a taxonomy of one's own need not have them all)."""
    missing = []
    for entry in vocabulary:
        if entry.topic is None:
            continue
        topic = resolve_topic(entry.topic, topics)
        if topic is None:
            missing.append(entry.topic)
            continue
        known = {a.lower() for a in topic.phrases()}
        topic.aliases += [n for n in entry.names if n.lower() not in known]
        compile_topic(topic, "vocabulary")
    return sorted(set(missing))


class Equivalents:
    """Finds the vocabulary entries a query names, and the terms of their other names."""

    def __init__(self, vocabulary: list[Names]):
        self.vocabulary = vocabulary
        self.topics = [compile_topic(Topic(f"names-{n}", entry.names[0], aliases=entry.names[1:]), "vocabulary")
                       for n, entry in enumerate(vocabulary)]
        # every name a query uses, also within a longer one: "Microsoft 365" in "Microsoft 365
        # frontline" brings M365 (fresh queries: 0.847 with it, 0.843 without)
        self.matcher = TopicMatcher(self.topics, longest=False)
        self.by_id = {t.id: entry for t, entry in zip(self.topics, vocabulary)}
        self.topic_of = {id(entry): t for t, entry in zip(self.topics, vocabulary)}

    def named(self, text: str) -> list[Names]:
        return [self.by_id[t.id] for t in self.matcher.match(text)]

    def written_in(self, text: str) -> list[str]:
        """The parts of the text that are names of entries ("Azure AD" in "Azure AD licences")."""
        return [phrase for entry in self.named(text) for phrase in naming_phrases(text, self.topic_of[id(entry)])]

    def names_of(self, text: str) -> list[tuple[str, ...]]:
        """The index terms of every name of the entries the text names, a tuple a name: a name of
        several words is its word pairs (a phrase, held only when all of them are), a one-word name
        its word."""
        found: list[tuple[str, ...]] = []
        for entry in self.named(text):
            for name in entry.names:
                name_terms = terms(name)
                if len(name_terms) == 1 and len(name.split()) > 1:
                    continue  # "M 365" is more than "365" (the index keeps no one-letter words)
                found.append(tuple(t for t in name_terms if " " in t) or tuple(name_terms))
        return [name for name in dict.fromkeys(found) if name]
