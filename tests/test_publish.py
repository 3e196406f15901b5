"""kb publish: WebVTT, SRT and Podcasting 2.0 JSON files read back by real parsers (webvtt-py,
srt) and by the project's own ingest, cue sizes as captioning guidelines ask, word times used,
JSON validated against schemas written from the Podcasting 2.0 specifications, the feed tags."""
import json
import re
import sqlite3

import jsonschema
import pytest
import srt
import webvtt
from click.testing import CliRunner

import ingest.sources
from kb.build import build_kb
from kb.cli import cli

from conftest import TOPICS
from schemas import PODCAST_CHAPTERS, PODCAST_TRANSCRIPT

TAGS_234 = """<!-- episode-234: Need to Know podcast–Episode 234 -->
<podcast:transcript url="https://example.com/ntk/episode-234.vtt" type="text/vtt" />
<podcast:transcript url="https://example.com/ntk/episode-234.srt" type="application/x-subrip" />
<podcast:transcript url="https://example.com/ntk/episode-234.json" type="application/json" />
<podcast:chapters url="https://example.com/ntk/episode-234.chapters.json" type="application/json+chapters" />
"""


def publish(db, out, *args):
    return CliRunner().invoke(cli, ["publish", "--db", str(db), "--out", str(out), *args])


@pytest.fixture(scope="module")
def published(corpus_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("published")
    result = publish(corpus_db, out, "--base-url", "https://example.com/ntk")
    assert result.exit_code == 0, result.output
    return out, result


def turn_chunks(db):
    """(speaker, start) of each transcript turn of episode 234 as kb.db holds it (a turn's first passage)."""
    with sqlite3.connect(db) as conn:
        return conn.execute("select speaker, start from chunks where document_id = 'episode-234' "
                            "and start is not null and start_estimated = 0 order by ordinal").fetchall()


def test_files_and_tags(published):
    out, result = published
    assert sorted(p.name for p in out.iterdir()) == [
        "episode-234.chapters.json", "episode-234.json", "episode-234.srt", "episode-234.vtt"]
    assert result.stdout == TAGS_234 + "\n"
    assert result.stderr.startswith("Wrote 4 files for 1 episode(s) (")


def test_webvtt_read_by_webvtt_py(published, corpus_db):
    out, _ = published
    cues = list(webvtt.read(str(out / "episode-234.vtt")))
    assert len(cues) > 500
    assert (cues[0].voice, cues[0].start_in_seconds) == ("Robert Crane", 43)
    assert cues[0].text.replace("\n", " ").startswith("Welcome along to a Need to Know podcast")
    turns = turn_chunks(corpus_db)
    starts = {round(c.start_in_seconds + c.start_time.milliseconds / 1000, 3): c.voice for c in cues}
    assert all(starts[round(start, 3)] == speaker for speaker, start in turns)  # every turn starts a cue, voiced
    assert {c.voice for c in cues} == {s for s, _ in turns}


def test_srt_read_by_srt(published, corpus_db):
    out, _ = published
    subtitles = list(srt.parse((out / "episode-234.srt").read_text(encoding="utf-8")))
    assert [s.index for s in subtitles] == list(range(1, len(subtitles) + 1))
    assert subtitles[0].content.startswith("Robert Crane: Welcome along")
    by_start = {round(s.start.total_seconds(), 3): s.content for s in subtitles}
    speaker = None
    for name, start in turn_chunks(corpus_db):
        if name != speaker:  # a new speaker's first card carries the name
            assert by_start[round(start, 3)].startswith(f"{name}: ")
        speaker = name
    # every card names its speaker: a reader (ours among them) takes a 'Name:' label for a speaker
    # only where the file uses it more than once, so a one-card speaker would otherwise be lost
    timed = {start for _, start in turn_chunks(corpus_db)}
    assert all(re.split(r":\s", s.content, maxsplit=1)[0] in {n for n, _ in turn_chunks(corpus_db)} for s in subtitles)
    assert timed <= set(by_start)


@pytest.mark.parametrize("ending", [".vtt", ".srt"])
def test_cues_as_captioning_guidelines_ask(published, ending):
    out, _ = published
    text = (out / f"episode-234{ending}").read_text(encoding="utf-8")
    if ending == ".vtt":
        cues = [(c.start_in_seconds + c.start_time.milliseconds / 1000, c.end_in_seconds + c.end_time.milliseconds / 1000,
                 c.text.split("\n")) for c in webvtt.from_string(text)]
    else:
        cues = [(s.start.total_seconds(), s.end.total_seconds(), s.content.split("\n")) for s in srt.parse(text)]
    assert all(len(lines) <= 2 and all(len(line) <= 42 for line in lines) for _, _, lines in cues)
    assert all(0 < end - start <= 7.0 for start, end, _ in cues)
    assert all(a[0] <= b[0] and a[1] <= b[0] + 1e-9 for a, b in zip(cues, cues[1:]))  # in order, never overlapping
    assert sum(len(" ".join(lines).split()) for _, _, lines in cues) > 9000  # the whole transcript


@pytest.mark.parametrize("ending", [".vtt", ".srt", ".json"])
def test_round_trip_through_the_projects_own_ingest(published, corpus_db, ending):
    out, _ = published
    [doc] = ingest.sources.parse_file(out / f"episode-234{ending}")
    assert (doc.id, doc.episode) == ("episode-234", 234)
    back = {round(s.start, 3): s.speaker for s in doc.segments}
    original = turn_chunks(corpus_db)
    assert {round(start, 3): speaker for speaker, start in original}.items() <= back.items()
    with sqlite3.connect(corpus_db) as conn:
        words = conn.execute("select sum(word_count) from chunks where document_id = 'episode-234' "
                             "and start is not null").fetchone()[0]
    assert sum(len(s.text.split()) for s in doc.segments) == words  # no word lost or added


def test_json_files_validate_against_the_podcasting_2_schemas(published, corpus_db):
    out, _ = published
    transcript = json.loads((out / "episode-234.json").read_text(encoding="utf-8"))
    chapters = json.loads((out / "episode-234.chapters.json").read_text(encoding="utf-8"))
    jsonschema.validate(transcript, PODCAST_TRANSCRIPT)
    jsonschema.validate(chapters, PODCAST_CHAPTERS)
    assert transcript["segments"][0] == {"speaker": "Robert Crane", "startTime": 43.0,
                                         "endTime": transcript["segments"][1]["startTime"],
                                         "body": transcript["segments"][0]["body"]}
    with sqlite3.connect(corpus_db) as conn:
        rows = conn.execute("select start, end, title from chapters where document_id = 'episode-234' "
                            "order by ordinal").fetchall()
    assert [(c["startTime"], c["endTime"], c["title"]) for c in chapters["chapters"]] == rows
    assert chapters["title"] == "Need to Know podcast–Episode 234"


def test_same_kb_db_same_bytes(published, corpus_db, tmp_path):
    out, _ = published
    result = publish(corpus_db, tmp_path, "--base-url", "https://example.com/ntk/")
    assert result.exit_code == 0, result.output
    assert result.stdout == TAGS_234 + "\n"
    for path in out.iterdir():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes()


WORD_TIMED = {  # whisper-timestamped, with a long pause inside a segment
    "text": "First we talk about calling plans today. Then we move on to Intune enrolment.",
    "segments": [{"start": 0.0, "end": 20.0, "text": " First we talk about calling plans today. Then we move on to "
                  "Intune enrolment.", "words": [
        *({"text": w, "start": 0.4 * k, "end": 0.4 * k + 0.35} for k, w in enumerate(
            ["First", "we", "talk", "about", "calling", "plans", "today."])),
        *({"text": w, "start": 15.0 + 0.4 * k, "end": 15.0 + 0.4 * k + 0.35} for k, w in enumerate(
            ["Then", "we", "move", "on", "to", "Intune", "enrolment."]))]}],
}


def test_word_times_place_the_cues(tmp_path):
    (tmp_path / "episode-340.json").write_text(json.dumps(WORD_TIMED))
    build_kb([tmp_path / "episode-340.json"], tmp_path / "kb.db", TOPICS)
    result = publish(tmp_path / "kb.db", tmp_path / "out")
    assert result.exit_code == 0, result.output
    cues = list(webvtt.read(str(tmp_path / "out" / "episode-340.vtt")))
    assert [(c.start, c.end, c.text) for c in cues] == [
        ("00:00:00.000", "00:00:02.750", "First we talk about calling plans today."),
        ("00:00:15.000", "00:00:17.750", "Then we move on to Intune enrolment.")]
    assert not (tmp_path / "out" / "episode-340.chapters.json").exists()  # 20 seconds: no chapters
    assert "podcast:chapters" not in result.stdout
    assert '<podcast:transcript url="episode-340.vtt" type="text/vtt" />' in result.stdout
    assert "give --base-url" in result.stderr


def test_episodes_range_and_bad_options(corpus_db, tmp_path):
    none = publish(corpus_db, tmp_path / "none", "--episodes", "300-310")
    assert (none.exit_code, none.stdout) == (0, "")
    assert none.stderr == "No episode with a timed transcript matched; nothing was written.\n"
    assert not list((tmp_path / "none").iterdir())
    one = publish(corpus_db, tmp_path / "one", "--episodes", "230-240")
    assert one.exit_code == 0 and len(list((tmp_path / "one").iterdir())) == 4
    bad = publish(corpus_db, tmp_path / "bad", "--base-url", "ftp://example.com/")
    assert bad.exit_code == 1
    assert bad.output == ("Error: --base-url: 'ftp://example.com/' is not an http(s) URL; give the address the "
                          "files will be served from, e.g. https://example.com/transcripts/\n")
    backwards = publish(corpus_db, tmp_path / "bad", "--episodes", "240-230")
    assert backwards.output == "Error: --episodes: the range '240-230' runs backwards; use 230-240\n"
    missing = publish(tmp_path / "nothing.db", tmp_path / "bad")
    assert missing.output == f"Error: {tmp_path / 'nothing.db'}: no such database; run 'kb build' first\n"


def test_line_breaks():
    from kb.publish.cues import wrap
    assert wrap("Welcome along to a Need to Know podcast") == ["Welcome along to a Need to Know podcast"]
    assert wrap("Microsoft has changed the price of Business Premium for partners") == [
        "Microsoft has changed the price", "of Business Premium for partners"]
    # a second line of digits alone would read as the next cue's number in SRT
    assert wrap("Also " + "b" * 33 + " 20201") == ["Also", "b" * 33 + " 20201"]
    assert wrap("x" * 40 + " " + "y" * 41 + " z") is None  # no two lines of 42 hold it


LONG_CUES = """WEBVTT

00:00:00.000 --> 00:00:30.000
<v Robert Crane>We talk about Intune enrolment for small business customers and how partners set up compliance policies before the devices ship.

00:00:30.000 --> 00:01:00.000
<v Robert Crane>Then we move on to calling plans and the price changes partners see this month.
"""


@pytest.mark.parametrize("ending", [".vtt", ".srt", ".json"])
def test_long_cues_without_word_times_are_spread_over_their_span(tmp_path, ending):
    # every word of a WebVTT cue gets the cue's times in kb.db: that is not a time for each word
    (tmp_path / "need-to-know-556.vtt").write_text(LONG_CUES)
    build_kb([tmp_path / "need-to-know-556.vtt"], tmp_path / "kb.db", TOPICS)
    result = publish(tmp_path / "kb.db", tmp_path / "out")
    assert result.exit_code == 0, result.output
    path = tmp_path / "out" / f"episode-556{ending}"
    if ending == ".vtt":
        seconds = lambda t: sum(float(part) * 60 ** n for n, part in enumerate(reversed(t.split(":"))))
        cues = [(seconds(c.start), seconds(c.end), c.text) for c in webvtt.read(str(path))]
    elif ending == ".srt":
        cues = [(c.start.total_seconds(), c.end.total_seconds(), c.content) for c in srt.parse(path.read_text())]
    else:
        cues = [(s["startTime"], s["endTime"], s["body"]) for s in json.loads(path.read_text())["segments"]]
    starts = [start for start, _, _ in cues]
    assert starts == sorted(set(starts))  # never two cues at one time
    assert starts[0] == 0 and cues[-1][1] == 60
    assert all(0 < end - start <= 7 for start, end, _ in cues)
    assert all(end == after for (_, end, _), (after, _, _) in zip(cues, cues[1:]))  # the span covered
    assert len(cues) == 10 and all(len(text.split()) >= 2 for _, _, text in cues)  # not one word each
    assert " ".join(text.replace("Robert Crane: ", "").replace("\n", " ") for _, _, text in cues) == (
        "We talk about Intune enrolment for small business customers and how partners set up compliance "
        "policies before the devices ship. Then we move on to calling plans and the price changes partners "
        "see this month.")
    assert [end for _, end, text in cues if "ship." in text] == [30]  # a source cue's words stay in its span


def test_never_written_over_the_database(corpus_db, tmp_path):
    db = tmp_path / "episode-234.json"  # a kb.db whose name is one of the files published beside it
    db.write_bytes(corpus_db.read_bytes())
    before = db.read_bytes()
    result = publish(db, tmp_path)
    assert result.exit_code == 1
    assert result.output == (f"Error: {db} is the database being published; give --out another folder\n")
    assert db.read_bytes() == before
    onto = publish(corpus_db, corpus_db)
    assert onto.exit_code == 2 and f"'{corpus_db}' is a file" in onto.output
