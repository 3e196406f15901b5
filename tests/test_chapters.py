"""Chapters in kb.db: the chapters table, chapters generated for long transcripts without any
(at turn starts, titled by the episode's topics), each passage's chapter, and where a user sees
them (the chunks facet, search results, the Datasette home page)."""
import json
import math
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from datasette.app import Datasette

from ingest.sources import load_sources
from kb.build import build_kb
from kb.cli import cli

from conftest import CORPUS, METADATA, TOPICS

FIXTURES = Path(__file__).parent / "fixtures" / "chapters"
VOICE = ["Business Voice bundles calling plans with phone numbers for each user.",
         "Porting a phone number from the old carrier takes about a week.",
         "The auto attendant answers the main line after hours.",
         "Emergency calling needs a registered address for every desk phone.",
         "Call queues spread incoming calls across the reception team."]
INTUNE = ["Intune enrols every laptop before anyone signs in.",
          "Compliance policies check disk encryption and the Windows version.",
          "Autopilot resets a device and installs the company apps.",
          "Configuration profiles push wireless and certificate settings to devices.",
          "A noncompliant device loses access to company apps until Intune sees it updated."]


def rows(db, sql, *params):
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]


def clock(seconds: float) -> str:
    return f"{int(seconds // 3600):02d}:{int(seconds % 3600 // 60):02d}:{seconds % 60:06.3f}"


def transcript_vtt(sections: list[tuple[list[str], list[str]]], turn_seconds: float = 30, turns: int = 30) -> str:
    """A WebVTT transcript: per section, `turns` turns of three of its sentences each, its
    speakers taking turns."""
    cues, at = ["WEBVTT", ""], 5.0
    for sentences, speakers in sections:
        for n in range(turns):
            text = " ".join(sentences[(n + k) % len(sentences)] for k in range(3))
            cues += [f"{clock(at)} --> {clock(at + turn_seconds - 1)}", f"<v {speakers[n % len(speakers)]}>{text}", ""]
            at += turn_seconds
    return "\n".join(cues)


def test_generated_chapters_on_the_bundled_episode(corpus_db):
    chapters = rows(corpus_db, "select * from chapters where document_id = 'episode-234' order by ordinal")
    [doc] = [d for d in load_sources([CORPUS]) if d.id == "episode-234"]
    turn_starts = {s.start for s in doc.segments if s.start is not None}
    length = max(s.end or s.start for s in doc.segments if s.start is not None) - min(turn_starts)
    assert {c["source"] for c in chapters} == {"generated"}
    assert math.ceil(3 * length / 3600) <= len(chapters) <= math.floor(12 * length / 3600)
    assert all(c["start"] in turn_starts for c in chapters)  # boundaries at turn starts
    assert [c["start"] for c in chapters] == sorted(c["start"] for c in chapters)
    assert [c["end"] for c in chapters[:-1]] == [c["start"] for c in chapters[1:]]
    assert all(b["start"] - a["start"] >= 300 for a, b in zip(chapters[1:], chapters[2:]))  # 12 an hour at most
    assert chapters[1]["start"] - chapters[0]["start"] >= 150
    [tagged] = rows(corpus_db, "select topics from documents where id = 'episode-234'")
    topics = json.loads(tagged["topics"])
    # each title names a topic the episode is tagged with, then the chapter's own words
    assert all(c["title"].split(":")[0] in topics and len(c["title"].split(": ")[1].split(", ")) == 2
               for c in chapters), [c["title"] for c in chapters]
    assert chapters[0]["time"] == "00:43"  # the first turn


def test_each_passage_is_in_the_chapter_its_start_falls_in(corpus_db):
    chapters = rows(corpus_db, "select * from chapters where document_id = 'episode-234'")
    chunks = rows(corpus_db, "select start, chapter, chapter_id, kind from chunks where document_id = 'episode-234'")
    for chunk in chunks:
        if chunk["start"] is None:
            assert chunk["chapter"] is None and chunk["chapter_id"] is None  # show notes, resources
            continue
        [inside] = [c for c in chapters if c["start"] <= chunk["start"] < c["end"]]
        assert (chunk["chapter_id"], chunk["chapter"]) == (inside["id"], inside["title"])
    assert {c["chapter"] for c in chunks if c["kind"] == "transcript"} == {c["title"] for c in chapters}


def test_a_change_of_subject_and_speakers_starts_a_chapter(tmp_path):
    (tmp_path / "episode-330.vtt").write_text(transcript_vtt(
        [(VOICE, ["Robert Crane", "Brenton Johnson"]), (INTUNE, ["Robert Crane", "Jane Citizen"])]), encoding="utf-8")
    build_kb([tmp_path / "episode-330.vtt"], tmp_path / "kb.db", TOPICS)
    chapters = rows(tmp_path / "kb.db", "select start, title, source from chapters order by ordinal")
    assert 905.0 in [c["start"] for c in chapters]  # the first turn on Intune, with Jane
    before = [c for c in chapters if c["start"] < 905]
    after = [c for c in chapters if c["start"] >= 905]
    assert all(c["title"].startswith("Business Voice: ") for c in before), chapters
    assert all(c["title"].startswith("Intune: ") for c in after), chapters
    assert {c["source"] for c in chapters} == {"generated"}


def test_a_short_transcript_gets_no_generated_chapters(tmp_path):
    (tmp_path / "episode-331.vtt").write_text(transcript_vtt([(VOICE, ["Robert Crane", "Brenton Johnson"])],
                                                             turns=18), encoding="utf-8")  # 9 minutes
    build_kb([tmp_path / "episode-331.vtt"], tmp_path / "kb.db", TOPICS)
    assert rows(tmp_path / "kb.db", "select * from chapters") == []


def test_the_feeds_chapters_win_and_passages_take_their_titles(tmp_path):
    shutil.copy(FIXTURES / "podcasting20-and-chapters.xml", tmp_path / "feed.xml")
    (tmp_path / "captions-es.vtt").write_text(  # a name the feed's <podcast:transcript> gives: 30 minutes
        transcript_vtt([(INTUNE, ["Avery Lindqvist", "Noor Haddad"])], turns=60), encoding="utf-8")
    build_kb([tmp_path], tmp_path / "kb.db", TOPICS)
    chapters = rows(tmp_path / "kb.db", "select document_id, start, end, title, url, source from chapters")
    assert [(c["start"], c["title"], c["source"]) for c in chapters] == [
        (0.0, "Welcome", "feed"), (195.0, "Named locations and trusted IPs", "feed"),
        (1300.5, "Report-only mode", "feed")]
    assert chapters[-1]["end"] == 41 * 60 + 7  # the feed's itunes:duration
    assert chapters[-1]["url"] == "https://tenanttalk.example.com/ca-report"
    chunks = rows(tmp_path / "kb.db", "select start, chapter from chunks where start is not null order by start")
    assert chunks[0]["chapter"] == "Welcome"
    assert {c["chapter"] for c in chunks if 195 <= c["start"] < 1300.5} == {"Named locations and trusted IPs"}
    [doc] = rows(tmp_path / "kb.db", "select chapters_url from documents where id = ?", chapters[0]["document_id"])
    assert doc["chapters_url"] == "https://cdn.example.com/tt/17/chapters.json"


def test_show_note_chapters_in_kb_db(tmp_path):
    shutil.copy(FIXTURES / "show-note-chapters.xml", tmp_path / "feed.xml")
    build_kb([tmp_path / "feed.xml"], tmp_path / "kb.db", TOPICS)
    chapters = rows(tmp_path / "kb.db", "select document_id, time, end, title, source from chapters order by id")
    assert [(c["document_id"], c["time"], c["title"], c["source"]) for c in chapters][:3] == [
        ("episode-320", "00:00", "Introduction", "show-notes"),
        ("episode-320", "03:15", "Passkeys for administrators", "show-notes"),
        ("episode-320", "1:02:05", "Azure budgets", "show-notes")]
    assert [c["end"] for c in chapters[:3]] == [195.0, 3725.0, 3900.0]  # the last ends with the episode (1:05:00)


@pytest.fixture
def ds(corpus_db):
    return Datasette([str(corpus_db)], metadata=yaml.safe_load(METADATA.read_text()))


async def test_chapters_table_on_the_home_page_and_the_chunks_facet(ds):
    home = await ds.client.get("/kb")
    assert home.status_code == 200 and 'href="/kb/chapters"' in home.text
    table = await ds.client.get("/kb/chapters")
    assert "found in transcripts of over 10 minutes" in table.text
    data = (await ds.client.get("/kb/chunks.json?_facet=chapter&_size=0")).json()
    facet = {r["value"]: r["count"] for r in data["facet_results"]["chapter"]["results"]}
    chapters = (await ds.client.get("/kb/chapters.json?_shape=array")).json()
    assert set(facet) == {c["title"] for c in chapters} and sum(facet.values()) > 50


async def test_search_results_carry_their_chapter(ds, corpus_db):
    data = (await ds.client.get("/-/kb-search.json?q=calling+plans&kind=transcript")).json()
    top = data["results"][0]
    [chunk] = rows(corpus_db, "select chapter from chunks where id = ?", top["chunk_id"])
    assert top["chapter"] == chunk["chapter"] is not None
    chosen = {f["value"]: f["count"] for f in data["facets"]["chapter"]}
    assert top["chapter"] in chosen
    narrowed = (await ds.client.get(f"/-/kb-search.json?q=calling+plans&chapter={top['chapter']}")).json()
    assert narrowed["total"] == chosen[top["chapter"]] and {r["chapter"] for r in narrowed["results"]} == {top["chapter"]}
    page = await ds.client.get("/-/kb-search?q=calling+plans&kind=transcript")
    assert f'<span class="kb-chapter" title="chapter">{top["chapter"]}</span>' in page.text


def test_kb_search_json_has_the_chapter(corpus_db):
    result = CliRunner().invoke(cli, ["search", "calling plans", "--db", str(corpus_db), "--kind", "transcript",
                                      "--json", "--limit", "1"])
    assert result.exit_code == 0, result.output
    [top] = json.loads(result.stdout)
    assert top["chapter"] and top["chapter"] in {c["title"] for c in rows(corpus_db, "select title from chapters")}
