"""kb export: JSON Feed 1.1 that validates, filters that pick the right items, safe digests, errors."""
import json
import os
import shutil
import sqlite3
import subprocess
import sys

import jsonschema
import pytest
from click.testing import CliRunner

from kb.cli import cli

# JSON Feed 1.1 (https://jsonfeed.org/version/1.1) as a JSON Schema, written from the spec's text.
AUTHOR = {"type": "object", "properties": {"name": {"type": "string"}, "url": {"type": "string"},
                                           "avatar": {"type": "string"}}}
JSON_FEED_1_1 = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string"}, "home_page_url": {"type": "string", "pattern": "^https?://"},
        "feed_url": {"type": "string"}, "description": {"type": "string"}, "language": {"type": "string"},
        "authors": {"type": "array", "items": AUTHOR}, "expired": {"type": "boolean"},
        "items": {"type": "array", "items": {
            "type": "object",
            "required": ["id"],
            "anyOf": [{"required": ["content_html"]}, {"required": ["content_text"]}],
            "properties": {
                "id": {"type": "string"}, "url": {"type": "string", "pattern": "^https?://"},
                "title": {"type": "string"}, "content_html": {"type": "string"}, "content_text": {"type": "string"},
                "summary": {"type": "string"},
                "date_published": {"type": "string", "format": "date-time",
                                   "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "attachments": {"type": "array", "items": {
                    "type": "object", "required": ["url", "mime_type"],
                    "properties": {"url": {"type": "string"}, "mime_type": {"type": "string"},
                                   "duration_in_seconds": {"type": "number"}}}},
            },
            # extensions must start with an underscore: no other unknown keys
            "patternProperties": {"^_": {"type": "object"}},
            "additionalProperties": False,
        }},
    },
    "patternProperties": {"^_": {"type": "object"}},
    "additionalProperties": False,
}


def export(db, *args):
    result = CliRunner().invoke(cli, ["export", "--db", str(db), *args])
    return result


def feed(db, *args):
    result = export(db, *args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    jsonschema.validate(data, JSON_FEED_1_1)
    return data


def test_whole_corpus_feed_validates(corpus_db):
    data = feed(corpus_db)
    assert [i["id"] for i in data["items"]][:3] == ["episode-234", "episode-220", "episode-211"]
    assert len(data["items"]) == 6
    episode = data["items"][0]
    assert episode["url"] == "https://ciaops.podbean.com/e/episode-234-tim-oneill/"
    assert "F1/F3 licensing" in episode["tags"] and "Business Voice" in episode["tags"]
    assert len(episode["_need_to_know"]["highlights"]) == 3
    labels = [r["label"] for r in episode["_need_to_know"]["resources"]]
    assert "Microsoft 365 Business Voice" in labels


def test_topic_filter_and_highlights_on_topic(corpus_db):
    data = feed(corpus_db, "--topic", "Business Voice", "--highlights", "2")
    assert [i["id"] for i in data["items"]] == ["episode-234", "microsoft-smb-partner-incentives-for-csp-partners-financial"]
    for item in data["items"]:
        highlights = item["_need_to_know"]["highlights"]
        assert 1 <= len(highlights) <= 2
        assert all("Business Voice" in h["topics"] for h in highlights)
    transcript = data["items"][0]["_need_to_know"]["highlights"][0]
    assert transcript["speaker"] == "Robert Crane" and transcript["time"] == "14:40" and transcript["start"] == 880


def test_episode_range_and_query(corpus_db):
    assert [i["id"] for i in feed(corpus_db, "--episodes", "215-240")["items"]] == ["episode-234", "episode-220"]
    data = feed(corpus_db, "--query", "walkie talkie", "--highlights", "1")
    assert [i["id"] for i in data["items"]] == ["episode-234"]
    assert "walkie talkie" in data["items"][0]["_need_to_know"]["highlights"][0]["snippet"]


def test_dates_select_items(corpus_db, tmp_path):
    dated = tmp_path / "kb.db"
    shutil.copy(corpus_db, dated)
    with sqlite3.connect(dated) as conn:
        conn.execute("update documents set published = '2020-03-20' where id = 'episode-234'")
        conn.execute("update documents set published = '2019-11-02' where id = 'episode-220'")
    data = feed(dated, "--since", "2020-01", "--until", "2020-12-31")
    assert [(i["id"], i["date_published"]) for i in data["items"]] == [("episode-234", "2020-03-20T00:00:00Z")]


def test_same_output_in_separate_processes(corpus_db):
    # two fresh processes with different hash seeds: set and dict orders may not leak into the bytes
    def run(fmt, seed):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-m", "kb.cli", "export", "--db", str(corpus_db), "--format", fmt],
                              capture_output=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout
    for fmt in ("jsonfeed", "json", "markdown", "html"):
        first = run(fmt, "1")
        assert len(first) > 1000 and first == run(fmt, "4242")


def test_plain_json_schema_and_chart_numbers(corpus_db):
    data = json.loads(export(corpus_db, "--format", "json", "--topic", "MFA").stdout)
    assert data["schema"] == "need-to-know-kb/export/1" and data["count"] == len(data["items"]) == 3
    chart = data["topic_mentions"]
    assert chart["rows"][0][0] == "MFA" and len(chart["rows"][0]) == len(chart["columns"]) + 1
    conn = sqlite3.connect(corpus_db)
    for item, count in zip(data["items"], chart["rows"][0][1:]):
        expected = conn.execute("select count(*) from chunk_topics ct join chunks c on c.id = ct.chunk_id "
                                "where ct.topic_id = 'mfa' and c.document_id = ?", (item["id"],)).fetchone()[0]
        assert count == expected


def test_markdown_digest_grouped_by_topic(corpus_db):
    text = export(corpus_db, "--format", "markdown", "--topic", "MFA", "--topic", "GDAP").stdout
    assert text.startswith("# Need to Know: MFA, GDAP\n")
    assert text.index("## MFA") < text.index("## GDAP")
    assert "data:image/svg+xml;base64," in text and "| Topic |" in text
    assert "[Episode 220: Need to Know podcast–Episode 220](<https://ciaops.podbean.com/e/episode-220-leigh-wood/>)" in text


def test_html_digest_escapes_sources(tmp_path):
    dump = tmp_path / "dump.txt"
    dump.write_text("Need to Know podcast–Episode 7\n\n"
                    "Show notes about MFA <script>alert('x')</script> and <img src=x onerror=alert(1)> for admins "
                    "who manage many customer tenants every single day.\n\nResources\n\n"
                    "Evil link – javascript:alert(1)\n")
    db = tmp_path / "kb.db"
    assert CliRunner().invoke(cli, ["build", str(dump), "--db", str(db), "--silent"]).exit_code == 0
    page = export(db, "--format", "html").stdout
    assert "<script" not in page and "<img" not in page and 'href="javascript' not in page
    assert "&lt;script&gt;" in page and "&lt;img src=x" in page and "<svg" in page
    data = feed(db)
    assert "&lt;script&gt;" in data["items"][0]["content_html"]


def test_errors(corpus_db):
    result = export(corpus_db, "--topic", "Kubernetes")
    assert result.exit_code == 1 and "Error: unknown topic 'Kubernetes'; known topics: MFA, " in result.output
    result = export(corpus_db, "--since", "2020-02-30")
    assert result.exit_code == 1
    assert "Error: --since: '2020-02-30' is not a date; use YYYY-MM-DD (or YYYY-MM)" in result.output
    result = export(corpus_db, "--episodes", "240-230")
    assert result.exit_code == 1 and "Error: --episodes: the range '240-230' runs backwards; use 230-240" in result.output
    assert export(corpus_db, "--format", "pdf").exit_code == 2


def test_empty_result_is_an_empty_feed(corpus_db):
    result = export(corpus_db, "--episodes", "900-999")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["items"] == []
    assert "No items matched; the export is empty." in result.stderr


def test_output_file(corpus_db, tmp_path):
    out = tmp_path / "feed.json"
    result = export(corpus_db, "-o", str(out), "--topic", "GDAP")
    assert result.exit_code == 0 and "Wrote 1 item(s) to" in result.stderr
    assert [i["id"] for i in json.loads(out.read_text())["items"]] == ["security-requirements-for-microsoft-partners-and-their"]


async def test_canned_query_gives_the_export_items(corpus_db):
    import yaml
    from datasette.app import Datasette
    from conftest import METADATA
    ds = Datasette([str(corpus_db)], metadata=yaml.safe_load(METADATA.read_text()))
    response = await ds.client.get(
        "/kb/newsletter_items.json?topic=Business+Voice&query=&since=&until=&_shape=objects&_json=item")
    assert response.status_code == 200, response.text
    items = [row["item"] for row in response.json()["rows"]]
    expected = json.loads(export(corpus_db, "--format", "json", "--topic", "Business Voice").stdout)["items"]
    assert items == expected


def test_only_web_audio_with_a_mime_type_reaches_the_feed(corpus_db, tmp_path):
    # a source could hold any string in an enclosure's URL or type; apps read the feed's attachments
    dated = tmp_path / "kb.db"
    shutil.copy(corpus_db, dated)
    with sqlite3.connect(dated) as conn:
        conn.execute("""update documents set audio_url = 'https://media.example/234.mp3', audio_type = '"><script>'
                        where id = 'episode-234'""")
        conn.execute("""update documents set audio_url = 'https://media.example/"><script>', audio_type = 'audio/mpeg'
                        where id = 'episode-220'""")
        conn.execute("""update documents set audio_url = 'https://media.example/211.mp3', audio_type = 'audio/mpeg'
                        where id = 'episode-211'""")
    result = export(dated)
    assert result.exit_code == 0, result.output
    items = {i["id"]: i for i in json.loads(result.stdout)["items"]}
    assert "attachments" not in items["episode-234"] and "attachments" not in items["episode-220"]
    assert items["episode-211"]["attachments"] == [{"url": "https://media.example/211.mp3", "mime_type": "audio/mpeg"}]
    assert "Warning: episode-234: audio attachment left out: 'https://media.example/234.mp3' ('\"><script>')" in result.stderr
    assert "Warning: episode-220: audio attachment left out:" in result.stderr and "<script>" not in result.stdout


def test_items_carry_their_facts(corpus_db):
    data = json.loads(export(corpus_db, "--format", "json").stdout)
    by_id = {i["id"]: i for i in data["items"]}
    incentives = by_id["microsoft-smb-partner-incentives-for-csp-partners-financial"]
    pstn = [f for f in incentives["facts"] if f["subject"] == "Global PSTN Calling & Conferencing Accelerator"]
    assert [(f["label"], f["value"], f["unit"], f["qualifier"], f["figure"]) for f in pstn] == [
        ("about 20%", 20, "%", "about", "~20%")]
    assert pstn[0]["heading"] == "Strategic Product Accelerators" and pstn[0]["chunk_id"]
    assert "facts" not in by_id["episode-234"]  # an item without facts has no key
    feed = json.loads(export(corpus_db, "--format", "jsonfeed").stdout)
    feed_items = {i["id"]: i for i in feed["items"]}
    assert feed_items["microsoft-smb-partner-incentives-for-csp-partners-financial"]["_need_to_know"]["facts"] == \
        incentives["facts"]
    assert "facts" not in feed_items["episode-234"]["_need_to_know"]


def test_digest_chart_is_sized_to_what_it_holds(corpus_db):
    import re
    def svg(*args):
        text = export(corpus_db, "--format", "html", *args).stdout
        return re.search(r"<svg.*?</svg>", text, re.S).group()
    one = svg("--topic", "Business Voice")
    many = svg()
    height = lambda chart: float(re.search(r'height="([\d.]+)"', chart).group(1))  # noqa: E731
    rows = lambda chart: len(re.findall(r"<rect ", chart))  # noqa: E731
    assert height(one) < 120 < height(many)  # no room kept for rows it does not have
    assert "Passages on each topic, per item (darker: more)" in one  # a caption
    # labels whole: every topic's name and every item's title, none cut with an ellipsis
    assert "…" not in many and ">Business Voice<" in one
    assert "1: Episode 234" in one and "2: Microsoft SMB Partner Incentives for CSP Partners (Financial Incentives)" in one
    assert rows(many) > rows(one)


def test_highlights_are_passages_before_link_lists(corpus_db):
    data = json.loads(export(corpus_db, "--format", "json", "--topic", "MFA", "--highlights", "1").stdout)
    e220 = next(i for i in data["items"] if i["id"] == "episode-220")
    [highlight] = e220["highlights"]
    with sqlite3.connect(corpus_db) as conn:
        kinds = dict(conn.execute("select kind, count(*) from chunks where document_id = 'episode-220' and topics like "
                                  "'%\"MFA\"%' group by kind"))
        kind = conn.execute("select kind from chunks where id = ?", (highlight["chunk_id"],)).fetchone()[0]
    assert "resources" in kinds and kind == "show_notes"  # the Resources list names MFA too, but reads as labels


def test_output_onto_the_database_is_refused(corpus_db, tmp_path):
    db = tmp_path / "clob.db"
    db.write_bytes(corpus_db.read_bytes())
    before = db.read_bytes()
    for name in (str(db), f"{tmp_path}/./clob.db"):
        result = export(db, "-o", name)
        assert result.exit_code == 1
        assert result.output == f"Error: -o {name} is the database being exported; name another file\n"
    (tmp_path / "link.db").symlink_to(db)
    result = export(tmp_path / "link.db", "-o", str(db))
    assert result.output == f"Error: -o {db} is the database being exported; name another file\n"
    assert db.read_bytes() == before


@pytest.mark.parametrize("output, reason", [("/nonexistent/dir/x.json", "No such file or directory"),
                                            ("/dev/full", "No space left on device")])
def test_output_that_cannot_be_written_is_one_error_line(corpus_db, output, reason):
    result = export(corpus_db, "-o", output)
    assert result.exit_code == 1
    assert result.output.endswith(f"Error: cannot write {output}: {reason}\n")
    assert "Traceback" not in result.output
