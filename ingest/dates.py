"""Publication dates as pages write them: ISO dates, '13. Januar 2014', 'April 1, 2020',
'23.12.2024', '26/10/2018', and the /YYYY/MM/(DD/) of a WordPress permalink. A date is an ISO
string: 'YYYY-MM-DD', or 'YYYY-MM' where only the month is known (still a date: it has a year)."""
from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

# Month names (and their usual abbreviations) in English, German, French, Spanish, Italian, Dutch, Portuguese.
MONTHS = {
    1: "january jan januar jänner janvier enero ene gennaio gen januari janeiro",
    2: "february feb februar février fevrier febrero febbraio februari fevereiro fev",
    3: "march mar märz maerz mars marzo maart março",
    4: "april apr avril abril aprile",
    5: "may mai mayo maggio mei maio",
    6: "june jun juni juin junio giugno junho",
    7: "july jul juli juillet julio luglio julho",
    8: "august aug août aout agosto ago augustus",
    9: "september sep sept septembre septiembre settembre set setembro",
    10: "october oct oktober octobre octubre ottobre ott okt outubro out",
    11: "november nov novembre noviembre novembre novembro",
    12: "december dec dezember décembre decembre diciembre dic dicembre dez dezembro",
}
MONTH_OF = {name: number for number, names in MONTHS.items() for name in names.split()}
MONTH = r"(?P<month>[^\W\d_]{3,10})\.?"
ISO = re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>\d\d)-(?P<day>\d\d)\b")
DAY_MONTH_YEAR = re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th|er|º|\.)?\s*(?:de\s+)?" + MONTH + r"\s*(?:de\s+)?,?\s*(?P<year>(?:19|20)\d\d)\b", re.I)
MONTH_DAY_YEAR = re.compile(r"\b" + MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b", re.I)
NUMERIC = re.compile(r"\b(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<year>(?:19|20)\d\d)\b")
PERMALINK = re.compile(r"/(?P<year>(?:19|20)\d\d)/(?P<month>0[1-9]|1[0-2])/(?:(?P<day>0[1-9]|[12]\d|3[01])/)?")


def valid(year: int, month: int, day: int | None) -> str | None:
    try:
        return date(year, month, day or 1).isoformat()[: 10 if day else 7]
    except ValueError:
        return None


def date_in_text(text: str | None, day_first: bool = True) -> str | None:
    """The first date written in a text, in any of the forms above; numeric dates are read day
    first ('05.12.2024' is 5 December) unless `day_first` is False (an English-US page)."""
    text = " ".join((text or "").split())
    found = ISO.search(text)
    if found:
        return valid(int(found["year"]), int(found["month"]), int(found["day"]))
    for pattern in (DAY_MONTH_YEAR, MONTH_DAY_YEAR):
        for found in pattern.finditer(text):
            month = MONTH_OF.get(found["month"].lower())
            if month:
                return valid(int(found["year"]), month, int(found["day"]))
    found = NUMERIC.search(text)
    if found:
        a, b = int(found["a"]), int(found["b"])
        day, month = (b, a) if b > 12 or (a <= 12 and not day_first) else (a, b)  # a number past 12 is the day
        return valid(int(found["year"]), month, day)
    return None


def permalink_date(url: str | None) -> str | None:
    """'https://blog.example/2014/01/13/post/' -> '2014-01-13'; '/2014/01/post/' -> '2014-01'."""
    found = PERMALINK.search(urlsplit(url or "").path)
    if not found:
        return None
    return valid(int(found["year"]), int(found["month"]), int(found["day"]) if found["day"] else None)
