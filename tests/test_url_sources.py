"""http(s) URLs as sources, against a local server on 127.0.0.1 (never the internet): fetched with
a time limit and a size limit, clear errors, and merged with files like any other source."""
import gzip
import json
import socket
import sqlite3
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

import ingest.sources
import ingest.fetch
from ingest.errors import IngestError, IngestWarning
from kb.build import build_kb
from kb.cli import cli

from conftest import TOPICS

MIXED = Path(__file__).parent / "fixtures" / "mixed"
FILES = {
    "/feed": ("application/rss+xml", (MIXED / "feed.xml").read_bytes()),
    "/2020/04/01/episode-301/": ("text/html; charset=utf-8", (MIXED / "episode-301.html").read_bytes()),
    "/transcripts/ep301.vtt": ("text/vtt", (MIXED / "ep301.vtt").read_bytes()),
    "/t/licensing-chat.json": ("application/json", (MIXED / "licensing-chat.json").read_bytes()),
    "/cp1252": ("text/html; charset=windows-1252",
                b"<html><body><article><h1>Quotes</h1><p>\x93Smart\x94 quotes aren\x92t mojibake.</p></article></body></html>"),
}



def vtt(words: str) -> bytes:
    return f"WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Ann Lee>{words}\n".encode()


def item(number: int, link: str, kind: str = "text/vtt") -> str:
    kind = f' type="{kind}"' if kind else ""
    return (f"<item><title>Show {number}</title><guid>g{number}</guid><podcast:episode>{number}</podcast:episode>"
            f'<description>Notes {number}.</description><podcast:transcript url="{link}"{kind}/></item>')


# A feed at /feeds/odd whose transcript links have no file ending, a query string, or are relative.
ODD_FEED = ('<?xml version="1.0"?><rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0">'
            "<channel><title>Tenant Talk</title><link>https://tenanttalk.example.com/</link>"
            + item(91, "/t/12345") + item(92, "/transcript?episode=92&amp;format=vtt") + item(96, "rel.vtt")
            + item(76, "/rel.vtt") + item(77, "/t/untyped", "") + item(78, "/t/page.html", "text/html")
            + "</channel></rss>").encode()
FILES.update({
    "/feeds/odd": ("application/rss+xml", ODD_FEED), "/t/12345": ("text/vtt", vtt("Ninety-one about Intune.")),
    "/transcript?episode=92&format=vtt": ("text/vtt", vtt("Ninety-two about Intune.")),
    "/feeds/rel.vtt": ("text/vtt", vtt("Ninety-six about Intune.")), "/rel.vtt": ("text/vtt", vtt("Seventy-six.")),
    "/t/untyped": ("text/vtt; charset=utf-8", vtt("Seventy-seven.")),
})


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/slow":
            time.sleep(2)
        if self.path == "/drip":  # headers at once, then a byte every 0.2 s: only a deadline stops it
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.2)
            return
        if self.path == "/cut-short":  # the connection closes before the body it announced
            self.send_response(200)
            self.send_header("Content-Type", "text/vtt")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello")
            self.close_connection = True
            return
        if self.path in ("/big", "/big-unsized"):
            self.send_response(200)
            if self.path == "/big":
                self.send_header("Content-Length", "5000")
            self.end_headers()
            self.wfile.write(b"WEBVTT\n\n" + b"a" * 4992)
            return
        if self.path in ("/feed-here", "/feed-gone"):  # the fixture feed, its transcript links on this server
            here = f"http://127.0.0.1:{self.server.server_address[1]}".encode()
            body = (MIXED / "feed.xml").read_bytes().replace(b"https://example.com", here)
            if self.path == "/feed-gone":
                body = body.replace(b"/transcripts/ep301.vtt", b"/transcripts/gone.vtt")
            FILES[self.path] = ("application/rss+xml", body)
        if self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path in ("/gz.vtt", "/not-gz.vtt"):
            body = gzip.compress(vtt("Packed.")) if self.path == "/gz.vtt" else b"not gzip at all"
            self.send_response(200)
            self.send_header("Content-Type", "text/vtt")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path not in FILES:
            self.send_error(404, "Not Found")
            return
        kind, body = FILES[self.path]
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client that hangs up early (the size and time limits do) is not a server error


@pytest.fixture(scope="module")
def server():
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_urls_build_and_merge_with_files(server, tmp_path):
    sources = [f"{server}/feed", f"{server}/2020/04/01/episode-301/", f"{server}/transcripts/ep301.vtt",
               f"{server}/t/licensing-chat.json", MIXED / "ntk-303-transcript.srt"]
    summary = build_kb(sources, tmp_path / "kb.db", TOPICS)
    assert (summary.documents, summary.episodes) == (3, 3)
    con = sqlite3.connect(tmp_path / "kb.db")
    docs = con.execute("select id, source, sources, duration_seconds from documents order by id").fetchall()
    assert docs == [
        ("episode-301", f"{server}/2020/04/01/episode-301/", json.dumps(sorted(
            [f"{server}/2020/04/01/episode-301/", f"{server}/feed", f"{server}/transcripts/ep301.vtt"])), 3723),
        ("episode-302", f"{server}/feed", json.dumps([f"{server}/feed", f"{server}/t/licensing-chat.json"]), 2710),
        ("episode-303", "ntk-303-transcript.srt", json.dumps(["ntk-303-transcript.srt"]), 4535),  # its last cue
    ]
    starts = con.execute("select start from chunks where document_id = 'episode-301' and speaker is not null").fetchall()
    assert [s for (s,) in starts] == [5.0, 14.25, 3598.0, 3603.5]


def test_feed_url_brings_its_transcripts(server, tmp_path):
    messages = []
    summary = build_kb([f"{server}/feed-here"], tmp_path / "kb.db", TOPICS, messages.append)
    assert (summary.documents, summary.episodes) == (2, 2)
    assert f"Reading {server}/transcripts/ep301.vtt" in messages
    con = sqlite3.connect(tmp_path / "kb.db")
    sources = dict(con.execute("select id, sources from documents"))
    assert json.loads(sources["episode-301"]) == [f"{server}/feed-here", f"{server}/transcripts/ep301.vtt"]
    assert json.loads(sources["episode-302"]) == [f"{server}/feed-here", f"{server}/t/licensing-chat.json"]
    starts = con.execute("select start from chunks where document_id = 'episode-301' and speaker is not null").fetchall()
    assert [s for (s,) in starts] == [5.0, 14.25, 3598.0, 3603.5]


def test_feed_transcript_links_without_ending_with_a_query_or_relative_are_fetched(server):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        docs = ingest.sources.load_sources([f"{server}/feeds/odd"])
    said = {d.episode: [(s.speaker, s.text) for s in d.segments if s.speaker] for d in docs}
    assert said == {91: [("Ann Lee", "Ninety-one about Intune.")], 92: [("Ann Lee", "Ninety-two about Intune.")],
                    96: [("Ann Lee", "Ninety-six about Intune.")], 76: [("Ann Lee", "Seventy-six.")],
                    77: [("Ann Lee", "Seventy-seven.")], 78: []}
    assert [str(w.message) for w in caught if issubclass(w.category, IngestWarning)] == [
        f"{server}/feeds/odd, line 1: the item's transcripts are in no format read here (text/html); none was fetched"]


def test_transcript_link_that_fails_is_a_warning(server, tmp_path):
    with pytest.warns(IngestWarning, match=r"gone\.vtt: transcript skipped: cannot fetch the URL: HTTP 404"):
        docs = ingest.sources.load_sources([f"{server}/feed-gone"])
    assert sorted(d.id for d in docs) == ["episode-301", "episode-302"]
    assert not any(s.speaker for s in next(d for d in docs if d.id == "episode-301").segments)


def test_local_feed_file_fetches_nothing(monkeypatch):
    monkeypatch.setattr(ingest.sources, "fetch_url", lambda *a, **k: pytest.fail("a local feed must not go online"))
    docs = ingest.sources.load_sources([MIXED / "feed.xml"])
    assert sorted(d.id for d in docs) == ["episode-301", "episode-302"]


def test_charset_from_the_content_type_header(server):
    [doc] = ingest.sources.load_sources([f"{server}/cp1252"])
    assert doc.segments[0].text == "“Smart” quotes aren’t mojibake."


def test_http_error(server):
    with pytest.raises(IngestError) as exc:
        ingest.sources.load_sources([f"{server}/missing.xml"])
    assert str(exc.value) == f"{server}/missing.xml: cannot fetch the URL: HTTP 404 Not Found"


def test_no_answer_in_time(server, monkeypatch):
    monkeypatch.setattr(ingest.fetch, "TIMEOUT_SECONDS", 0.5)
    with pytest.raises(IngestError) as exc:  # the server answers after 2 s: the error is the deadline's
        ingest.sources.load_sources([f"{server}/slow"])
    assert str(exc.value) == f"{server}/slow: cannot fetch the URL: no answer within 0.5 s"


def test_slow_download_stopped_at_the_deadline(server, monkeypatch):
    monkeypatch.setattr(ingest.fetch, "TIMEOUT_SECONDS", 1)
    with pytest.raises(IngestError) as exc:
        ingest.sources.load_sources([f"{server}/drip"])
    assert str(exc.value) == f"{server}/drip: cannot fetch the URL: the download took longer than 1 s"


@pytest.mark.parametrize("path,message", [
    ("/big", "too large: 5,000 bytes (a source may hold at most 1,000 bytes)"),
    ("/big-unsized", "too large: more than 1,000 bytes, the most a source may hold"),
])
def test_size_limit(server, monkeypatch, path, message):
    monkeypatch.setattr(ingest.fetch, "MAX_BYTES", 1000)
    with pytest.raises(IngestError) as exc:
        ingest.sources.load_sources([f"{server}{path}"])
    assert str(exc.value) == f"{server}{path}: {message}"


def test_connection_refused_through_the_cli(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    url = f"http://127.0.0.1:{port}/feed.xml"
    result = CliRunner().invoke(cli, ["build", url, "--db", str(tmp_path / "kb.db")])
    assert result.exit_code == 1
    assert f"Error: {url}: cannot fetch the URL: Connection refused\n" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "kb.db").exists()


def test_download_cut_short_is_an_error(server):
    with pytest.raises(IngestError) as exc:
        ingest.sources.load_sources([f"{server}/cut-short"])
    assert str(exc.value) == (f"{server}/cut-short: cannot fetch the URL: the download was cut short "
                              "(43 of the 1,000 bytes it announced)")


def test_a_gzip_body_is_unpacked_and_a_redirect_loop_is_one_line(server):
    assert ingest.fetch.fetch_url(f"{server}/gz.vtt") == (vtt("Packed."), "text/vtt")
    for path, message in (("/not-gz.vtt", "the server said gzip, but the body is not"), ("/loop", "HTTP 302 a redirect loop")):
        with pytest.raises(IngestError) as exc:
            ingest.fetch.fetch_url(server + path)
        assert str(exc.value).startswith(f"{server}{path}: cannot fetch the URL: {message}")
