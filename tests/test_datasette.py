"""Datasette in process: the plugin, facets, FTS settings and the canned queries of metadata.yml."""
import json
import re
from urllib.parse import urlencode

import pytest
import yaml
from datasette.app import Datasette

from kb.search import Searcher

from conftest import METADATA


@pytest.fixture
def ds(corpus_db):
    metadata = yaml.safe_load(METADATA.read_text())
    return Datasette([str(corpus_db)], immutables=[], metadata=metadata)


async def get_json(ds, path):
    response = await ds.client.get(path)
    assert response.status_code == 200, response.text
    return response.json()


async def test_plugin_installed(ds):
    plugins = await get_json(ds, "/-/plugins.json")
    [ours] = [p for p in plugins if p["name"] == "need-to-know-kb"]
    assert {"prepare_connection", "register_routes", "menu_links"} <= set(ours["hooks"])
    assert ours["templates"] is True  # a package with templates/ beside it: Datasette finds them itself


async def test_old_search_address_redirects(ds):
    response = await ds.client.get("/-/search?q=GDAP&topic=MFA")
    assert response.status_code == 302 and response.headers["location"] == "/-/kb-search?q=GDAP&topic=MFA"


async def test_old_json_address_answers_without_a_redirect(ds):
    old = await ds.client.get("/-/search.json?q=GDAP&topic=GDAP")
    new = await ds.client.get("/-/kb-search.json?q=GDAP&topic=GDAP")
    assert old.status_code == 200 and old.json() == new.json() and old.json()["total"] > 0


async def test_home_page_title(ds):
    response = await ds.client.get("/")
    assert response.status_code == 200 and "Need to Know KB" in response.text


async def test_chunk_facets(ds):
    data = await get_json(ds, "/kb/chunks.json?_size=0")
    facets = data["facet_results"]
    assert {"topics", "kind", "document_id", "speaker"} <= set(facets)
    topics = {f["value"]: f["count"] for f in facets["topics"]["results"]}
    for name in ("MFA", "Business Voice", "F1/F3 licensing"):
        assert topics[name] > 0, name
    kinds = {f["value"]: f["count"] for f in facets["kind"]["results"]}
    assert kinds["transcript"] > 50 and kinds["boilerplate"] >= 3
    speakers = {f["value"] for f in facets["speaker"]["results"]}
    assert {"Robert Crane", "Brenton Johnson", "Tim O’Neill", "Unknown Speaker"} <= speakers


async def test_topic_facet_filters(ds):
    data = await get_json(ds, "/kb/chunks.json?_shape=objects&topics__arraycontains=Business+Voice&_size=100")
    assert data["rows"] and all("Business Voice" in json.loads(r["topics"]) for r in data["rows"])


async def test_table_search_uses_fts(ds):
    data = await get_json(ds, "/kb/chunks.json?_search=walkie&_shape=objects")
    assert data["rows"] and all("walkie" in r["text"].lower() for r in data["rows"])


async def test_canned_ranked_search(ds):
    data = await get_json(ds, "/kb/search.json?q=F1+license+price+per+user&_shape=objects")
    rows = data["rows"]
    assert rows and rows[0]["title"] == "Need to Know podcast–Episode 234"
    assert {"title", "speaker", "time", "link", "snippet", "score"} <= set(rows[0])
    assert any("f1 will be $4" in r["snippet"].lower() for r in rows[:3])
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)


async def test_canned_search_empty_query(ds):
    data = await get_json(ds, "/kb/search.json?q=&_shape=objects")
    assert data["rows"] == []


async def test_canned_episode_resources(ds):
    data = await get_json(ds, "/kb/episode_resources.json?episode=234&_shape=objects")
    labels = [r["label"] for r in data["rows"]]
    assert "Microsoft 365 Business Voice" in labels and {r["episode"] for r in data["rows"]} == {234}
    everything = await get_json(ds, "/kb/episode_resources.json?episode=&_shape=objects")
    assert {r["episode"] for r in everything["rows"]} == {234, 220, 211}


async def test_canned_chunks_by_topic(ds):
    by_name = await get_json(ds, "/kb/chunks_by_topic.json?topic=MFA&_shape=objects")
    by_id = await get_json(ds, "/kb/chunks_by_topic.json?topic=mfa&_shape=objects")
    assert by_name["rows"] and by_name["rows"] == by_id["rows"]
    for row in by_name["rows"]:
        words = f'{row["heading"] or ""} {row["text"]}'.lower()
        assert "mfa" in words or "multi" in words or "authenticator" in words or "factor" in words, words


async def test_sql_functions(ds):
    data = await get_json(ds, "/kb.json?sql=select+kb_mmss(3760)+as+t,+kb_mmss(3367)+as+u&_shape=objects")
    assert data["rows"] == [{"t": "1:02:40", "u": "56:07"}]


async def test_facts_table_facets_and_description(ds):
    data = await get_json(ds, "/kb/facts.json?_size=0")
    facets = data["facet_results"]
    assert {"unit", "document_id"} <= set(facets)
    units = {f["value"]: f["count"] for f in facets["unit"]["results"]}
    assert units["%"] >= 20 and units["points"] >= 40 and units["$"] == 4
    documents = {f["value"] for f in facets["document_id"]["results"]}
    assert "microsoft-smb-partner-incentives-for-csp-partners-financial" in documents
    page = await ds.client.get("/kb/facts")
    assert "Facts of the write-ups as rows" in page.text


async def test_canned_facts_about(ds):
    data = await get_json(ds, "/kb/facts_about.json?q=PSTN+accelerator&_shape=objects")
    first = data["rows"][0]
    assert (first["subject"], first["qualifier"], first["value"], first["unit"]) == (
        "Global PSTN Calling & Conferencing Accelerator", "about", 20, "%")
    assert first["document"] == "Microsoft SMB Partner Incentives for CSP Partners (Financial Incentives)"
    assert "Teams PSTN Calling Plans" in first["sentence"] and first["chunk_id"]
    alerts = await get_json(ds, "/kb/facts_about.json?q=respond+to+security+alerts&_shape=objects")
    assert (alerts["rows"][0]["value"], alerts["rows"][0]["unit"]) in {(24, "hours"), (10, "points"), (1, "hours")}
    assert (await get_json(ds, "/kb/facts_about.json?q=&_shape=objects"))["rows"] == []


async def test_canned_rates(ds):
    rows = (await get_json(ds, "/kb/rates.json?subject=&_shape=objects&_size=max"))["rows"]
    assert rows and len(rows) == len({(r["subject"], r["sentence"], r["percent"]) for r in rows})
    assert [r["subject"].lower() for r in rows] == sorted(r["subject"].lower() for r in rows)
    pstn = [r for r in rows if r["subject"] == "Global PSTN Calling & Conferencing Accelerator"]
    assert [(r["qualifier"], r["percent"], r["figure"]) for r in pstn] == [("about", 20, "~20%")]
    accelerators = (await get_json(ds, "/kb/rates.json?subject=accelerator&_shape=objects"))["rows"]
    assert accelerators and all("accelerator" in r["subject"].lower() for r in accelerators)
    assert len(accelerators) < len(rows)


async def test_kb_facts_sql_function(ds):
    data = await get_json(ds, "/kb.json?sql=select+kb_facts('Nonprofit+accelerator',+2)+as+ids,+kb_facts('')+as+none"
                              "&_shape=objects")
    ids = json.loads(data["rows"][0]["ids"])
    assert len(ids) == 2 and json.loads(data["rows"][0]["none"]) == []
    row = await get_json(ds, f"/kb/facts/{ids[0]}.json?_shape=objects")
    assert row["rows"][0]["subject"].startswith("Nonprofit/TSI Product Accelerator")


async def test_home_and_database_pages_lead_to_the_search(ds, corpus_db):
    home = await ds.client.get("/")
    assert 'href="/-/kb-search"' in home.text
    assert re.search(r'About:\s*<a href="/-/kb-search">\s*Need to Know KB search</a>', home.text)
    database = (await ds.client.get("/kb")).text
    assert 'href="/-/kb-search"' in database
    # the SQL box starts from ranked search (set before Datasette's editor reads it), and that SQL runs
    from kb.datasette_plugin import FIRST_SQL
    assert json.dumps(FIRST_SQL) in database
    ranked = await get_json(ds, "/kb.json?" + urlencode({"sql": FIRST_SQL, "_shape": "array"}))
    best = [r["text"][:200] for r in Searcher(corpus_db).search("GDAP", limit=10)]
    assert [r["text"] for r in ranked] == best and len(best) > 1
    tables = await get_json(ds, "/kb.json")
    hidden = {t["name"] for t in tables["tables"] if t["hidden"]}
    assert {"chunk_keywords", "chunk_topics"} <= hidden and "chunks" not in hidden


async def test_the_chunks_page_shows_each_facet_once(ds):
    data = await get_json(ds, "/kb/chunks.json?_size=0")
    assert sorted(data["facet_results"]) == ["chapter", "document_id", "kind", "speaker", "topics"]
    # asking for a facet metadata.yml already sets (an old link) shows it once all the same
    data = await get_json(ds, "/kb/chunks.json?_facet_array=topics&_facet=speaker&kind=transcript&_size=0")
    assert sorted(data["facet_results"]) == ["chapter", "document_id", "kind", "speaker", "topics"]
    assert data["filtered_table_rows_count"] == (await get_json(ds, "/kb/chunks.json?kind=transcript&_size=0"))["filtered_table_rows_count"]


async def test_resources_without_a_link_say_so(ds):
    rows = await get_json(ds, "/kb/episode_resources.json?episode=234&_shape=array")
    assert rows and all(r["url"] == "no link in the show notes" or r["url"].startswith("http") for r in rows)
    assert any(r["url"] == "no link in the show notes" for r in rows)


async def test_newsletter_items_read_as_columns(ds):
    rows = await get_json(ds, "/kb/newsletter_items.json?topic=Business+Voice&since=&until=&query=&_shape=array")
    assert [r["episode"] for r in rows] == [234, None]
    first = rows[0]
    assert list(first)[:5] == ["title", "episode", "date", "highlights", "link"]
    assert first["highlights"].startswith("Robert Crane 14:40: ") and "business voice" in first["highlights"].lower()
    assert json.loads(first["item"])["id"] == "episode-234"  # the JSON view is kept
