"""Chapters read from each kind of source: a Podcasting 2.0 chapters file (on disk beside the
feed, or fetched for a feed read from a URL), Podlove Simple Chapters in a feed item, and
timestamp lines in the show notes of a feed, a WordPress page and the blog dump."""
import shutil
import threading
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import ingest.sources
from ingest.chapters import text_chapters, timestamp_line
from ingest.errors import IngestError, IngestWarning

FIXTURES = Path(__file__).parent / "fixtures" / "chapters"
FEED = FIXTURES / "podcasting20-and-chapters.xml"
CHAPTERS = FIXTURES / "chapters-p20.json"
# A blog dump post with chapters as timestamp lines, one a line (written for this test, in the
# bundled dump's layout; the lines follow the idiom of FIXTURES/show-note-chapters.xml).
DUMP = """Need to Know podcast–Episode 323

In this episode I speak with Brenton about passkeys for every administrator, then about keeping an Azure subscription on budget for a small business customer.

00:00 Introduction
03:15 Passkeys for administrators
1:02:05 Azure budgets

You can listen directly to this episode at:

https://ciaops.podbean.com/e/episode-323/
"""


def chapters_of(doc):
    return [(c.start, c.title, c.url, c.image, c.source) for c in doc.chapters]


def load(*paths):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IngestWarning)
        docs = ingest.sources.load_sources([str(p) for p in paths])
    return {d.id: d for d in docs}, [str(w.message) for w in caught]


def test_podlove_chapters_in_a_feed_item():
    [item, _] = ingest.sources.parse_file(FEED)
    assert chapters_of(item) == [
        (0.0, "Welcome", None, None, "feed"),
        (195.0, "Named locations and trusted IPs", None, None, "feed"),
        (1300.5, "Report-only mode", "https://tenanttalk.example.com/ca-report", None, "feed")]
    assert item.chapters_url == "https://cdn.example.com/tt/17/chapters.json"


def test_a_chapters_file_beside_the_feed_joins_the_item_that_links_it(tmp_path):
    (tmp_path / "tt" / "17").mkdir(parents=True)
    shutil.copy(FEED, tmp_path / "feed.xml")
    shutil.copy(CHAPTERS, tmp_path / "tt" / "17" / "chapters.json")
    docs, warned = load(tmp_path)
    assert warned == []
    [episode] = [d for d in docs.values() if d.chapters]
    assert episode.title == "Conditional Access without tears"
    assert episode.sources == [f"{tmp_path.name}/feed.xml", f"{tmp_path.name}/tt/17/chapters.json"]
    # the file's chapters win over the item's Podlove ones; the silent (toc false) one is left out
    assert chapters_of(episode) == [
        (0.0, "Welcome", None, None, "feed"),
        (195.5, "Named locations", "https://learn.example.com/conditional-access/locations",
         "https://cdn.example.com/tt/17/named-locations.png", "feed"),
        (1300.25, "Report-only mode", None, None, "feed"),
        (3723.0, "Break-glass accounts", None, None, "feed")]
    assert episode.chapters[1].end == 1300.25


def test_a_chapters_file_no_episode_names_is_skipped_with_a_warning(tmp_path):
    shutil.copy(CHAPTERS, tmp_path / "talk-chapters.json")
    (tmp_path / "notes.txt").write_text(DUMP, encoding="utf-8")
    text = (tmp_path / "talk-chapters.json").read_text().replace("Episode 17 - ", "")
    (tmp_path / "talk-chapters.json").write_text(text)
    docs, warned = load(tmp_path)
    assert list(docs) == ["episode-323"]
    assert warned == [f"{tmp_path.name}/talk-chapters.json: a chapters file that matches no episode (no feed item's "
                      "<podcast:chapters> links to it, and neither its name nor its title gives an episode number); skipped"]


SMALL_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel>
<title>Tenant Talk</title><link>https://tenanttalk.example.com/</link>
<item><title>Conditional Access without tears</title><guid>tt-17</guid>{season}
<podcast:episode>17</podcast:episode><description>Avery builds a baseline.</description></item>
<item><title>Purview DLP</title><guid>tt-18</guid><description>DLP tips in Teams chat.</description></item>
</channel></rss>
"""
SMALL_CHAPTERS = '{"version": "1.2.0", "title": "%s", "chapters": [{"startTime": 0, "title": "Welcome"}, ' \
                 '{"startTime": 95, "title": "Named locations"}]}'


@pytest.mark.parametrize("name, season, title", [
    ("ep17-chapters.json", "", "Chapters"), ("ep17-chapters.json", "<podcast:season>3</podcast:season>", "Chapters"),
    ("s3e17-chapters.json", "<podcast:season>3</podcast:season>", "Chapters"),
    ("tenant-talk-chapters.json", "", "Episode 17 - Conditional Access")])
def test_a_chapters_file_named_by_its_episode_joins_the_feed_item(tmp_path, name, season, title):
    (tmp_path / "feed.xml").write_text(SMALL_FEED.format(season=season), encoding="utf-8")
    (tmp_path / name).write_text(SMALL_CHAPTERS % title, encoding="utf-8")
    docs, warned = load(tmp_path)
    assert warned == []
    [episode] = [d for d in docs.values() if d.episode == 17]
    assert (episode.title, [(c.start, c.title) for c in episode.chapters]) == (
        "Conditional Access without tears", [(0.0, "Welcome"), (95.0, "Named locations")])


def test_a_chapters_file_beside_its_transcript_joins_it(tmp_path):
    (tmp_path / "ep41.vtt").write_text("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Ann>Hello.\n", encoding="utf-8")
    (tmp_path / "ep41-chapters.json").write_text(SMALL_CHAPTERS % "Chapters", encoding="utf-8")
    docs, warned = load(tmp_path)
    assert (warned, list(docs), [c.title for c in docs["episode-41"].chapters]) == (
        [], ["episode-41"], ["Welcome", "Named locations"])


def test_a_numbered_chapters_file_of_no_show_says_so(tmp_path):
    (tmp_path / "feed.xml").write_text(SMALL_FEED.format(season=""), encoding="utf-8")
    (tmp_path / "other.xml").write_text(SMALL_FEED.format(season="").replace("Tenant Talk", "Other Show").replace(
        "tenanttalk", "other").replace("tt-1", "os-1"), encoding="utf-8")
    (tmp_path / "ep17-chapters.json").write_text(SMALL_CHAPTERS % "Chapters", encoding="utf-8")
    docs, warned = load(tmp_path)
    assert warned == [f"{tmp_path.name}/ep17-chapters.json: a chapters file that matches no episode (no feed item's "
                      "<podcast:chapters> links to it, and it names no show for its episode 17: name it after the "
                      "show, or give it a podcastName); skipped"]


def test_a_chapters_file_with_a_broken_chapter_keeps_the_rest(tmp_path):
    path = tmp_path / "ep17-chapters.json"
    path.write_text('{"version": "1.2.0", "chapters": [\n  {"startTime": 0, "title": "Intro"},\n'
                    '  {"startTime": "soon", "title": "Later"},\n  {"startTime": 60.5, "title": "Main"}\n]}\n')
    with pytest.warns(IngestWarning, match=r"ep17-chapters.json, line 3: chapter 2 has no startTime in seconds \('soon'\); skipped"):
        [doc] = ingest.sources.parse_file(path)
    assert (doc.episode, doc.role, [(c.start, c.title) for c in doc.chapters]) == (
        17, "chapters", [(0.0, "Intro"), (60.5, "Main")])


def test_a_chapters_file_that_is_not_json_is_an_error_naming_the_line(tmp_path):
    path = tmp_path / "chapters.json"
    path.write_text('{"version": "1.2.0",\n "chapters": [\n {"startTime": 0,}\n]}')
    with pytest.raises(IngestError, match=r"chapters.json, line 3: not valid JSON"):
        ingest.sources.parse_file(path)


def test_a_transcript_json_is_still_a_transcript():
    [doc] = ingest.sources.parse_file(Path(__file__).parent / "fixtures" / "mixed" / "licensing-chat.json")
    assert (doc.role, doc.chapters) == ("transcript", [])


def test_timestamp_lines_in_feed_show_notes():
    e320, e321 = ingest.sources.parse_file(FIXTURES / "show-note-chapters.xml")
    assert chapters_of(e320) == [
        (0.0, "Introduction", None, None, "show-notes"),
        (195.0, "Passkeys for administrators", "https://learn.microsoft.com/entra/identity/authentication/passkeys",
         None, "show-notes"),
        (3725.0, "Azure budgets", None, None, "show-notes")]
    # a plain-text description: one a line, times in brackets first or last, a stray time ignored
    assert [(c.start, c.title) for c in e321.chapters] == [
        (0.0, "Welcome"), (750.0, "Intune compliance policies"), (2465.0, "Defender for Business")]


def test_timestamp_lines_in_a_wordpress_page():
    [post] = ingest.sources.parse_file(FIXTURES / "wordpress-chapters.html")
    assert chapters_of(post) == [
        (0.0, "Introduction", None, None, "show-notes"),
        (260.0, "Copilot licensing", "https://learn.microsoft.com/copilot/microsoft-365/", None, "show-notes"),
        (1185.0, "Staging a roll-out", None, None, "show-notes"),
        (1990.0, "Questions from listeners", None, None, "show-notes")]


def test_timestamp_lines_in_the_blog_dump(tmp_path):
    (tmp_path / "dump.txt").write_text(DUMP, encoding="utf-8")
    [post] = ingest.sources.parse_file(tmp_path / "dump.txt")
    assert [(c.start, c.title, c.source) for c in post.chapters] == [
        (0.0, "Introduction", "show-notes"), (195.0, "Passkeys for administrators", "show-notes"),
        (3725.0, "Azure budgets", "show-notes")]
    assert any("03:15 Passkeys" in s.text for s in post.segments)  # the lines stay searchable text


@pytest.mark.parametrize("line, expected", [
    ("00:00 Introduction", (0.0, "Introduction")),
    ("[03:15] - Passkeys for administrators", (195.0, "Passkeys for administrators")),
    ("• 1:02:05 – Azure budgets", (3725.0, "Azure budgets")),
    ("Azure budgets (1:02:05)", (3725.0, "Azure budgets")),
    ("Azure budgets – 1:02:05", (3725.0, "Azure budgets")),
    ("00:00 - 03:15 Introduction", (0.0, "Introduction")),
    ("00:21:40 Report-only mode https://aka.ms/ca", (1300.0, "Report-only mode")),
    ("Robert Crane  0:43", None),  # an Otter turn header, not a chapter
    ("10:30am stand-up", None),
    ("03:15", None),
    ("Meet us at 10:30 for coffee", None),
])
def test_what_a_timestamp_line_is(line, expected):
    found = timestamp_line(line)
    assert (found and (found.start, found.title)) == expected
    if found and "aka.ms" in line:
        assert found.url == "https://aka.ms/ca"  # a link in the line is the chapter's


def test_one_timestamp_line_is_no_chapter_list_and_times_must_rise():
    assert text_chapters(["00:00 Introduction", "Thanks for listening"]) == []
    found = text_chapters(["45:00 We started late", "00:00 Intro", "05:00 News", "20:00 Interview"])
    assert [c.title for c in found] == ["Intro", "News", "Interview"]


def test_a_chapter_list_that_lost_its_line_breaks():
    found = text_chapters(["00:00 Intro 03:15 Named locations 21:40 Report-only mode"])
    assert [(c.start, c.title) for c in found] == [(0.0, "Intro"), (195.0, "Named locations"),
                                                   (1300.0, "Report-only mode")]
    assert text_chapters(["We met from 10:30 to 11:45 and again at 14:00 for lunch"]) == []


def test_a_timestamped_transcript_is_no_chapter_list():
    lines = [f"{m // 60:02d}:{m % 60:02d} Yes, that is right." for m in range(200)]
    assert text_chapters(lines) == []


class ChaptersHandler(BaseHTTPRequestHandler):
    """The fixture feed with its links on this server: one chapters file found, others not."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        here = f"http://127.0.0.1:{self.server.server_address[1]}"
        files = {
            "/feed": ("application/rss+xml", FEED.read_bytes().replace(b"https://cdn.example.com", here.encode())),
            "/feed-broken": ("application/rss+xml", FEED.read_bytes().replace(
                b"https://cdn.example.com/tt/17/chapters.json", f"{here}/not-chapters".encode()).replace(
                b"https://cdn.example.com", here.encode())),
            "/tt/17/chapters.json": ("application/json+chapters", CHAPTERS.read_bytes()),
            "/not-chapters": ("text/html", b"<html><body><article><h1>Hi</h1><p>A page.</p></article></body></html>"),
        }
        if self.path not in files:
            self.send_error(404, "Not Found")
            return
        kind, body = files[self.path]
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), ChaptersHandler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_a_feed_from_a_url_brings_its_chapters_file(server):
    docs, warned = load(f"{server}/feed")
    [episode] = [d for d in docs.values() if d.chapters]
    assert [c.title for c in episode.chapters] == ["Welcome", "Named locations", "Report-only mode",
                                                   "Break-glass accounts"]
    assert f"{server}/tt/17/chapters.json" in episode.sources
    assert not any("chapters skipped" in w for w in warned)


def test_a_chapters_link_that_is_no_chapters_file_is_a_warning(server):
    docs, warned = load(f"{server}/feed-broken")
    [episode] = [d for d in docs.values() if d.chapters]
    assert [c.source for c in episode.chapters] == ["feed"] * 3  # the item's own Podlove chapters
    assert f"{server}/not-chapters: chapters skipped: not a chapters file (it reads as wordpress-html)" in warned


def test_a_local_chapters_file_is_not_fetched_again(server, tmp_path):
    (tmp_path / "17").mkdir()
    shutil.copy(CHAPTERS, tmp_path / "17" / "chapters.json")
    seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)  # the feed's transcripts are not on this server
        docs = ingest.sources.load_sources([f"{server}/feed", str(tmp_path)], on_file=seen.append)
    assert f"{server}/tt/17/chapters.json" not in [str(s) for s in seen]
    [episode] = [d for d in docs if d.chapters]
    assert episode.chapters[1].title == "Named locations"
