"""WordPress pages (HTML, beautifulsoup4 with lxml): a single post, or an archive, category or tag
page holding many. Each post gives its title, date, canonical URL, tags and categories, and its
body only: navigation, sidebars, footers, scripts and styles never reach the chunks."""
from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, Tag

from .chapters import block_chapters
from .errors import IngestError, IngestWarning
from .dates import date_in_text, permalink_date
from .encoding import visible
from .html_text import blocks_of, outermost, post_body, remove_furniture, soup_of
from .identity import title_show
from .model import Document, LineIndex, document_id
from .show_notes import iso_date, title_episode
from .urls import web_url

name = "wordpress-html"
role = "page"
markup = True
HTML_START = re.compile(r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|"
                        r"article|main|div|section|p|h[1-6]|link|script|style)\b", re.I | re.S)
BODY_SELECTORS = (".entry-content", ".post-content", ".entry-summary", ".post-body", ".post-entry",
                  ".article-content", ".entry")
TITLE_SELECTORS = (".entry-title", ".post-title", "h1", "h2")
POST_CLASSES = {"hentry", "type-post", "post", "h-entry"}
NOT_A_POST = re.compile(r"(?:^|\s)(?:teaser\S*|related\S*|\S*-related\S*|comments?|comment-\S+|div-comment-\S+|"
                        r"jp-relatedposts\S*|yarpp\S*)(?:\s|$)", re.I)
DATE_CLASSES = ".entry-date, .published, .posted-on, .post-date, .date, .postdate, .entry-meta time, abbr.published"
TITLE_SUFFIX = re.compile(r"\s+[|–—-]\s+[^|–—-]{1,60}$")  # 'Post title – Site name'


def sniff(path: str, text: str) -> bool:
    return bool(HTML_START.match(text.lstrip("\ufeff")[:4096]))


def parse(path: str, text: str) -> list[Document]:
    soup = soup_of(text)
    page = page_meta(soup)
    posts = post_containers(soup)
    single = len(posts) <= 1
    if not posts:  # a page without post markup: its main part, titled by the page
        posts = [soup.find("main") or soup.find(attrs={"role": "main"}) or soup.body or soup]
        page["fallback"] = True
    index = LineIndex(text)
    lines = [index.line(m.start()) for m in re.finditer(r"<article\b", text, re.I)]
    docs = []
    for n, post in enumerate(posts):
        doc = parse_post(path, post, page if single else {}, lines[n] if n < len(lines) else None)
        if doc is not None:
            docs.append(doc)
    if not docs:
        raise IngestError("no post found (expected an <article> or a page body with a title and text)", path, None)
    return docs


def page_meta(soup: BeautifulSoup) -> dict:
    """Page-wide facts that belong to the post on a single-post page."""
    def meta(prop: str) -> list[str]:
        tags = soup.find_all("meta", attrs={"property": prop}) + soup.find_all("meta", attrs={"name": prop})
        return [" ".join(str(t.get("content") or "").split()) for t in tags if t.get("content")]
    canonical = soup.find("link", rel="canonical")
    title = visible(soup.title.get_text(" ", strip=True)) if soup.title else ""
    suffix = TITLE_SUFFIX.search(title)
    lang = str((soup.find("html") or {}).get("lang") or "")
    return {
        "url": web_url(canonical.get("href") if canonical else None) or web_url(next(iter(meta("og:url")), None)),
        "title": next(iter(meta("og:title")), None) or TITLE_SUFFIX.sub("", title) or None,
        "published": next((d for d in map(iso_date, meta("article:published_time")) if d), None),
        "tags": meta("article:section") + meta("article:tag"),
        "site": next(iter(meta("og:site_name")), None) or (suffix.group(0).strip(" |–—-") if suffix else None),
        "day_first": not lang.lower().startswith("en-us"),
    }


def post_containers(soup: BeautifulSoup) -> list[Tag]:
    """<article> elements, or elements classed as posts, outermost only, with a title inside;
    not related-post teasers or comments, which WordPress themes also write as <article>s."""
    found = [t for t in soup.find_all("article") if not aside(t)] or soup.find_all(
        lambda t: isinstance(t, Tag) and bool(POST_CLASSES & set(t.get("class") or [])) and not aside(t))
    return [t for t in outermost(found) if find_title(t) is not None]


def aside(tag: Tag) -> bool:
    """Whether a tag is, or is inside, a related-posts list or a comment."""
    for node in (tag, *tag.parents):
        names = " ".join(list(node.get("class") or []) + [str(node.get("id") or "")]) if isinstance(node, Tag) else ""
        if NOT_A_POST.search(names):
            return True
    return False


def find_title(post: Tag) -> Tag | None:
    for selector in TITLE_SELECTORS:
        found = post.select_one(selector)
        if found is not None and found.get_text(strip=True):
            return found
    return None


def parse_post(path: str, post: Tag, page: dict, line: int | None) -> Document | None:
    title_tag = None if page.get("fallback") and page.get("title") else find_title(post)
    title = " ".join(visible(title_tag.get_text(" ")).split()) if title_tag is not None else page.get("title")
    permalink = title_tag.find("a", href=True) if title_tag is not None else None
    url = page.get("url") or web_url(permalink.get("href") if permalink else None)
    if url is None:
        bookmark = post.find("a", rel="bookmark", href=True)
        url = web_url(bookmark.get("href")) if bookmark else None
    published = post_date(post, page.get("day_first", True)) or page.get("published") or permalink_date(url)
    tags = unique([" ".join(a.get_text(" ").split()) for a in post.select('a[rel~="tag"], .cat-links a, .tags-links a')]
                  + page.get("tags", []))
    body_node = next((found for s in BODY_SELECTORS if (found := post.select_one(s)) is not None), None)
    if body_node is None:
        body_node = post
        for tag in outermost(post.find_all(["header", "footer"]) + ([title_tag] if title_tag is not None else [])):
            tag.decompose()
    audio_url, audio_type = player_audio(post, url)  # before the furniture (players among it) is dropped
    remove_furniture(body_node)
    episode = title_episode(title)
    kind = "episode" if episode is not None else "article"
    blocks = blocks_of(body_node, url)
    body = post_body(path, blocks, "show_notes" if kind == "episode" else "section")
    if not title or not body.segments:
        warnings.warn(IngestWarning(f"{path}{f', line {line}' if line else ''}: a post without "
                                    f"{'a title' if not title else 'text'} was skipped"))
        return None
    doc = Document(document_id(episode, title), kind, title, path, episode=episode,
                   url=url, published=published, line=line)
    doc.show = title_show(title) or page.get("site")
    doc.segments, doc.resources, doc.tags = body.segments, body.resources, [t for t in tags if t]
    doc.listen_url = body.listen_url
    doc.audio_url, doc.audio_type = audio_url, audio_type
    doc.chapters = block_chapters(blocks)
    return doc


def player_audio(post: Tag, base_url: str | None) -> tuple[str | None, str | None]:
    """The episode's audio from the post's player: an <audio src>, or its <source src type>."""
    for tag in post.find_all(["audio", "source"], src=True):
        found = web_url(tag.get("src"), base_url)
        if found:
            return found, tag.get("type") or None
    return None, None


def post_date(post: Tag, day_first: bool = True) -> str | None:
    """The publication date: the element marked datePublished, then <time class="published">, then
    any <time> (not a comment's, not one classed 'updated' while another is there), then the text of
    the theme's date element ('13. Januar 2014', abbr.published's title): ISO or not, any language."""
    times = [t for t in post.find_all("time") if not aside(t)]
    marked = post.find_all(attrs={"itemprop": "datePublished"}) + post.find_all(attrs={"pubdate": True})
    ranked = marked + [t for t in times if "published" in (t.get("class") or [])] + [
        t for t in times if "updated" not in (t.get("class") or [])] + times
    ranked += [t for t in post.select(DATE_CLASSES) if not aside(t)]
    for tag in ranked:
        for text in (tag.get("datetime"), tag.get("content"), tag.get("title"), tag.get_text(" ")):
            found = iso_date(text) or date_in_text(text, day_first)
            if found:
                return found
    return None


def unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
