"""Facts from passages: each figure of each sentence, with the subject it is about; a figure whose
subject is unclear, in a question, or in a negated clause ("do not specify a mandatory Secure
Score of 70") is left out rather than guessed."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .dates import deadlines, task_before
from .figures import Figure, blank_footnotes, figures
from .shapes import Passage
from . import subjects as sub

ABBREVIATIONS = re.compile(r"(?:\b(?:e\.g|i\.e|vs|etc|approx|incl|inc|no|nos|fig|cf|al|mr|mrs|ms|dr|st|u\.s)\.|\b[A-Z]\.)$",
                           re.I)
SENTENCE_END = re.compile(r"[.!?][\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9$~])")
NEGATION = re.compile(r"\b(?:not|no|never|neither|nor|none|cannot|rather than)\b|n[’']t\b", re.I)
NOT_NEGATION = re.compile(r"\bno (?:more|less|fewer|later|earlier) than\b|\bnot only\b|\bno additional cost\b", re.I)
CLAUSE_BREAK = re.compile(r"[,;:–—]|\b(?:while|whereas|but|although)\b"
                          r"|\band (?=(?:is|are|was|were|has|have|can|may|must|will|does|do)\b)")
# A "sentence" longer than this, or with more figures, is a list or a run of numbers, not prose
# that states facts; reading it would also cost time that grows with the square of its length.
MAX_SENTENCE_CHARS = 2000
MAX_FIGURES = 30
QUESTION = re.compile(r"\?\s*$|\bwhether\b", re.I)


@dataclass
class Fact:
    """One figure of a sentence with what it is about (a row of the facts table)."""

    document_id: str
    heading: str | None
    subject: str
    value: float
    unit: str
    currency: str | None
    qualifier: str | None
    figure: str  # as written: '~20%', '$25K', 'twelve months'
    sentence: str
    date: str | None = None  # a deadline's day, YYYY-MM-DD (unit 'date')
    chunk_id: int | None = None
    url: str | None = None


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a (footnote-blanked) text; lines are sentence breaks too."""
    spans, start = [], 0
    for match in SENTENCE_END.finditer(text):
        if ABBREVIATIONS.search(text[start:match.start() + 1]):
            continue
        spans.append((start, match.start() + len(match.group().rstrip())))
        start = match.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def passage_facts(document_id: str, passage: Passage) -> list[Fact]:
    """Every fact of a passage, sentence by sentence: the label's own figures (a table row's
    '20 points' cell) named by the label, the others by the words around them."""
    blanked = blank_footnotes(passage.text)
    found = []
    for start, end in sentences(blanked):
        sentence = blanked[start:end]
        if end - start > MAX_SENTENCE_CHARS:
            continue
        for fig, of_label in sentence_figures(passage, sentence, start, end):
            subject = label_subject(passage, fig, offset=start) if of_label else figure_subject(sentence, fig, passage, start)
            if subject is None or fig.unit is None or (not of_label and excluded(sentence, fig)):
                continue
            if of_label and passage.maximum:
                fig.qualifier = fig.qualifier or "at most"
            found.append(Fact(document_id, passage.heading, subject, fig.value, fig.unit, fig.currency,
                              fig.qualifier, fig.text, passage.text[start:end].strip(), fig.date))
    return found


def sentence_figures(passage: Passage, sentence: str, start: int, end: int) -> list[tuple[Figure, bool]]:
    """The sentence's figures where the passage allows them, each marked when it is the label's own."""
    labels = [f for f in passage.label_figures if start <= f.start < end]
    figs = [f for f in figures(sentence) + deadlines(sentence) if allowed(passage, start + f.start)
            and not any(abs(start + f.start - own.start) < 2 for own in labels)]
    for own in labels:  # the label's figure as found in the row, at its place in this sentence
        figs.append(replace(own, start=own.start - start, end=own.end - start))
    ordered = sorted(figs, key=lambda f: f.start)
    if len(ordered) > MAX_FIGURES:
        return []
    for fig in ordered:
        fig.several = len(ordered) > 1
    return [(fig, any(fig.start + start == own.start for own in labels)) for fig in ordered]


def allowed(passage: Passage, offset: int) -> bool:
    return passage.allowed is None or passage.allowed[0] <= offset < passage.allowed[1]


def excluded(sentence: str, fig: Figure) -> bool:
    """A figure in a question, or in a clause that is negated, asserts nothing."""
    return bool(QUESTION.search(sentence)) or negated(sentence, fig)


def negated(sentence: str, fig: Figure) -> bool:
    """Whether the clause around the figure (brackets it is not in left out) says 'not', 'no'..."""
    text = re.sub(r"\([^()]*\)", lambda m: m.group() if m.start() <= fig.start < m.end() else " " * len(m.group()),
                  sentence)
    starts = [m.end() for m in CLAUSE_BREAK.finditer(text, 0, fig.start)]
    ends = [m.start() for m in CLAUSE_BREAK.finditer(text, fig.end)]
    clause = text[starts[-1] if starts else 0:ends[0] if ends else len(text)]
    return bool(NEGATION.search(NOT_NEGATION.sub(" ", clause)))


def cell_of(passage: Passage, offset: int) -> str | None:
    name = None
    for start, column in passage.cells:
        if start <= offset:
            name = column
    return name


def label_subject(passage: Passage, fig: Figure, detail: str | None = None, offset: int = 0) -> str:
    """The passage's label, with its table column and the figure's own words where they add to it."""
    subject = passage.label or ""
    column = cell_of(passage, offset + fig.start)
    if column:
        subject += f" ({column})"
    if detail and sub.tokens(detail) and (len(sub.tokens(detail)) == 1 or detail.lower() not in subject.lower()):
        subject += f": {detail}"
    return subject


def figure_subject(sentence: str, fig: Figure, passage: Passage, offset: int) -> str | None:
    """What a figure is about: under a label, the label (with what `label_detail` adds); in prose,
    the phrase around it, or nothing; the second end of a range, what the first is about."""
    if fig.unit == "date":
        return label_subject(passage, fig, offset=offset) if passage.label else task_before(sentence, fig)
    if fig.range_with is not None:
        partner = figure_subject(sentence, fig.range_with, passage, offset)
        if fig.bare:
            fig.unit = fig.range_with.unit
        return partner if fig.unit else None
    own = own_words(sentence, fig, several=fig.several)
    if fig.bare:
        fig.unit = bare_unit(sentence, fig, own)
        fig.bare = fig.unit is None
    if passage.label:
        return label_subject(passage, fig, label_detail(sentence, fig, own, passage.allowed is None), offset)
    return prose_subject(sentence, fig, own)


def label_detail(sentence: str, fig: Figure, own: str | None, prose: bool) -> str | None:
    """What to add to a label: the figure's own words when the sentence has other figures or they
    say more than one word ('base rebate'), else the sentence's own subject when it has one
    ('The average response time is ... the last 30 days'), though not in a table row, whose cells
    run on from the label; 'An additional ~20% incentive' adds nothing."""
    if own and (fig.several or len(sub.tokens(own)) >= 2):
        return own
    main = sub.clause_subject(sentence, fig) if prose else None
    return main if main and len(sub.tokens(main)) >= 2 and fig.start > sentence.find(main) else None


def own_words(sentence: str, fig: Figure, several: bool) -> str | None:
    """The words that say what this figure is, as opposed to the sentence's other figures."""
    return (sub.in_parenthesis(sentence, fig) or sub.modified_noun(sentence, fig)
            or sub.of_phrase(sentence, fig)
            or (sub.for_phrase(sentence, fig) if several else None))


def bare_unit(sentence: str, fig: Figure, own: str | None) -> str | None:
    """The unit of a plain number, from what it measures: a score is in points, 'protected users
    growth of 125' counts users."""
    about = own or sub.of_phrase(sentence, fig, ("of", "around", "about", "within", "from", "is", "at")) or ""
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", about)]
    if any(w in ("score", "scores") for w in words):
        return "points"
    counted = [w for w in words if w in ("users", "customers", "seats", "licenses", "licences", "devices",
                                         "employees", "partners", "tenants", "accounts", "people")]
    return counted[-1] if counted else None


def prose_subject(sentence: str, fig: Figure, own: str | None) -> str | None:
    """A figure in running text: the phrase that names it, completed when short by the sentence's
    subject, what it is said to be, its purpose clause or the phrase after it; None when nothing
    clear names it, or when the sentence's subject points back ('This requirement carries ...')."""
    around = own or sub.of_phrase(sentence, fig, ("of", "within", "around", "about", "from", "at")) \
        or sub.counted(sentence, fig)
    if not around:
        return subject_of_sentence(sentence, fig)
    if around.split()[0].lower() in sub.PRONOUNS:
        return None
    set_qualifier_from(around, fig)
    main = sub.clause_subject(sentence, fig)
    if fig.countable and own is None:
        if len(sub.tokens(around)) <= 2 and main:
            around = f"{main}: {around}"
        return around if sub.is_clear(around) else None
    if len(sub.tokens(around)) <= 3:
        if sub.anaphoric(sentence, fig):
            return None
        if main and len(sub.tokens(around)) <= 2 and main.lower() not in around.lower():
            around = f"{main}: {around}"
        extra = sub.complement(sentence, fig) or sub.following_phrase(sentence, fig) or sub.purpose(sentence)
        if extra:
            around = f"{around}: {extra}" if sub.complement(sentence, fig) else f"{around} {extra}"
    return around if sub.is_clear(around) else None


def subject_of_sentence(sentence: str, fig: Figure) -> str | None:
    """'The average resolution time is twenty days or less', 'Critical incidents require a reply
    within 30 minutes': with nothing around the figure naming it, the main clause's subject does,
    when the figure is in that clause and the subject is a clear noun phrase."""
    if fig.bare or fig.countable or fig.start < sub.main_clause_start(sentence):
        return None
    main = sub.clause_subject(sentence, fig)
    return main if sub.is_clear(main) and len(sub.tokens(main)) >= 2 else None


def set_qualifier_from(phrase: str, fig: Figure) -> None:
    """'a minimum score of 70 points' is a minimum; 'maximum possible score' a most."""
    first = phrase.split()[0].lower()
    if fig.qualifier is None and first in ("minimum", "maximum"):
        fig.qualifier = "minimum" if first == "minimum" else "at most"
