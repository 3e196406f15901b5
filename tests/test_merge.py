"""A mixed folder (feed + WordPress page + VTT + SRT + JSON) built into one coherent kb.db: one row
per episode whatever the order of the sources, each field from the source that knows it best."""
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

import ingest.sources
from ingest.formats import FORMATS
from ingest.merge import merge_documents
from ingest.model import Document, Resource, Segment
from kb.build import build_kb

from conftest import TOPICS

MIXED = Path(__file__).parent / "fixtures" / "mixed"


def rows(path, sql):
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    return [dict(r) for r in con.execute(sql).fetchall()]


@pytest.fixture(scope="module")
def mixed_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("mixed") / "kb.db"
    summary = build_kb([MIXED], path, TOPICS)
    assert (summary.documents, summary.episodes) == (3, 3)
    return path


def test_documents(mixed_db):
    docs = {d["id"]: d for d in rows(mixed_db, "select * from documents")}
    assert sorted(docs) == ["episode-301", "episode-302", "episode-303"]
    e301 = docs["episode-301"]
    assert e301["title"] == "Need to Know podcast–Episode 301"  # the page's title
    assert e301["url"] == "https://blog.ciaops.com/2020/04/01/need-to-know-podcast-episode-301/"
    assert e301["listen_url"] == "https://ciaops.podbean.com/e/episode-301-tenant-backups/"
    assert (e301["published"], e301["year"]) == ("2020-04-01", 2020)
    assert (e301["audio_url"], e301["audio_type"]) == ("https://mcdn.podbean.com/mf/web/ntk301.mp3", "audio/mpeg")
    assert e301["duration_seconds"] == 3723
    assert json.loads(e301["tags"]) == ["Podcasts", "Backup", "Retention", "Exchange Online"]
    assert e301["transcript_url"] == "https://example.com/transcripts/ep301.vtt"
    assert e301["source"] == "mixed/episode-301.html" and e301["format"] == "wordpress-html"
    assert json.loads(e301["sources"]) == ["mixed/ep301.vtt", "mixed/episode-301.html", "mixed/feed.xml"]
    e302 = docs["episode-302"]
    assert (e302["title"], e302["published"], e302["duration_seconds"]) == ("Episode 302: Licensing news", "2020-05-15", 2710)
    assert json.loads(e302["sources"]) == ["mixed/feed.xml", "mixed/licensing-chat.json"]
    e303 = docs["episode-303"]
    assert (e303["title"], e303["format"], e303["published"]) == ("Episode 303 transcript", "srt", None)


def test_transcript_chunks_have_speakers_and_exact_starts(mixed_db):
    chunks = rows(mixed_db, "select document_id, speaker, start, end, time, start_estimated, url from chunks "
                            "where kind = 'transcript' order by id")
    turns = [(c["document_id"], c["speaker"], c["start"], c["time"]) for c in chunks]
    assert turns == [
        ("episode-301", "Robert Crane", 5.0, "00:05"),
        ("episode-301", "Jane Citizen", 14.25, "00:14"),
        ("episode-301", "Jane Citizen", 3598.0, "59:58"),
        ("episode-301", "Robert Crane", 3603.5, "1:00:03"),
        ("episode-302", "Robert Crane", 0.8, "00:00"),
        ("episode-302", "Brenton Johnson", 9.9, "00:09"),
        ("episode-302", "Robert Crane", 3725.5, "1:02:05"),
        ("episode-303", "Robert Crane", 1.0, "00:01"),
        ("episode-303", None, 4.0, "00:04"),
        ("episode-303", "Jane Citizen", 8.5, "00:08"),
        ("episode-303", "Robert Crane", 4530.25, "1:15:30"),
    ]
    assert not any(c["start_estimated"] for c in chunks)
    assert chunks[3]["end"] == 3721.125
    assert chunks[3]["url"] == "https://mcdn.podbean.com/mf/web/ntk301.mp3#t=3603"
    assert chunks[7]["url"] is None  # no audio, no page: nothing to link to


def test_show_notes_from_the_page_and_no_page_furniture(mixed_db):
    notes = rows(mixed_db, "select document_id, kind, text from chunks where kind != 'transcript' order by id")
    text = "\n".join(c["text"] for c in notes)
    assert [c["kind"] for c in notes if c["document_id"] == "episode-301"] == ["show_notes", "boilerplate", "resources"]
    assert text.count("In this episode Jane Citizen and I talk about backing up") == 1
    assert "Jane Citizen joins me" not in text  # the feed's shorter notes give way to the page's
    for furniture in ("SHOULD NOT APPEAR", "About navigation link", "Sidebar recent post", "Copyright footer",
                      "Share on Twitter", "color: red", "Recent posts"):
        assert furniture not in text


def test_resources_keep_labels_and_urls(mixed_db):
    found = [(r["document_id"], r["kind"], r["label"], r["url"]) for r in rows(mixed_db, "select * from resources order by id")]
    assert found == [
        ("episode-301", "resource", "@janecitizen", "https://twitter.com/janecitizen"),
        ("episode-301", "resource", "Retention policies explained", "https://learn.microsoft.com/en-us/purview/retention"),
        ("episode-301", "resource", "Microsoft 365 Backup", "https://www.microsoft.com/en-us/microsoft-365/business/backup"),
        ("episode-302", "resource", "Partner price list update", "https://aka.ms/partner-pricing"),
        ("episode-302", "resource", "Partner Center documentation", "https://learn.microsoft.com/en-us/partner-center/"),
    ]


def table_rows(path):
    con = sqlite3.connect(path)
    return {t: con.execute(f"select * from [{t}] order by 1, 2").fetchall()
            for t in ("documents", "chunks", "resources", "chunk_topics", "chunk_keywords")}


def test_same_rows_whatever_the_order_of_files(tmp_path):
    files = sorted(MIXED.iterdir())
    build_kb(files, tmp_path / "a.db", TOPICS)
    build_kb(list(reversed(files)), tmp_path / "b.db", TOPICS)
    build_kb([files[2], files[0], files[4], files[1], files[3]], tmp_path / "c.db", TOPICS)
    a = table_rows(tmp_path / "a.db")
    assert a == table_rows(tmp_path / "b.db") == table_rows(tmp_path / "c.db")
    assert [r[0] for r in a["documents"]] == ["episode-301", "episode-302", "episode-303"]


def test_transcript_attached_by_feed_link_or_show_naming_else_its_own(tmp_path):
    shutil.copy(MIXED / "feed.xml", tmp_path)
    shutil.copy(MIXED / "licensing-chat.json", tmp_path / "licensing-chat.json")  # named in the feed
    shutil.copy(MIXED / "ep301.vtt", tmp_path / "Need to Know 301 captions.vtt")  # the show's name and the number
    shutil.copy(MIXED / "ntk-303-transcript.srt", tmp_path / "guest-interview.srt")  # neither
    docs = {d.id: d for d in ingest.sources.load_sources([tmp_path])}
    assert sorted(docs) == ["episode-301", "episode-302", "guest-interview"]
    assert [s.speaker for s in docs["episode-302"].segments if s.kind == "transcript"] == [
        "Robert Crane", "Brenton Johnson", "Robert Crane"]
    assert docs["episode-301"].segments[-1].start == 3603.5
    assert docs["guest-interview"].title == "guest interview (transcript)"
    assert docs["guest-interview"].episode is None


def doc(id, fmt, source, **fields):
    d = Document(id, fields.pop("kind", "episode"), fields.pop("title", id), source, **fields)
    d.format, d.role = fmt, next(f.role for f in FORMATS if f.name == fmt)
    return d


def test_matched_by_url_when_there_is_no_number():
    page = doc("ep-notes", "wordpress-html", "page.html", title="Backups with Jane", url="https://blog.example/backups/",
               listen_url="https://host.example/e/backups")
    page.segments = [Segment("show_notes", "Notes from the page.")]
    item = doc("backups", "podcast-feed", "feed.xml", title="Backups", url="http://host.example/e/backups/",
               published="2020-01-02", duration_seconds=60)
    item.segments = [Segment("show_notes", "Notes from the feed.")]
    item.resources = [Resource("Feed link", "https://x.example/")]
    [merged] = merge_documents([item, page])
    assert (merged.id, merged.title, merged.published, merged.duration_seconds) == ("ep-notes", "Backups with Jane", "2020-01-02", 60)
    assert [s.text for s in merged.segments] == ["Notes from the page."]
    assert [r.label for r in merged.resources] == ["Feed link"]


def test_different_episode_numbers_never_merge():
    a = doc("episode-1", "podcast-feed", "feed.xml", episode=1, url="https://host.example/e/same")
    b = doc("episode-2", "wordpress-html", "page.html", episode=2, url="https://host.example/e/same")
    assert [d.id for d in merge_documents([a, b])] == ["episode-1", "episode-2"]


def test_articles_merge_by_title_and_keep_the_page_body():
    dump = doc("teams-rooms", "blog-dump", "dump.txt", kind="article", title="Teams Rooms")
    dump.segments = [Segment("section", "From the dump.")]
    page = doc("teams-rooms", "wordpress-html", "page.html", kind="article", title="Teams Rooms",
               url="https://blog.example/teams-rooms/", published="2024-01-01", tags=["Teams"])
    page.segments = [Segment("section", "From the page.")]
    [merged] = merge_documents([dump, page])
    assert (merged.url, merged.published, merged.tags, merged.sources) == (
        "https://blog.example/teams-rooms/", "2024-01-01", ["Teams"], ["dump.txt", "page.html"])
    assert [s.text for s in merged.segments] == ["From the page."]


def test_audio_and_its_transcript_file_are_one_episode(tmp_path):
    # 'talk.mp3' with the transcript someone saved beside it as 'talk.vtt': one document, whose
    # turns come from the transcript file, not the same words twice, and no time spent transcribing it.
    transcribed = []

    def transcribe(path):  # what kb build passes in: here a transcript without running an engine
        transcribed.append(Path(path).name)
        return {"segments": [{"text": "Hello from the audio.", "start": 0.0, "end": 2.0, "words": []}],
                "audio": {"duration": 2.0}}
    (tmp_path / "talk.mp3").write_bytes(b"not read: the transcript comes from the cache")
    (tmp_path / "talk.vtt").write_text("WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<v Robert Crane>Hello from the file.\n")
    (tmp_path / "other.mp3").write_bytes(b"another recording")
    docs = ingest.sources.load_sources([tmp_path], transcribe=transcribe)  # merged as it loads
    assert sorted(d.title for d in docs) == ["Other", "Talk"]
    talk = next(d for d in docs if d.title == "Talk")
    assert [(s.speaker, s.text) for s in talk.segments] == [("Robert Crane", "Hello from the file.")]
    assert talk.audio_url.endswith("/talk.mp3")
    assert sorted(Path(s).name for s in talk.sources) == ["talk.mp3", "talk.vtt"]
    assert transcribed == ["other.mp3"]


def test_same_file_names_in_two_folders_stay_two_episodes(tmp_path):
    for folder, speaker, words in (("a", "Alice", "Teams phones"), ("b", "Bob", "licensing and MFA")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "interview.vtt").write_text(
            f"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<v {speaker}>We talk about {words}.\n")
    docs = ingest.sources.load_sources([tmp_path / "a" / "interview.vtt", tmp_path / "b" / "interview.vtt"])
    assert sorted(s.speaker for d in docs for s in d.segments) == ["Alice", "Bob"] and len(docs) == 2
