"""Which show, season and episode a source describes, and the ids documents get from them.

An episode is known by its show, its season and its number: 'S01 Episode 01' and 'S02 Episode 01'
are two episodes, and episode 1 of one podcast is not episode 1 of another. Shows are known by
name (a feed's title, a page's site name, the text before 'Episode N' in a title: 'Need to Know
podcast–Episode 234'), by site (a feed's channel link, its items' hosts) and, for transcript and
audio files, by a file name in the show's own naming: its name or initials ('need-to-know-234.vtt',
'ntk-303-transcript.srt') or the prefix of the files its feed links ('ntk301.mp3'). A number alone
('1.vtt') names no show. ingest/merge.py uses these to decide what may be merged.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .model import Document, slugify
from .urls import is_web_url, name_of, normal_url

# Words that say nothing about which show it is.
GENERIC_NAME_WORDS = {"the", "a", "an", "podcast", "podcasts", "show", "official", "with", "and", "&"}
GENERIC_PREFIXES = {"", "e", "ep", "eps", "episode", "episodes", "s", "se", "season", "show", "podcast", "pod",
                    "transcript", "transcripts", "captions", "caption", "subtitles", "subs", "audio", "media", "track",
                    "part", "folge", "episodio", "file", "rec", "recording", "final", "edit", "mix", "mp", "v"}
# Words after an episode's number in its files' names: 'need-to-know-234-transcript-en.vtt'.
TRAILING_WORDS = GENERIC_PREFIXES | {"chapters", "notes", "shownotes", "live", "raw", "clean", "auto", "otter",
                                     "whisper", "en", "de", "fr", "es", "it", "nl", "pt", "ja", "zh"}
EPISODE_WORD = r"(?:episode|ep\.?|eps\.?|folge|episodio|épisode|aflevering|afsnit|odcinek)"
SEASON_EPISODE = re.compile(
    r"\bs(?:eason)?\s*0*(\d{1,3})\s*[,.:–-]?\s*(?:e|x|" + EPISODE_WORD + r")\s*#?\s*0*(\d{1,5})(?!\d)", re.I)
EPISODE_NUMBER = re.compile(r"(?:\b" + EPISODE_WORD + r"\s*#?\s*|(?:^|(?<=[\s(\[]))#)0*(\d{1,5})\b", re.I)
PART_AFTER = re.compile(r"\s*[,:–-]?\s*\(?(?:part|pt\.?|teil|parte|partie)\s*\d", re.I)
# 'utf-8', 'UTF16', 'windows-1252', 'cp1252', '128k', '720p', 'x264': numbers that are no episode.
NOT_EPISODE_TOKEN = re.compile(r"(?i)(?<![a-z0-9])(?:(?:utf|ucs|windows|win|cp|iso|latin)[-_ ]?\d+(?:[-_ ]\d+)?"
                               r"(?:[-_ ]?[lb]e)?|[xh]26[45]|[mo]365|office ?365|microsoft ?365|win(?:dows)? ?1[01]|mp[34]|"
                               r"\d+(?:k|kbps|kb|khz|hz|p|fps|bit))(?![a-z0-9])")
SEASON_AND_EPISODE_NAME = re.compile(r"^(?:.*?[^\d])?0*(\d{1,2})[_x]0*(\d{1,3})$", re.I)  # '1_4.srt', '2x07'
SHOW_CODE = re.compile(r"^\s*[a-z]{2,8}0*(\d{1,5})(?![\d])", re.I)
EPISODE_IN_NAME = re.compile(r"(?<![a-z])(?:episode|ep|e)[\s._-]*#?0*(\d{1,5})(?!\d)", re.I)
TITLE_SHOW = re.compile(r"^(?P<show>[^,;.!?]{2,80}?)\s*[–—|:-]+\s*" + EPISODE_WORD + r"\s*#?\s*\d", re.I)


def show_key(name: str | None) -> str | None:
    """'Need to Know podcast' and 'The Need-to-Know Podcast' -> 'need to know'; None when nothing is left."""
    words = [w for w in re.split(r"[\W_]+", (name or "").lower()) if w and w not in GENERIC_NAME_WORDS]
    return " ".join(words) or None


def title_show(title: str) -> str | None:
    """The show a title names before its episode number: 'Need to Know podcast–Episode 234' ->
    'Need to Know podcast'; None for 'Episode 302: Licensing news'."""
    match = TITLE_SHOW.match(title.strip())
    if not match or len(match["show"].split()) > 8:
        return None
    return match["show"].strip() if show_key(match["show"]) else None


def title_numbers(title: str) -> tuple[int | None, int | None]:
    """(season, episode) a title names: 'S01 Episode 01', 'S02E01', 'Season 3, Episode 4' ->
    (season, episode); 'Episode 234', 'Ep 12', '#7', 'Folge 41' -> (None, episode). A number
    followed by 'Part N' names no episode ('Episode 1 Part 2' is one of several parts)."""
    for pattern, has_season in ((SEASON_EPISODE, True), (EPISODE_NUMBER, False)):
        match = pattern.search(title or "")
        if match:
            if PART_AFTER.match(title, match.end()):
                return None, None
            if has_season:
                return int(match.group(1)), int(match.group(2))
            return None, int(match.group(1))
    return None, None


def name_numbers(path: str) -> tuple[int | None, int | None]:
    """(season, episode) a file name names: 'S02E01.vtt' -> (2, 1), '1_4.srt' -> (1, 4),
    'ep301.vtt', '301.srt', 'NTK_E234.json' -> (None, n). Codec, bit-rate and size tokens
    ('utf-16', 'windows-1252', '128k') and years name no episode."""
    stem = NOT_EPISODE_TOKEN.sub(" ", name_of(path).rsplit(".", 1)[0])
    found = SEASON_EPISODE.search(stem)
    if found:
        return int(found.group(1)), int(found.group(2))
    found = EPISODE_IN_NAME.search(stem)
    if found:
        return None, int(found.group(1))
    pair = SEASON_AND_EPISODE_NAME.match(stem.strip())
    if pair and not re.search(r"\d", stem[:pair.start(1)]):
        return int(pair.group(1)), int(pair.group(2))
    tokens = [t for t in re.split(r"[^A-Za-z0-9]+", stem) if t]
    numbers = [t for t in tokens if t.isdigit() and len(t) <= 5]
    glued = SHOW_CODE.match(stem)
    if not numbers and glued:
        numbers = [glued.group(1)]  # 'ntk301', 'koa039', 'TT014': a show's code and the number
    elif len(numbers) == 1 and not numbers_the_name(tokens, numbers[0]):
        return None, None  # 'microsoft-365-roadmap', 'top-10-tips': a number inside a description
    if len(numbers) == 1 and not 1900 <= int(numbers[0]) <= 2100:  # a year is not an episode
        return None, int(numbers[0])
    return None, None


def numbers_the_name(tokens: list[str], number: str) -> bool:
    """Whether a lone number is the name's episode: the name starts with it ('042-licensing') or
    ends with it, perhaps before words any episode's files carry ('need-to-know-556',
    'ntk-303-transcript'); 'interview-with-3-guests' is a description with a number in it."""
    at = tokens.index(number)
    return at == 0 or all(t.lower() in TRAILING_WORDS for t in tokens[at + 1:])


def squashed(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def name_prefix(path: str) -> str:
    """The letters a file name starts with before its first digit, without a closing episode or
    season marker: 'ntk-303-transcript.srt', 'NTK_E303.json' -> 'ntk'; '1.vtt' -> ''."""
    stem = name_of(path).lower().rsplit(".", 1)[0]
    words = [w for w in re.split(r"[^a-z]+", re.split(r"\d", stem, maxsplit=1)[0]) if w]
    while words and words[-1] in ("e", "ep", "eps", "episode", "s", "season", "no", "nr"):
        words.pop()
    return "".join(words)


@dataclass
class Show:
    """What is known of one show in a build: its name, sites and file naming."""

    key: str
    name: str | None
    sites: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)

    def named_by(self, path: str) -> bool:
        """Whether a file name carries this show's naming: its name, initials or file prefix."""
        stem = squashed(name_of(path).rsplit(".", 1)[0])
        words = (show_key(self.name) or "").split()
        whole = "".join(words)
        initials = "".join(w[0] for w in words)
        prefix = name_prefix(path)
        return (len(whole) >= 5 and whole in stem) or (len(initials) >= 2 and prefix == initials) or (
            prefix not in GENERIC_PREFIXES and prefix in self.prefixes)


def site_of(url: str | None) -> str | None:
    return normal_url(url).split("/", 1)[0] if is_web_url(url) else None


def feed_of(doc: Document) -> str:
    """A feed's identity: its channel link, else its show's name, else the file it was read from.
    Two feeds are one show only when this is the same (a feed given twice, or two copies of it)."""
    if is_web_url(doc.show_url):
        return "feed:" + normal_url(doc.show_url)
    return "feed:" + (show_key(doc.show) or doc.source)


def known_shows(documents: list[Document]) -> dict[str, Show]:
    """The shows of the build, by identity: each feed's, with its sites (the channel link's host,
    the items' hosts) and the prefixes of the files its items link ('ntk' of 'ntk301.mp3'); then
    each show that pages or posts name and no feed has ('name:need to know')."""
    shows: dict[str, Show] = {}
    ordered = sorted(documents, key=lambda d: (d.source, d.line or 0))
    for doc in (d for d in ordered if d.role == "feed"):
        show = shows.setdefault(feed_of(doc), Show(feed_of(doc), doc.show))
        show.sites |= {s for s in (site_of(doc.show_url), site_of(doc.url)) if s}
        show.prefixes |= {p for u in (doc.audio_url, *doc.transcript_urls) if u
                          and (p := name_prefix(u)) not in GENERIC_PREFIXES}
    feeds = list(shows.values())
    for doc in (d for d in ordered if d.role in ("page", "archive") and show_key(d.show)):
        if not feed_shows_of(doc, feeds):
            shows.setdefault(f"name:{show_key(doc.show)}", Show(f"name:{show_key(doc.show)}", doc.show))
    return shows


def feed_shows_of(doc: Document, feeds: list[Show]) -> list[Show]:
    """The feeds' shows a page or post may belong to: those on its site, else those of its name."""
    sites = {s for s in (site_of(doc.url), site_of(doc.listen_url)) if s}
    fits = [s for s in feeds if sites & s.sites]
    return fits or [s for s in feeds if doc.show and show_key(s.name) == show_key(doc.show)]


def show_of(doc: Document, shows: dict[str, Show]) -> str | None:
    """The identity of the show a document belongs to, or None when nothing says. A feed item
    belongs to its feed; a transcript or audio file to the one show whose naming its name carries;
    a page or post to the one show on its site, else the one of its name ('Need to Know podcast'
    of 'Need to Know podcast–Episode 234'), else to a show of that name alone. A document matched
    to a feed's show takes that show's name."""
    if doc.role == "feed":
        return feed_of(doc)
    if doc.role == "chapters":
        fits = chapters_shows(doc, shows)
        if len(fits) != 1:
            return None  # its podcastName alone makes no show of its own
    elif doc.role in ("transcript", "audio"):
        fits = [s for s in shows.values() if s.named_by(doc.local_file or doc.source)]
    else:
        fits = feed_shows_of(doc, [s for s in shows.values() if s.key.startswith("feed:")])
    if len(fits) == 1:
        doc.show = fits[0].name or doc.show
        return fits[0].key
    return f"name:{show_key(doc.show)}" if show_key(doc.show) and doc.role != "transcript" else None


def chapters_shows(doc: Document, shows: dict[str, Show]) -> list[Show]:
    """The shows a chapters file may be of: those whose naming its name carries, else the one its
    `podcastName` names, else the build's only show ('ep17-chapters.json' beside one feed)."""
    named = [s for s in shows.values() if s.named_by(doc.local_file or doc.source)]
    by_name = [s for s in shows.values() if show_key(doc.show) and show_key(s.name) == show_key(doc.show)]
    return named or by_name or (list(shows.values()) if len(shows) == 1 and not doc.show else [])


def assign_ids(documents: list[Document], shows: list[str | None]) -> None:
    """Readable ids that never collide across shows or seasons: 'episode-234' while one show has
    numbered episodes in the build, else '<show>-episode-234'; a season adds 's2-'. Documents
    without a number keep the slug of their title. `shows` holds each document's show identity."""
    numbered = {show for doc, show in zip(documents, shows) if doc.episode is not None and show}
    for doc, show in zip(documents, shows):
        if doc.episode is None:
            continue
        base = f"episode-{doc.episode}" if doc.season is None else f"s{doc.season}-episode-{doc.episode}"
        prefix = slugify(show_key(doc.show) or "") if show and len(numbered) > 1 else ""
        doc.id = f"{prefix}-{base}" if prefix and prefix != "untitled" else base
    shown = {doc.id for doc, show in zip(documents, shows) if show}
    for doc, show in zip(documents, shows):  # a file of no known show leaves the show's episode its id
        if doc.episode is not None and not show and doc.id in shown:
            doc.id = f"{doc.id}-{doc.role or 'file'}"


def file_stem(url: str) -> str:
    """'https://cdn.example/ntk301.mp3?x=1' -> 'ntk301': the name files of one episode share."""
    return PurePosixPath(name_of(url).lower()).stem
