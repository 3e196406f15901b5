"""The taxonomy (topics.yml): topics with aliases and patterns, matched against chunks and queries."""
from __future__ import annotations

import re
from contextlib import suppress
from functools import reduce
from operator import or_
from typing import Iterator
from dataclasses import dataclass, field
from pathlib import Path


from ingest.errors import KBError
from ingest.model import slugify

from .analysis import BRITISH_TO_AMERICAN, Memo, american, fold, lowered
from .pattern_needs import required_strings


class TaxonomyError(KBError, ValueError):
    """topics.yml is missing, is not valid YAML, or a topic in it is malformed."""


# Everything but ASCII letters and digits becomes a space (non-ASCII is encoded as "?"): bytes
# translate and split are several times quicker than re.findall(r"[a-z0-9]+") and give the same.
SEPARATORS = bytes(c if chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789" else 32 for c in range(256))
MAX_PHRASE_WORDS = 6


def tokens(folded_text: str) -> list[str]:
    """The runs of lower-case ASCII letters and digits."""
    return folded_text.encode("ascii", "replace").translate(SEPARATORS).decode("ascii").split()


def phrase_keys(phrase: str) -> set[tuple[str, ...]]:
    """A phrase as word tuples, with and without its words run together ("multi factor", "multifactor")."""
    words = tokens(fold(phrase))[:MAX_PHRASE_WORDS]
    keys: set[tuple[str, ...]] = set()
    for joins in range(2 ** max(0, len(words) - 1)):  # each gap between words: kept or closed
        key = [words[0]] if words else []
        for gap, word in enumerate(words[1:]):
            if joins >> gap & 1:
                key[-1] += word
            else:
                key.append(word)
        if key:
            keys.add(tuple(key))
    return keys


@dataclass
class Topic:
    id: str
    name: str
    description: str = ""
    aliases: list[str] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)
    keys: set[tuple[str, ...]] = field(default_factory=set, repr=False)
    # The patterns as one regular expression, compiled when first run (`pattern`): a search opening
    # kb.db compiles only the few its queries reach.
    pattern_source: str | None = field(default=None, repr=False)
    pattern_flags: int = field(default=0, repr=False)
    # Strings one of which any match of `pattern` contains: a cheap test before the regex runs.
    pattern_needs: set[str] | None = field(default=None, repr=False)
    _compiled: re.Pattern | None = field(default=None, repr=False, compare=False)

    def phrases(self) -> list[str]:
        """The name and every alias: what a query about this topic may be expanded with."""
        return [self.name, *self.aliases]

    @property
    def pattern(self) -> re.Pattern | None:
        if self._compiled is None and self.pattern_source is not None:
            self._compiled = re.compile(self.pattern_source, self.pattern_flags)
        return self._compiled


def compile_topic(topic: Topic, path: str, needs: list[str] | None = None) -> Topic:
    """Aliases become word tuples (fast set look-ups); patterns one regular expression, checked
    here. `needs`, the pattern's required strings as a built kb.db keeps them, spares the
    checking and parsing of patterns that were checked when kb.db was built."""
    topic.keys = set().union(*(phrase_keys(a) for a in topic.phrases()))
    if not topic.patterns:
        return topic
    source = "|".join(f"(?:{p})" for p in topic.patterns)
    # Text is matched lower-cased, so a pattern with no capital letter needs no re.I (slower).
    has_capitals = any(c.isupper() for c in re.sub(r"\\.", "", source))
    topic.pattern_source, topic.pattern_flags, topic._compiled = source, re.I if has_capitals else 0, None
    if needs is not None:
        topic.pattern_needs = set(needs) or None
        return topic
    for pattern in topic.patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise TaxonomyError(f"{path}: topic {topic.name!r}: bad pattern {pattern!r}: {exc}") from None
    topic.pattern_needs = required_strings(source)
    return topic


REGEX_AFTER_WORDS = 2000


def load_taxonomy(path: str | Path) -> list[Topic]:
    """Read and check topics.yml; errors name the file and the topic."""
    path = Path(path)
    entries = read_entries(path, "topics", TaxonomyError, "taxonomy")
    if not isinstance(entries, list) or not entries:
        raise TaxonomyError(f"{path}: expected a 'topics:' list of topics")
    return topics_from_entries(entries, str(path))


def read_entries(path: Path, key: str, error: type[KBError], what: str):
    """The value under `key` of a YAML file's top mapping (None when it has no such key); an
    unreadable file or bad YAML is `error`, naming the file."""
    import yaml  # here: reading a built kb.db never needs it

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path}: {what} file not found") from None
    except UnicodeDecodeError:
        raise error(f"{path}: not valid UTF-8 text; save the file as UTF-8") from None
    except OSError as exc:
        raise error(f"{path}: cannot read the {what}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML: {exc}") from None
    return data.get(key) if isinstance(data, dict) else None


def topics_from_entries(entries: list, path: str = "topics") -> list[Topic]:
    topics, seen = [], set()
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not str(entry.get("name") or "").strip():
            raise TaxonomyError(f"{path}: topic number {number} has no name")
        name = str(entry["name"]).strip()
        topic = Topic(
            id=slugify(name),
            name=name,
            description=str(entry.get("description") or ""),
            aliases=string_list(entry.get("aliases"), f"{path}: topic {name!r}: aliases"),
            patterns=string_list(entry.get("patterns"), f"{path}: topic {name!r}: patterns"),
        )
        if topic.id in seen:
            raise TaxonomyError(f"{path}: topic {name!r} is listed twice")
        seen.add(topic.id)
        topics.append(compile_topic(topic, path, entry.get("pattern_needs")))
    return topics


def string_list(value, where: str) -> list[str]:
    """A YAML list of strings; a single string is a list of one; empty entries are skipped."""
    if value is None:
        return []
    if isinstance(value, (str, int, float)):
        value = [value]
    if not isinstance(value, list) or any(isinstance(v, (list, dict)) for v in value):
        raise TaxonomyError(f"{where} must be a list of strings")
    return [str(v) for v in value if v is not None and str(v).strip()]


class TopicMatcher:
    """Finds a taxonomy's topics in text, built once per taxonomy: the build runs it on every chunk.

    Everything one word can say is worked out once per distinct word and kept as bits of one
    integer (`word_bits`), so a text is read by OR-ing its words' integers, all in C:
    - topics found: one of their aliases is this word;
    - topics to try: a required string of their pattern (`pattern_needs`) made of letters and
      digits only is inside this word (the pattern itself runs only then);
    - pieces: a word piece of another required string is inside this word (the string is looked
      for in the text only when all its pieces are);
    - flags: the word starts a longer alias (word pairs are then compared), or is a British spelling.
    """

    def __init__(self, topics: list[Topic], longest: bool = True):
        self.topics = topics
        self.longest = longest  # see pairs_found
        width = len(topics)
        self.topics_mask = (1 << width) - 1
        self.try_shift, self.piece_shift = width, 2 * width + 2
        self.pair_flag, self.british_flag = 1 << 2 * width, 1 << 2 * width + 1
        self.index_aliases()
        self.index_needs()
        self.compile_inside()
        self.word_bits = Memo(self.bits_of_word)

    def index_aliases(self) -> None:
        """One-word aliases as topic bits by word; longer ones listed by their first two words."""
        self.found_bits: dict[str, int] = {}
        self.by_pair: dict[tuple[str, str], list[tuple[tuple[str, ...], int]]] = {}
        for n, topic in enumerate(self.topics):
            for key in topic.keys:
                if len(key) == 1:
                    self.found_bits[key[0]] = self.found_bits.get(key[0], 0) | 1 << n
                else:
                    self.by_pair.setdefault(key[:2], []).append((key, n))
        self.pair_first_words = {first for first, _ in self.by_pair}

    def index_needs(self) -> None:
        """Patterns' required strings: those within one word, and the others by their word pieces."""
        self.always_try = 0  # topics whose pattern has nothing to pre-test with
        self.word_needs: list[tuple[str, int]] = []  # (string of letters and digits only, topic)
        self.needs: list[tuple[str, int, int]] = []  # (other string, bits of its pieces, topic)
        piece_ids: dict[str, int] = {}
        for n, topic in enumerate(self.topics):
            if topic.pattern_source is None:
                continue
            if not topic.pattern_needs:
                self.always_try |= 1 << n
            for need in topic.pattern_needs or ():
                pieces = tokens(need)
                if pieces == [need]:
                    self.word_needs.append((need, n))
                elif not pieces:
                    self.always_try |= 1 << n
                else:
                    self.needs.append((need, sum(1 << piece_ids.setdefault(p, len(piece_ids)) for p in set(pieces)), n))
        self.pieces = list(piece_ids)
        self.needs_by_piece: list[list[int]] = [[] for _ in self.pieces]
        for i, (_, bits, _) in enumerate(self.needs):
            for piece in _set_bits(bits):
                self.needs_by_piece[piece].append(i)

    def compile_inside(self) -> None:
        """The strings looked for inside each new word, and the bits each one sets (a found string
        also sets the bits of every string inside it). Words are first scanned for each string in
        turn; past REGEX_AFTER_WORDS distinct words (a build, not a search) one regex is compiled
        that finds, at each place, the longest string starting there: compiling it costs a search
        more than all its queries' scans."""
        inside: dict[str, int] = {}
        for need, n in self.word_needs:
            inside[need] = inside.get(need, 0) | 1 << n + self.try_shift
        for piece_id, piece in enumerate(self.pieces):
            inside[piece] = inside.get(piece, 0) | 1 << piece_id + self.piece_shift
        self.bits_inside = inside  # a string's own bits; with the regex, also those of the strings inside it
        self.find_inside: re.Pattern | None = None
        self.words_looked_at = 0

    def strings_inside(self, word: str) -> list[str]:
        """The strings inside the word: every one (scanned), or at each place the longest (regex)."""
        self.words_looked_at += 1
        if self.find_inside is None and self.words_looked_at > REGEX_AFTER_WORDS:
            inside = self.bits_inside
            self.bits_inside = {s: reduce(or_, (b for t, b in inside.items() if t in s), 0) for s in inside}
            alternatives = "|".join(map(re.escape, sorted(inside, key=len, reverse=True)))
            self.find_inside = re.compile(f"(?=({alternatives}))")
        if self.find_inside is not None:
            return self.find_inside.findall(word)
        return [s for s in self.bits_inside if s in word]

    def bits_of_word(self, word: str) -> int:
        bits = self.found_bits.get(word, 0)
        if self.bits_inside:
            bits |= reduce(or_, map(self.bits_inside.__getitem__, self.strings_inside(word)), 0)
        if word in self.pair_first_words:
            bits |= self.pair_flag
        if word in BRITISH_TO_AMERICAN:
            bits |= self.british_flag
        return bits

    def match(self, text: str) -> list[Topic]:
        """The topics whose name, aliases or patterns occur in the text, in taxonomy order."""
        folded = lowered(text)
        words = tokens(folded)
        bits = reduce(or_, map(self.word_bits.__getitem__, words), 0)
        if bits & self.british_flag:  # seldom: spare the scan for British spellings otherwise
            folded = american(folded)
            words = tokens(folded)
            bits = reduce(or_, map(self.word_bits.__getitem__, words), 0)
        found = bits & self.topics_mask
        if bits & self.pair_flag:
            found |= self.pairs_found(words)
        to_try = (bits >> self.try_shift & self.topics_mask | self.always_try
                  | self.needs_found(folded, bits >> self.piece_shift)) & ~found
        for n in _set_bits(to_try):
            if self.topics[n].pattern.search(folded):
                found |= 1 << n
        return [self.topics[n] for n in _set_bits(found)]

    def pairs_found(self, words: list[str]) -> int:
        """Topics with a longer alias among the words, except where it is a part of another
        topic's longer name (unless made with longest=False): "Microsoft 365 Business" (Business
        Premium's old name) inside "Microsoft 365 Business Voice"."""
        spans = []  # (start, end, topic) of each alias found
        for first in self.pair_first_words.intersection(words):
            at = -1
            with suppress(ValueError):
                while True:
                    at = words.index(first, at + 1)
                    for key, n in self.by_pair.get(tuple(words[at:at + 2]), ()):
                        if len(key) == 2 or tuple(words[at:at + len(key)]) == key:
                            spans.append((at, at + len(key), n))
        found = 0
        for start, end, n in spans:
            if not self.longest or not any(s <= start and end <= e and e - s > end - start and m != n for s, e, m in spans):
                found |= 1 << n
        return found

    def needs_found(self, folded: str, pieces: int) -> int:
        """Topics one of whose other required strings is in the text, given the pieces present."""
        to_try = 0
        for piece in _set_bits(pieces):
            for i in self.needs_by_piece[piece]:
                need, need_pieces, n = self.needs[i]
                if need_pieces & ~pieces == 0 and need in folded:
                    to_try |= 1 << n
        return to_try


def _set_bits(bits: int) -> Iterator[int]:
    """Positions of the 1 bits, lowest first."""
    while bits:
        lowest = bits & -bits
        yield lowest.bit_length() - 1
        bits ^= lowest


_matchers: dict[int, tuple[list[Topic], TopicMatcher]] = {}


def matcher(topics: list[Topic]) -> TopicMatcher:
    """The matcher of this taxonomy list, made on first use (the entry keeps the list alive, so
    its id cannot be reused by another list while cached)."""
    cached = _matchers.get(id(topics))
    if cached is None or cached[0] is not topics:
        if len(_matchers) > 32:
            _matchers.clear()
        cached = _matchers[id(topics)] = (topics, TopicMatcher(topics))
    return cached[1]


def matched_topics(text: str, topics: list[Topic]) -> list[Topic]:
    """The topics whose name, aliases or patterns occur in the text, in taxonomy order."""
    return matcher(topics).match(text)


def naming_phrases(text: str, topic: Topic) -> list[str]:
    """The parts of a (short) text that name the topic: its aliases there and its pattern's matches."""
    folded = fold(text)
    words = tokens(folded)
    found = [" ".join(key) for key in topic.keys
             if any(tuple(words[i:i + len(key)]) == key for i in range(len(words) - len(key) + 1))]
    return found + ([m.group() for m in topic.pattern.finditer(folded)] if topic.pattern_source is not None else [])


def assign_topics(text: str, topics: list[Topic]) -> list[str]:
    """Ids of the topics the text names, in taxonomy order."""
    return [t.id for t in matched_topics(text, topics)]


def resolve_topic(value: str, topics: list[Topic]) -> Topic | None:
    """A topic by id or name, case-insensitive ('f1-f3-licensing' or 'F1/F3 licensing')."""
    wanted, slug = value.strip().lower(), slugify(value)
    for topic in topics:
        if wanted == topic.name.lower() or slug == topic.id:
            return topic
    return None
