"""The taxonomy (topics.yml): topics with aliases and patterns, matched against chunks and queries."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ingest.model import slugify

from .analysis import fold


class TaxonomyError(ValueError):
    """topics.yml is missing, is not valid YAML, or a topic in it is malformed."""


@dataclass
class Topic:
    id: str
    name: str
    description: str = ""
    aliases: list[str] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)
    matcher: re.Pattern | None = field(default=None, repr=False)

    def matches(self, folded_text: str) -> bool:
        return bool(self.matcher and self.matcher.search(folded_text))

    def phrases(self) -> list[str]:
        """The name and every alias: what a query about this topic may be expanded with."""
        return [self.name, *self.aliases]


def alias_regex(alias: str) -> str:
    """An alias as a regex: whole words, with hyphens and spaces between words optional."""
    parts = [re.escape(p) for p in re.split(r"[\s\-]+", fold(alias).strip()) if p]
    body = r"[\s\-]*".join(parts)
    return rf"(?<![\w]){body}(?![\w])"


def compile_topic(topic: Topic, path: str) -> Topic:
    alternatives = [alias_regex(a) for a in topic.phrases() if a.strip()]
    for pattern in topic.patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise TaxonomyError(f"{path}: topic {topic.name!r}: bad pattern {pattern!r}: {exc}") from None
        alternatives.append(f"(?:{pattern})")
    topic.matcher = re.compile("|".join(alternatives), re.I)
    return topic


def load_taxonomy(path: str | Path) -> list[Topic]:
    """Read and check topics.yml; errors name the file and the topic."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TaxonomyError(f"{path}: taxonomy file not found") from None
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


def assign_topics(text: str, topics: list[Topic]) -> list[str]:
    """Ids of the topics whose name, aliases or patterns occur in the text, in taxonomy order."""
    folded = fold(text)
    return [t.id for t in topics if t.matches(folded)]


def matched_topics(query: str, topics: list[Topic]) -> list[Topic]:
    folded = fold(query)
    return [t for t in topics if t.matches(folded)]


def resolve_topic(value: str, topics: list[Topic]) -> Topic | None:
    """A topic by id or name, case-insensitive ('f1-f3-licensing' or 'F1/F3 licensing')."""
    wanted, slug = value.strip().lower(), slugify(value)
    for topic in topics:
        if wanted == topic.name.lower() or slug == topic.id:
            return topic
    return None
