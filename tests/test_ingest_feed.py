"""Podcast feeds: one episode per item, with number, date, duration, enclosure, notes and transcripts."""
from pathlib import Path

import pytest

import ingest.sources
from ingest import feed

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def items():
    return {d.id: d for d in ingest.sources.parse_file(FIXTURES / "mixed" / "feed.xml")}


def test_items(items):
    assert list(items) == ["episode-301", "episode-302"]
    e301, e302 = items["episode-301"], items["episode-302"]
    assert (e301.kind, e301.episode, e301.format, e301.line) == ("episode", 301, "podcast-feed", 9)
    assert e302.episode == 302  # no itunes:episode: taken from the title
    assert e301.published == "2020-04-01"  # the publisher's date, not UTC's (2020-03-31)
    assert (e301.duration_seconds, e302.duration_seconds) == (3723, 2710)
    assert (e302.audio_url, e302.audio_type) == ("https://mcdn.podbean.com/mf/web/ntk302.m4a", "audio/x-m4a")
    assert e301.url == e301.listen_url == "https://ciaops.podbean.com/e/episode-301-tenant-backups/"
    assert e301.tags == ["Backup", "Exchange Online"]
    assert e301.transcript_urls == ["https://example.com/transcripts/ep301.vtt"]


def test_show_notes_html_cleaned_and_links_kept(items):
    e302 = items["episode-302"]
    assert [(s.kind, s.text) for s in e302.segments] == [
        ("show_notes", "A short news episode about Microsoft 365 licensing changes and what they mean for partners "
                       "who resell through a distributor."),
        ("boilerplate", "Listen at: https://ciaops.podbean.com/e/episode-302-licensing-news/"),
        ("resources", "Partner price list update\nPartner Center documentation"),
    ]
    assert [(r.label, r.url) for r in e302.resources] == [
        ("Partner price list update", "https://aka.ms/partner-pricing"),
        ("Partner Center documentation", "https://learn.microsoft.com/en-us/partner-center/")]


@pytest.mark.parametrize("value,seconds", [
    ("01:02:03", 3723), ("1:02:03", 3723), ("45:10", 2710), ("2710", 2710), ("2710.6", 2710), ("100:00", 6000),
    ("", None), ("soon", None), ("1:61:00", None), ("10:99", None), (None, None)])
def test_duration(value, seconds):
    assert feed.duration(value) == seconds


def write(tmp_path, name, items, extra=""):
    path = tmp_path / name
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
                    'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
                    f'xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel><title>t</title>{extra}'
                    f'{items}</channel></rss>\n', encoding="utf-8")
    return path


def test_transcripts_in_the_one_preference_order(tmp_path):
    # the order kb build fetches them in (ingest.transcript.TRANSCRIPT_PREFERENCE): WebVTT, JSON, SRT
    path = write(tmp_path, "feed.rss", '<item><title>Show #12</title><description>notes</description>'
                 '<podcast:transcript url="https://x.example/12.srt" type="application/x-subrip"/>'
                 '<podcast:transcript url="https://x.example/12.html" type="text/html"/>'
                 '<podcast:transcript url="https://x.example/12.json?a=1&amp;b=2" type="application/json"/>'
                 '<podcast:transcript url="https://x.example/12.vtt" type="text/vtt"/></item>')
    [item] = ingest.sources.parse_file(path)
    assert item.episode == 12
    assert item.transcript_urls == ["https://x.example/12.vtt", "https://x.example/12.json?a=1&b=2",
                                    "https://x.example/12.srt", "https://x.example/12.html"]


def test_feed_saved_as_txt_and_atom(tmp_path):
    path = write(tmp_path, "feed.txt", "<item><title>Episode 7: Intune</title><description>Plain notes.</description></item>")
    [item] = ingest.sources.parse_file(path)
    assert (item.format, item.id, item.segments[0].text) == ("podcast-feed", "episode-7", "Plain notes.")
    atom = tmp_path / "atom"
    atom.write_text('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry>'
                    '<title>Episode 9 test</title><link href="https://x.example/9"/><updated>2021-02-03T23:05:06-05:00</updated>'
                    '<content type="html">&lt;p&gt;Notes with &lt;a href="/docs"&gt;a link&lt;/a&gt;&lt;/p&gt;</content>'
                    '</entry></feed>')
    [entry] = ingest.sources.parse_file(atom)
    assert (entry.episode, entry.url, entry.published) == (9, "https://x.example/9", "2021-02-03")
    assert [(r.label, r.url) for r in entry.resources] == [("a link", "https://x.example/docs")]


def test_item_without_title_or_notes_is_skipped_with_a_warning(tmp_path):
    path = write(tmp_path, "feed.xml", "<item><guid>a</guid></item>\n<item><title>Episode 3</title></item>")
    with pytest.warns(ingest.errors.IngestWarning, match=r"feed.xml, line 2: an item with no title, description or enclosure was skipped"):
        docs = ingest.sources.parse_file(path)
    assert [d.id for d in docs] == ["episode-3"]
