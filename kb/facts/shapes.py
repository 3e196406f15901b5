"""The shapes facts come in, read from a document's segments: a bullet or paragraph "Label: text",
a bullet "Label – figure", a flattened table row ("Enable MFA 20 points Requires ...", "Performance
Net customer adds Each net new customer ..."), a table's group line ("Skilling Intermediate
certifications") over its "Step 1 (Required): ..." lines, and plain prose. Each becomes a Passage:
its text, the label that names what its figures are about, and which parts of the text may hold
figures (a label's own words are a subject, not a fact: "Response to alerts is 24 hours or less").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.model import Segment

from .figures import Figure, blank_footnotes, figures

LABEL = re.compile(r"^(?P<label>[A-Z0-9“\"‘(][^:!?]{0,100}?)\s*:\s+(?P<body>\S.*)$", re.S)
DASHED = re.compile(r"^(?P<label>[A-Z0-9“\"‘(][^:!?]{1,100}?)\s+[–—-]\s+(?P<body>.+)$", re.S)
NOT_LABELS = {"note", "notes", "nb", "example", "examples", "for example", "e.g", "tip", "tips", "important",
              "warning", "caution", "source", "sources", "update", "updated", "disclaimer", "summary",
              "in summary", "result", "results", "answer", "question", "q", "a", "ps", "see", "also",
              "see also", "quote", "edit", "reminder"}
# Words that start a table cell's sentence after the row's label ("... adds Each net new customer").
OPENERS = {"Each", "Every", "All", "Any", "The", "A", "An", "At", "Up", "Only", "Requires", "Applies",
           "Includes", "Provides", "Earn", "Earns", "Partners", "Must", "No", "Minimum", "Maximum"}
GENERIC_COLUMN_WORDS = {"details", "detail", "description", "notes", "info", "information", "value", "values"}
SENTENCE_BREAK = re.compile(r"(?<!\bvs)(?<!\be\.g)(?<!\bi\.e)(?<!\betc)[.!?]\s")  # "Rebate vs. Co-op" is one label
LEADS_INTO_LIST = re.compile(r"\b(?:as follows|following|include|includes)$")
LABEL_WORDS = 14
CELL_LABEL_CHARS = 200
MAX_ROW_CHARS = 2000
PARAGRAPH_LABEL_WORDS = 6
GROUP_WORDS = 8


@dataclass
class Passage:
    """Text to read facts from, with what its figures are about."""

    text: str
    heading: str | None
    segment: int  # index of its segment in the document (where it came from, for debugging)
    label: str | None = None
    allowed: tuple[int, int] | None = None  # only figures in this part of the text; None: anywhere
    maximum: bool = False  # a table column of maximum scores: its figures are 'at most'
    cells: list[tuple[int, str]] = field(default_factory=list)  # (offset, column name) where a cell starts
    label_figures: list[Figure] = field(default_factory=list)  # figures that are the label's own value


def passages(segments: list[Segment]) -> list[Passage]:
    """The passages of a document's body text (sections, bullets and tables), in order."""
    found: list[Passage] = []
    table = TableState()
    for index, seg in enumerate(segments):
        if seg.kind != "table":
            table = TableState()
        if seg.kind == "bullet":
            found += labelled(seg.text, seg.heading, index, LABEL_WORDS, dashes=True)
        elif seg.kind == "section":
            found += labelled(seg.text, seg.heading, index, PARAGRAPH_LABEL_WORDS, dashes=False)
        elif seg.kind == "table":
            if table.heading != seg.heading:
                table = TableState(seg.heading)
            found += table_rows(seg, index, table)
    return found


def label_of(text: str, most_words: int, dashes: bool) -> tuple[str, str] | None:
    """(label, body) of 'Label: body' (or 'Label – body' when the body opens with a figure)."""
    match = LABEL.match(text)
    if match and is_label(match["label"], most_words):
        return match["label"].strip(), match["body"]
    match = DASHED.match(text) if dashes else None
    if match and is_label(match["label"], most_words):
        opening = blank_footnotes(match["body"][:40])
        first = figures(opening)
        if first and first[0].start <= 12:
            return match["label"].strip(), match["body"]
    return None


def is_label(label: str, most_words: int) -> bool:
    words = label.split()
    text = label.strip().lower().rstrip(".")
    return (0 < len(words) <= most_words and text not in NOT_LABELS and "http" not in text
            and not SENTENCE_BREAK.search(label) and not LEADS_INTO_LIST.search(text))


def labelled(text: str, heading: str | None, index: int, most_words: int, dashes: bool) -> list[Passage]:
    """A bullet or paragraph; with a label, the label names its figures. A figure in brackets in
    the label is the label's own ('Performance (Maximum 20 points): ...')."""
    found = label_of(text, most_words, dashes)
    if not found:
        return [Passage(text, heading, index)]
    label, body = found
    name, own = split_label(label)
    passage = Passage(body, heading, index, label=name)
    if own:
        first_sentence = re.split(r"(?<=[.!?])\s+(?=[A-Z])", body, maxsplit=1)[0]
        whole = text[:len(text) - len(body)] + first_sentence
        start = whole.index(own)
        figs = [f for f in figures(blank_footnotes(whole)) if start <= f.start < start + len(own)]
        return [Passage(whole, heading, index, label=name, allowed=(start, start + len(own)), label_figures=figs),
                passage]
    return [passage]


def split_label(label: str) -> tuple[str, str | None]:
    """'Performance (Maximum 20 points)' -> ('Performance', '(Maximum 20 points)')."""
    match = re.search(r"\s*(\([^()]*\d[^()]*\))\s*$", label)
    if match and figures(blank_footnotes(match[1])):
        return label[:match.start()].strip(), match[1]
    return label, None


@dataclass
class TableState:
    """What a table's earlier lines tell its later ones, across the blank lines of one table."""

    heading: str | None = None
    header: str | None = None
    group: str | None = None
    columns: list[str] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)  # row labels seen in this group, to spot the next column


def table_rows(seg: Segment, index: int, table: TableState) -> list[Passage]:
    found = []
    lines = [line.strip() for line in seg.text.split("\n") if line.strip()]
    for n, line in enumerate(lines):
        if len(line) > MAX_ROW_CHARS:  # not a row: read as prose (which skips overlong sentences)
            found.append(Passage(line, seg.heading, index))
            continue
        blanked = blank_footnotes(line)
        figs = figures(blanked)
        if n == 0 and table.header is None and is_header(line, figs):
            table.header, table.columns = line, header_columns(line)
            continue
        passage = table_row(line, blanked, figs, seg.heading, index, table)
        if passage is not None:
            found.append(passage)
    return found


def is_header(line: str, figs: list[Figure]) -> bool:
    words = line.split()
    return not figs and len(words) >= 2 and all(w[0].isupper() or not w[0].isalpha() for w in words)


def header_columns(header: str) -> list[str]:
    """'Category Metric Enterprise Track Details SMB Track Details' -> ['Enterprise Track', 'SMB Track']:
    the columns that repeat a header's last words."""
    words = header.split()
    for size in (3, 2, 1):
        tail = words[-size:]
        starts = [i for i in range(len(words) - size + 1) if words[i:i + size] == tail]
        if len(starts) >= 2 and all(s > 0 for s in starts) and starts[1] - starts[0] > size:
            names = [" ".join([words[s - 1]] + [w for w in tail if w.lower() not in GENERIC_COLUMN_WORDS])
                     for s in starts]
            return names
    return []


def table_row(line: str, blanked: str, figs: list[Figure], heading: str | None, index: int,
              table: TableState) -> Passage | None:
    """A row: its label and where its cells start; a short line without figures is a group label."""
    maximum = "maximum" in (table.header or "").lower() or "max " in (table.header or "").lower()
    found = LABEL.match(line)
    if found and is_label(found["label"], GROUP_WORDS):
        own = found["label"].strip()
        label = f"{table.group} – {own}" if table.group else own
        passage = Passage(line, heading, index, label=label, allowed=(found.start("body"), len(line)))
        column = table.seen.get(own, 0)
        table.seen[own] = column + 1
        if len(table.columns) > column and column:
            passage.cells = [(0, table.columns[column])]
        elif len(table.columns) > 1:
            passage.cells = [(0, table.columns[0])]
        return passage
    cell = cell_figure(line, blanked, figs, table.header)
    if cell is not None:
        passage = Passage(line, heading, index, label=line[:cell.start].strip(), allowed=(cell.start, len(line)),
                          maximum=maximum)
        passage.label_figures = [cell]
        return passage
    opener = opening_word(line)
    if opener:
        passage = Passage(line, heading, index, label=line[:opener].strip(), allowed=(opener, len(line)))
        passage.cells = cell_starts(line, opener, table.columns)
        return passage
    if not figs and len(line.split()) <= GROUP_WORDS:
        table.group, table.seen = line, {}
        return None
    return Passage(line, heading, index)


def cell_figure(line: str, blanked: str, figs: list[Figure], header: str | None) -> Figure | None:
    """'Enable MFA 20 points Requires ...': a figure between a label and a capitalised cell; a
    plain number there takes its unit from the header ('Maximum Points')."""
    for fig in figs:
        if fig.start > CELL_LABEL_CHARS:
            break  # a row's label is short: no later figure is its cell
        rest = blanked[fig.end:fig.end + 10].lstrip()
        label = blanked[:fig.start].strip()
        if not label or (rest and not rest[0].isupper()) or re.search(r"[.!?:]\s", label):
            continue
        if fig.bare:
            fig.unit = header_unit(header)
            fig.bare = fig.unit is None
        if not fig.bare:
            return fig
    return plain_cell(blanked, header)


def plain_cell(blanked: str, header: str | None) -> Figure | None:
    """'Certifications 20 Two people must ...' under a 'Maximum Points' header: a plain number
    between the label and the next cell (read as a name's number by `figures`, so found here)."""
    unit = header_unit(header)
    match = re.match(r"([A-Za-z][^.!?:\d]*?)\s(\d+(?:\.\d+)?)(?=\s+[A-Z]|\s*$)", blanked)
    if unit is None or match is None:
        return None
    return Figure(float(match[2]), unit, match.start(2), match.end(2), text=match[2])


def header_unit(header: str | None) -> str | None:
    """The unit a table's header names for a column of plain numbers."""
    words = set(re.findall(r"[a-z%]+", (header or "").lower()))
    for names, unit in ((("points", "score", "scores", "pts"), "points"), (("%", "percent", "rate", "rates"), "%"),
                        (("hours",), "hours"), (("days",), "days"), (("months",), "months"), (("users",), "users")):
        if words & set(names):
            return unit
    return None


def opening_word(line: str) -> int | None:
    """Where the first cell starts: a capitalised opener after a lower-case word
    ('... Net customer adds Each net new customer ...') or after the label's last word."""
    for match in re.finditer(r"(?<=\s)([A-Z][a-z]*)\b", line):
        if match[1] in OPENERS and match.start() > 0 and not re.search(r"[.!?:]\s", line[:match.start()]):
            return match.start()
    return None


def cell_starts(line: str, opener: int, columns: list[str]) -> list[tuple[int, str]]:
    """Where each column's cell starts in a row, when the row has as many parallel runs of
    sentences ('Each net new customer ...' twice) as the header has columns."""
    if len(columns) < 2:
        return []
    starts = [opener] + [m.end() for m in re.finditer(r"[.!?]\s+(?=[A-Z])", line) if m.end() > opener]
    if len(starts) % len(columns):
        return []
    size = len(starts) // len(columns)
    first_words = [line[s:].split(maxsplit=1)[0] for s in starts]
    if any(first_words[i] != first_words[i % size] for i in range(len(starts))):
        return []
    return [(starts[k * size], columns[k]) for k in range(len(columns))]
