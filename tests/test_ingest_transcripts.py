"""Transcript files: WebVTT, SRT, Podcasting 2.0 JSON, whisper(-timestamped) JSON and Otter text."""
from pathlib import Path

import pytest

import ingest.sources
from ingest.errors import IngestWarning, TranscriptParseError
from ingest.cues import parse_cue_time
from ingest.transcript import episode_from_name

FIXTURES = Path(__file__).parent / "fixtures"


def turns(doc):
    return [(s.speaker, s.start, s.end, s.text) for s in doc.segments]


def parse_text(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return ingest.sources.parse_file(path)


def test_webvtt_voices_and_times_past_the_hour():
    [doc] = ingest.sources.parse_file(FIXTURES / "mixed" / "ep301.vtt")
    assert (doc.id, doc.kind, doc.episode, doc.format, doc.title) == ("episode-301", "episode", 301, "webvtt", "Episode 301 transcript")
    assert turns(doc) == [
        ("Robert Crane", 5.0, 14.25, "Welcome to the Need to Know podcast. Today Jane and I talk about backups."),
        ("Jane Citizen", 14.25, 20.0, "Thanks Robert. Retention is not a backup, and I say that to every customer."),
        ("Jane Citizen", 3598.0, 3603.5, "Restores are what matter, so test them every quarter."),  # a long silence: a new turn
        ("Robert Crane", 3603.5, 3721.125, "Thanks for coming on the show, Jane & see you next time."),
    ]
    assert [s.line for s in doc.segments] == [9, 17, 21, 25]


def test_webvtt_markup_speaker_prefixes_and_no_voice(tmp_path):
    [doc] = parse_text(tmp_path, "captions.txt", "WEBVTT - exported\n\nSTYLE\n::cue { color: red }\n\n"
                       "intro\n75:30.000 --> 75:31.500 align:start position:10%\n<c.yellow><i>Hello</i></c> &lt;there&gt;\n\n"
                       "75:32.000 --> 75:33.000\nJane Citizen: Hi <00:75:32.500>Robert.\n\n"
                       "75:33.000 --> 75:34.000\n<v Robert Crane>Bye</v> <v Jane Citizen>Bye now\n")
    assert turns(doc) == [(None, 4530.0, 4531.5, "Hello <there>"), ("Jane Citizen", 4532.0, 4533.0, "Hi Robert."),
                          ("Robert Crane", 4533.0, 4534.0, "Bye"), ("Jane Citizen", 4533.0, 4534.0, "Bye now")]


def test_webvtt_voice_names_decode_character_references(tmp_path):
    [doc] = parse_text(tmp_path, "need-to-know-555.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n"
                       "<v Ben &amp; Jerry>Hello from Ben &amp; Jerry.\n\n00:00:10.000 --> 00:00:12.000\n"
                       "<v Zo&euml;>Bye from Zo&euml;.\n")
    assert [(s.speaker, s.text) for s in doc.segments] == [
        ("Ben & Jerry", "Hello from Ben & Jerry."), ("Zoë", "Bye from Zoë.")]


def test_srt_speaker_labels_that_recur_and_sentences_that_go_on():
    # A label names a speaker when it recurs; a cue without one has no speaker unless it finishes
    # the sentence of the cue before it.
    [doc] = ingest.sources.parse_file(FIXTURES / "mixed" / "ntk-303-transcript.srt")
    assert (doc.id, doc.episode, doc.format, doc.duration_seconds) == ("episode-303", 303, "srt", 4535)
    assert turns(doc) == [
        ("Robert Crane", 1.0, 4.0, "Welcome to episode 303."),
        (None, 4.0, 8.5, "This week is all about Teams Rooms."),
        ("Jane Citizen", 8.5, 18.0, "They cost less than people think. And one licence covers every room in the building."),
        ("Robert Crane", 4530.25, 4535.0, "Thanks for listening."),
    ]


def test_srt_without_blank_lines_or_speakers(tmp_path):
    with pytest.warns(IngestWarning, match=r"show.srt, line 8: cue times not written as HH:MM:SS.mmm \(such as "
                      r"'02:00:00.5 --> 02:00:01.25'\) were read as the times they mean \(1 in the file\)"):
        [doc] = parse_text(tmp_path, "show.srt", "1\n00:00:01,000 --> 00:00:02,000\n<i>First</i> line\n"
                           "2\n00:00:02,000 --> 00:00:03,000\nsecond line\n3\n02:00:00.5 --> 02:00:01.25\n[Host] late\n")
    assert turns(doc) == [(None, 1.0, 3.0, "First line second line"), (None, 7200.5, 7201.25, "[Host] late")]


def test_podcasting_json():
    [doc] = ingest.sources.parse_file(FIXTURES / "mixed" / "licensing-chat.json")
    assert (doc.id, doc.episode, doc.format) == ("licensing-chat", None, "json-transcript")
    assert turns(doc)[0] == ("Robert Crane", 0.8, 9.9, "Welcome to a short news episode. "
                             "Microsoft has changed the price of Business Premium.")
    assert turns(doc)[-1] == ("Robert Crane", 3725.5, 3730.0, "That is all for this week.")
    assert [s.line for s in doc.segments] == [4, 6, 7]


def test_whisper_json():
    [doc] = ingest.sources.parse_file(FIXTURES / "whisper-episode-311.json")
    assert (doc.id, doc.episode) == ("episode-311", 311)
    assert turns(doc) == [(None, 0.0, 7.25, "Welcome back to the show. Today we cover Intune."),
                          (None, 3661.0, 3665.5, "And that wraps it up past the hour.")]


def test_whisper_timestamped_words_kept():
    [doc] = ingest.sources.parse_file(FIXTURES / "whisper-timestamped.json")
    assert doc.id == "whisper-timestamped" and doc.title == "whisper timestamped (transcript)"
    first, last = doc.segments
    assert [(w.word, w.start, w.end, w.confidence) for w in first.words] == [
        ("Hello", 0.5, 0.9, 0.95), ("partners.", 1.0, 1.9, 0.87)]
    assert (last.start, last.text, len(last.words)) == (3600.0, "Goodbye.", 1)


def test_json_times_as_strings_and_whisperx_speakers(tmp_path):
    [doc] = parse_text(tmp_path, "e42.json", '{"segments": [{"start": "3600.5", "end": "01:00:02.000", '
                       '"text": "Late words", "speaker": "SPEAKER_01"}]}')
    assert (doc.episode, turns(doc)) == (42, [("SPEAKER_01", 3600.5, 3602.0, "Late words")])


def test_otter_text_file():
    [doc] = ingest.sources.parse_file(FIXTURES / "otter-episode-312.txt")
    assert (doc.id, doc.title, doc.format) == ("episode-312", "Need to Know podcast–Episode 312", "otter-text")
    assert [(s.speaker, s.start, s.end) for s in doc.segments] == [
        ("Robert Crane", 4, 3598), ("Jane Citizen", 3598, 3760), ("Robert Crane", 3760, None)]


@pytest.mark.parametrize("label, speaker", [
    ("robert", "robert"), ("李明", "李明"), ("<b>Robert</b>", "Robert"), ("<strong>Robert Crane</strong>:", None)])
def test_otter_turn_labels_lowercase_cjk_or_in_tags_keep_their_turn(tmp_path, label, speaker):
    [doc] = parse_text(tmp_path, "otter.txt", f"Need to Know podcast–Episode 600\n\n{label}  0:04\n"
                       "First turn text.\n\nJane Citizen  0:20\nSecond turn.\n")
    texts = " ".join(s.text for s in doc.segments)
    assert "First turn text." in texts
    if speaker:
        assert [(s.speaker, s.start, s.text) for s in doc.segments] == [
            (speaker, 4, "First turn text."), ("Jane Citizen", 20, "Second turn.")]


def test_otter_paragraph_before_the_first_turn_is_kept(tmp_path):
    [doc] = parse_text(tmp_path, "otter.txt", "Need to Know podcast–Episode 601\n\n"
                       "An intro paragraph before any turn about Intune.\n\nRobert Crane  0:04\nFirst.\n")
    assert doc.title == "Need to Know podcast–Episode 601"
    assert [(s.speaker, s.start, s.text) for s in doc.segments] == [
        (None, None, "An intro paragraph before any turn about Intune."), ("Robert Crane", 4, "First.")]


@pytest.mark.parametrize("stamp,seconds", [
    ("00:00:05.000", 5.0), ("01:02:03.5", 3723.5), ("1:02:03,250", 3723.25), ("75:30.000", 4530.0),
    ("123:00:00.000", 442800.0), ("00:07", 7.0), ("00:60.000", None), ("01:60:00.000", None), ("1:2:3", 3723.0),
    ("-00:01.000", None), ("00:01.abc", None), ("", None)])
def test_parse_cue_time(stamp, seconds):
    assert parse_cue_time(stamp) == seconds


@pytest.mark.parametrize("name,episode", [
    ("234.vtt", 234), ("episode-234.srt", 234), ("NTK_E234.json", 234), ("need-to-know-234-transcript.vtt", 234),
    ("ep.07.vtt", 7), ("https://x.example/t/ep301.vtt?x=2", 301), ("301-cp1252.srt", 301),
    ("2020-03-01.vtt", None), ("transcript-2021.vtt", None), ("cp1252.srt", None), ("interview.json", None),
    ("microsoft-365-roadmap.vtt", None), ("top-10-tips.vtt", None), ("interview-with-3-guests.vtt", None),
    ("o08-tag-speaker.txt", None), ("need-to-know-556.vtt", 556), ("ep42.vtt", 42), ("episode-00042.vtt", 42),
    ("042-licensing-news.vtt", 42), ("tenant-talk-17-chapters.json", 17)])
def test_episode_from_name(name, episode):
    assert episode_from_name(name) == episode


@pytest.mark.parametrize("name, title", [
    ("microsoft-365-roadmap.vtt", "microsoft 365 roadmap (transcript)"), ("top-10-tips.vtt", "top 10 tips (transcript)"),
    ("need-to-know-556.vtt", "Episode 556 transcript")])
def test_incidental_number_in_a_file_name_keeps_the_name_as_title(tmp_path, name, title):
    [doc] = parse_text(tmp_path, name, "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nHello about Intune.\n")
    assert (doc.title, doc.episode) == (title, 556 if "556" in name else None)


def test_vtt_cue_with_reversed_times_keeps_its_start(tmp_path):
    with pytest.warns(IngestWarning, match=r"bad.vtt, line 3: cue ends before it starts; its end time was dropped"):
        [doc] = parse_text(tmp_path, "bad.vtt", "WEBVTT\n\n00:00:09.000 --> 00:00:04.000\n<v A B>Backwards\n")
    assert turns(doc) == [("A B", 9.0, None, "Backwards")]


def test_transcript_without_cues_is_an_error(tmp_path):
    with pytest.raises(TranscriptParseError) as exc:
        parse_text(tmp_path, "empty.vtt", "WEBVTT\n\nNOTE nothing here\n")
    assert str(exc.value) == f"{tmp_path / 'empty.vtt'}, line 1: WebVTT file has no cues ('00:00:01.000 --> 00:00:04.000' lines)"


def test_whisper_timestamped_words_reach_the_words_table(tmp_path):
    import sqlite3

    from kb.build import build_kb

    from conftest import TOPICS

    build_kb([FIXTURES / "whisper-timestamped.json"], tmp_path / "kb.db", TOPICS)
    words = sqlite3.connect(tmp_path / "kb.db").execute(
        "select c.start, w.word, w.start, w.confidence from words w join chunks c on c.id = w.chunk_id order by w.id").fetchall()
    assert words == [(0.5, "Hello", 0.5, 0.95), (0.5, "partners.", 1.0, 0.87), (3600.0, "Goodbye.", 3600.0, 0.99)]
