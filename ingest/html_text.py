"""HTML -> text blocks -> segments, shared by WordPress pages and feed show notes.

Only text leaves this module: scripts, styles, forms and embeds are dropped, every other tag is
unwrapped, and entities are decoded (so '&lt;script&gt;' in a show note is stored as the text
'<script>', which Datasette escapes). Links keep their label and absolute URL as Resources.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from bs4.element import CData, Declaration, Doctype, ProcessingInstruction

from .encoding import visible
from .model import Resource, Segment
from .show_notes import LISTEN_CUE, LONG_PARAGRAPH_WORDS, is_boilerplate, section_header, transcript_segments
from .urls import URL_IN_TEXT, urls_in, web_url

DROP = ["script", "style", "noscript", "template", "iframe", "form", "nav", "aside", "button", "svg",
        "canvas", "object", "embed", "select", "input", "textarea", "img", "picture", "video", "audio", "map"]
# Sharing buttons, related posts, comment areas: page furniture that WordPress puts inside a post.
FURNITURE = re.compile(r"^(sharedaddy|sd-sharing.*|jp-relatedposts.*|share-?buttons?|social-?share.*|"
                       r"wp-block-buttons|post-navigation|navigation|nav-links|comments?-?area|comment-respond|"
                       r"related-posts?|yarpp-related|screen-reader-text|skip-link|widget.*|sidebar.*|breadcrumbs?|"
                       r"addthis.*|a2a_kit.*|shariff.*|heateor.*|ssba.*|wp-flattr-button|FlattrButton|"
                       r"sharing.*|share-?links?|social-?links?|post-share.*)$", re.I)
# Share buttons link to these: they are no resource of the post ('Facebook', 'Tweet').
SHARE_LINK = re.compile(r"^https?://(?:[\w-]+\.)*(?:facebook\.com/(?:sharer|share\.php|dialog/share)|"
                        r"linkedin\.com/(?:shareArticle|sharing/share-offsite|cws/share)|"
                        r"(?:twitter|x)\.com/(?:intent/(?:tweet|post)|share)|t\.me/share|telegram\.me/share|"
                        r"pinterest\.\w+/pin/create|reddit\.com/submit|wa\.me/\?|api\.whatsapp\.com/send|"
                        r"(?:getpocket|pocket)\.com/(?:save|edit)|tumblr\.com/(?:share|widgets/share)|"
                        r"xing\.com/(?:spi/shares|social/share)|mastodonshare\.com|bsky\.app/intent)", re.I)
LONG_HEADING_WORDS = 12  # a 'heading' longer than this, or ending a sentence, is a paragraph in heading tags
BLOCK_TAGS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "tr", "dt", "dd", "figcaption",
              "div", "section", "article", "ul", "ol", "table", "tbody", "thead", "tfoot", "main", "header",
              "footer", "figure", "dl", "center", "address", "hr", "body", "html"}
LEAF_KIND = {"li": "bullet", "dt": "bullet", "dd": "bullet", "tr": "table", "pre": "section"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
SKIP_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction, CData)
LISTEN_WORD = re.compile(r"\blisten\b", re.I)


@dataclass
class Block:
    """A paragraph, list item, table row or heading, as text (lines kept) with its links."""

    tag: str
    text: str
    links: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Body:
    segments: list[Segment] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    listen_url: str | None = None


def soup_of(markup: str) -> BeautifulSoup:
    return BeautifulSoup(markup, "lxml")


def remove_furniture(node: Tag) -> None:
    """Drop what is never post text: scripts, styles, embeds, forms, sharing and comment blocks."""
    unwanted = [tag for tag in node.find_all(True) if tag.name in DROP or is_furniture(tag)]
    for tag in outermost(unwanted):
        tag.decompose()
    for comment in node.find_all(string=lambda s: isinstance(s, SKIP_STRINGS)):
        comment.extract()


def is_furniture(tag: Tag) -> bool:
    names = list(tag.get("class") or []) + [tag.get("id") or ""]
    hidden = re.search(r"display\s*:\s*none", str(tag.get("style") or ""), re.I)
    return (any(FURNITURE.match(n) for n in names if n) or tag.get("role") in ("navigation", "complementary")
            or bool(hidden))


def outermost(tags: list[Tag]) -> list[Tag]:
    """The tags not inside another of them (decomposing those removes the rest)."""
    chosen = {id(t) for t in tags}
    return [t for t in tags if not any(id(p) in chosen for p in t.parents)]


def blocks_of(node: Tag, base_url: str | None = None) -> list[Block]:
    """The node's text as blocks, in document order; <br> becomes a line break. Iterative, so a
    page of 50,000 nested <div>s is read like any other."""
    containers = block_containers(node)
    out: list[Block] = []
    stack: list[tuple] = [(iter(node.children), [])]
    while stack:
        children, pending = stack[-1]
        child = next(children, None)
        if child is None:
            out.append(make_block("p", pending, base_url))
            stack.pop()
        elif isinstance(child, SKIP_STRINGS):
            continue
        elif isinstance(child, NavigableString) or (child.name not in BLOCK_TAGS and id(child) not in containers):
            pending.append(child)  # inline: text, links, emphasis
        else:
            out.append(make_block("p", list(pending), base_url))
            pending.clear()
            if id(child) in containers:
                stack.append((iter(child.children), []))
            else:
                out.append(make_block(child.name, [child], base_url))
    return [b for b in out if b.text]


def block_containers(node: Tag) -> set[int]:
    """ids of the tags that hold a block-level tag somewhere inside (one pass, bottom up)."""
    holding: set[int] = set()
    for tag in reversed(node.find_all(True)):
        if (tag.name in BLOCK_TAGS or id(tag) in holding) and tag.parent is not None:
            holding.add(id(tag.parent))
    return holding


def make_block(tag: str, nodes: list, base_url: str | None) -> Block:
    parts: list[str] = []
    links: list[tuple[str, str]] = []
    for node in nodes:
        if isinstance(node, Tag):
            parts.append(tag_text(node, " | " if tag == "tr" else ""))
            anchors = [node] if node.name == "a" else node.find_all("a")
            links += [link for link in map(lambda a: link_of(a, base_url), anchors) if link]
        else:
            parts.append(str(node))
    lines = [" ".join(line.split()) for line in visible("".join(parts)).split("\n")]
    text = "\n".join(line for line in lines if line).strip(" |")
    return Block(tag, text, links)


def tag_text(tag: Tag, cell_separator: str) -> str:
    """A tag's text with <br> as a newline (and table cells separated)."""
    pieces: list[str] = []
    for item in tag.descendants:
        if isinstance(item, Tag):
            if item.name == "br":
                pieces.append("\n")
            elif item.name in ("td", "th") and cell_separator and pieces:
                pieces.append(cell_separator)
        elif not isinstance(item, SKIP_STRINGS):
            pieces.append(str(item))
    return "".join(pieces) if tag.name != "br" else "\n"


def link_of(anchor: Tag, base_url: str | None) -> tuple[str, str] | None:
    """(label, absolute URL) of a web link; mailto:, javascript: and fragments are not resources."""
    href = anchor.get("href") or ""
    url = web_url(href[0] if isinstance(href, list) and href else href, base_url)
    if url is None:
        return None
    if SHARE_LINK.search(url):
        return None
    label = " ".join(visible(anchor.get_text(" ")).split())
    return (label or url, url)


def post_body(path: str, blocks: list[Block], prose_kind: str) -> Body:
    """Show notes, Resources lists, a transcript under 'Transcription', and the listen-at URL."""
    body = Body()
    blocks = headings_as_text(blocks)
    state, heading, listen_next = "notes", None, False
    transcript_lines: list[tuple[int, str]] = []
    resource_lines: list[str] = []
    for block in blocks:
        text = block.text.strip()
        first_line = text.split("\n", 1)[0].strip()
        header = section_header(first_line)
        if header:
            state = header
            heading = first_line.rstrip(":") if state == "references" else heading
            text = text[len(first_line):].strip()
            if not text:
                continue
        elif block.tag in HEADINGS:
            state, heading = "notes", text
            continue
        if state == "transcript":
            transcript_lines += [(len(transcript_lines) + k + 1, line) for k, line in enumerate(text.split("\n"))]
            continue
        flat = " ".join(text.split())
        if state in ("resources", "references"):
            if block.tag == "p" and (not block.links and len(flat.split()) >= LONG_PARAGRAPH_WORDS
                                     or is_boilerplate(flat) or LISTEN_WORD.search(flat)):
                state = "notes"  # prose, or the listen/subscribe lines, end the list
            else:
                kind = "resource" if state == "resources" else "reference"
                body.resources += list_resources(block, text, kind)
                if state == "resources":
                    resource_lines += [line for line in text.split("\n") if line.strip()]
                else:
                    body.segments.append(Segment("references", text, heading))
                continue
        listen_link = listen_link_of(block, flat, listen_next)
        if listen_link or is_boilerplate(flat) or URL_IN_TEXT.fullmatch(flat):
            body.listen_url = body.listen_url or listen_link
            listen_next = bool(LISTEN_CUE.search(flat)) and not block.links  # 'Listen at:' then the link
            body.segments.append(Segment("boilerplate", text, heading))
            continue
        body.segments.append(Segment(LEAF_KIND.get(block.tag, prose_kind), text, heading))
        body.resources += [Resource(label, url, "link") for label, url in block.links]
    if resource_lines:
        body.segments.append(Segment("resources", "\n".join(resource_lines), heading="Resources"))
    if transcript_lines:
        body.segments += transcript_segments(path, transcript_lines)
    body.resources = unique_resources(body.resources)
    return body


def headings_as_text(blocks: list[Block]) -> list[Block]:
    """Headings that are text: a long one or one that ends a sentence (posts written in <h5>
    paragraphs), and one with nothing under it before the next heading or the end. Their words
    would otherwise only label other text, or be lost."""
    out = []
    for n, block in enumerate(blocks):
        following = blocks[n + 1] if n + 1 < len(blocks) else None
        words = block.text.split()
        if block.tag in HEADINGS and (len(words) > LONG_HEADING_WORDS or block.text.rstrip()[-1:] in ".!?…"
                                      or following is None or following.tag in HEADINGS):
            block = Block("p", block.text, block.links)
        out.append(block)
    return out


def listen_link_of(block: Block, flat: str, after_cue: bool) -> str | None:
    """The episode's page: a short 'Listen ...' line with a link, or the bare link after 'Listen at:'."""
    if block.links and (LISTEN_WORD.search(flat) and len(flat.split()) <= 15 or after_cue and URL_IN_TEXT.fullmatch(flat)):
        return block.links[0][1]
    return None


def list_resources(block: Block, text: str, kind: str) -> list[Resource]:
    """A list item's links keep their text and URL; an item without a link is a label alone."""
    if block.links:
        if len(block.links) == 1:
            label, url = block.links[0]
            # 'Tim O’Neill – <a>tim@x</a>': the whole item is the better label when the link is a bare URL
            return [Resource(text.replace("\n", " ") if label == url and text != url else label, url, kind)]
        return [Resource(label, url, kind) for label, url in block.links]
    urls = urls_in(text)
    return [Resource(text.replace("\n", " "), urls[0] if urls else None, kind)]


def unique_resources(resources: list[Resource]) -> list[Resource]:
    seen: set[tuple[str | None, str]] = set()
    out = []
    for r in resources:
        key = (r.url, r.label) if r.url is None else (r.url, "")
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out
