"""The plain-text blog dump parser: the bundled corpus, other dumps in its style, and bad input."""
import json
import re
import sqlite3
from pathlib import Path

import pytest

import ingest.sources
from ingest.errors import IngestError
from ingest.model import parse_timestamp
from ingest.otter import turn_header
from kb.build import build_kb

from conftest import TOPICS

CORPUS = Path(__file__).parent.parent / "corpus"


@pytest.fixture(scope="module")
def docs():
    return {doc.id: doc for doc in ingest.sources.load_sources([CORPUS])}


def turn_at(doc, start):
    return next(s for s in doc.segments if s.speaker and s.start == start)


def test_six_posts_in_order(docs):
    assert [(d.id, d.kind, d.episode) for d in docs.values()] == [
        ("microsoft-smb-partner-incentives-for-csp-partners-financial", "article", None),
        ("security-requirements-for-microsoft-partners-and-their", "article", None),
        ("episode-234", "episode", 234),
        ("episode-220", "episode", 220),
        ("episode-211", "episode", 211),
        ("msp-microsoft-partner-mfa-request", "article", None),
    ]
    assert docs["episode-234"].title == "Need to Know podcast–Episode 234"
    assert docs["msp-microsoft-partner-mfa-request"].title == "MSP Microsoft Partner MFA request"
    assert docs["episode-234"].url == "https://ciaops.podbean.com/e/episode-234-tim-oneill/"
    assert docs["episode-211"].url == "https://ciaops.podbean.com/e/episode-211-azure-storage/"
    assert all(d.audio_url is None for d in docs.values())


@pytest.mark.parametrize("start,speaker,line,opening", [
    (43, "Robert Crane", 257, "Welcome along to a Need to Know podcast"),
    (1441, "Tim O’Neill", 357, "Robert, thanks very much."),
    (1469, "Unknown Speaker", 365, "Yeah, sure. So I work for a distributor"),
    (1510, "Tim O’Neill", 373, "I think that the first thing we need to do"),
    (3367, "Announcer", 503, "You have been listening to the Needs to Know podcast"),
])
def test_transcript_turns(docs, start, speaker, line, opening):
    turn = turn_at(docs["episode-234"], start)
    assert (turn.speaker, turn.line) == (speaker, line)
    assert turn.text.startswith(opening)


def test_turn_ends_where_next_begins(docs):
    turns = [s for s in docs["episode-234"].segments if s.speaker]
    assert len(turns) == 61
    for turn, following in zip(turns, turns[1:]):
        assert turn.end == following.start
    assert turns[-1].end is None
    split = turn_at(docs["episode-234"], 54 * 60 + 41)  # one turn over three paragraphs
    assert split.speaker == "Robert Crane" and split.end == 54 * 60 + 59
    assert "So all my email address is in there, and that people can refer" in split.text


def test_resources_per_episode(docs):
    counts = {d.id: sum(r.kind == "resource" for r in d.resources) for d in docs.values() if d.episode}
    assert counts == {"episode-234": 16, "episode-220": 12, "episode-211": 12}
    labels = [r.label for r in docs["episode-234"].resources]
    assert labels[0] == "Tim O’Neill – tim.oneill@dickerdata.com.au"
    assert "Microsoft 365 Business Voice" in labels
    assert labels[-1] == "Microsoft Inspire cancelled"
    listing = [s.text for s in docs["episode-220"].segments if s.kind == "resources"]
    assert len(listing) == 1 and listing[0].splitlines()[-1] == "Azure cost management for partners"
    links = [r for r in docs["episode-211"].resources if r.kind == "link"]
    assert [(r.label, r.url) for r in links] == [("Where’s Brenton? Share your thoughts here", "http://bit.ly/whereisbj")]


def test_works_cited_references(docs):
    refs = [r for r in docs["security-requirements-for-microsoft-partners-and-their"].resources if r.kind == "reference"]
    assert len(refs) == 12
    assert refs[0].label == "New benefits packages for the Microsoft AI Cloud Partner Program, accessed on May 9, 2025"
    assert refs[0].url == ("https://www.microsoft.com/en-us/americas-partner-one/News/"
                           "new-benefits-packages-for-the-microsoft-ai-cloud-partner-program")
    assert refs[-1].url == "https://blog.admindroid.com/boost-up-your-security-posture-with-microsoft-secure-score/"
    assert all(r.url and not r.label[0].isdigit() for r in refs)


def test_article_headings(docs):
    security = docs["security-requirements-for-microsoft-partners-and-their"]
    headings = list(dict.fromkeys(s.heading for s in security.segments))
    assert headings[0] == "1. Introduction"
    assert headings[5] == "6. Microsoft Secure Score vs. Partner Center Security Score"
    assert [h.split(".")[0] for h in headings[:9]] == [str(n) for n in range(1, 10)]
    assert headings[9:] == ["Works cited"]
    incentives = docs["microsoft-smb-partner-incentives-for-csp-partners-financial"]
    first = next(s for s in incentives.segments if s.heading == "Core Rebate Incentives (Baseline Earnings)")
    assert first.text.startswith("These are base incentive rates")


def test_bullets_and_tables(docs):
    security = docs["security-requirements-for-microsoft-partners-and-their"]
    score = [s for s in security.segments if s.heading.startswith("3.")]
    bullets = [s.text for s in score if s.kind == "bullet"]
    assert len(bullets) == 5
    assert bullets[0].startswith("Enable MFA: This requirement")
    assert not any(b.startswith(("•", "-")) for b in bullets)
    table = next(s for s in score if s.kind == "table")
    rows = table.text.splitlines()
    assert rows[0] == "Security Requirement Maximum Score Description"
    assert len(rows) == 6 and rows[1].startswith("Enable MFA 20 points")


def test_placeholders_dropped(docs):
    for doc in docs.values():
        for seg in doc.segments:
            assert not re.search(r"\bbp1\b", seg.text), (doc.id, seg.text)
            assert "Audio" not in [line.strip() for line in seg.text.splitlines()], (doc.id, seg.line)


def test_boilerplate_and_show_notes(docs):
    episode = docs["episode-234"]
    kinds = {s.text: s.kind for s in episode.segments if not s.speaker}
    assert kinds["Subscribe via iTunes at:"] == "boilerplate"
    assert kinds["https://ciaops.podbean.com/e/episode-234-tim-oneill/"] == "boilerplate"
    notes = [s.text for s in episode.segments if s.kind == "show_notes"]
    assert len(notes) == 1 and notes[0].startswith("In this episode I’m back with Brenton")
    assert turn_at(episode, 3367).kind == "boilerplate"
    assert turn_at(episode, 3367).text.endswith("visit www dot CIA ops.com slash contact")
    assert turn_at(episode, 1510).kind == "transcript"


OTHER_DUMP = """\
Need to Know podcast–Episode 301

In this episode Jane Citizen and I talk about backing up Microsoft 365 mailboxes, why retention policies are not a backup, and what partners should offer.

Resources

Retention policies explained

Transcription

Robert Crane  0:05
Welcome to the show. Today we are talking about backups.


Jane Citizen  58:30
Retention is not a backup, and I say that to every customer I meet.


Robert Crane  1:02:40
Thanks for coming on the show, Jane.


Audio

Planning a Tenant Migration Without Downtime

bp1

Moving a small business between Microsoft 365 tenants is a job that rewards planning, because mail, files and chats all move at different speeds.

Cutover Weekend

  • Lower the DNS time to live a week before.
  • Freeze new mailbox creation on Friday.

References

[1] Tenant to tenant migration overview, https://learn.example.com/t2t

Need to Know podcast–Episode 302

A short news episode about licensing changes and what they mean for small partners who resell Microsoft 365 through a distributor.

Resources

Licensing changes for partners

Distributor price list

Why Shared Mailboxes Need Owners

Shared mailboxes pile up in every tenant, and without a named owner nobody knows whether they can be removed when the project that created them ends.
"""


def test_other_dump_split_into_posts(tmp_path):
    path = tmp_path / "dump.txt"
    path.write_text(OTHER_DUMP, encoding="utf-8")
    docs = ingest.sources.parse_file(path)
    assert [(d.kind, d.title) for d in docs] == [
        ("episode", "Need to Know podcast–Episode 301"),
        ("article", "Planning a Tenant Migration Without Downtime"),
        ("episode", "Need to Know podcast–Episode 302"),
        ("article", "Why Shared Mailboxes Need Owners"),
    ]
    turns = [(s.speaker, s.start, s.end) for s in docs[0].segments if s.speaker]
    assert turns == [("Robert Crane", 5, 3510), ("Jane Citizen", 3510, 3760), ("Robert Crane", 3760, None)]
    assert docs[0].segments[-1].text == "Thanks for coming on the show, Jane."
    article = docs[1]
    assert [(s.kind, s.heading) for s in article.segments] == [
        ("section", None), ("bullet", "Cutover Weekend"), ("bullet", "Cutover Weekend"), ("references", "References")]
    assert [(r.label, r.url) for r in article.resources] == [
        ("Tenant to tenant migration overview", "https://learn.example.com/t2t")]
    assert [r.label for r in docs[2].resources] == ["Licensing changes for partners", "Distributor price list"]
    assert [s.kind for s in docs[3].segments] == ["section"]


def test_numbered_otter_speakers(tmp_path):
    path = tmp_path / "dump.txt"
    path.write_text("Need to Know podcast–Episode 310\n\nShort notes about meeting rooms.\n\nTranscription\n\n"
                    "Speaker 1  0:05\nWelcome to the show.\n\nSpeaker 2  0:40\nThanks for having me.\n", encoding="utf-8")
    turns = [(s.speaker, s.start) for s in ingest.sources.parse_file(path)[0].segments if s.kind == "transcript"]
    assert turns == [("Speaker 1", 5), ("Speaker 2", 40)]


def test_turn_paragraph_that_looks_like_a_title(tmp_path):
    path = tmp_path / "dump.txt"
    path.write_text("Need to Know podcast–Episode 311\n\nShort notes about meeting rooms.\n\nTranscription\n\n"
                    "Robert Crane  1:10\nSo the next thing I wanted to bring up was\n\n\nMicrosoft Teams Rooms\n\n\n"
                    "and what they cost for a small business with only one or two meeting rooms and no audio visual staff.\n\n\n"
                    "Jane Citizen  2:00\nThey are cheaper than people think.\n", encoding="utf-8")
    docs = ingest.sources.parse_file(path)
    assert [d.id for d in docs] == ["episode-311"]
    assert [(s.speaker, s.start) for s in docs[0].segments if s.speaker] == [("Robert Crane", 70), ("Jane Citizen", 120)]


@pytest.mark.parametrize("stamp,seconds", [("0:43", 43), ("9:05", 545), ("56:07", 3367), ("1:02:40", 3760)])
def test_parse_timestamp(stamp, seconds):
    assert parse_timestamp(stamp) == seconds


@pytest.mark.parametrize("stamp", ["12:60", "25", "1:02:03:04"])
def test_parse_timestamp_rejects(stamp):
    with pytest.raises(ValueError) as exc:
        parse_timestamp(stamp)
    assert str(exc.value) == f"not a timestamp: {stamp!r}"
    assert turn_header(f"Robert Crane  {stamp}") is None


@pytest.mark.parametrize("name,content,message", [
    ("empty.txt", b"", "file is empty"),
    ("blank.txt", b"  \n\n", "file is empty"),
    ("cover.jpg", b"\xff\xd8\xff\x00\x00binary", "binary file, not text (it contains NUL bytes)"),
    ("latin1.txt", "Title Line\n\nok\ncaf\xe9 here\n".encode("latin-1"),
     "line 4: not valid UTF-8 text; save the file as UTF-8"),
    ("notes.txt", b"just one lower-case sentence here.\n",
     "line 1: no recognisable posts (expected a title line followed by paragraphs, "
     "such as 'Need to Know podcast–Episode 234')"),
])
def test_bad_files(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    sep = ", " if message.startswith("line") else ": "
    with pytest.raises(IngestError) as exc:
        ingest.sources.load_sources([path])
    assert str(exc.value) == f"{path}{sep}{message}"
    with pytest.raises(IngestError) as again:
        ingest.sources.parse_file(path)
    assert str(again.value) == str(exc.value)


def test_missing_path_and_empty_folder(tmp_path):
    with pytest.raises(IngestError) as exc:
        ingest.sources.load_sources([tmp_path / "nope.txt"])
    assert str(exc.value) == f"{tmp_path / 'nope.txt'}: no such file or folder"
    (tmp_path / "dumps").mkdir()
    (tmp_path / "dumps" / ".DS_Store").write_bytes(b"x")
    with pytest.raises(IngestError) as exc:
        ingest.sources.load_sources([tmp_path / "dumps"])
    assert str(exc.value) == (f"{tmp_path / 'dumps'}: folder holds no source files "
                              "(.aac, .atom, .flac, .htm, .html, .json, .m4a, .md, .mp3, .oga, .ogg, .opus, .rss, "
                              ".srt, .text, .txt, .vtt, .wav, .webm, .xml, no ending)")


def test_folder_skips_files_that_are_not_sources(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "dump.txt").write_text("Need to Know podcast–Episode 9\n\nA show about Teams calling plans and meetings.\n")
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (folder / ".hidden.txt").write_text("")
    docs = ingest.sources.load_sources([folder])
    assert [d.id for d in docs] == ["episode-9"]


def test_reference_numbers_leave_the_text_and_stay_as_references(tmp_path):
    # write-ups pasted from a word processor glue their footnote numbers to the words: "(GDAP).4"
    dump = tmp_path / "dump.txt"
    dump.write_text("Partner Security Notes\n\nbp1\n\n"
                    "Partners must move to Granular Delegated Admin Privileges (GDAP).4 The change is due this year "
                    "for every customer tenant.3,5 Keep the score above 70 of 100.5 at all times and check it weekly.\n\n"
                    "  • Enable MFA: every admin needs it[1][2] before the review.\n\n"
                    "References\n\n1. First source\n\n2. Second source\n", encoding="utf-8")
    [doc] = ingest.sources.load_sources([dump])
    section, bullet = [s for s in doc.segments if s.kind in ("section", "bullet")]
    assert section.text.startswith("Partners must move to Granular Delegated Admin Privileges (GDAP). The change")
    assert "tenant. Keep" in section.text and "100.5" in section.text  # a number after a digit may be a decimal
    assert (section.cites, bullet.cites) == ([4, 3, 5], [1, 2])
    assert bullet.text == "Enable MFA: every admin needs it before the review."
    db = tmp_path / "kb.db"
    build_kb([dump], db, TOPICS)
    cites = [json.loads(c) for (c,) in sqlite3.connect(db).execute("select cites from chunks where cites is not null")]
    assert cites == [[4, 3, 5, 1, 2]]
