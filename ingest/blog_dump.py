"""Blog dumps in plain text: several posts (podcast episodes and write-ups) in one file.

Posts are found from the text's structure, not from known titles: a post starts at a short,
title-like line that is an episode title ("... Episode 234"), or is followed by an image
placeholder ("bp1"), or ends a list (Resources, References, a transcript) and is followed by a
paragraph. Episodes are then read as show notes, a Resources list and an Otter-style
"Transcription" block; articles as headed sections, bullets, flattened tables and a reference list.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

from .chapters import text_chapters
from .errors import IngestError, IngestWarning
from .identity import title_show
from .model import Document, Resource, Segment, episode_id, slugify
from .otter import turn_header
from .show_notes import (BULLET, EPISODE_TITLE, LONG_PARAGRAPH_WORDS, PLACEHOLDER, REFERENCE_ITEM, REFERENCES_HEADER,
                         RESOURCES_HEADER, LISTEN_CUE, TRANSCRIPT_HEADER, is_boilerplate, is_section_header,
                         is_short_line, is_title_like, title_episode, transcript_segments, without_citations)
from .urls import URL_IN_TEXT, urls_in

name = "blog-dump"
role = "archive"

NUMBERED_SECTION = re.compile(r"^(?P<num>\d{1,2})\.\s+(?P<head>[^:]{2,90}?):\s+(?P<body>\S.*)$")
NUMBERED_HEADING = re.compile(r"^\d{1,2}(\.\d{1,2})*\.?\s+\S")
LOOKAHEAD_BLOCKS = 6  # how far a post-start decision may look ahead


@dataclass
class Paragraph:
    """Consecutive non-blank lines; `line` is the 1-based line number of the first."""

    lines: list[str]
    line: int

    @property
    def text(self) -> str:
        return " ".join(self.lines)

    @property
    def single(self) -> bool:
        return len(self.lines) == 1


def sniff(path: str, text: str) -> bool:
    """Any plain text may be a dump; `parse` says when no posts are found."""
    return True


def parse(path: str, text: str) -> list[Document]:
    """Split a dump into posts and parse each as an episode or an article."""
    blocks = split_blocks(text)
    posts = split_posts(blocks)
    skipped = [b for b in blocks if posts and b.line < posts[0][0].line]
    if skipped:
        warnings.warn(IngestWarning(
            f"{path}, line {skipped[0].line}: {len(skipped)} paragraph(s) before the first post title were skipped"))
    if not posts:
        raise IngestError(
            "no recognisable posts (expected a title line followed by paragraphs, "
            "such as 'Need to Know podcast–Episode 234')",
            path,
            blocks[0].line if blocks else None,
        )
    docs = []
    for post in posts:
        title = post[0].text.strip()
        if EPISODE_TITLE.search(title):
            docs.append(parse_episode(path, post))
        else:
            docs.append(parse_article(path, post))
    return docs


def split_blocks(text: str) -> list[Paragraph]:
    """Blank-line separated blocks, with non-breaking spaces folded and line numbers kept."""
    blocks: list[Paragraph] = []
    current: Paragraph | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.replace("\xa0", " ").replace("\u200b", "").rstrip()
        if not line.strip():
            current = None
        elif current is None or is_section_header(current.lines[-1]):
            current = Paragraph([line], number)
            blocks.append(current)
        else:
            current.lines.append(line)
    return blocks


def is_long_paragraph(block: Paragraph | None) -> bool:
    return block is not None and len(block.text.split()) >= LONG_PARAGRAPH_WORDS


def starts_transcript(block: Paragraph | None) -> bool:
    return block is not None and turn_header(block.lines[0]) is not None


def split_posts(blocks: list[Paragraph]) -> list[list[Paragraph]]:
    """Group blocks into posts; each post's first block is its title."""
    posts: list[list[Paragraph]] = []
    state = "preamble"
    for i, block in enumerate(blocks):
        if block.single and is_post_start(block, blocks[i + 1:i + 1 + LOOKAHEAD_BLOCKS], state, i == 0):
            posts.append([block])
            state = "notes" if EPISODE_TITLE.search(block.text) else "article"
            continue
        if not posts:
            continue  # text before the first title: `parse` says it was skipped
        posts[-1].append(block)
        state = next_state(block, state)
    return [post for post in posts if len(post) > 1]


def is_post_start(block: Paragraph, ahead: list[Paragraph], state: str, first: bool) -> bool:
    """Whether a one-line block opens a new post, judged by the state and the blocks after it."""
    line = block.lines[0].strip()
    following = ahead[0] if ahead else None
    if following is None or starts_transcript(following) or not is_short_line(line, max_words=25):
        return False
    if PLACEHOLDER.match(following.text.strip()):
        return True  # a short line over an image placeholder: the strongest title signal
    if not is_title_like(line):
        return False
    if EPISODE_TITLE.search(line):
        # A resource may name an episode: in a list, a new episode needs show notes after it.
        return state not in ("resources", "references") or any(is_long_paragraph(b) for b in ahead[:3])
    if first or state == "preamble":
        return is_long_paragraph(following) or not following.single
    if state == "transcript" and turns_follow(ahead):
        return False  # more turns follow: a short line inside a turn, not a new post
    if state == "references":  # numbered items never look like titles, so look a little further
        return any(is_long_paragraph(b) for b in ahead[:2])
    # After a list or transcript, a title-like line followed by a paragraph opens the next post.
    return state in ("resources", "transcript") and is_long_paragraph(following)


def turns_follow(ahead: list[Paragraph]) -> bool:
    """Whether transcript turns come before the next section header (which would start new ones)."""
    for block in ahead:
        if is_section_header(block.lines[0]):
            return False
        if starts_transcript(block):
            return True
    return False


def next_state(block: Paragraph, state: str) -> str:
    text = block.text.strip()
    if block.single and RESOURCES_HEADER.match(text):
        return "resources"
    if block.single and TRANSCRIPT_HEADER.match(text):
        return "transcript"
    if block.single and REFERENCES_HEADER.match(text):
        return "references"
    return state


def label_without_urls(text: str) -> str:
    """The words of a line once its URLs, empty brackets and joining dashes are taken out."""
    text = re.sub(r"[(\[<]\s*[)\]>]", "", URL_IN_TEXT.sub("", text))
    return re.sub(r"\s+", " ", text).strip(" ,;–-—:|")


def link_resources(text: str) -> list[Resource]:
    """Inline URLs in body text, labelled with the words around them when those are a real label."""
    label = label_without_urls(text)
    if not 2 <= len(label.split()) <= 20:
        label = ""
    return [Resource(label or url, url, "link") for url in urls_in(text)]


def resource_from_line(line: str, kind: str) -> Resource:
    """A list line as a resource: its label and the URL it carries, if any."""
    text = BULLET.sub("", line.strip())
    text = REFERENCE_ITEM.sub("", text) if kind == "reference" else text
    urls = urls_in(text)
    return Resource(label_without_urls(text) or (urls[0] if urls else text), urls[0] if urls else None, kind)


def parse_episode(path: str, post: list[Paragraph]) -> Document:
    title = post[0].text.strip()
    number = title_episode(title)
    doc = Document(episode_id(number), "episode", title, path, episode=number, line=post[0].line)
    doc.show = title_show(title)
    state, listen_next = "notes", False
    transcript_lines: list[tuple[int, str]] = []
    resource_lines: list[str] = []
    notes_lines: list[str] = []
    for block in post[1:]:
        text = block.text.strip()
        if PLACEHOLDER.match(text):
            continue
        new_state = next_state(block, state)
        if new_state != state:
            state = new_state
            continue
        if state == "transcript":
            transcript_lines += [(block.line + k, line) for k, line in enumerate(block.lines)]
        elif state == "resources":
            doc.resources += [resource_from_line(line, "resource") for line in block.lines]
            resource_lines += [BULLET.sub("", line).strip() for line in block.lines]
        elif listen_next and URL_IN_TEXT.fullmatch(text):
            doc.url = doc.listen_url = text  # the "Listen at" link is the episode's page on the host
            listen_next = False
            doc.segments.append(Segment("boilerplate", text, line=block.line))
        elif is_boilerplate(text) or URL_IN_TEXT.fullmatch(text):
            listen_next = bool(LISTEN_CUE.search(text))
            doc.segments.append(Segment("boilerplate", text, line=block.line))
        else:
            doc.segments.append(Segment("show_notes", text, line=block.line))
            doc.resources += link_resources(text)
            notes_lines += block.lines  # timestamp lines ('03:15 Passkeys') list the chapters
    if resource_lines:
        doc.segments.append(Segment("resources", "\n".join(resource_lines), heading="Resources"))
    if transcript_lines:
        doc.segments += transcript_segments(path, transcript_lines)
    doc.chapters = text_chapters(notes_lines)
    return doc


def parse_article(path: str, post: list[Paragraph]) -> Document:
    title = post[0].text.strip()
    doc = Document(slugify(title), "article", title, path, line=post[0].line)
    heading: str | None = None
    in_references = False
    blocks = post[1:]
    for i, block in enumerate(blocks):
        text = block.text.strip()
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        if PLACEHOLDER.match(text):
            continue
        if block.single and REFERENCES_HEADER.match(text):
            heading, in_references = text.rstrip(":"), True
            continue
        if in_references:
            doc.resources += [resource_from_line(line, "reference") for line in block.lines]
            doc.segments.append(Segment("references", "\n".join(l.strip() for l in block.lines), heading, line=block.line))
            continue
        numbered = NUMBERED_SECTION.match(text) if block.single else None
        if numbered:
            heading = f"{numbered['num']}. {numbered['head'].strip()}"
            text = numbered["body"]
        elif block.single and is_heading(text, following):
            heading = text
            continue
        for segment in paragraph_segments(block, text, heading):
            segment.text, segment.cites = without_citations(segment.text)
            doc.segments.append(segment)
        doc.resources += link_resources(text)
    return doc


def is_heading(text: str, following: Paragraph | None) -> bool:
    """A title-like line standing alone before more text is a section heading."""
    return following is not None and (is_title_like(text) or bool(NUMBERED_HEADING.match(text) and len(text) < 100))


def paragraph_segments(block: Paragraph, text: str, heading: str | None) -> list[Segment]:
    """Bullets become one segment each; other multi-line blocks are flattened tables."""
    if BULLET.match(block.lines[0]):
        items: list[str] = []
        for line in block.lines:
            if BULLET.match(line) or not items:
                items.append(BULLET.sub("", line).strip())
            else:
                items[-1] += " " + line.strip()
        return [Segment("bullet", item, heading, line=block.line) for item in items if item]
    if not block.single:
        return [Segment("table", "\n".join(l.strip() for l in block.lines), heading, line=block.line)]
    return [Segment("section", text, heading, line=block.line)]
