"""Quirks of real third-party files, each reproduced by a fixture of ours (tests/fixtures/realworld,
whose PROVENANCE.md names the real file that taught it): what a user would check in kb.db."""
import re
import warnings
from pathlib import Path

import pytest

import ingest.sources
from ingest.dates import date_in_text, permalink_date
from kb.build import build_kb

from conftest import TOPICS

REAL = Path(__file__).parent / "fixtures" / "realworld"


def parse(path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        docs = ingest.sources.parse_file(path)
    return docs, [str(w.message) for w in caught]


def turns(doc):
    return [(s.speaker, s.start, s.end, s.text) for s in doc.segments]


# --- WebVTT -------------------------------------------------------------------------------------

def test_teams_times_without_padding_are_read_with_one_warning():
    [doc], warned = parse(REAL / "vtt" / "teams-style-timestamps.vtt")
    assert turns(doc) == [
        ("Avery Lindqvist", 0.0, 3.54, "Welcome back to Tenant Talk."),
        ("Noor Haddad", 3.54, 9.5, "Thanks. Today it's Teams Rooms licensing. Pro versus Basic, mostly."),
        ("Avery Lindqvist", 65.2, 3727.95, "Let's start with the device side."),
    ]
    assert warned == [f"{REAL / 'vtt' / 'teams-style-timestamps.vtt'}, line 11: cue times not written as "
                      "HH:MM:SS.mmm (such as '0:0:0.0 --> 0:0:3.540') were read as the times they mean (4 in the file)"]


def test_cue_ids_settings_style_note_region_and_inline_times_stay_out_of_the_text():
    [doc], warned = parse(REAL / "vtt" / "cue-markup-bom-crlf.vtt")
    assert turns(doc) == [
        ("Avery Lindqvist", 0.0, 4.0, "Welcome to Tenant Talk & thanks for listening!"),
        ("Noor Haddad", 4.0, 8.0, "Today: les étiquettes of sensitivity labels."),
        (None, 4.0, 8.0, "[keyboard clicking]"),  # not Noor's: nothing says who
        ("Avery Lindqvist", 8.0, 12.0, "Label names like 機密 kimitsu need translation."),  # settings glued to the time
        ("Noor Haddad", 12.0, 15.5, "Priority runs from 0 < 9."),
    ]
    assert warned == []


def test_rolling_youtube_captions_are_read_once():
    [doc], _ = parse(REAL / "vtt" / "youtube-rolling-captions.vtt")
    assert turns(doc) == [(None, 1.0, 8.0, "today we look at SharePoint embedded and container types for app builders")]


def test_one_bad_cue_does_not_cost_the_file():
    path = REAL / "vtt" / "malformed-cues-keep-the-rest.vtt"
    [doc], warned = parse(path)
    text = " ".join(s.text for s in doc.segments)
    for kept in ("Good cue one", "Seconds-only timing", "One-digit seconds", "Cue whose identifier is an arrow",
                 "Ends before it starts", "Text after a blank line", "Good cue two"):
        assert kept in text
    assert "-->" not in text and "->" not in text
    assert warned == [
        f"{path}, line 17: cue times not written as HH:MM:SS.mmm (such as '0.000 --> 3.480') were read as the "
        "times they mean (2 in the file)",
        f"{path}, line 35: text with no cue time of its own (such as 'Text after a blank line belongs to no cue.') "
        "was kept with the cue before it (1 in the file)",
        f"{path}, line 30: cue ends before it starts; its end time was dropped"]


def test_words_that_are_no_names_are_no_speakers_and_are_kept():
    path = REAL / "vtt" / "speaker-prefixes-multilingual.vtt"
    [doc], _ = parse(path)
    assert {s.speaker for s in doc.segments} == {None}  # '[Lucía]' and '[Mateo]' speak once: not enough to tell
    text = " ".join(s.text for s in doc.segments)
    assert 'Digo: "primero el piloto, luego la empresa".' in text and "J'ai dit: on garde" in text
    assert "Toi, c'est: OneDrive" in text and "[Lucía ríe] [teclado]" in text and "¿Y los canales privados?" in text
    assert "- " not in text  # dialogue dashes are markup


# --- SRT ----------------------------------------------------------------------------------------

def test_srt_markup_never_reaches_the_text():
    [doc], warned = parse(REAL / "srt" / "tags-ass-and-escapes.srt")
    text = " ".join(s.text for s in doc.segments)
    assert text == ("Avery: Welcome to Tenant Talk. Last week This week: Planner. Noor: The new Planner merges To Do "
                    "and Project. Closed unknown tags and tags with attributes stay as text in players, 2<3 and 5>1. "
                    "Hard spaces join words; braces{normal text}. Wrong closing tag and a stray .")
    assert "Hidden zero-length cue" not in text and len(warned) == 1 and "start and end at the same time" in warned[0]


def test_srt_layouts_keep_every_cue():
    [doc], _ = parse(REAL / "srt" / "layout-variants.srt")
    text = " ".join(s.text for s in doc.segments)
    assert "A cue whose text has a paragraph break. This second paragraph is part of cue 5. Milliseconds" in text
    assert text.endswith("Index with leading zeros, last cue, no trailing newline.") and " 4 " not in text


def test_srt_time_variants_and_a_cue_before_zero():
    path = REAL / "srt" / "timestamp-variants.srt"
    [doc], warned = parse(path)
    assert [(s.start, s.end) for s in doc.segments] == [(1.0, 10.0)]
    assert sorted({w.start for w in doc.segments[0].words}) == [1.0, 3.0, 5.5, 8.0]  # each word keeps its cue's start
    assert "Negative start" not in doc.segments[0].text
    assert warned == [f"{path}, line 6: cue times not written as HH:MM:SS.mmm (such as '00:00:03,000 --> "
                      "00:00:05:500') were read as the times they mean (2 in the file)",
                      f"{path}, line 14: cues that start before 0:00 (such as '-00:00:00,500 --> 00:00:01,000') "
                      "were skipped (1 in the file)"]


def test_speaker_labels_stage_directions_and_a_short_name():
    [doc], _ = parse(REAL / "srt" / "speaker-labels.srt")
    assert [(s.speaker, s.start) for s in doc.segments] == [("Dana Whitfield", 1.0), (None, 5.1)]
    assert doc.segments[0].text.endswith("I'm Dana, and with me is Sam.")  # 'Dana:' is Dana Whitfield
    assert doc.segments[1].text.startswith("Sam Okafor: Hi! Today, Viva Engage. [Laughs] Sorry, my dog.")
    assert "Note: retention for Engage follows Purview." in doc.segments[1].text


def test_codec_numbers_in_a_file_name_are_no_episode():
    [doc], _ = parse(REAL / "srt" / "m365-recap-utf-16.srt")
    assert (doc.id, doc.episode) == ("m365-recap-utf-16", None)


# --- JSON ---------------------------------------------------------------------------------------

def test_podcasting_json_variants_and_duration_from_the_last_segment():
    [doc], warned = parse(REAL / "json" / "transcript-p20-variants.json")
    assert turns(doc) == [
        ("Avery Lindqvist", 0.5, 1.9, "Welcome to Tenant Talk."),
        (None, 2.0, None, "[music] Segment with no speaker and no endTime."),
        ("Noor Haddad", 4.25, 6.0, "Times written as strings."),
        ("Noor Haddad", None, None, "A body-only segment with no times at all."),
    ]
    assert (doc.duration_seconds, warned) == (6, [])


def test_podlove_json_names_its_speakers_by_voice():
    [doc], _ = parse(REAL / "json" / "transcript-podlove.json")
    assert [s.speaker for s in doc.segments] == ["Avery Lindqvist", "Noor Haddad", "Avery Lindqvist"]


# --- Feeds --------------------------------------------------------------------------------------

def test_an_atom_feed_of_titles_and_enclosures_builds_alone(tmp_path):
    summary = build_kb([REAL / "feeds" / "atom-enclosure-only.xml"], tmp_path / "kb.db", TOPICS)
    assert (summary.documents, summary.chunks) == (3, 3)
    docs = ingest.sources.load_sources([REAL / "feeds" / "atom-enclosure-only.xml"])
    assert [(d.title, d.audio_url, d.segments[0].text) for d in docs][2] == (
        "TT014 – Exchange hybrid decommissioning", "https://media.example.org/tenant-talk/tt014.mp3",
        "TT014 – Exchange hybrid decommissioning")


def test_show_notes_that_are_only_a_heading_and_items_without_a_title():
    docs, _ = parse(REAL / "feeds" / "show-notes-edge-cases.xml")
    assert [(d.title, [s.text for s in d.segments]) for d in docs] == [
        ("Intune app protection", ["App protection policies keep Outlook data inside managed apps."]),
        ("Teams Premium features", ["WHAT WE COVER", "Watermarking, sensitivity labels for meetings and intelligent recap."]),
        ("tt 044 defender for office", ["tt 044 defender for office"]),  # named after its audio file
    ]


def test_podcasting20_numbers_and_audio_from_media_content():
    docs, _ = parse(REAL / "feeds" / "podcasting20-and-chapters.xml")
    assert [(d.season, d.episode, d.audio_url, d.url) for d in docs] == [
        (3, 17, "https://tenanttalk.example.com/media/tt-017.m4a", "https://tenanttalk.example.com/conditional-access/"),
        (None, None, "https://cdn.example.com/tt/tt-018.mp3", None),  # the guid is the mp3: no page
    ]


# --- WordPress ----------------------------------------------------------------------------------

def test_wordpress_podcast_post():
    [doc], _ = parse(REAL / "wordpress" / "podcast-episode-post.html")
    text = " ".join(s.text for s in doc.segments)
    assert "Telefonieanbieterwechsel für kleine Unternehmen" in text  # soft hyphens gone
    assert "Notrufadressen. Avery" in text and not re.search("[\u00ad\u200b-\u200f]", text)
    assert text.startswith("In dieser Folge sprechen Avery und Noor über Direct Routing")  # the <h5> lead is text
    assert text.count("In dieser Folge") == 1  # the hidden Flattr copy is not
    assert [(r.label, r.url) for r in doc.resources] == [("Direct Routing", "https://learn.example.com/teams/direct-routing")]
    assert (doc.published, doc.show, doc.audio_url) == ("2025-03-04", "Tenant Talk", "https://cdn.example.com/tt/folge-58.mp3?_=1")
    assert doc.url == "https://tenanttalk.example.com/2025/03/04/folge-58-teams-telefonie/"  # teaser and comment are no posts


def test_wordpress_dates_in_german_and_from_the_permalink():
    docs, _ = parse(REAL / "wordpress" / "archive-german-dates.html")
    assert [d.published for d in docs] == ["2025-01-13", "2024-12-30", "2024-12-23", "2024-12-05"]


def test_a_permalink_month_is_a_date(tmp_path):
    page = tmp_path / "post.html"
    page.write_text('<html><body><article class="post"><h2 class="entry-title"><a href="https://blog.example/2014/01/'
                    'hello/">Hello</a></h2><div class="entry-content"><p>Words.</p></div></article></body></html>')
    [doc], _ = parse(page)
    assert doc.published == "2014-01"


@pytest.mark.parametrize("text, day_first, found", [
    ("13. Januar 2014", True, "2014-01-13"), ("Veröffentlicht am 5. April 2017", True, "2017-04-05"),
    ("April 1, 2020", True, "2020-04-01"), ("8 January 2020, 3:51 pm", True, "2020-01-08"),
    ("23.12.2024 um 06:00 Uhr", True, "2024-12-23"), ("09/10/2019", False, "2019-09-10"),
    ("26/10/2018", False, "2018-10-26"), ("le 3 mars 2021", True, "2021-03-03"), ("no date here", True, None),
    ("31. Februar 2020", True, None)])
def test_date_in_text(text, day_first, found):
    assert date_in_text(text, day_first) == found


def test_permalink_date():
    assert (permalink_date("https://x.example/2012/05/11/parken/"), permalink_date("https://x.example/2014/01/post/"),
            permalink_date("https://x.example/about/")) == ("2012-05-11", "2014-01", None)
