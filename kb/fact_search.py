"""Facts for a query, ranked with the same search as passages: the facts of the best chunks for the
query, ordered by how much of the query their subject (and, for less, their sentence and heading)
holds, the chunk's score breaking ties. Used by `kb facts`, the kb_facts SQL function (the
"facts_about" canned query) and the search page's facts block."""
from __future__ import annotations

import sqlite3

from .query import check_query, query_stems
from .ranking import top_ids
from .search import SearchError, Searcher
from .snippets import token_stems

CHUNKS_SEARCHED = 50  # the facts of this many of the best chunks are candidates
NAMED_SHARE = 0.5  # a query names a fact when its subject and sentence hold this share of the query
SENTENCE_WEIGHT = 0.5  # a query word in the sentence or heading, not the subject, counts this much
CHUNK_WEIGHT = 0.25


def stems_of(text: str | None) -> set[str]:
    return {s for token in (text or "").split() for s in token_stems(token)}


def coverage(asked: set[str], row: sqlite3.Row) -> tuple[float, int]:
    """(share of the asked words the fact holds, words in its subject)."""
    if not asked:
        return 0.0, 0
    in_subject = asked & stems_of(row["subject"])
    elsewhere = (asked & (stems_of(row["sentence"]) | stems_of(row["heading"]))) - in_subject
    return (len(in_subject) + SENTENCE_WEIGHT * len(elsewhere)) / len(asked), len(in_subject)


def ranked_facts(kb: Searcher, text: str) -> list[tuple[float, float, int, sqlite3.Row]]:
    """(fact score, coverage, subject words, row) of the candidate facts, best first."""
    check_query(text)
    searched = kb.corrected(text)
    scores = kb.scores(searched)
    chunk_ids = top_ids(scores, CHUNKS_SEARCHED)
    if not chunk_ids:
        return []
    best = float(scores[chunk_ids[0]])
    asked = query_stems(searched)
    found = []
    for row in kb.reader.facts_in(chunk_ids):
        share, subject_words = coverage(asked, row)
        chunk = float(scores[row["chunk_id"]]) / best
        found.append((share + CHUNK_WEIGHT * chunk, share, subject_words, row))
    found.sort(key=lambda f: (-f[0], f[3]["id"]))
    return found


def find_facts(kb: Searcher, text: str, limit: int = 20, unit: str | None = None) -> list[dict]:
    """The best facts for a query, as `kb facts --json` prints them; SearchError for a unit that
    no fact is in (a slip, such as 'percent' for '%', is not "no facts")."""
    if unit is not None:
        units = kb.reader.fact_units()
        if unit not in units:
            raise SearchError(f"unknown unit {unit!r}; the units are {', '.join(units) or 'none (kb.db holds no facts)'}")
    rows = [(score, row) for score, _, _, row in ranked_facts(kb, text) if unit is None or row["unit"] == unit]
    return [fact_view(row, score) for score, row in rows[:limit]]


def fact_ids(kb: Searcher, text: str, limit: int) -> list[int]:
    return [row["id"] for _, _, _, row in ranked_facts(kb, text)[:limit]]


def named_facts(kb: Searcher, text: str, most: int = 5) -> list[dict]:
    """The facts a query names ('PSTN accelerator' -> the PSTN accelerator's rate): those holding
    at least half the query, with a query word in their subject, as much of it as the best of
    them; one per subject and figure."""
    candidates = [(score, share, row) for score, share, in_subject, row in ranked_facts(kb, text)
                  if share >= NAMED_SHARE and in_subject]
    if not candidates:
        return []
    top = max(share for _, share, _ in candidates)
    seen, found = set(), []
    for score, share, row in candidates:
        key = (row["subject"].split(":")[0].lower(), row["value"], row["unit"])
        if share == top and key not in seen:
            seen.add(key)
            found.append(fact_view(row, score))
    return found[:most]


def amount(value: float, unit: str, currency: str | None = None) -> str:
    """'20%', '$25,000', 'USD 1,250', '24 hours', '1 hour', '3.3 points'."""
    number = f"{value:,.0f}" if value == int(value) else f"{value:,.2f}".rstrip("0").rstrip(".")
    if unit == "%":
        return f"{number}%"
    if unit in ("$", "€", "£"):
        return f"{currency} {number}" if currency and currency != "EUR" and currency != "GBP" else f"{unit}{number}"
    if value == 1 and unit.endswith("s") and unit not in ("people",):
        return f"{number} {unit[:-1]}"
    return f"{number} {'person' if value == 1 and unit == 'people' else unit}"


def fact_label(fact: dict | sqlite3.Row) -> str:
    """How a person reads a fact: 'about 20%', 'at least 70 points', 'by 2026-12-31'."""
    if fact["unit"] == "date":
        return f"{fact['qualifier'] or 'on'} {fact['date']}"
    shown = amount(fact["value"], fact["unit"], fact["currency"])
    return f"{fact['qualifier']} {shown}" if fact["qualifier"] else shown


def fact_view(row: sqlite3.Row, score: float | None = None) -> dict:
    """A facts row as a plain dict, with its reading ('about 20%') and its document's title."""
    view = {key: row[key] for key in ("id", "document_id", "title", "chunk_id", "heading", "subject", "value",
                                      "unit", "currency", "qualifier", "figure", "date", "sentence", "url")}
    view["label"] = fact_label(row)
    if score is not None:
        view["score"] = round(score, 4)
    return view
