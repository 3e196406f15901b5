"""The search page at /-/kb-search and /-/kb-search.json, in process, and the kb_related SQL function."""
import json
import sqlite3
from collections import Counter

import pytest
import yaml
from bs4 import BeautifulSoup
from datasette.app import Datasette
from datasette.utils import PrefixedUrlString

from kb.build import build_kb
from kb.search import Searcher, knowledge_base

from conftest import METADATA, TOPICS, damaged_copy

PRICE = "/-/kb-search?q=F1+license+price+per+user"
EPISODE_234 = "https://ciaops.podbean.com/e/episode-234-tim-oneill/"
EVIL_DUMP = """Need to Know podcast–Episode 77

Multifactor authentication for partners <script>alert(1)</script> and every admin account in each customer
tenant should use named accounts with MFA turned on. <img src=x onerror=alert(2)> Review standing access today.

Resources

Azure Lighthouse

Transcription

Robert Crane  0:10
Welcome to the show. Today we talk about multifactor authentication <script>alert(3)</script> for every
partner admin account, and why the <b>authenticator</b> app beats SMS codes.
"""


@pytest.fixture
def ds(corpus_db):
    return Datasette([str(corpus_db)], metadata=yaml.safe_load(METADATA.read_text()))


@pytest.fixture
def evil_db(tmp_path):
    """A kb.db whose show notes and transcript hold HTML, and one passage with a javascript: link."""
    dump = tmp_path / "dump.txt"
    dump.write_text(EVIL_DUMP, encoding="utf-8")
    path = tmp_path / "podcast.db"
    build_kb([dump], path, TOPICS)
    with sqlite3.connect(path) as conn:
        conn.execute("update chunks set url = 'javascript:alert(4)' where kind = 'transcript'")
    return path


async def get(ds, path, status=200):
    response = await ds.client.get(path)
    assert response.status_code == status, response.text
    return response


async def get_json(ds, path):
    return (await get(ds, path)).json()


async def soup(ds, path):
    return BeautifulSoup((await get(ds, path)).text, "html.parser")


def result_items(page):
    return page.select("ol.kb-results:not(.kb-related-to) > li.kb-result")


async def test_plugin_hooks(ds):
    plugins = await get_json(ds, "/-/plugins.json")
    ours = next(p for p in plugins if p["name"] == "need-to-know-kb")
    assert {"prepare_connection", "register_routes", "menu_links"} <= set(ours["hooks"])


async def test_menu_link_on_home_page(ds):
    page = await soup(ds, "/")
    link = page.select_one("details.nav-menu a[href='/-/kb-search']")
    assert link is not None and link.text == "Search the podcast"


async def test_page_shows_ranked_results(ds):
    page = await soup(ds, PRICE)
    items = result_items(page)
    assert len(items) == 8  # the matches; the passages that only share a word or two are "weaker"
    assert page.select_one(".kb-count").text.split("(")[0].split() == ["results", "1–8", "of", "8"]
    weaker = page.select_one(".kb-weaker a")
    assert weaker.text == "88 weaker matches" and weaker["href"] == PRICE + "&weaker=1"
    first = items[0]
    assert first.select_one(".kb-title").text == "Need to Know podcast–Episode 234"
    assert first.select_one(".kb-episode").text == "Episode 234"
    assert first.select_one(".kb-speaker").text == "Robert Crane"
    # no audio is known for the bundled episodes: the time is no link, and the link says where it goes
    assert first.select_one(".kb-time").name == "span" and first.select_one(".kb-time").text == "08:49"
    assert first.select_one("a.kb-page").text == "episode page" and first.select_one("a.kb-page")["href"] == EPISODE_234
    assert first.select_one("a.kb-title")["href"] == EPISODE_234 and first.select_one(".kb-play") is None
    times = [item.select_one(".kb-time") for item in items]
    assert [t.text for t in times[:3]] == ["08:49", "~07:11", "09:23"]
    estimated = times[1]  # estimated inside a longer turn: "~"
    assert "estimated" in estimated["title"] and "estimated" in page.select_one(".kb-legend").text
    marked = [m.text.lower() for m in first.select(".kb-snippet mark")]
    assert {"prices", "f1", "user"} <= set(marked), marked  # "per" is a stop word
    assert "$4" in first.select_one(".kb-snippet").text
    assert first.select_one("a.kb-related")["href"] == "/-/kb-search?related=59"
    chip = first.select_one("a.kb-chip")
    assert chip.text == "F1/F3 licensing"
    assert chip["href"] == "/-/kb-search?q=F1+license+price+per+user&topic=F1%2FF3+licensing"


async def test_json_results_and_facets(ds):
    data = await get_json(ds, PRICE.replace("search", "search.json"))
    assert (data["query"], data["total"], data["weaker"], data["offset"], data["limit"], data["page"], data["pages"]) == (
        "F1 license price per user", 8, 88, 0, 20, 1, 1)
    assert data["next_url"] is None and data["previous_url"] is None
    assert data["weaker_url"] == "/-/kb-search.json?q=F1+license+price+per+user&weaker=1"
    everything = await get_json(ds, data["weaker_url"])
    assert (everything["total"], everything["weaker_listed"], everything["pages"]) == (8, True, 5)
    assert everything["next_url"] == "/-/kb-search.json?q=F1+license+price+per+user&weaker=1&page=2"
    assert [r["chunk_id"] for r in everything["results"][:8]] == [r["chunk_id"] for r in data["results"]]
    top = data["results"][0]
    assert (top["episode"], top["speaker"], top["time"], top["start_estimated"], top["url"]) == (
        234, "Robert Crane", "08:49", False, EPISODE_234)
    assert set(data["facets"]) == {"topic", "kind", "document", "speaker", "year", "chapter", "show", "season"}
    listed, everything = await all_results(ds, "q=F1+license+price+per+user&weaker=1")
    episodes = sum(r["show"] == "Need to Know podcast" for r in everything)
    assert 0 < episodes < len(everything) and top["show"] == "Need to Know podcast"  # the write-ups have no show
    assert [(f["value"], f["count"]) for f in listed["facets"]["show"]] == [("Need to Know podcast", episodes)]
    assert listed["facets"]["season"] == []  # the show has no seasons
    documents = {f["value"]: f for f in data["facets"]["document"]}
    assert documents["episode-234"]["label"] == "Episode 234: Need to Know podcast–Episode 234"


async def test_a_page_asked_again_is_answered_without_searching_again(ds, monkeypatch):
    searched = []
    original = Searcher.search_with_facets
    monkeypatch.setattr(Searcher, "search_with_facets", lambda self, query: searched.append(query.text) or original(self, query))
    first = await get_json(ds, "/-/kb-search.json?q=calling+plans+for+teams")
    again = await get_json(ds, "/-/kb-search.json?q=calling+plans+for+teams")
    other_page = await get_json(ds, "/-/kb-search.json?q=calling+plans+for+teams&page=2")
    assert again == first and other_page["page"] == 2 and other_page["results"] != first["results"]
    assert searched == ["calling plans for teams", "calling plans for teams"]  # the first page, then page 2


async def all_results(ds, query):
    """Every result of a query, read page by page through /-/kb-search.json."""
    first = await get_json(ds, f"/-/kb-search.json?{query}")
    results, page = list(first["results"]), 1
    while len(results) < first["total"] + (first["weaker"] if first.get("weaker_listed") else 0):
        page += 1
        data = await get_json(ds, f"/-/kb-search.json?{query}&page={page}")
        assert data["total"] == first["total"] and data["results"]
        results += data["results"]
    return first, results


async def test_facet_counts_cover_the_whole_result_set(ds):
    first, results = await all_results(ds, "q=teams")
    assert first["total"] == len(results) == len({r["chunk_id"] for r in results}) > 20
    by_facet = {
        "kind": Counter(r["kind"] for r in results),
        "speaker": Counter(r["speaker"] for r in results if r["speaker"]),
        "document": Counter(r["document_id"] for r in results),
        "topic": Counter(t for r in results for t in r["topics"]),
    }
    for name, counted in by_facet.items():
        shown = {f["value"]: f["count"] for f in first["facets"][name]}
        assert shown and all(shown[v] == counted[v] for v in shown), name
        assert sorted(shown.values(), reverse=True) == list(shown.values())
    speakers = {f["value"]: f["count"] for f in first["facets"]["speaker"]}
    # 9 of Robert's passages name Teams ("the other side of all this team", which the stem also
    # finds, is no mention: a query that is only a name lists the passages tagged with it)
    assert speakers["Robert Crane"] == by_facet["speaker"]["Robert Crane"] == 9


async def test_filters_narrow_results(ds):
    everything = await get_json(ds, "/-/kb-search.json?q=teams")
    counts = {name: {f["value"]: f["count"] for f in facet} for name, facet in everything["facets"].items()}
    teams, transcripts = await all_results(ds, "q=teams&topic=Teams&kind=transcript")
    assert 0 < teams["total"] < counts["topic"]["Teams"]
    assert all("Teams" in r["topics"] and r["kind"] == "transcript" for r in transcripts)
    assert teams["filters"] == [{"facet": "topic", "value": "Teams"}, {"facet": "kind", "value": "transcript"}]
    both, rows = await all_results(ds, "q=teams&topic=Teams&topic=Azure")  # topics: all of them
    assert 0 < both["total"] <= min(counts["topic"]["Teams"], counts["topic"]["Azure"])
    assert all({"Teams", "Azure"} <= set(r["topics"]) for r in rows)
    kinds = await get_json(ds, "/-/kb-search.json?q=teams&kind=transcript&kind=show_notes")  # other facets: any
    assert kinds["total"] == counts["kind"]["transcript"] + counts["kind"]["show_notes"]
    speaker = await get_json(ds, "/-/kb-search.json?q=teams&speaker=Robert+Crane")
    assert speaker["total"] == counts["speaker"]["Robert Crane"]
    by_id = await get_json(ds, "/-/kb-search.json?q=teams&topic=teams")  # a topic by its id
    assert by_id["total"] == counts["topic"]["Teams"] and by_id["filters"] == [{"facet": "topic", "value": "Teams"}]


async def test_pagination(ds):
    one = await get_json(ds, "/-/kb-search.json?q=teams&weaker=1")
    two = await get_json(ds, "/-/kb-search.json?q=teams&weaker=1&page=2")
    # 21 passages name Teams; 4 more hold only "team" (the stem's), and are weaker
    assert (one["total"], one["weaker"]) == (two["total"], two["weaker"]) == (21, 71) and two["offset"] == 20
    assert not {r["chunk_id"] for r in one["results"]} & {r["chunk_id"] for r in two["results"]}
    assert two["previous_url"] == "/-/kb-search.json?q=teams&weaker=1" and two["next_url"].endswith("page=3")
    page = await soup(ds, "/-/kb-search?q=teams&weaker=1&page=2")
    assert page.select_one(".kb-count").text.split("(")[0].split() == ["results", "21–40", "of", "92"]
    assert page.select_one("a[rel=prev]")["href"] == "/-/kb-search?q=teams&weaker=1"
    assert page.select_one("a[rel=next]")["href"] == "/-/kb-search?q=teams&weaker=1&page=3"
    assert page.select_one("ol.kb-results")["start"] == "21"
    last = await soup(ds, "/-/kb-search?q=teams&weaker=1&page=5")
    assert len(result_items(last)) == 12 and last.select_one("a[rel=next]") is None
    matches = await soup(ds, "/-/kb-search?q=teams&page=2")  # the matches alone: 21, two pages
    assert len(result_items(matches)) == 1 and matches.select_one("a[rel=next]") is None


async def test_facet_links_add_and_remove_filters(ds):
    page = await soup(ds, "/-/kb-search?q=teams&page=2")
    speaker = next(a for a in page.select("#facet-speaker a") if a.text == "Robert Crane")
    assert speaker["href"] == "/-/kb-search?q=teams&speaker=Robert+Crane"  # a new filter starts at page 1
    narrowed = await soup(ds, speaker["href"])
    assert {i.select_one(".kb-speaker").text for i in result_items(narrowed)} == {"Robert Crane"}
    assert narrowed.select_one(".kb-count").text.split()[3] == "9"
    topic = next(a for a in narrowed.select("#facet-topic a") if a.text == "Teams")
    assert topic["href"] == "/-/kb-search?q=teams&topic=Teams&speaker=Robert+Crane"  # facet by facet
    both = await soup(ds, topic["href"])
    removes = {s.text.split("✖")[0]: s.select_one("a.cross")["href"] for s in both.select(".kb-selected .kb-chip")}
    assert removes == {"speaker: Robert Crane": "/-/kb-search?q=teams&topic=Teams",
                       "topic: Teams": "/-/kb-search?q=teams&speaker=Robert+Crane"}
    assert both.select_one("a.kb-clear")["href"] == "/-/kb-search?q=teams"
    selected = both.select_one("#facet-speaker li a.cross")
    assert selected["href"] == "/-/kb-search?q=teams&topic=Teams"
    hidden = [(i["name"], i["value"]) for i in both.select("form.kb-search input[type=hidden]")]
    assert hidden == [("topic", "Teams"), ("speaker", "Robert Crane")]


async def test_empty_query_shows_the_box(ds):
    page = await soup(ds, "/-/kb-search?q=")
    assert page.select_one("form.kb-search input[name=q]")["value"] == ""
    assert not result_items(page) and page.select_one(".kb-count") is None
    topics = {a.text.rsplit(" ", 1)[0]: a["href"] for a in page.select(".kb-topic-list a")}
    assert topics["MFA"] == "/-/kb-search?q=MFA"
    data = await get_json(ds, "/-/kb-search.json")
    assert (data["total"], data["results"], data["facets"]) == (0, [], {})


async def test_no_match(ds):
    page = await soup(ds, "/-/kb-search?q=zzyzx")
    assert "No passages match" in page.select_one(".kb-none").text


async def test_misspelt_query_says_what_was_searched(ds):
    page = await soup(ds, "/-/kb-search?q=resourse+library")
    assert page.select_one(".kb-corrected").text == "Showing results for resource library."
    assert page.select_one("form.kb-search input[name=q]")["value"] == "resourse library"
    assert "resource library" in result_items(page)[0].text
    data = await get_json(ds, "/-/kb-search.json?q=resourse+library")
    assert (data["query"], data["corrected"]) == ("resourse library", "resource library")
    assert (await soup(ds, "/-/kb-search?q=resource+library")).select_one(".kb-corrected") is None


async def test_sources_and_query_are_escaped(evil_db):
    ds = Datasette([str(evil_db)])
    response = await get(ds, "/-/kb-search?q=" + "multifactor+authentication+%3Cscript%3Ealert(5)%3C/script%3E")
    html = response.text
    for raw in ("<script>alert(", "<img src=x", "<b>authenticator</b>", "javascript:"):
        assert raw not in html, raw
    page = BeautifulSoup(html, "html.parser")
    assert not page.select("section.content script, section.content img, section.content b")
    snippets = [s.text for s in page.select(".kb-snippet")]
    assert any("partners <script>alert(1)</script> and" in s and "<img src=x onerror=alert(2)>" in s for s in snippets)
    assert page.select_one("input[name=q]")["value"] == "multifactor authentication <script>alert(5)</script>"
    transcript = next(i for i in result_items(page) if i.select_one(".kb-speaker"))
    assert transcript.select_one("a.kb-time") is None and transcript.select_one("span.kb-time").text == "00:10"
    assert "<b>authenticator</b>" in transcript.select_one(".kb-snippet").text


async def test_base_url(corpus_db):
    ds = Datasette([str(corpus_db)], settings={"base_url": "/prefix/"})
    response = await get(ds, "/-/kb-search?q=teams&topic=Teams")  # the client adds the prefix
    assert str(response.request.url).startswith("http://localhost/prefix/-/kb-search")
    page = BeautifulSoup(response.text, "html.parser")
    links = [a["href"] for a in page.select("a[href]")] + [page.select_one("form.kb-search")["action"]]
    local = [link for link in links if link.startswith("/")]
    assert len(local) > 40 and all(link.startswith("/prefix/") for link in local), local
    related = page.select_one("a.kb-related")["href"]
    assert related.startswith("/prefix/-/kb-search?related=")
    assert "Related passages" in (await get(ds, PrefixedUrlString(related))).text
    home = await get(ds, "/")
    assert 'href="/prefix/-/kb-search"' in home.text


async def test_related_view(ds, corpus_db):
    expected = [r["chunk_id"] for r in knowledge_base(corpus_db).related(59, 10)]
    data = await get_json(ds, "/-/kb-search.json?related=59")
    assert data["related_to"]["chunk_id"] == 59 and data["related_to"]["time"] == "08:49"
    assert [r["chunk_id"] for r in data["results"]] == expected and 59 not in expected and len(expected) == 10
    page = await soup(ds, "/-/kb-search?related=59")
    assert page.select_one(".kb-related-to .kb-time").text == "08:49"
    assert [int(i["data-chunk-id"]) for i in result_items(page)] == expected
    assert page.select(".kb-snippet mark")  # the passage's keywords
    three = await get_json(ds, "/-/kb-search.json?related=59&n=3")
    assert [r["chunk_id"] for r in three["results"]] == expected[:3]


async def test_kb_related_sql_function(ds, corpus_db):
    expected = [r["chunk_id"] for r in knowledge_base(corpus_db).related(59, 3)]
    data = await get_json(ds, "/kb.json?sql=select+kb_related(59,+3)+as+ids,+kb_related(59)+as+five&_shape=objects")
    row = data["rows"][0]
    assert json.loads(row["ids"]) == expected and len(json.loads(row["five"])) == 5
    assert json.loads(row["ids"]) == json.loads(row["five"])[:3]


async def test_unknown_topic_is_a_bad_request(ds):
    response = await get(ds, "/-/kb-search?q=teams&topic=Nope", status=400)
    assert "unknown topic &#39;Nope&#39;; known topics: MFA," in response.text
    data = (await get(ds, "/-/kb-search.json?q=teams&topic=Nope", status=400)).json()
    assert data["ok"] is False and data["error"].startswith("unknown topic 'Nope'; known topics: MFA,")


@pytest.mark.parametrize("path, status, message", [
    ("/-/kb-search.json?q=teams&page=0", 400, "page must be a whole number from 1, not '0'"),
    ("/-/kb-search.json?q=teams&page=two", 400, "page must be a whole number from 1, not 'two'"),
    ("/-/kb-search.json?related=abc", 400, "related must be a whole number from 1, not 'abc'"),
    ("/-/kb-search.json?related=59&n=501", 400, "n must be a whole number from 1 to 500, not '501'"),
    ("/-/kb-search.json?related=99999", 404, "No passage 99999"),
])
async def test_bad_parameters(ds, path, status, message):
    assert (await get(ds, path, status=status)).json()["error"] == message


async def test_database_without_chunks_is_skipped(tmp_path, evil_db):
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("create table t (id integer)").connection.close()
    ds = Datasette([str(other), str(evil_db)])
    data = await get_json(ds, "/-/kb-search.json?q=multifactor")
    assert data["total"] == 2 and {r["episode"] for r in data["results"]} == {77}
    assert all("multifactor" in r["text"].lower() for r in data["results"])


async def test_no_knowledge_base_is_not_found():
    ds = Datasette([], memory=True)
    response = await get(ds, "/-/kb-search.json?q=teams", status=404)
    assert response.json()["error"] == "No knowledge base here: serve a kb.db built by 'kb build'"


async def test_facts_block_above_the_passages(ds):
    page = await soup(ds, "/-/kb-search?q=PSTN+accelerator")
    block = page.select_one("div.kb-facts")
    facts = block.select("li.kb-fact")
    assert [(f.select_one(".kb-fact-figure").text, f.select_one(".kb-fact-subject").text) for f in facts] == [
        ("about 20%", "Global PSTN Calling & Conferencing Accelerator")]
    link = facts[0].select_one("a")
    assert link.text == "Microsoft SMB Partner Incentives for CSP Partners (Financial Incentives)"
    assert link["href"].startswith("/kb/chunks/")  # the write-up has no page URL: the passage's row
    chunk = await get_json(ds, link["href"] + ".json?_shape=objects")
    assert "Global PSTN Calling & Conferencing Accelerator" in chunk["rows"][0]["text"]
    html = str(page)
    assert html.index('<div class="kb-facts">') < html.index('<ol class="kb-results"')  # above the passages


async def test_facts_block_only_when_the_query_names_a_fact(ds):
    page = await soup(ds, "/-/kb-search?q=walkie+talkie")
    assert page.select_one("div.kb-facts") is None and result_items(page)
    second = await soup(ds, "/-/kb-search?q=PSTN+accelerator&page=2")
    assert second.select_one("div.kb-facts") is None
    data = await get_json(ds, "/-/kb-search.json?q=Nonprofit+TSI+accelerator")
    assert [(f["label"], f["subject"]) for f in data["facts"]] == [("about 12%", "Nonprofit/TSI Product Accelerator")]


@pytest.mark.parametrize("path", ["/-/kb-search?q=intune", "/-/kb-search.json?q=intune", "/-/feeds/search.json?q=intune"])
async def test_damaged_kb_db_is_an_error_page_that_says_so(corpus_db, tmp_path, path):
    ds = Datasette([str(damaged_copy(corpus_db, tmp_path / "kb.db"))], metadata=yaml.safe_load(METADATA.read_text()))
    response = await get(ds, path, status=500)
    message = f"{tmp_path / 'kb.db'}: kb.db is damaged (database disk image is malformed); run &#39;kb build&#39; again"
    if path.endswith(".json") or ".json?" in path:
        assert response.json()["error"] == message.replace("&#39;", "'")
    else:
        assert message in response.text and "Traceback" not in response.text


@pytest.mark.parametrize("range_header, status, content_range, body", [
    (None, 200, None, b"0123456789"),
    ("bytes=2-4", 206, "bytes 2-4/10", b"234"),
    ("bytes=-3", 206, "bytes 7-9/10", b"789"),
    ("bytes=8-99", 206, "bytes 8-9/10", b"89"),
    ("bytes=-0", 416, "bytes */10", b""),
    ("bytes=10-", 416, "bytes */10", b""),
    ("items=0-1", 200, None, b"0123456789"),
    ("bytes=abc", 200, None, b"0123456789"),
    ("bytes=0-1,5-9", 200, None, b"0123456789"),
])
async def test_audio_byte_ranges(corpus_db, tmp_path, range_header, status, content_range, body):
    audio = tmp_path / "tone.wav"
    audio.write_bytes(b"0123456789")
    db = tmp_path / "kb.db"
    db.write_bytes(corpus_db.read_bytes())
    with sqlite3.connect(db) as conn:
        document = conn.execute("select id from documents order by rowid limit 1").fetchone()[0]
        conn.execute("update documents set audio_url = ? where id = ?", (audio.as_uri(), document))
    ds = Datasette([str(db)])
    response = await ds.client.get(f"/-/kb-audio/{document}", headers={"Range": range_header} if range_header else {})
    assert (response.status_code, response.headers.get("content-range"), response.content) == (status, content_range, body)
