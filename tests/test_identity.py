"""Which show, season and episode a source is: every feed item a document, numbers within a show
and season, merges only within one show, and ids that stay readable and never collide."""
import shutil
import sqlite3
import warnings
from pathlib import Path

import pytest

import ingest.sources
from ingest.identity import name_numbers, title_numbers, title_show
from kb.build import build_kb

from conftest import TOPICS

FIXTURES = Path(__file__).parent / "fixtures"
SEASONS = FIXTURES / "realworld" / "feeds" / "seasons-and-links.xml"
MIXED = FIXTURES / "mixed"


def load(*sources):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        docs = ingest.sources.load_sources(list(sources))
    return {d.id: d for d in docs}, [str(w.message) for w in caught]


def test_a_feed_with_seasons_keeps_every_item():
    # Season 1 and 2 both have an episode 1, every <link> is the channel's home page, two bonus
    # parts share a guid and 'Episode 1' in their titles: six items, six documents.
    docs, _ = load(SEASONS)
    assert {i: (d.season, d.episode, d.episode_type) for i, d in docs.items()} == {
        "tenant-talk-trailer": (None, None, "trailer"),
        "s1-episode-1": (1, 1, None),
        "s1-episode-2": (1, 2, None),
        "s2-episode-1": (2, 1, "full"),
        "bonus-listener-questions-on-onedrive-sync-episode-1-part-1": (2, None, "bonus"),
        "bonus-listener-questions-on-onedrive-sync-episode-1-part-2": (2, None, "bonus"),
    }
    assert all(d.show == "Tenant Talk" and d.url is None for d in docs.values())  # the channel's link is no episode page
    assert docs["s2-episode-1"].guid == "https://cdn.example.com/tt/s2e1.mp3"
    assert docs["bonus-listener-questions-on-onedrive-sync-episode-1-part-1"].guid == "https://cdn.example.com/tt/bonus1a.mp3"


def test_two_shows_in_one_folder_never_mix(tmp_path):
    for source in (SEASONS, MIXED / "feed.xml", MIXED / "episode-301.html"):
        shutil.copy(source, tmp_path)
    vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Sam Okafor>Which show am I?\n"
    (tmp_path / "1.vtt").write_text(vtt)  # a number alone names no show
    (tmp_path / "tenant-talk-s02e01.vtt").write_text(vtt.replace("Which show am I?", "Copilot plans."))
    (tmp_path / "s1e2.vtt").write_text(vtt.replace("Which show am I?", "Guests."))  # the item's audio is s1e2.mp3
    docs, warned = load(tmp_path)
    assert sorted(docs) == [
        "bonus-listener-questions-on-onedrive-sync-episode-1-part-1",
        "bonus-listener-questions-on-onedrive-sync-episode-1-part-2", "episode-1", "need-to-know-episode-301",
        "need-to-know-episode-302", "tenant-talk-s1-episode-1", "tenant-talk-s1-episode-2",
        "tenant-talk-s2-episode-1", "tenant-talk-trailer"]
    assert docs["episode-1"].show is None and docs["episode-1"].title == "Episode 1 transcript"
    assert [s.text for s in docs["tenant-talk-s2-episode-1"].segments if s.kind == "transcript"] == ["Copilot plans."]
    assert [s.text for s in docs["tenant-talk-s1-episode-2"].segments if s.kind == "transcript"] == ["Guests."]
    assert not [s for s in docs["tenant-talk-s1-episode-1"].segments if s.kind == "transcript"]
    assert sorted(docs["need-to-know-episode-301"].sources) == [f"{tmp_path.name}/episode-301.html",
                                                                 f"{tmp_path.name}/feed.xml"]
    for doc in docs.values():  # no document holds sources of two shows
        assert not ({"feed.xml", "episode-301.html"} & {Path(s).name for s in doc.sources}
                    and "seasons-and-links.xml" in {Path(s).name for s in doc.sources})


def test_a_number_alone_is_not_attached_and_says_how_to_name_it(tmp_path):
    shutil.copy(MIXED / "feed.xml", tmp_path)
    shutil.copy(MIXED / "ep301.vtt", tmp_path / "301.vtt")
    docs, warned = load(tmp_path)
    assert sorted(docs) == ["episode-301", "episode-301-transcript", "episode-302"]
    assert json_sources(docs["episode-301"]) == ["feed.xml"] and json_sources(docs["episode-301-transcript"]) == ["301.vtt"]
    assert (f"{tmp_path.name}/301.vtt: the name gives episode 301 but no show, so it was not attached to "
            "Need to Know podcast's; name it after the show (such as 'need-to-know-301.vtt') or link it from "
            "the feed's <podcast:transcript> to attach it") in warned


def json_sources(doc):
    return [Path(s).name for s in doc.sources]


def test_two_feeds_of_two_shows_with_the_same_numbers(tmp_path):
    item = ("<item><title>Episode {n}: {what}</title><guid>{show}-{n}</guid>"
            "<enclosure url='https://cdn.example/{show}/{n}.mp3' type='audio/mpeg'/><description>{what}</description></item>")
    for show, what in (("alpha", "Intune"), ("beta", "Gardening")):
        items = "".join(item.format(n=n, what=f"{what} {n}", show=show) for n in (1, 2))
        (tmp_path / f"{show}.xml").write_text(f"<rss><channel><title>{show.title()} Show</title>"
                                              f"<link>https://{show}.example/</link>{items}</channel></rss>")
    docs, _ = load(tmp_path)
    assert {i: (d.show, d.episode, d.segments[0].text) for i, d in docs.items()} == {
        "alpha-episode-1": ("Alpha Show", 1, "Intune 1"), "alpha-episode-2": ("Alpha Show", 2, "Intune 2"),
        "beta-episode-1": ("Beta Show", 1, "Gardening 1"), "beta-episode-2": ("Beta Show", 2, "Gardening 2")}


def test_the_same_feed_twice_gives_every_item_twice_and_merges_none(tmp_path):
    shutil.copy(SEASONS, tmp_path / "a.xml")
    shutil.copy(SEASONS, tmp_path / "b.xml")
    docs, _ = load(tmp_path)
    assert len(docs) == 12 and all(len(d.sources) == 1 for d in docs.values())


def test_show_and_season_columns(tmp_path):
    build_kb([SEASONS], tmp_path / "kb.db", TOPICS)
    rows = sqlite3.connect(tmp_path / "kb.db").execute(
        "select id, show, season, episode, episode_type, guid from documents order by id").fetchall()
    assert rows[0] == ("bonus-listener-questions-on-onedrive-sync-episode-1-part-1", "Tenant Talk", 2, None, "bonus",
                       "https://cdn.example.com/tt/bonus1a.mp3")
    assert rows[2] == ("s1-episode-1", "Tenant Talk", 1, 1, None, "7c1f0b52-3a55-4e0e-9d0a-5b0f3e7a1c02")
    assert len(rows) == 6


@pytest.mark.parametrize("title, numbers", [
    ("S01 Episode 01: Retention labels", (1, 1)), ("S02E01: Copilot | Season 1 of a series", (2, 1)),
    ("Season 3, Episode 4", (3, 4)), ("Need to Know podcast–Episode 234", (None, 234)), ("Ep 12 - Intune", (None, 12)),
    ("Show #7", (None, 7)), ("Folge 41: Liebe Admins", (None, 41)), ("Campaign 4, Episode 1 Part 2", (None, None)),
    ("Deep dive 5", (None, None)), ("What's new in 2024", (None, None))])
def test_title_numbers(title, numbers):
    assert title_numbers(title) == numbers


@pytest.mark.parametrize("name, numbers", [
    ("S02E01.vtt", (2, 1)), ("tenant-talk-s02e01.vtt", (2, 1)), ("1_4.srt", (1, 4)), ("ntk301.wav", (None, 301)),
    ("koa039-live.mp3", (None, 39)), ("bom-utf-16-le.srt", (None, None)), ("windows-1252.srt", (None, None)),
    ("utf-8.srt", (None, None)), ("m365-recap.srt", (None, None)), ("talk-128k.mp3", (None, None))])
def test_name_numbers(name, numbers):
    assert name_numbers(name) == numbers


@pytest.mark.parametrize("title, show", [
    ("Need to Know podcast–Episode 234", "Need to Know podcast"), ("Tenant Talk | Episode 5", "Tenant Talk"),
    ("Episode 302: Licensing news", None), ("Bonus: questions on sync, Episode 1", None)])
def test_title_show(title, show):
    assert title_show(title) == show
