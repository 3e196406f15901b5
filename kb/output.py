"""Results as `kb search` prints them for people: title, where it was said, the snippet with the
query's words marked, topics and link."""
from __future__ import annotations

import click

from .snippets import snippet_parts


def format_result(rank: int, r: dict, stems: set[str]) -> str:
    season = f"S{r['season']} " if r.get("season") is not None else ""
    where = [f"{season}Episode {r['episode']}" if r["episode"] else None, r["speaker"],
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
