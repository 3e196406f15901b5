"""Figures in a sentence: a number (digits, "$25K", "USD 1,250", "~4%", "twenty percent", "one
hour") with its unit, currency and qualifier, and where it sits in the sentence.

Text is read with its footnote markers blanked out first ("importance.5", "[1]", "metrics 8:"),
keeping every character's offset, so the sentence a fact cites is the source's own text. Numbers
that belong to a name ("Microsoft 365", "Tier 1", "OAuth 2.0"), years, ordinals and versions are
not figures. A bare number is a figure only when what it counts is clear: a score (points) or
the noun before "of" ("protected users growth of 125").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
}
SCALES = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9}
CURRENCIES = {"US$": ("$", "USD"), "USD": ("$", "USD"), "AU$": ("$", "AUD"), "A$": ("$", "AUD"),
              "AUD": ("$", "AUD"), "NZ$": ("$", "NZD"), "NZD": ("$", "NZD"), "CA$": ("$", "CAD"),
              "CAD": ("$", "CAD"), "$": ("$", None), "EUR": ("€", "EUR"), "€": ("€", "EUR"),
              "GBP": ("£", "GBP"), "£": ("£", "GBP")}
NUMBER_WORD_SET = set(NUMBER_WORDS)
_WORD_NUMBER = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_FIGURE = (
    r"(?<![\w/.,$€£])(?<![A-Za-z]-)(?P<tilde>~\s?)?"
    r"(?:(?P<currency>US\$|AU\$|A\$|NZ\$|CA\$|USD|AUD|NZD|CAD|EUR|GBP|\$|€|£)\s?)?"
    r"(?:{number})"
    r"(?P<scale>(?:[kK]|M|B|bn|mn)(?![\w-])|\s(?:thousand|million|billion)\b)?"
    r"(?P<percent>\s?%|\s(?:percent|per\s?cent)\b)?"
    r"(?![\w/]|\.\d|,\d)")
_DIGITS = r"(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?P<words>(?!))?"
_WORDS = (r"(?P<digits>(?!))?(?P<words>(?i:" + _WORD_NUMBER + r")(?:[ -](?i:one|two|three|four|five|six|seven|eight|"
          r"nine))?)")
# Two patterns, each with a cheap first-character test: one alternation tried at every position
# of the text was most of the extraction's time.
FIGURE_DIGITS = re.compile(r"(?=[~$€£UANCEG\d])" + _FIGURE.replace("{number}", _DIGITS))
FIGURE_WORDS = re.compile(r"(?=[~$€£UANCEGotfsenzhOTFSENZH])" + _FIGURE.replace("{number}", _WORDS))
# A number glued to a following unit word: "one-year", "24-hour", "30-day".
HYPHEN_UNIT = re.compile(r"-(minute|hour|day|week|month|year)s?\b", re.I)
TIME_UNITS = {"minute": "minutes", "min": "minutes", "mins": "minutes", "hour": "hours", "hr": "hours",
              "hrs": "hours", "day": "days", "week": "weeks", "month": "months", "year": "years",
              "yr": "years", "yrs": "years"}
DATA_UNITS = {"KB", "MB", "GB", "TB", "PB", "Kbps", "Mbps", "Gbps", "GHz", "MHz"}
DAY_KINDS = {"business", "working", "calendar", "consecutive", "full", "weekday"}
POINT_WORDS = {"point": "points", "points": "points", "pts": "points", "pt": "points"}
SINGULAR_UNITS = {"person": "people", "user": "users", "customer": "customers", "seat": "seats",
                  "license": "licenses", "licence": "licences", "device": "devices", "partner": "partners",
                  "tenant": "tenants", "account": "accounts", "employee": "employees", "agent": "agents",
                  "deployment": "deployments", "certification": "certifications", "admin": "admins"}
IRREGULAR_PLURALS = {"people", "staff", "personnel", "children", "men", "women"}
# Capitalised words that may come straight before a figure without making it part of a name.
FUNCTION_WORDS = {
    "about", "above", "after", "almost", "along", "an", "and", "another", "any", "approximately", "around",
    "as", "at", "below", "between", "by", "each", "earn", "earns", "every", "for", "from", "get", "just",
    "less", "maximum", "minimum", "more", "nearly", "of", "only", "or", "over", "per", "roughly", "some",
    "than", "the", "to", "under", "up", "with", "within", "a", "all", "first", "last", "next", "these",
    "those", "exactly", "add", "adds", "offer", "offers", "pay", "pays", "is", "are", "be", "reach", "reaches",
    "has", "have", "max", "min", "least", "most", "capped", "e.g", "i.e", "eg", "ie", "like", "such",
    "including", "receive", "receives", "gives", "give", "plus", "extra", "additional", "beyond", "until",
    "during", "in", "on", "into", "that", "which", "whereas",
}
NOT_COUNT_NOUNS = {"times", "ways", "things", "reasons", "days", "years", "hours", "months", "weeks",
                   "minutes", "points", "this", "its", "is", "was", "has", "does", "us", "as", "yes", "plus",
                   "less", "unless", "across", "always", "perhaps", "thus", "whereas", "various", "previous"}
VERB_LIKE = {"earns", "adds", "contributes", "requires", "includes", "means", "counts", "makes", "takes",
             "gives", "equals", "applies", "remains", "becomes", "represents", "costs", "gets", "goes",
             "needs", "pays", "reaches", "receives", "yields", "grants", "offers", "provides", "covers"}
DETERMINERS = {"a", "an", "the", "this", "that", "these", "those", "each", "every", "any", "some", "their",
               "its", "our", "your", "his", "her", "one", "all", "no"}
QUALIFIERS_BEFORE = [  # the words just before a figure (lower case), longest first within each
    ("up to a maximum of", "up to"), ("rising up to", "up to"), ("up to", "up to"), ("as much as", "up to"),
    ("as high as", "up to"), ("a maximum of", "at most"), ("maximum of", "at most"), ("no more than", "at most"),
    ("not more than", "at most"), ("capped at", "at most"), ("at most", "at most"), ("maximum", "at most"),
    ("max", "at most"), ("a minimum of", "minimum"), ("minimum of", "minimum"), ("minimum", "minimum"),
    ("no less than", "at least"), ("no fewer than", "at least"), ("at least", "at least"),
    ("within", "within"), ("less than", "less than"), ("fewer than", "less than"), ("under", "less than"),
    ("below", "less than"), ("more than", "more than"), ("over", "more than"), ("above", "more than"),
    ("greater than", "more than"), ("exceeding", "more than"), ("beyond", "more than"),
    ("approximately", "about"), ("roughly", "about"), ("around", "about"), ("about", "about"),
    ("nearly", "about"), ("almost", "about"), ("approx.", "about"), ("close to", "about"), ("circa", "about"),
    ("exactly", "exactly"),
]
QUALIFIERS_AFTER = [("or less", "or less"), ("or fewer", "or less"), ("or under", "or less"),
                    ("or below", "or less"), ("or more", "at least"), ("or higher", "at least"),
                    ("or greater", "at least"), ("or above", "at least"), ("or over", "at least")]
BEFORE_MEANINGS = dict(QUALIFIERS_BEFORE)
# The leftmost match is the longest phrase ("up to a maximum of" before "a maximum of").
QUALIFIER_BEFORE = re.compile(r"(?:^|[^a-z])(" + "|".join(re.escape(w) for w, _ in QUALIFIERS_BEFORE) + r")$")
YEAR = re.compile(r"(?:19|20)\d\d")
OR_MORE = re.compile(r"\s+or\s+(?:fewer|less|more|greater|higher|lower|above|below|over|under)(?=\s)", re.I)
PER = re.compile(r"(?:\s+per\s+[a-z]+){1,2}")


@dataclass
class Figure:
    """A number found in a sentence, with what the text says about it."""

    value: float
    unit: str | None  # '%', '$', 'points', 'hours', 'users', ...; None until a subject gives one
    start: int  # offsets in the sentence: the figure as written, qualifier words not included
    end: int
    currency: str | None = None
    qualifier: str | None = None
    text: str = ""
    bare: bool = False  # a plain number: its unit must come from what it counts
    range_with: Figure | None = None  # the figure this one ends a range with ("0 to 100")
    date: str | None = None  # a deadline's last day, YYYY-MM-DD (unit 'date')
    several: bool = False  # the sentence has other figures: this one needs its own words
    number_end: int = 0  # where the number ends and its unit words begin

    @property
    def countable(self) -> bool:
        """A count of things ('six deployments'), as opposed to a rate, amount, score or time."""
        return (self.unit not in (None, "%", "$", "€", "£", "points", "date") and self.unit not in TIME_UNITS.values()
                and self.unit not in DATA_UNITS)


FOOTNOTES = [
    re.compile(r"\[\d{1,3}\]"),  # [1]
    re.compile(r"(?<=[A-Za-z)\]\"”’])\.(\d{1,2})(?=\s|$)"),  # importance.5 (group 1 is blanked)
    re.compile(r"(?<=[a-z]) (\d{1,2})(?=:(?:\s|$))"),  # metrics 8:
    re.compile(r"(?<=\d) (\d{1,2})(?= [a-z])"),  # ranges from 0 to 100 5 and
    re.compile(r"[¹²³⁴⁵⁶⁷⁸⁹⁰]+"),
]


def blank_footnotes(text: str) -> str:
    """The text with footnote and citation markers replaced by spaces: offsets are unchanged."""
    chars = list(text)
    for pattern in FOOTNOTES:
        for match in pattern.finditer(text):
            start, end = match.span(1) if pattern.groups else match.span()
            chars[start:end] = " " * (end - start)
    return "".join(chars)


def figures(sentence: str) -> list[Figure]:
    """The figures of a (footnote-blanked) sentence, in order; bare numbers left unit-less."""
    matches = list(FIGURE_DIGITS.finditer(sentence)) if re.search(r"\d", sentence) else []
    if not NUMBER_WORD_SET.isdisjoint(re.findall(r"[a-z]+", sentence.lower())):
        matches = sorted(matches + list(FIGURE_WORDS.finditer(sentence)), key=lambda m: m.start())
    found = []
    for match in matches:
        figure = read_figure(sentence, match)
        if figure is not None:
            found.append(figure)
    share_range_units(sentence, found)
    return found


def read_figure(sentence: str, match: re.Match) -> Figure | None:
    value = number_value(match)
    figure = Figure(value, None, match.start(), match.end(), number_end=match.end())
    if match["tilde"]:
        figure.qualifier = "about"
    if match["currency"]:
        figure.unit, figure.currency = CURRENCIES[match["currency"]]
    elif match["percent"]:
        figure.unit = "%"
    else:
        figure.unit, figure.end = unit_after(sentence, match.end(), value)
        if figure.unit is None and (match["words"] or (YEAR.fullmatch(match["digits"] or "") and not match["scale"])):
            return None  # "one of", "in 2025": a number word or a year needs a unit to be a figure
        figure.bare = figure.unit is None
    if is_part_of_name(sentence, match) and (figure.bare or figure.countable):
        return None  # "Microsoft 365 protected users", "Tier 1 products"; but "Enable MFA 20 points"
    per = PER.match(sentence, figure.end)
    if per and figure.unit in ("$", "€", "£", "%"):
        figure.end = per.end()  # "$4 per user per month": the rate stays with the figure
    figure.text = sentence[match.start():figure.end].strip()
    figure.qualifier = qualifier(sentence, figure) or figure.qualifier
    return figure


def number_value(match: re.Match) -> float | None:
    if match["digits"]:
        value = float(match["digits"].replace(",", ""))
    else:
        parts = re.split(r"[ -]", match["words"].lower())
        value = float(sum(NUMBER_WORDS[p] for p in parts))
    scale = (match["scale"] or "").strip().lower()
    return value * SCALES[scale] if scale else value


def is_part_of_name(sentence: str, match: re.Match) -> bool:
    """'Microsoft 365', 'Tier 1', 'Step 2', 'Windows 10': a capitalised word just before a number
    (a currency code is not a name). '365 Business' after a name is caught by the name before it."""
    if match["currency"] or match["tilde"]:
        return False
    window = sentence[max(0, match.start() - 60):match.start()]  # bounded: a sentence may hold many numbers
    before = window.rstrip()
    if len(before) < len(window) - 1 or not before:
        return False
    word = re.search(r"([A-Za-z][\w.&+-]*)$", before)
    if not word or window[word.end():] not in (" ", ""):
        return False
    token = word.group(1)
    return (token[0].isupper() or any(c.isdigit() for c in token)) and token.lower() not in FUNCTION_WORDS


def unit_after(sentence: str, end: int, value: float) -> tuple[str | None, int]:
    """The unit word(s) after a number and where they end: a time, points, or what is counted
    ('two distinct pathways' -> 'pathways'); None when the number is bare."""
    hyphen = HYPHEN_UNIT.match(sentence, end)
    if hyphen:
        return TIME_UNITS[hyphen[1].lower()], hyphen.end()
    alternative = OR_MORE.match(sentence, end)  # "25 or fewer users": the unit comes after (and
    # qualifier() reads the "or fewer" in the figure's own words)
    if alternative:
        unit, unit_end = unit_after(sentence, alternative.end(), value)
        return (unit, unit_end) if unit else (None, end)
    words = list(re.finditer(r"\s*([A-Za-z][A-Za-z’'-]*)", sentence[end:end + 80]))
    if not words or words[0].start() != 0:
        return None, end
    if words[0][1] in DATA_UNITS:  # "50 GB", "100Mbps"
        return words[0][1], end + words[0].end()
    if words[0][0][:1].isalpha():
        return None, end  # a letter straight after the number, not a unit that FIGURE allows
    first = words[0][1].lower()
    if first in DAY_KINDS and len(words) > 1 and words[1][1].lower().rstrip("s") in ("day", "hour", "week"):
        words, end = words[1:], end + words[0].end()  # "2 business days": days
        first = words[0][1].lower()
        end -= words[0].start()
    if first in TIME_UNITS or first.rstrip("s") in TIME_UNITS:
        return TIME_UNITS[first if first in TIME_UNITS else first.rstrip("s")], end + words[0].end()
    if first in POINT_WORDS:
        return "points", end + words[0].end()
    if value == 1 and first in SINGULAR_UNITS:
        return SINGULAR_UNITS[first], end + words[0].end()
    return count_noun(sentence, end, words)


def count_noun(sentence: str, end: int, words: list[re.Match]) -> tuple[str | None, int]:
    """'four key metrics', 'six solution areas', 'ten customers': up to three lower-case words,
    the last a plural noun (not a verb: 'growth of 125 earns one point' counts nothing)."""
    for k, word in enumerate(words[:3]):
        if k and words[k - 1].end() != word.start():
            break
        text = word[1]
        if not text.islower() or text in DETERMINERS or text in FUNCTION_WORDS:
            break
        if is_plural_noun(text):
            following = words[k + 1][1].lower() if k + 1 < len(words) and words[k + 1].start() == word.end() else ""
            if text in VERB_LIKE or following in DETERMINERS or following in NUMBER_WORDS:
                return None, end
            return text, end + word.end()
    return None, end


def is_plural_noun(word: str) -> bool:
    if word in IRREGULAR_PLURALS:
        return True
    return (len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "ous"))
            and word not in NOT_COUNT_NOUNS and "'" not in word and "’" not in word)


def qualifier(sentence: str, figure: Figure) -> str | None:
    """'about', 'up to', 'at most', 'minimum', 'at least', 'within', 'or less'... from the words
    around the figure ('~' is read with the number)."""
    before = re.sub(r"\s+", " ", sentence[max(0, figure.start - 40):figure.start].lower()).rstrip()
    found = QUALIFIER_BEFORE.search(before)
    if found:
        return BEFORE_MEANINGS[found[1]]
    number = re.match(r"\S*", sentence[figure.start:figure.start + 40])[0]
    written = OR_MORE.match(sentence, figure.start + len(number))  # "25 or fewer users"
    start = written.start() if written else figure.end
    after = re.sub(r"\s+", " ", sentence[start:start + 20].lower()).lstrip()
    for words, meaning in QUALIFIERS_AFTER:
        if after.startswith(words):
            return meaning
    return None


def share_range_units(sentence: str, found: list[Figure]) -> None:
    """'from 0 to 20 points', '70-80%', '1.25% to 6%': a bare end of a range takes the other's unit."""
    for left, right in zip(found, found[1:]):
        between = sentence[left.end:right.start].strip().lower()
        if between not in ("to", "-", "–", "—", "and", "or") and not re.fullmatch(r"(?:to|and)\s+~?", between):
            continue
        if left.bare and not right.bare:
            left.unit, left.currency, left.bare = right.unit, right.currency, False
        elif right.bare and not left.bare:
            right.unit, right.currency, right.bare = left.unit, left.currency, False
        right.qualifier = right.qualifier or left.qualifier
        right.range_with = left
        if between == "to" and re.search(r"\b(?:from|between)\s*$", sentence[:left.start]):
            left.qualifier = left.qualifier or "minimum"  # "ranges from 0 to 100": the least and the most
            right.qualifier = right.qualifier or "at most"
