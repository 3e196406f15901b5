"""Readable newsletter digests (Markdown and e-mail-safe HTML), grouped by topic, with a chart.

The chart is an SVG heat map of passages per topic per item, drawn here from numbers, so nothing
is fetched when it renders. Everything that comes from sources is escaped.
"""
from __future__ import annotations

import base64
import html

from ingest.urls import is_web_url

from .json_feed import feed_title, link_html
from .selection import Export, ExportOptions

CELL_W, CELL_H, HEADER_H, CAPTION_H, LEGEND_H = 30, 20, 20, 18, 15
CHAR_W = 6.2  # the width of an average character at font-size 11: labels get the room they need
CAPTION = "Passages on each topic, per item (darker: more)"


def topic_groups(items: list[dict], options: ExportOptions) -> list[tuple[str, list[dict]]]:
    """(topic, items) in digest order: the chosen topics; else each item under its main topic."""
    chosen = options.filters.get("topics") or []
    if chosen:
        return [(t, [i for i in items if t in i["topics"]]) for t in chosen]
    groups: dict[str, list[dict]] = {}
    for i in items:
        groups.setdefault(i["topics"][0] if i["topics"] else "Other", []).append(i)
    return sorted(groups.items(), key=lambda g: (-len(g[1]), g[0]))


def highlights_on(i: dict, topic: str) -> list[dict]:
    on_topic = [h for h in i["highlights"] if topic in h["topics"]]
    return on_topic or i["highlights"]


def chart_svg(chart: dict) -> str:
    """Heat map, sized to what it holds: one row per topic (its whole name), one column per item
    (numbered; the legend under it names each), darker for more passages, and a caption."""
    columns, rows = chart["columns"], chart["rows"]
    if not columns or not rows:
        return ""
    top = max((n for row in rows for n in row[1:]), default=0) or 1
    label_w = 12 + CHAR_W * max(len(topic) for topic, *_ in rows)
    grid_w, grid_top = CELL_W * len(columns), CAPTION_H + HEADER_H
    legend_top = grid_top + CELL_H * len(rows) + 10
    width = max(label_w + grid_w, 24 + CHAR_W * max(len(legend_line(n, c)) for n, c in enumerate(columns, 1))) + 8
    height = legend_top + LEGEND_H * len(columns) + 4
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11" role="img">',
           f"<title>{CAPTION}</title>", f'<text x="0" y="13" font-size="12" font-weight="bold">{CAPTION}</text>']
    for x in range(len(columns)):  # numbered columns: the legend names the items whole
        out.append(f'<text x="{label_w + CELL_W * x + CELL_W // 2 - 1}" y="{grid_top - 5}" text-anchor="middle">{x + 1}</text>')
    for y, (topic, *counts) in enumerate(rows):
        ty = grid_top + CELL_H * y
        out.append(f'<text x="{label_w - 6}" y="{ty + 14}" text-anchor="end">{html.escape(topic)}</text>')
        for x, n in enumerate(counts):
            shade = 245 - int(170 * n / top)
            fill = f"rgb({shade},{shade + 5 if shade < 250 else 250},255)" if n else "#f4f4f4"
            out.append(f'<rect x="{label_w + CELL_W * x}" y="{ty}" width="{CELL_W - 2}" height="{CELL_H - 2}" '
                       f'fill="{fill}"/>')
            if n:
                out.append(f'<text x="{label_w + CELL_W * x + CELL_W // 2 - 1}" y="{ty + 14}" '
                           f'text-anchor="middle">{n}</text>')
    for n, label in enumerate(columns, 1):
        out.append(f'<text x="0" y="{legend_top + LEGEND_H * n - 3}">{html.escape(legend_line(n, label))}</text>')
    out.append("</svg>")
    return "".join(out)


def legend_line(n: int, label: str) -> str:
    return f"{n}: {label}"


def item_label(i: dict) -> str:
    return f"Episode {i['episode']}: {i['title']}" if i["episode"] else i["title"]


def to_markdown(export: Export) -> str:
    """A digest to paste into a newsletter editor."""
    items, options, chart, resources = export.items, export.options, export.chart, export.resources
    lines = [f"# {md(feed_title(options))}", "", f"{len(items)} item(s)." if items else "Nothing matched.", ""]
    svg = chart_svg(chart)
    if svg:
        data = base64.b64encode(svg.encode()).decode()
        lines += [f"![Passages per topic per episode](data:image/svg+xml;base64,{data})", ""]
        lines += markdown_table(chart) + [""]
    for topic, group in topic_groups(items, options):
        lines += [f"## {md(topic)}", ""]
        for i in group:
            lines.append(f"- **{md_link(item_label(i), i['url'])}**: {md(i['summary'])}")
            for h in highlights_on(i, topic):
                where = " ".join(p for p in (", ".join(md(p) for p in (h["speaker"], h["heading"]) if p),
                                             md_link(h["time"], h["url"]) if h["time"] else "") if p)
                lines.append(f"  - {where + ': ' if where else ''}“{md(h['snippet'])}”")
        links = [md_link(r["label"], r["url"]) for _, r in resources.get(topic, [])]
        if links:
            lines += ["", f"Resources on {md(topic)}: " + "; ".join(links)]
        lines.append("")
    return "\n".join(lines)


def markdown_table(chart: dict) -> list[str]:
    head = ["Topic", *chart["columns"]]
    rows = [[md(str(v)) for v in row] for row in chart["rows"]]
    return ["| " + " | ".join(map(md, head)) + " |", "|" + "---|" * len(head)] + ["| " + " | ".join(r) + " |" for r in rows]


def md(text: str | None) -> str:
    """Text safe inside Markdown: markup characters escaped, no raw HTML."""
    text = " ".join((text or "").split())
    for char in "\\`*_[]<>|#":
        text = text.replace(char, "\\" + char)
    return text


def md_link(label: str, url: str | None) -> str:
    if is_web_url(url):
        return f"[{md(label)}](<{url.replace('>', '%3E').replace(' ', '%20')}>)"
    return md(label)


def to_html(export: Export) -> str:
    """A self-contained HTML digest that is safe to paste into an e-mail: inline styles, no scripts."""
    items, options, chart, resources = export.items, export.options, export.chart, export.resources
    e = html.escape
    out = ['<div style="font-family:sans-serif;max-width:760px">', f"<h1>{e(feed_title(options))}</h1>",
           f"<p>{len(items)} item(s).</p>" if items else "<p>Nothing matched.</p>", chart_svg(chart)]
    for topic, group in topic_groups(items, options):
        out.append(f"<h2>{e(topic)}</h2><ul>")
        for i in group:
            out.append(f"<li><strong>{link_html(item_label(i), i['url'])}</strong>: {e(i['summary'])}<ul>")
            for h in highlights_on(i, topic):
                where = " ".join(p for p in (e(", ".join(p for p in (h["speaker"], h["heading"]) if p)),
                                             link_html(h["time"], h["url"]) if h["time"] else "") if p)
                out.append(f"<li>{where + ': ' if where else ''}“{e(h['snippet'])}”</li>")
            out.append("</ul></li>")
        out.append("</ul>")
        links = [link_html(r["label"], r["url"]) for _, r in resources.get(topic, [])]
        if links:
            out.append(f"<p>Resources on {e(topic)}: " + "; ".join(links) + "</p>")
    out.append("</div>")
    return "\n".join(part for part in out if part)
