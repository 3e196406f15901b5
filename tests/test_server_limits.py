"""What one request may do to the server: Datasette's permissions on every route the plugin adds,
bounded queries with clear 4xx answers, and no 500 for odd parameters."""
import sqlite3
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from datasette.app import Datasette

from kb.query import MAX_CORRECTIONS, MAX_QUERY_CHARS, MAX_QUERY_WORDS
from kb.search import Searcher

from conftest import METADATA

NONSENSE = " ".join(f"zqx{n}vbrk" for n in range(60))  # 60 unknown words, ~600 characters
TOO_LONG = (f"the query is too long ({len(NONSENSE):,} characters, 60 words): a query may have at most "
            f"{MAX_QUERY_CHARS} characters and {MAX_QUERY_WORDS} words")
ROUTES = ["/-/kb-search?q=GDAP", "/-/kb-search.json?q=GDAP", "/-/kb-search?related=1", "/-/kb-search.json?related=1"]


def served(corpus_db, **changes):
    metadata = yaml.safe_load(METADATA.read_text())
    for key, value in changes.items():
        if key == "database":
            metadata["databases"]["kb"].update(value)
        else:
            metadata[key] = value
    return Datasette([str(corpus_db)], metadata=metadata)


@pytest.mark.parametrize("where", ["database", "instance"])
async def test_search_routes_keep_datasettes_permissions(corpus_db, where):
    ds = served(corpus_db, **({"database": {"allow": False}} if where == "database" else {"allow": False}))
    assert (await ds.client.get("/kb/chunks.json")).status_code == 403
    for route in ROUTES + ["/-/feeds/topic/gdap.json", "/-/feeds/search.json?q=GDAP", "/-/kb-audio/1"]:
        response = await ds.client.get(route)
        assert response.status_code == 403, route
        assert "GDAP" not in response.text and "Granular" not in response.text
    menu = BeautifulSoup((await ds.client.get("/")).text, "html.parser").select("details.nav-menu a")
    assert "/-/kb-search" not in [a.get("href") for a in menu]  # no menu link to a page the actor cannot open


async def test_an_allowed_actor_searches(corpus_db):
    ds = served(corpus_db, database={"allow": {"id": "robert"}})
    cookies = {"ds_actor": ds.sign({"a": {"id": "robert"}}, "actor")}
    for route in ROUTES:
        assert (await ds.client.get(route, cookies=cookies)).status_code == 200, route
        assert (await ds.client.get(route)).status_code == 403, route
    data = (await ds.client.get("/-/kb-search.json?q=GDAP", cookies=cookies)).json()
    assert "Granular Delegated Admin Privileges" in data["results"][0]["text"]
    menu = BeautifulSoup((await ds.client.get("/", cookies=cookies)).text, "html.parser").select("details.nav-menu a")
    assert "/-/kb-search" in [a.get("href") for a in menu]


async def test_table_permission_is_enough_as_for_the_table_page(corpus_db):
    # Datasette lets a table's own allow block open that table in a closed database: the search,
    # which shows chunk rows, follows the same rule.
    ds = served(corpus_db, database={"allow": False, "tables": {"chunks": {"allow": True}}})
    assert (await ds.client.get("/kb/chunks.json")).status_code == 200
    assert (await ds.client.get("/-/kb-search.json?q=GDAP")).status_code == 200


@pytest.mark.parametrize("path", [
    "/-/kb-search?q=x&page=%C2%B2", "/-/kb-search?q=x&page=%E2%91%A0", "/-/kb-search?related=%C2%B2",
    "/-/kb-search.json?related=99999999999999999999", "/-/kb-search?related=1&n=%C2%B2",
])
async def test_odd_numbers_are_bad_requests(corpus_db, path):
    response = await served(corpus_db).client.get(path)
    assert response.status_code == 400 and "must be a whole number from 1" in response.text


async def test_post_to_a_canned_query_is_405(corpus_db):
    ds = served(corpus_db)
    for path in ("/kb/search", "/kb/search.json", "/kb/episode_resources"):
        response = await ds.client.post(path, data={"q": "GDAP"})
        assert response.status_code == 405 and "read-only: use GET" in response.text, path


async def test_long_queries_are_refused_with_the_limits(corpus_db):
    ds = served(corpus_db)
    for path in ("/-/kb-search", "/-/kb-search.json"):
        response = await ds.client.get(path, params={"q": NONSENSE})
        assert response.status_code == 400 and TOO_LONG in response.text, path
    canned = await ds.client.get("/kb/search", params={"q": "x" * 30_000})
    assert canned.status_code == 400 and "Parameter 'q': the query is too long" in canned.text
    assert len(canned.headers.get("link", "")) < 1000  # no 30 KB header for clients to choke on


def test_long_queries_are_refused_in_process_too(corpus_db):
    kb = Searcher(corpus_db)
    for run in (lambda: kb.search(NONSENSE), lambda: kb.scores(NONSENSE)):
        with pytest.raises(ValueError) as exc:
            run()
        assert str(exc.value) == TOO_LONG


def test_spelling_correction_has_a_budget(corpus_db, monkeypatch):
    import kb.query
    monkeypatch.setattr(kb.query, "CORRECTION_SECONDS", 60.0)  # the count alone bounds it here
    kb = Searcher(corpus_db)
    typos = "resourse libary tenent polcy acount pasword devise secuirty"
    fixed = kb.corrected(typos).split()
    assert sum(a != b for a, b in zip(typos.split(), fixed)) == MAX_CORRECTIONS
    assert fixed[:2] == ["resource", "library"]


def test_postings_kept_in_memory_are_bounded(corpus_db, monkeypatch):
    import kb.reader
    monkeypatch.setattr(kb.reader, "MAX_CACHED_TERMS", 50)
    searcher = Searcher(corpus_db)
    for n in range(40):
        searcher.search(f"teams zzq{n} licensing")
        assert len(searcher.reader.index._postings) <= 50
    assert searcher.search("GDAP")[0]["chunk_id"] == Searcher(corpus_db).search("GDAP")[0]["chunk_id"]


async def test_a_rebuilt_kb_db_is_served_whole(tmp_path):
    # kb serve keeps running while kb build renames a new kb.db over the old one: the table pages
    # and the search must show the new file, both of them, from the next request on.
    from kb.build import build_kb
    from conftest import TOPICS
    mixed = Path(__file__).parent / "fixtures" / "mixed"
    db = tmp_path / "kb.db"
    build_kb([mixed / "feed.xml"], db, TOPICS)
    ds = Datasette([], immutables=[str(db)], metadata=yaml.safe_load(METADATA.read_text()))
    before = (await ds.client.get("/kb/chunks.json?_size=0")).json()["filtered_table_rows_count"]
    assert (await ds.client.get("/-/kb-search.json?q=backups")).json()["total"] <= before
    build_kb([mixed], db, TOPICS)
    after = (await ds.client.get("/kb/chunks.json?_size=0")).json()["filtered_table_rows_count"]
    found = (await ds.client.get("/-/kb-search.json?q=backups")).json()
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select count(*) from chunks").fetchone()[0]
    assert after == rows != before
    assert 0 < found["total"] <= after


def test_spelling_correction_stops_at_its_time_budget(corpus_db, monkeypatch):
    import kb.query
    monkeypatch.setattr(kb.query, "CORRECTION_SECONDS", 0.0)  # no time at all: the words stay as typed
    assert Searcher(corpus_db).interpreter.correction.corrected["resourse libary"] == "resourse libary"
