"""Results as `kb search` prints them for people: title, where it was said, the snippet with the
query's words marked, topics and link."""
from __future__ import annotations

import click

from .snippets import snippet_parts


def search_notes(found: dict) -> list[str]:
    """What `kb search` says about the query before its results: a correction, the speaker it
    names, and what it did not list."""
    notes = []
    if found.get("corrected"):
        notes.append(f"Showing results for {found['corrected']!r}.")
    speaker = found.get("speaker")
    if speaker and speaker["found"]:
        notes.append(f"Passages by {speaker['name']} first (for everyone's: kb search {speaker['asked']!r}).")
    elif speaker:  # "here is what others said" only when others said something
        others = "; here is what others said" if found["results"] else ""
        notes.append(f"{speaker['name']} says nothing about {speaker['asked']!r}{others}.")
    if not found["results"]:
        notes.append(f"No results for {found.get('corrected') or found['query']!r}.")
    if found["weaker"] and not found["weaker_listed"]:
        notes.append(f"{found['weaker']:,} weaker {'match' if found['weaker'] == 1 else 'matches'} not listed (--weaker lists them).")
    return notes


def speaker_shown(r: dict) -> str | None:
    """The speaker as labelled, with who an "Unknown Speaker" turn probably is."""
    likely = r.get("likely_speaker")
    return f"{r['speaker']} (probably {likely})" if likely else r["speaker"]


def format_result(rank: int, r: dict, stems: set[str]) -> str:
    season = f"S{r['season']} " if r.get("season") is not None else ""
    where = [f"{season}Episode {r['episode']}" if r["episode"] else None, speaker_shown(r),
             (("~" if r["start_estimated"] else "") + r["time"]) if r["time"] else None,
             r["heading"] if not r["speaker"] else None]
    head = click.style(f"{rank}. {r['title']}", bold=True)
    meta = " · ".join(w for w in where if w)
    text = " ".join(click.style(w, bold=True, fg="yellow") if hit else w for w, hit in snippet_parts(r["text"], stems))
    lines = [head + (f"  [{meta}]" if meta else ""), f"   {text}"]
    if r["topics"]:
        lines.append(f"   topics: {', '.join(r['topics'])}")
    if r["url"]:
        lines.append(f"   {r['url']}")
    return "\n".join(lines) + "\n"


def format_fact(rank: int, fact: dict) -> str:
    """'1. about 20% — Global PSTN Calling & Conferencing Accelerator', where it is, its sentence, its link."""
    where = " · ".join(part for part in (fact["title"], fact["heading"]) if part)
    lines = [click.style(f"{rank}. {fact['label']}", bold=True) + f" — {fact['subject']}", f"   {where}",
             f"   “{fact['sentence']}”"]
    if fact["url"]:
        lines.append(f"   {fact['url']}")
    return "\n".join(lines) + "\n"
