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

from .model import Document, IngestError, IngestWarning, Resource, Segment, TranscriptParseError, slugify
from .otter import parse_turns, turn_header

name = "blog-dump"

EPISODE_TITLE = re.compile(r"\bepisode\s*#?\s*(\d{1,5})\b", re.I)
PLACEHOLDER = re.compile(r"^(bp\d+|audio|video|image)$", re.I)
RESOURCES_HEADER = re.compile(r"^(resources|links|show links)\s*:?$", re.I)
TRANSCRIPT_HEADER = re.compile(r"^(transcription|transcript|full transcript)\s*:?$", re.I)
REFERENCES_HEADER = re.compile(r"^(references|works cited|sources|bibliography|citations|notes)\s*:?$", re.I)
URL = re.compile(r"https?://[^\s<>\"')\]]+")
BULLET = re.compile(r"^\s*[•●◦▪■\-*–]\s+")
NUMBERED_SECTION = re.compile(r"^(?P<num>\d{1,2})\.\s+(?P<head>[^:]{2,90}?):\s+(?P<body>\S.*)$")
NUMBERED_HEADING = re.compile(r"^\d{1,2}(\.\d{1,2})*\.?\s+\S")
REFERENCE_ITEM = re.compile(r"^\s*(\[\d{1,3}\]|\d{1,3}[.)])\s*")
LISTEN_CUE = re.compile(r"\blisten\b.*\b(at|here)\s*:?\s*$", re.I)
# Show-notes lines that every episode repeats; they must not drown out real content in search.
BOILERPLATE = re.compile(
    r"subscribe via|itunes\.apple\.com|available on stitcher|stitcher\.com|give the show a rating"
    r"|take a listen and let us know|listen directly to this episode|you have been listening to"
    r"|recorded using microsoft teams|produced with camtasia"
    r"|sponsored by|brought to you by|thanks to our sponsor",
    re.I,
)
LONG_PARAGRAPH_WORDS = 20
LOOKAHEAD_BLOCKS = 6  # how far a post-start decision may look ahead
BOILERPLATE_MAX_WORDS = 30  # a long paragraph that mentions "subscribe" is still content


@dataclass
class Block:
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


def split_blocks(text: str) -> list[Block]:
    """Blank-line separated blocks, with non-breaking spaces folded and line numbers kept."""
    blocks: list[Block] = []
    current: Block | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.replace("\xa0", " ").replace("\u200b", "").rstrip()
        if not line.strip():
            current = None
        elif current is None or is_section_header(current.lines[-1]):
            current = Block([line], number)
            blocks.append(current)
        else:
            current.lines.append(line)
    return blocks


def is_section_header(line: str) -> bool:
    """'Resources', 'Transcription', 'Works cited'...: a header ends its block even without a blank line."""
    line = line.strip()
    return bool(RESOURCES_HEADER.match(line) or TRANSCRIPT_HEADER.match(line) or REFERENCES_HEADER.match(line))


def is_title_like(line: str) -> bool:
    """A short line that could be a heading: capitalised, no sentence ending, no URL or list marker."""
    line = line.strip()
    if not is_short_line(line, max_words=16) or line[-1] in ".,;:!" or "@" in line:
        return False
    return line[0].isupper() or line[0].isdigit() or line[0] in "\"“'‘"


def is_short_line(line: str, max_words: int) -> bool:
    """A line short enough for a title, and not a URL, list item, placeholder, header or turn."""
    words = line.split()
    if not 1 <= len(words) <= max_words or len(line) > 12 * max_words or "http" in line:
        return False
    if BULLET.match(line) or REFERENCE_ITEM.match(line) or PLACEHOLDER.match(line):
        return False
    return not is_section_header(line) and turn_header(line) is None


def is_long_paragraph(block: Block | None) -> bool:
    return block is not None and len(block.text.split()) >= LONG_PARAGRAPH_WORDS


def starts_transcript(block: Block | None) -> bool:
    return block is not None and turn_header(block.lines[0]) is not None


def split_posts(blocks: list[Block]) -> list[list[Block]]:
    """Group blocks into posts; each post's first block is its title."""
    posts: list[list[Block]] = []
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


def is_post_start(block: Block, ahead: list[Block], state: str, first: bool) -> bool:
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


def turns_follow(ahead: list[Block]) -> bool:
    """Whether transcript turns come before the next section header (which would start new ones)."""
    for block in ahead:
        if is_section_header(block.lines[0]):
            return False
        if starts_transcript(block):
            return True
    return False


def next_state(block: Block, state: str) -> str:
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
    text = re.sub(r"[(\[<]\s*[)\]>]", "", URL.sub("", text))
    return re.sub(r"\s+", " ", text).strip(" ,;–-—:|")


def link_resources(text: str) -> list[Resource]:
    """Inline URLs in body text, labelled with the words around them when those are a real label."""
    label = label_without_urls(text)
    if not 2 <= len(label.split()) <= 20:
        label = ""
    return [Resource(label or url, url, "link") for url in (u.rstrip(".,;") for u in URL.findall(text))]


def resource_from_line(line: str, kind: str) -> Resource:
    """A list line as a resource: its label and the URL it carries, if any."""
    text = BULLET.sub("", line.strip())
    text = REFERENCE_ITEM.sub("", text) if kind == "reference" else text
    urls = [u.rstrip(".,;") for u in URL.findall(text)]
    return Resource(label_without_urls(text) or (urls[0] if urls else text), urls[0] if urls else None, kind)


def parse_episode(path: str, post: list[Block]) -> Document:
    title = post[0].text.strip()
    number = int(EPISODE_TITLE.search(title).group(1))
    doc = Document(f"episode-{number}", "episode", title, path, episode=number, line=post[0].line)
    state, listen_next = "notes", False
    transcript_lines: list[tuple[int, str]] = []
    resource_lines: list[str] = []
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
        elif listen_next and URL.fullmatch(text):
            doc.url, listen_next = text, False
            doc.segments.append(Segment("boilerplate", text, line=block.line))
        elif is_boilerplate(text) or URL.fullmatch(text):
            listen_next = bool(LISTEN_CUE.search(text))
            doc.segments.append(Segment("boilerplate", text, line=block.line))
        else:
            doc.segments.append(Segment("show_notes", text, line=block.line))
            doc.resources += link_resources(text)
    if resource_lines:
        doc.segments.append(Segment("resources", "\n".join(resource_lines), heading="Resources"))
    if transcript_lines:
        doc.segments += transcript_segments(path, transcript_lines)
    return doc


def is_boilerplate(text: str) -> bool:
    return len(text.split()) <= BOILERPLATE_MAX_WORDS and bool(BOILERPLATE.search(text) or LISTEN_CUE.search(text))


def transcript_segments(path: str, lines: list[tuple[int, str]]) -> list[Segment]:
    try:
        turns = parse_turns(lines, path)
    except TranscriptParseError:  # no turn headers: keep the text, without speakers or times
        return [Segment("transcript", line.strip(), line=n) for n, line in lines if line.strip()]
    for turn in turns:
        if len(turn.text.split()) <= 3 * BOILERPLATE_MAX_WORDS and BOILERPLATE.search(turn.text):
            turn.kind = "boilerplate"
    return turns


def parse_article(path: str, post: list[Block]) -> Document:
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
        doc.segments += body_segments(block, text, heading)
        doc.resources += link_resources(text)
    return doc


def is_heading(text: str, following: Block | None) -> bool:
    """A title-like line standing alone before more text is a section heading."""
    return following is not None and (is_title_like(text) or bool(NUMBERED_HEADING.match(text) and len(text) < 100))


def body_segments(block: Block, text: str, heading: str | None) -> list[Segment]:
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
