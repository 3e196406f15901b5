"""Hostile input: every source either parses correctly or fails with a clear error naming the file
(and line), never a traceback or a hang; a failed build leaves kb.db as it was; markup from a
source reaches Datasette as text. Property tests throw arbitrary text at every parser."""
import json
import os
import sqlite3
import warnings
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from datasette.app import Datasette
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ingest.sources
from ingest import blog_dump, feed, json_transcript, otter_text, srt, webvtt, wordpress
from ingest.errors import IngestError, IngestWarning
from kb.build import build_kb
from kb.cli import cli

from conftest import METADATA, TOPICS

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
MIXED = Path(__file__).parent / "fixtures" / "mixed"


def load(path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        docs = ingest.sources.load_sources([path])
    return docs, [str(w.message) for w in caught if issubclass(w.category, IngestWarning)]


@pytest.mark.parametrize("name,message", [
    ("empty-feed.xml", "line 3: the feed has no items (<item> or <entry>)"),
    ("malformed-time.vtt", "line 21: malformed cue time '00:59:5x.000 --> 01:00:03.500' "
                           "(expected 'HH:MM:SS.mmm --> HH:MM:SS.mmm')"),
    ("malformed-time.srt", "line 10: malformed cue time '00:00:08,500 --> 00:61:12,000' "
                           "(expected 'HH:MM:SS.mmm --> HH:MM:SS.mmm')"),
    ("bad-time.json", "line 6: segment 3: startTime is not a time: 'later'"),
    ("truncated.json", "line 6: not valid JSON: Unterminated string starting at"),
])
def test_clear_errors_name_file_and_line(name, message):
    with pytest.raises(IngestError) as exc:
        ingest.sources.load_sources([HOSTILE / name])
    assert str(exc.value).startswith(f"{HOSTILE / name}, {message}")


def test_truncated_feed_keeps_the_items_before_the_break():
    docs, warned = load(HOSTILE / "truncated-feed.xml")
    assert [(d.id, d.duration_seconds) for d in docs] == [("episode-301", 3723), ("episode-302", None)]
    assert docs[0].segments[0].text.startswith("Jane Citizen joins me")
    assert warned == [f"{HOSTILE / 'truncated-feed.xml'}, line 24: the feed is not well-formed XML (no element found); "
                      "2 item(s) were read before it"]


def test_malformed_html_still_gives_the_post():
    [doc], warned = load(HOSTILE / "malformed-page.html")
    assert (doc.id, doc.published, doc.listen_url) == (
        "episode-301", "2020-04-01", "https://ciaops.podbean.com/e/episode-301-tenant-backups/")
    assert doc.segments[0].text.startswith("In this episode Jane Citizen")
    assert [r.label for r in doc.resources] == ["@janecitizen", "Retention policies explained", "Microsoft 365 Backup"]
    assert warned == []


def test_reversed_cue_times_keep_the_start():
    [doc], warned = load(HOSTILE / "reversed-times.vtt")
    assert [(s.speaker, s.start, s.end) for s in doc.segments][:2] == [("Robert Crane", 5.0, 9.5), ("Jane Citizen", 14.25, 20.0)]
    assert warned == [f"{HOSTILE / 'reversed-times.vtt'}, line 13: cue ends before it starts; its end time was dropped"]


def test_nul_bytes_removed_with_a_warning():
    [doc], warned = load(HOSTILE / "nul-bytes.vtt")
    assert doc.segments[0].text == "Welcome to the Need to Know podcast. Today Jane and I talk about backups."
    assert warned == [f"{HOSTILE / 'nul-bytes.vtt'}, line 14: control characters (such as NUL) were removed"]


@pytest.mark.parametrize("name,expected,warned", [
    ("bom-utf8.srt", "Welcome to episode 303.", False),
    ("cp1252-declared.html", "“In this episode” Jane’s friend Citizen", False),
    ("cp1252-undeclared.srt", "“They” it’s cost less", True),
    ("cp1252-feed.xml", "“Jane Citizen” joins me", False),
    ("mojibake-page.html", "In this episode’s “guest” Jane Citizen", False),
])
def test_encodings(name, expected, warned):
    docs, warnings_seen = load(HOSTILE / name)
    text = " ".join(s.text for d in docs for s in d.segments)
    assert expected in text
    assert "â€" not in text and "\ufffd" not in text and "\ufeff" not in text
    assert warnings_seen == ([f"{HOSTILE / name}: not valid UTF-8; read as Windows-1252"] if warned else [])


def test_utf16_and_mojibake_in_a_transcript(tmp_path):
    path = tmp_path / "e5.vtt"
    path.write_bytes("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Tim O’Neill>It’s “fine”\n".encode("utf-16"))
    [doc] = ingest.sources.parse_file(path)
    assert (doc.segments[0].speaker, doc.segments[0].text) == ("Tim O’Neill", "It’s “fine”")
    path.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nItâ€™s â€œfineâ€\x9d cafÃ©\n", encoding="utf-8")
    assert ingest.sources.parse_file(path)[0].segments[0].text == "It’s “fine” café"


def test_plain_text_dump_still_requires_utf8(tmp_path):
    path = tmp_path / "dump.txt"
    path.write_bytes("Title Line\n\nok\ncaf\xe9 here\n".encode("latin-1"))
    with pytest.raises(IngestError) as exc:
        ingest.sources.parse_file(path)
    assert str(exc.value) == f"{path}, line 4: not valid UTF-8 text; save the file as UTF-8"


ENORMOUS = {
    "line.vtt": b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ann Lee>" + b"word " * 1_000_000 + b"\n",
    "line.srt": b"1\n00:00:01,000 --> 00:00:02,000\n" + b"<" * 3_000_000 + b"\n",
    "line.html": b"<html><body><article><h1>Big</h1><p>" + b"x" * 3_000_000 + b"</p></article></body></html>",
    "line.xml": b'<rss><channel><item><title>Episode 5</title><description>' + b"a " * 1_500_000
                + b"</description></item></channel></rss>",
    "line.json": b'{"segments": [{"start": 0, "end": 1, "text": "' + b"b " * 1_500_000 + b'"}]}',
    "deep.html": b"<html><body>" + b"<div>" * 20000 + b"<h1>T</h1><p>deep text</p>" + b"</div>" * 20000 + b"</body></html>",
}


@pytest.mark.parametrize("name", sorted(ENORMOUS))
def test_enormous_lines_and_deep_nesting_parse(tmp_path, name):
    # How long they take is bench/hostile.py's to print: a timed assertion fails on a busy machine.
    path = tmp_path / name
    path.write_bytes(ENORMOUS[name])
    docs, _ = load(path)
    assert len(docs) == 1 and docs[0].segments


def test_deeply_nested_json_is_an_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(IngestError) as exc:
        ingest.sources.parse_file(path)
    assert str(exc.value) == f"{path}, line 1: not a transcript: JSON nested too deeply"


def test_50_mb_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.xml"
    with open(path, "wb") as f:
        f.write(b'<rss><channel><item><title>Episode 1</title><description>')
        f.truncate(50 * 1024 * 1024)
    with pytest.raises(IngestError) as exc:
        ingest.sources.load_sources([path])
    assert str(exc.value) == f"{path}: file is too large: 50 MB (a source may hold at most 32 MB)"


@pytest.mark.parametrize("cue, speaker, text, example", [
    ("<v Eve>Hello about Intune a \x08\x08\x08\x08 b end.", "Eve", "Hello about Intune a b end.", "U+0008"),
    ("<v Eve\x1b[31mRED>Hi \x1b]0;title\x07there \x1b[1;31mred\x1b[0m end.", "EveRED", "Hi there red end.", "U+001B")])
def test_a_few_control_characters_are_removed_with_a_warning(tmp_path, cue, speaker, text, example):
    path = tmp_path / "need-to-know-559.vtt"
    path.write_bytes(f"WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n{cue}\n".encode())
    [doc], warned = load(path)
    assert [(s.speaker, s.text) for s in doc.segments] == [(speaker, text)]
    assert warned == [f"{path}, line 4: control characters (such as {example}) were removed"]


def test_control_bytes_without_nul_are_not_called_nul_bytes(tmp_path):
    path = tmp_path / "e1.vtt"
    path.write_bytes(bytes(range(1, 32)) * 20)
    with pytest.raises(IngestError) as exc:
        ingest.sources.parse_file(path)
    assert str(exc.value) == f"{path}: binary file, not text (520 control characters in its first 620 bytes)"


def test_binary_file_named_like_a_transcript(tmp_path):
    path = tmp_path / "e1.vtt"
    path.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(IngestError) as exc:
        ingest.sources.parse_file(path)
    assert str(exc.value) == f"{path}: binary file, not text (it contains NUL bytes)"


@pytest.mark.parametrize("name", ["empty-feed.xml", "malformed-time.srt", "bad-time.json"])
def test_strict_cli_error_keeps_the_old_kb_db(tmp_path, name):
    db = tmp_path / "kb.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["build", str(MIXED), "--db", str(db), "--silent"]).exit_code == 0
    before = db.read_bytes()
    result = runner.invoke(cli, ["build", "--strict", str(MIXED), str(HOSTILE / name), "--db", str(db)])
    assert result.exit_code == 1
    assert f"Error: {HOSTILE / name}, line " in result.output and f"{db} was left as it was." in result.output
    assert "Traceback" not in result.output
    assert db.read_bytes() == before


@pytest.mark.parametrize("name", ["empty-feed.xml", "malformed-time.srt", "bad-time.json"])
def test_a_bad_file_beside_good_ones_is_skipped(tmp_path, name):
    db = tmp_path / "kb.db"
    result = CliRunner().invoke(cli, ["build", str(MIXED), str(HOSTILE / name), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert f"Warning: {HOSTILE / name}, line " in result.output
    assert "; the file was skipped, the other sources were read" in result.output
    assert f"Built {db}: 3 documents (3 episodes)" in result.output and ", 1 file skipped in " in result.output
    assert "Traceback" not in result.output


async def test_markup_reaches_datasette_as_text(tmp_path):
    db = tmp_path / "kb.db"
    build_kb([HOSTILE / "script-notes.xml"], db, TOPICS)
    ds = Datasette([str(db)], immutables=[], metadata=yaml.safe_load(METADATA.read_text()))
    rows = (await ds.client.get("/kb/chunks.json?_shape=array&document_id=episode-301")).json()
    assert rows[0]["text"].startswith("<script>alert('notes')</script> Jane Citizen joins")
    assert "cdata" not in rows[0]["text"]  # a real <script> element in the notes is dropped
    titles = (await ds.client.get("/kb/documents.json?_shape=array&_col=title")).json()
    assert [t["title"] for t in titles] == ["Need to Know podcast–Episode 301", "Episode 302: Licensing news"]
    page = (await ds.client.get("/kb/chunks?document_id=episode-301")).text
    assert "&lt;script&gt;alert(" in page and "<script>alert(" not in page


# Property tests: arbitrary text, alone or after each format's signature, either parses or raises
# the project's own IngestError; nothing else escapes (the CLI turns IngestError into a clean exit).
PARSERS = {
    webvtt: "WEBVTT\n\n", srt: "1\n00:00:01,000 --> ", json_transcript: '{"segments": [', feed: "<rss><channel><item>",
    wordpress: "<html><body><article><h1>", otter_text: "Robert Crane  0:05\n", blog_dump: "Need to Know podcast Episode 1\n\n",
}
NOISE = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300) | st.sampled_from([
    "00:00:01.000 --> 00:00:02.000\n<v A>x\n\n", "99:99:99,999 --> 00:00:00,000\nB: y\n\n", '{"startTime": "x"}',
    '"start": 1e309, "end": -1, "text": 5}', "<item><title>Ep 3</title></item>", "]]>", "<![CDATA[", "&#0;", "\x00",
    "<p>Resources</p><ul><li><a href='javascript:x'>a</a>", "Transcription\n\nJane  1:00:00\nhi\n", "\ufeff", "</article>"])


@pytest.mark.parametrize("module", list(PARSERS), ids=lambda m: m.name)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(NOISE, max_size=6))
def test_parsers_parse_or_raise_ingest_error(module, parts):
    text = PARSERS[module] + "".join(parts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            docs = module.parse("source.x", text)
        except IngestError as exc:
            assert exc.path == "source.x"
            return
    assert isinstance(docs, list)
    assert all(d.title and d.id for d in docs)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=400) | st.lists(NOISE, max_size=6).map(lambda p: "".join(p).encode("utf-8")))
def test_any_bytes_parse_or_raise_ingest_error(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            docs = ingest.sources.parse_bytes("source.bin", data)
        except IngestError as exc:
            assert exc.path == "source.bin"
            return
    assert all(json.dumps([s.text for s in d.segments]) for d in docs)


def test_only_web_urls_are_kept(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text('<rss xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel><title>t</title><item>'
                    "<title>Episode 4</title><link>javascript:alert(1)</link>"
                    '<enclosure url="data:audio/mpeg;base64,AAAA" type="audio/mpeg"/>'
                    '<podcast:transcript url="javascript:alert(2)" type="text/vtt"/>'
                    "<description>&lt;a href='javascript:alert(3)'&gt;click&lt;/a&gt; and "
                    "&lt;a href='https://ok.example/'&gt;fine&lt;/a&gt;</description></item></channel></rss>",
                    encoding="utf-8")
    [doc] = ingest.sources.parse_file(path)
    assert (doc.url, doc.listen_url, doc.audio_url, doc.transcript_urls) == (None, None, None, [])
    assert [(r.label, r.url) for r in doc.resources] == [("fine", "https://ok.example/")]


# Sources that once hung or crashed the build (issue: hardening), each now a clear error or warning.

def test_fifo_and_devices_are_refused_not_read(tmp_path):
    fifo = tmp_path / "feed.xml"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero"), Path("/dev/urandom")):
        with pytest.raises(IngestError) as exc:
            ingest.sources.load_sources([path])
        assert str(exc.value) == f"{path}: not a regular file (a FIFO, a device or a socket); name a file or a folder"


def test_fifo_inside_a_folder_is_passed_over(tmp_path):
    (tmp_path / "ep301.vtt").write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ann Lee>Hello.\n")
    os.mkfifo(tmp_path / "pipe.txt")
    [doc] = ingest.sources.load_sources([tmp_path])
    assert doc.id == "episode-301"


def test_bytes_read_are_capped_whatever_the_size_on_disk_says(tmp_path, monkeypatch):
    path = tmp_path / "grows.txt"
    path.write_bytes(b"Title Line\n\n" + b"word " * 400)
    monkeypatch.setattr(ingest.sources, "MAX_BYTES", 1000)
    with pytest.raises(IngestError) as exc:
        ingest.sources.load_sources([path])
    assert "too large" in str(exc.value) and "1,000 bytes" in str(exc.value)


def test_wordpress_podcast_page_with_a_player_in_the_post(tmp_path):
    path = tmp_path / "episode-305.html"
    path.write_text('<html><body><article><h1 class="entry-title">Need to Know podcast–Episode 305</h1>'
                    '<div class="entry-content"><p>Jane and I talk about Teams Phone for small offices.</p>'
                    '<audio class="wp-audio-shortcode" controls><source type="audio/mpeg" '
                    'src="https://media.example/ntk305.mp3?_=1"><a href="https://media.example/ntk305.mp3">'
                    'https://media.example/ntk305.mp3</a></audio></div></article></body></html>', encoding="utf-8")
    [doc] = ingest.sources.load_sources([path])
    assert (doc.audio_url, doc.audio_type) == ("https://media.example/ntk305.mp3?_=1", "audio/mpeg")
    assert [s.text for s in doc.segments] == ["Jane and I talk about Teams Phone for small offices."]


def test_json_transcript_with_a_number_too_long_to_read(tmp_path):
    path = tmp_path / "ep9.json"
    path.write_text('{"segments": [{"start": 1' + "0" * 5000 + ', "end": 2, "text": "hi"}]}')
    with pytest.raises(IngestError) as exc:
        ingest.sources.load_sources([path])
    assert str(exc.value) == f"{path}: not a transcript: it holds a number too long to read"


def test_json_word_time_too_large_for_a_float_is_dropped(tmp_path):
    path = tmp_path / "ep9.json"
    path.write_text('{"segments": [{"start": 1, "end": 2, "text": "hello world", "words": ['
                    '{"word": "hello", "start": 1' + "0" * 3600 + ', "end": 1.5}, {"word": "world", "start": 1.5, "end": 2}]}]}')
    [doc] = ingest.sources.load_sources([path])
    assert [(w.word, w.start) for w in doc.segments[0].words] == [("hello", None), ("world", 1.5)]


def test_otter_turn_with_an_impossible_hour_keeps_its_speaker(tmp_path):
    path = tmp_path / "ep9.txt"
    path.write_text("Robert Crane  0:05\nHello there.\n\nJane Doe  12345678:00:00\nThis turn has a huge hour.\n\n"
                    "Robert Crane  0:20\nBack to normal.\n")
    [doc], warned = load(path)
    assert [(s.speaker, s.start, s.text) for s in doc.segments] == [
        ("Robert Crane", 5, "Hello there."), ("Jane Doe", None, "This turn has a huge hour."),
        ("Robert Crane", 20, "Back to normal.")]
    assert warned == [f"{path}, line 4: 'Jane Doe  12345678:00:00' has no plausible time; the turn is kept without one"]


def test_unreadable_sub_folder_is_named(tmp_path, monkeypatch):
    (tmp_path / "ep301.vtt").write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ann Lee>Hello.\n")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "ep302.vtt").write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ann Lee>Hi.\n")
    real_scandir = os.scandir

    def scandir(path="."):  # as a folder without read permission answers (the tests run as root)
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)
    monkeypatch.setattr(os, "scandir", scandir)
    docs, warned = load(tmp_path)
    assert [d.id for d in docs] == ["episode-301"]
    assert warned == [f"{locked}: cannot read the folder (Permission denied); the files in it were not read"]


def test_full_disk_is_a_clean_error_and_keeps_kb_db(tmp_path, monkeypatch):
    db = tmp_path / "kb.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["build", str(MIXED), "--db", str(db), "--silent"]).exit_code == 0
    before = db.read_bytes()

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")
    monkeypatch.setattr("kb.build.write_postings", full)
    result = runner.invoke(cli, ["build", str(MIXED), "--db", str(db)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"Error: cannot write {db}: database or disk is full\n{db} was left as it was.\n" in result.output
    assert db.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["kb.db"]


LAUGHS = "".join(f'<!ENTITY l{n + 1} "{f"&l{n};" * 10}">' for n in range(8))


@pytest.mark.parametrize("doctype,entity", [
    (f'<!DOCTYPE r [<!ENTITY l0 "lol">{LAUGHS}]>', "&l8;"),  # a billion laughs, if expanded
    ('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"),  # a local file, if resolved
])
def test_feed_entities_are_never_expanded(tmp_path, doctype, entity):
    path = tmp_path / "feed.xml"
    path.write_text(f'<?xml version="1.0"?>\n{doctype}\n<rss><channel><title>x</title><item><title>Episode 5</title>'
                    f"<description>before {entity} after</description></item></channel></rss>")
    [doc], warned = load(path)
    assert doc.id == "episode-5" and doc.role == "feed"  # a DOCTYPE with a subset is still a feed
    text = doc.segments[0].text
    assert text.startswith("before") and text.endswith("after") and len(text) < 40 and "root:" not in text
    assert warned == [f"{path}, line 2: the feed is not well-formed XML (its DOCTYPE declares entities, "
                      "which are not expanded); 1 item(s) were read before it"]


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.invalid/feed.xml"])
def test_other_urls_are_named_not_looked_up_as_paths(url):
    with pytest.raises(IngestError) as exc:
        ingest.sources.load_sources([url])
    assert str(exc.value) == f"{url}: only http:// and https:// URLs are fetched; name a local file by its path"


def test_a_json_file_of_null_is_not_a_transcript(tmp_path):
    path = tmp_path / "ep9.json"
    path.write_text("null")
    with pytest.raises(IngestError) as exc:
        ingest.sources.parse_file(path)
    assert str(exc.value).startswith(f"{path}, line 1: not a transcript: expected an object with segments[]")


def test_a_file_named_twice_or_inside_a_folder_given_too_is_read_once(tmp_path):
    folder = tmp_path / "ent"
    folder.mkdir()
    path = folder / "need-to-know-555.vtt"
    path.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Ben>Hello about Intune.\n", encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        docs = ingest.sources.load_sources([folder, path, folder / ".." / "ent" / path.name])
    assert [d.id for d in docs] == ["episode-555"]
    assert [str(w.message) for w in caught if issubclass(w.category, IngestWarning)] == [
        f"{source}: it was named already among the sources (twice, or in a folder given too); each file is read once"
        for source in (path, folder / ".." / "ent" / path.name)]
