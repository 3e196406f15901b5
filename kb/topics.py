"""The taxonomy (topics.yml): topics with aliases and patterns, matched against chunks and queries."""
from __future__ import annotations

import re
import re._parser as regex_parser  # to find the words a pattern cannot match without
from re._constants import ASSERT, ASSERT_NOT, BRANCH, IN, LITERAL, MAX_REPEAT, MIN_REPEAT, SUBPATTERN
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ingest.model import slugify

from .analysis import fold


class TaxonomyError(ValueError):
    """topics.yml is missing, is not valid YAML, or a topic in it is malformed."""


TOKEN = re.compile(r"[a-z0-9]+")
MAX_PHRASE_WORDS = 6


def tokens(folded_text: str) -> list[str]:
    return TOKEN.findall(folded_text)


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


def ngrams(words: list[str], longest: int = MAX_PHRASE_WORDS) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + n]) for n in range(1, longest + 1) for i in range(len(words) - n + 1)}


@dataclass
class Topic:
    id: str
    name: str
    description: str = ""
    aliases: list[str] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)
    keys: set[tuple[str, ...]] = field(default_factory=set, repr=False)
    longest: int = field(default=1, repr=False)  # words in the longest key
    pattern: re.Pattern | None = field(default=None, repr=False)
    # Strings one of which any match of `pattern` contains: a cheap test before the regex runs.
    pattern_needs: set[str] | None = field(default=None, repr=False)

    def matches(self, grams: set[tuple[str, ...]], folded_text: str) -> bool:
        """Whether the text (its word n-grams and folded form) names this topic."""
        if self.keys & grams:
            return True
        if self.pattern is None:
            return False
        if self.pattern_needs is not None and not any(s in folded_text for s in self.pattern_needs):
            return False
        return bool(self.pattern.search(folded_text))

    def phrases(self) -> list[str]:
        """The name and every alias: what a query about this topic may be expanded with."""
        return [self.name, *self.aliases]


def compile_topic(topic: Topic, path: str) -> Topic:
    """Aliases become word tuples (fast set look-ups); patterns one regular expression."""
    topic.keys = set().union(*(phrase_keys(a) for a in topic.phrases()))
    topic.longest = max((len(k) for k in topic.keys), default=1)
    for pattern in topic.patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise TaxonomyError(f"{path}: topic {topic.name!r}: bad pattern {pattern!r}: {exc}") from None
    if topic.patterns:
        source = "|".join(f"(?:{p})" for p in topic.patterns)
        topic.pattern = re.compile(source, re.I)
        topic.pattern_needs = required_strings(regex_parser.parse(source, re.I))
    return topic


def required_strings(parsed) -> set[str] | None:
    """Lower-case strings one of which every match of a parsed regex contains (None: no such set).

    Runs of literal characters are required where they stand outside optional parts; a branch
    requires one of its alternatives' sets. The most selective set found is returned."""
    best: set[str] | None = None
    run: set[str] = {""}

    def keep(found: set[str] | None) -> None:
        nonlocal best
        if found and "" not in found and (best is None or min(map(len, found)) > min(map(len, best))):
            best = found

    for op, arg in parsed:
        if op is LITERAL:
            run = {r + chr(arg).lower() for r in run}
            continue
        if op is IN and all(o is LITERAL for o, _ in arg) and len(arg) * len(run) <= 16:
            run = {r + chr(a).lower() for r in run for _, a in arg}
            continue
        keep(run)
        run = {""}
        if op is SUBPATTERN:
            keep(required_strings(arg[-1]))
        elif op is BRANCH:
            options = [required_strings(branch) for branch in arg[1]]
            keep(set().union(*options) if all(options) else None)
        elif op in (MAX_REPEAT, MIN_REPEAT) and arg[0] >= 1:
            keep(required_strings(arg[2]))
        elif op in (ASSERT, ASSERT_NOT):
            continue  # looks around without consuming: requires nothing
    keep(run)
    return best


def load_taxonomy(path: str | Path) -> list[Topic]:
    """Read and check topics.yml; errors name the file and the topic."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TaxonomyError(f"{path}: taxonomy file not found") from None
    except UnicodeDecodeError:
        raise TaxonomyError(f"{path}: not valid UTF-8 text; save the file as UTF-8") from None
    except OSError as exc:
        raise TaxonomyError(f"{path}: cannot read the taxonomy: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{path}: not valid YAML: {exc}") from None
    entries = data.get("topics") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise TaxonomyError(f"{path}: expected a 'topics:' list of topics")
    return topics_from_entries(entries, str(path))


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
        topics.append(compile_topic(topic, path))
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


def matched_topics(text: str, topics: list[Topic]) -> list[Topic]:
    """The topics whose name, aliases or patterns occur in the text, in taxonomy order."""
    folded = fold(text)
    grams = ngrams(tokens(folded), max((t.longest for t in topics), default=1))
    return [t for t in topics if t.matches(grams, folded)]


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
