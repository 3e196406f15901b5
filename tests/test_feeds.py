"""The plugin's JSON Feeds of passages: one per topic and one per saved search, valid JSON Feed 1.1,
newest episode first, linked from the search page and the topics table, read-only and behind the
search page's permission check."""
import sqlite3

import jsonschema
import pytest
import yaml
from bs4 import BeautifulSoup
from datasette.app import Datasette

import kb.datasette_plugin.feeds
from kb.build import build_kb

from conftest import CORPUS, METADATA, TOPICS
from schemas import JSON_FEED_1_1
from test_chapters import VOICE, transcript_vtt

FEED_DOCS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Need to Know podcast</title><link>https://ciaops.podbean.com/</link>
<item><title>Need to Know podcast–Episode 350</title><link>https://ciaops.podbean.com/e/episode-350/</link>
<pubDate>Mon, 02 Jun 2025 08:00:00 +1000</pubDate>
<enclosure url="https://mcdn.podbean.com/mf/web/ntk350.mp3" length="1000" type="audio/mpeg"/>
<description>Business Voice again: calling plans and phone numbers for small business.</description></item>
<item><title>Need to Know podcast–Episode 349</title><link>https://ciaops.podbean.com/e/episode-349/</link>
<pubDate>Mon, 05 May 2025 08:00:00 +1000</pubDate>
<description>Intune enrolment for every laptop, and Business Voice calling plans for the front desk.</description></item>
</channel></rss>
"""


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """The bundled corpus (2020 and undated), two dated 2025 episodes and a transcript of the newest."""
    folder = tmp_path_factory.mktemp("feeds")
    (folder / "feed.xml").write_text(FEED_DOCS, encoding="utf-8")
    (folder / "need-to-know-350.vtt").write_text(transcript_vtt([(VOICE, ["Robert Crane", "Brenton Johnson"])], turns=24),
                                            encoding="utf-8")
    path = folder / "kb.db"
    build_kb([CORPUS, folder / "feed.xml", folder / "need-to-know-350.vtt"], path, TOPICS)
    return path


@pytest.fixture
def ds(db):
    return Datasette([str(db)], metadata=yaml.safe_load(METADATA.read_text()))


async def feed(ds, path):
    response = await ds.client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/feed+json; charset=utf-8"
    data = response.json()
    jsonschema.validate(data, JSON_FEED_1_1)
    return data


def published(db):
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("select id, coalesce(published, '') from documents"))


async def test_topic_feed(ds, db):
    data = await feed(ds, "/-/feeds/topic/business-voice.json")
    assert data["title"] == "Need to Know: Business Voice"
    assert data["home_page_url"] == "http://localhost/-/kb-search?q=Business+Voice"
    assert data["feed_url"] == "http://localhost/-/feeds/topic/business-voice.json"
    items = data["items"]
    with sqlite3.connect(db) as conn:
        tagged = conn.execute("select count(*) from chunk_topics where topic_id = 'business-voice'").fetchone()[0]
    assert data["_need_to_know"] == {"topic": "Business Voice", "total": tagged, "page": 1}
    assert len(items) == min(tagged, 50) and all("Business Voice" in i["tags"] for i in items)
    dates = published(db)
    order = [dates[i["_need_to_know"]["document_id"]] for i in items]
    assert order == sorted(order, reverse=True) and order[0] == "2025-06-02"  # newest episode first
    first = items[0]
    assert first["date_published"] == "2025-06-02T00:00:00Z"
    assert first["attachments"] == [{"url": "https://mcdn.podbean.com/mf/web/ntk350.mp3", "mime_type": "audio/mpeg"}]
    said = [i for i in items if i["_need_to_know"]["speaker"]][0]
    assert said["url"].startswith("https://mcdn.podbean.com/mf/web/ntk350.mp3#t=")  # the time link
    assert said["title"] == f"Need to Know podcast–Episode 350 · {said['_need_to_know']['speaker']} · " \
                            f"{said['_need_to_know']['time']}"
    assert "<mark>Business</mark> <mark>Voice</mark>" in said["content_html"]
    within = [i["_need_to_know"]["start"] for i in items if i["_need_to_know"]["document_id"] == "episode-350"
              and i["_need_to_know"]["start"] is not None]
    assert within == sorted(within)  # in the order they were said


async def test_search_feed_with_the_search_pages_filters(ds, db):
    data = await feed(ds, "/-/feeds/search.json?q=calling+plans&kind=transcript")
    assert data["title"] == "Need to Know: “calling plans” (kind: transcript)"
    assert data["home_page_url"] == "http://localhost/-/kb-search?q=calling+plans&kind=transcript"
    page = (await ds.client.get("/-/kb-search.json?q=calling+plans&kind=transcript")).json()
    assert data["_need_to_know"]["total"] == page["total"] and len(data["items"]) == min(50, page["total"])
    assert {i["_need_to_know"]["chunk_id"] for i in data["items"]} >= {r["chunk_id"] for r in page["results"]}
    assert {i["_need_to_know"]["kind"] for i in data["items"]} == {"transcript"}
    dates = published(db)
    order = [dates[i["_need_to_know"]["document_id"]] for i in data["items"]]
    assert order == sorted(order, reverse=True)
    episode = [i["_need_to_know"]["score"] for i in data["items"] if i["_need_to_know"]["document_id"] == "episode-234"]
    assert episode == sorted(episode, reverse=True)  # within an episode, best first


async def test_feeds_page_on(ds, monkeypatch):
    monkeypatch.setattr(kb.datasette_plugin.feeds, "FEED_SIZE", 5)
    first = await feed(ds, "/-/feeds/topic/teams.json")
    total = first["_need_to_know"]["total"]
    assert total > 10 and len(first["items"]) == 5
    assert first["next_url"] == "http://localhost/-/feeds/topic/teams.json?page=2"
    pages, url = [first], first["next_url"]
    while url:
        pages.append(await feed(ds, url.removeprefix("http://localhost")))
        url = pages[-1].get("next_url")
    ids = [i["id"] for p in pages for i in p["items"]]
    assert len(ids) == len(set(ids)) == total  # every passage once, the last page without next_url


async def test_bad_requests(ds):
    missing = await ds.client.get("/-/feeds/topic/no-such-topic.json")
    assert missing.status_code == 404 and "No topic 'no-such-topic'" in missing.text
    empty = await ds.client.get("/-/feeds/search.json?topic=MFA")
    assert empty.status_code == 400 and "q is required" in empty.text
    unknown = await ds.client.get("/-/feeds/search.json?q=mfa&topic=Nonsense")
    assert unknown.status_code == 400 and "unknown topic 'Nonsense'" in unknown.text
    posted = await ds.client.post("/-/feeds/topic/mfa.json")
    assert (posted.status_code, posted.headers["allow"]) == (405, "GET, HEAD")


async def test_linked_from_the_search_page_and_the_topics_table(ds):
    results = BeautifulSoup((await ds.client.get("/-/kb-search?q=calling+plans&kind=transcript")).text, "html.parser")
    assert results.select_one('link[type="application/feed+json"]')["href"] == \
        "/-/feeds/search.json?q=calling+plans&kind=transcript"
    assert results.select_one(".kb-count a.kb-feed")["href"] == "/-/feeds/search.json?q=calling+plans&kind=transcript"
    home = BeautifulSoup((await ds.client.get("/-/kb-search")).text, "html.parser")
    links = [a["href"] for a in home.select(".kb-topic-list a.kb-feed")]
    assert "/-/feeds/topic/business-voice.json" in links
    table = BeautifulSoup((await ds.client.get("/kb/topics?id=business-voice")).text, "html.parser")
    cell = table.select_one("td.col-feed a")
    assert (cell.text, cell["href"]) == ("JSON Feed", "/-/feeds/topic/business-voice.json")
    for href in links[:3]:
        await feed(ds, href)


async def test_same_permission_as_the_search_page(db):
    metadata = yaml.safe_load(METADATA.read_text())
    metadata["databases"]["kb"]["tables"]["chunks"]["allow"] = {"id": "editor"}
    locked = Datasette([str(db)], metadata=metadata)
    for path in ("/-/feeds/topic/mfa.json", "/-/feeds/search.json?q=mfa", "/-/kb-search.json?q=mfa"):
        assert (await locked.client.get(path)).status_code == 403, path
    editor = locked.sign({"a": {"id": "editor"}}, "actor")
    allowed = await locked.client.get("/-/feeds/topic/mfa.json", cookies={"ds_actor": editor})
    assert allowed.status_code == 200
