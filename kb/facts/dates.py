"""Deadlines: a date that something must happen by ("move every customer to GDAP by the end of
2026", "before June 30, 2026", "no later than 2025-09-01"). Only these cues make a date a
deadline: a date alone ("accessed on May 9, 2025"), a span ("until at least 2027") or a fiscal
year ("FY24/25") is not one. The value is the year; the fact's date column holds the ISO day."""
from __future__ import annotations

import calendar
import re

from .figures import Figure

MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): n for n, name in enumerate(calendar.month_abbr) if name})
_MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
DEADLINE = re.compile(
    r"\b(?P<cue>by|before|no later than|deadline(?: of| is)?)\s+(?P<date>"
    r"(?:the\s+)?(?P<end>end|close|start|beginning)\s+of\s+(?:(?P<end_month>" + _MONTH + r")\s+)?(?P<end_year>\d{4})"
    r"|(?P<month>" + _MONTH + r")\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})"
    r"|(?P<day2>\d{1,2})(?:st|nd|rd|th)?\s+(?P<month2>" + _MONTH + r")\s+(?P<year2>\d{4})"
    r"|(?P<month3>" + _MONTH + r")\s+(?P<year3>\d{4})"
    r"|(?P<iso>\d{4}-\d{2}-\d{2})"
    r"|(?P<year4>(?:19|20)\d\d)(?![\w/-]))",
    re.I)
CUES = {"by": "by", "before": "before", "no later than": "by", "deadline of": "by", "deadline is": "by",
        "deadline": "by"}


def deadlines(sentence: str) -> list[Figure]:
    """The deadlines of a (footnote-blanked) sentence as figures with unit 'date'."""
    found = []
    for match in DEADLINE.finditer(sentence):
        day = iso_day(match)
        if day is None:
            continue
        figure = Figure(float(day[:4]), "date", match.start("date"), match.end("date"),
                        qualifier=CUES[" ".join(match["cue"].lower().split())], text=match["date"])
        figure.date = day
        found.append(figure)
    return found


def iso_day(match: re.Match) -> str | None:
    """The last day the deadline allows, as YYYY-MM-DD ('the end of 2026' -> 2026-12-31)."""
    try:
        if match["end_year"]:
            year = int(match["end_year"])
            month = MONTHS[match["end_month"].lower().rstrip(".")] if match["end_month"] else None
            starting = match["end"].lower() in ("start", "beginning")
            month = month or (1 if starting else 12)
            day = 1 if starting else calendar.monthrange(year, month)[1]
            return f"{year:04d}-{month:02d}-{day:02d}"
        if match["iso"]:
            year, month, day = map(int, match["iso"].split("-"))
        elif match["year"] or match["year2"]:
            year = int(match["year"] or match["year2"])
            month = MONTHS[(match["month"] or match["month2"]).lower().rstrip(".")]
            day = int(match["day"] or match["day2"])
        elif match["year3"]:
            year, month = int(match["year3"]), MONTHS[match["month3"].lower().rstrip(".")]
            day = calendar.monthrange(year, month)[1]
        else:
            year, month, day = int(match["year4"]), 12, 31
        calendar.weekday(year, month, day)  # ValueError for a day the month does not have
        return f"{year:04d}-{month:02d}-{day:02d}"
    except (ValueError, KeyError):
        return None


def task_before(sentence: str, figure: Figure) -> str | None:
    """What must be done by the deadline: the clause before the cue, after its subject and modal
    ('Partners must move every customer from DAP to GDAP by ...' -> 'move every customer ...')."""
    head = sentence[:figure.start]
    head = re.sub(r"\s*(?:by|before|no later than|deadline(?: of| is)?)\s+$", "", head, flags=re.I)
    clause = re.split(r"[;:,–—]\s+|\.\s+", head)[-1].strip()
    modal = re.search(r"\b(?:must|should|needs? to|have to|has to|are required to|is required to|will need to)\s+(.*)$",
                      clause, re.I)
    task = (modal[1] if modal else clause).strip()
    words = task.split()
    return " ".join(words[:14]) if len(words) >= 2 else None
