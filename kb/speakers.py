"""Speakers named in a query: "what did Brenton say about voice", "Robert Crane on calling plans",
"according to Tim, ...". The names are those of the speakers in kb.db (a full name, or a first or
last name that only one speaker has); the question's own words around the name are dropped, and
what is left is what the query asks about that speaker."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .analysis import lowered

# Labels transcripts give to turns whose speaker is not known: never a person to filter on.
NOT_A_PERSON = re.compile(r"^(unknown|unidentified|speaker|announcer|host|guest|narrator|interviewer|"
                          r"voice ?over|voiceover|caller|audience)\b|^speaker \d+$|^\d+$", re.I)
# Of those, the roles a query can name as "the announcer", "the host": that speaker label's turns.
ROLE = re.compile(r"^(announcer|host|narrator|interviewer|voice ?over|voiceover)$", re.I)
# One-word names that are also ordinary words: they name a speaker only when written with a capital.
COMMON_WORDS = {"will", "mark", "bill", "grant", "frank", "rich", "hope", "may", "june", "april", "august",
                "rose", "page", "hunter", "young", "price", "rich", "ray", "sky", "dawn", "chance", "case"}
# The question around a name: dropped from the start of what is left once the name is taken out.
QUESTION_WORDS = {"what", "did", "does", "do", "has", "have", "had", "was", "is", "how", "when", "why", "where",
                  "say", "says", "said", "saying", "think", "thinks", "thought", "mention", "mentions",
                  "mentioned", "talk", "talks", "talked", "discuss", "discusses", "discussed", "explain",
                  "explains", "explained", "recommend", "recommends", "recommended", "suggest", "suggested",
                  "about", "on", "of", "regarding", "according", "to", "per", "view", "views", "take",
                  "opinion", "thoughts", "from", "by", "s", "and", "the", "say,", "tell", "told"}


@dataclass(frozen=True)
class NamedSpeaker:
    name: str  # the speaker as kb.db has it: "Brenton Johnson"
    written: str  # how the query wrote it: "Brenton"
    rest: str  # the query without the name and its question words: "voice"


class SpeakerNames:
    """The ways a query can name each speaker of a kb.db."""

    def __init__(self, speakers: list[str]):
        people = [s for s in speakers if s and not NOT_A_PERSON.search(s.strip())]
        forms: dict[str, set[str]] = {}
        for person in people:
            words = simple(person).split()
            for form in {" ".join(words), words[0], words[-1]}:
                forms.setdefault(form, set()).add(person)
        # a first or last name two speakers share names neither; a full name always names its own
        self.by_form = {form: next(iter(owners)) for form, owners in forms.items()
                        if len(owners) == 1 or form in {simple(p) for p in owners}}
        self.pattern = name_pattern([re.escape(f).replace(r"\ ", r"\s+").replace("'", "['’]?")
                                     for f in sorted(self.by_form, key=len, reverse=True)])
        # the pattern lets an apostrophe out ("Tim ONeill"), so a name is looked up without them
        self.by_bare = {form.replace("'", ""): person for form, person in self.by_form.items()}
        self.roles = {simple(s): s for s in speakers if s and ROLE.match(s.strip())}
        self.role_pattern = name_pattern([re.escape(r) for r in self.roles], before=r"the\s+")

    def find(self, text: str) -> NamedSpeaker | None:
        """The speaker the query names, if it names one (the first, where it names several), else
        the role it names ("what does the announcer say about training")."""
        return self.person_named(text) or self.role_named(text)

    def role_named(self, text: str) -> NamedSpeaker | None:
        match = self.role_pattern.search(text) if self.role_pattern else None
        if match is None:
            return None
        rest = without_question_words(text[:match.start()] + " " + text[match.end():])
        return NamedSpeaker(self.roles[simple(match.group(1))], match.group(0), rest)

    def person_named(self, text: str) -> NamedSpeaker | None:
        if self.pattern is None:
            return None
        for match in self.pattern.finditer(text):
            written = match.group(1)
            form = simple(written)
            if " " not in form and form in COMMON_WORDS and not written[:1].isupper():
                continue
            rest = without_question_words(text[:match.start()] + " " + text[match.end():])
            return NamedSpeaker(self.by_bare[form.replace("'", "")], written, rest)
        return None


def name_pattern(alternatives: list[str], before: str = "") -> re.Pattern | None:
    """One of these names (regular expressions) as whole words, possessive or not, after `before`;
    None when there are none."""
    if not alternatives:
        return None
    return re.compile(r"(?<![\w'’])" + before + "(" + "|".join(alternatives) + r")(?:['’]s)?(?![\w'’])", re.I)


def simple(name: str) -> str:
    """A name as matched: lower case, straight apostrophes, single spaces ("Tim O’Neill" -> "tim o'neill")."""
    return " ".join(lowered(name).split())


def without_question_words(text: str) -> str:
    """The text with the question's words dropped from its start ("what did  say about voice" ->
    "voice"), and stray punctuation around it."""
    words = text.replace(",", " , ").split()
    while words and (words[0].lower().strip(",?") in QUESTION_WORDS or words[0] in {",", "?", "-", ":"}):
        words.pop(0)
    return " ".join(words).replace(" , ", ", ").strip(" ,?:-")
