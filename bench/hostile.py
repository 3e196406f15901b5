"""The hostile inputs tried, run now, as the README's table: each input, and what it gets.

    python bench/hostile.py            # prints the Markdown table
    python bench/hostile.py --check    # exit 1 when README.md's table differs from this run

Every source case runs `kb build` (in process, into a temporary folder) on the input alone, so the
outcome is what a user sees: the error or warning line, or what was built. Every server case asks
Datasette, with this project's plugin and metadata.yml, on a kb.db built from tests/fixtures/mixed.
Paths are shown relative to the temporary folder.
"""
from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import re
import sqlite3
import sys
import tempfile
import threading
from pathlib import Path

import yaml
from click.testing import CliRunner
from bs4 import BeautifulSoup
from datasette.app import Datasette

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from kb.cli import cli  # noqa: E402

HOSTILE = ROOT / "tests" / "fixtures" / "hostile"
MIXED = ROOT / "tests" / "fixtures" / "mixed"
METADATA = ROOT / "metadata.yml"
BEGIN, END = "<!-- hostile-table: begin -->", "<!-- hostile-table: end -->"
VTT_CUE = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Ann Lee>Hello and welcome to the show about backups.\n"
LOL = "".join(f'<!ENTITY l{n + 1} "{f"&l{n};" * 10}">' for n in range(8))


def rss(item: str, prolog: str = "") -> str:
    return f"{prolog}<rss><channel><title>Show</title>{item}</channel></rss>"


# (format, the input, how to make it in a folder: a {name: text or bytes} or a function of the folder)
SOURCES = [
    ("feed", "no items at all", {"empty-feed.xml": (HOSTILE / "empty-feed.xml").read_bytes()}),
    ("feed", "cut off in the middle of an item", {"truncated-feed.xml": (HOSTILE / "truncated-feed.xml").read_bytes()}),
    ("feed", "Windows-1252 bytes under an encoding declaration", {"cp1252.xml": (HOSTILE / "cp1252-feed.xml").read_bytes()}),
    ("feed", "`<script>` and CDATA in the show notes", {"script.xml": (HOSTILE / "script-notes.xml").read_bytes()}),
    ("feed", "billion laughs: nested entities in the DOCTYPE", {
        "bomb.xml": rss("<item><title>Episode 5</title><description>&l8;</description></item>",
                        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY l0 "lol">{LOL}]>')}),
    ("feed", "an external entity naming file:///etc/passwd", {
        "xxe.xml": rss("<item><title>Episode 5</title><description>a &x; b</description></item>",
                       '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>')}),
    ("feed", "`javascript:` link, `data:` enclosure and transcript", {
        "js.xml": rss('<item><title>Episode 4</title><link>javascript:alert(1)</link><description>notes</description>'
                      '<enclosure url="data:audio/mpeg;base64,AAAA" type="audio/mpeg"/></item>')}),
    ("feed", "enclosure URL holding `\"><script>`", {
        "quote.xml": rss('<item><title>Episode 4</title><description>notes</description>'
                         '<enclosure url="https://x.example/a.mp3&quot;&gt;&lt;script&gt;" type="audio/mpeg"/></item>')}),
    ("feed", "items with neither title, description nor enclosure", {
        "blank.xml": rss("<item><guid>1</guid></item><item><title>Episode 2</title><description>two</description></item>")}),
    ("feed", "duration `99:99:99` and a date that is not a date", {
        "odd.xml": rss('<item xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><title>Episode 6</title>'
                       "<itunes:duration>99:99:99</itunes:duration><pubDate>yesterday-ish</pubDate>"
                       "<description>notes</description></item>")}),
    ("feed", "3 MB description on one line", {
        "long.xml": rss("<item><title>Episode 5</title><description>" + "a " * 1_500_000 + "</description></item>")}),
    ("feed", "5,000 items", {
        "many.xml": rss("".join(f"<item><title>Episode {n}</title><description>notes {n}</description></item>"
                                for n in range(1, 5001)))}),
    ("WebVTT", "a cue time `00:59:5x.000`", {"bad.vtt": (HOSTILE / "malformed-time.vtt").read_bytes()}),
    ("WebVTT", "a cue that ends before it starts", {"reversed.vtt": (HOSTILE / "reversed-times.vtt").read_bytes()}),
    ("WebVTT", "NUL bytes inside the text", {"nul.vtt": (HOSTILE / "nul-bytes.vtt").read_bytes()}),
    ("WebVTT", "UTF-16 with a byte-order mark", {"e5.vtt": VTT_CUE.encode("utf-16")}),
    ("WebVTT", "mojibake (`Itâ€™s`)", {"e5.vtt": VTT_CUE.replace("Hello", "Itâ€™s hello")}),
    ("WebVTT", "one million words in one cue", {
        "big.vtt": "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ann Lee>" + "word " * 1_000_000 + "\n"}),
    ("WebVTT", "random bytes named `.vtt`", {"e1.vtt": bytes(range(256)) * 20}),
    ("WebVTT", "only the `WEBVTT` header", {"e1.vtt": "WEBVTT\n"}),
    ("WebVTT", "an empty file", {"e1.vtt": ""}),
    ("WebVTT", "a voice tag never closed (`<v Ann Lee`)", {
        "e1.vtt": "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ann Lee Hello there\n"}),
    ("WebVTT", "an 8-digit hour in a cue time", {
        "e1.vtt": "WEBVTT\n\n12345678:00:01.000 --> 12345678:00:02.000\nHello there\n"}),
    ("SRT", "a byte-order mark", {"bom.srt": (HOSTILE / "bom-utf8.srt").read_bytes()}),
    ("SRT", "Windows-1252 bytes, undeclared", {"cp.srt": (HOSTILE / "cp1252-undeclared.srt").read_bytes()}),
    ("SRT", "minute 61 in a cue time", {"bad.srt": (HOSTILE / "malformed-time.srt").read_bytes()}),
    ("SRT", "3 million `<` in one cue", {"lt.srt": b"1\n00:00:01,000 --> 00:00:02,000\n" + b"<" * 3_000_000 + b"\n"}),
    ("SRT", "cues without their numbers, out of order", {
        "e2.srt": "00:00:09,000 --> 00:00:10,000\nSecond line\n\n00:00:01,000 --> 00:00:02,000\nFirst line\n"}),
    ("JSON", "a segment time `later`", {"bad.json": (HOSTILE / "bad-time.json").read_bytes()}),
    ("JSON", "cut off in a string", {"cut.json": (HOSTILE / "truncated.json").read_bytes()}),
    ("JSON", "100,000 nested brackets", {"deep.json": "[" * 100_000 + "]" * 100_000}),
    ("JSON", "a 5,000-digit number", {"e9.json": '{"segments": [{"start": 1' + "0" * 5000 + ', "end": 2, "text": "hi"}]}'}),
    ("JSON", "a word time of 3,600 digits", {
        "e9.json": '{"segments": [{"start": 1, "end": 2, "text": "hello world", "words": [{"word": "hello", "start": 1'
                   + "0" * 3600 + ', "end": 1.5}, {"word": "world", "start": 1.5, "end": 2}]}]}'}),
    ("JSON", "`NaN` and `Infinity` as times", {"e9.json": '{"segments": [{"start": NaN, "end": Infinity, "text": "hi"}]}'}),
    ("JSON", "`null`", {"e9.json": "null"}),
    ("JSON", "an array of numbers", {"e9.json": "[1, 2, 3]"}),
    ("JSON", "a 3 MB segment text", {"e9.json": '{"segments": [{"start": 0, "end": 1, "text": "' + "b " * 1_500_000 + '"}]}'}),
    ("JSON", "a negative start and an end before it", {"e9.json": '{"segments": [{"start": -5, "end": -9, "text": "hi there"}]}'}),
    ("HTML", "unclosed tags and stray end tags", {"page.html": (HOSTILE / "malformed-page.html").read_bytes()}),
    ("HTML", "Windows-1252 declared in a meta tag", {"cp.html": (HOSTILE / "cp1252-declared.html").read_bytes()}),
    ("HTML", "mojibake in a UTF-8 page", {"moji.html": (HOSTILE / "mojibake-page.html").read_bytes()}),
    ("HTML", "3 MB paragraph", {"big.html": "<html><body><article><h1>Big</h1><p>" + "x" * 3_000_000 + "</p></article></body></html>"}),
    ("HTML", "20,000 nested `<div>`", {
        "deep.html": "<html><body>" + "<div>" * 20000 + "<h1>T</h1><p>deep text</p>" + "</div>" * 20000 + "</body></html>"}),
    ("HTML", "a WordPress `<audio>` player in the post", {
        "episode-305.html": '<html><body><article><h1 class="entry-title">Need to Know podcast–Episode 305</h1>'
                            '<div class="entry-content"><p>Jane and I talk about Teams Phone.</p><audio controls>'
                            '<source type="audio/mpeg" src="https://media.example/ntk305.mp3"></audio></div></article></body></html>'}),
    ("HTML", "`javascript:` and `data:` links in the resources", {
        "e7.html": "<html><body><article><h1>Episode 7</h1><p>Notes here.</p><p>Resources</p><ul>"
                   "<li><a href='javascript:alert(1)'>bad</a></li><li><a href='data:text/html,x'>worse</a></li>"
                   "<li><a href='https://ok.example/'>fine</a></li></ul></article></body></html>"}),
    ("HTML", "a page with no title and no text", {"e8.html": "<html><body><div></div></body></html>"}),
    ("Otter text", "a turn header with an 8-digit hour", {
        "e9.txt": "Robert Crane  0:05\nHello there.\n\nJane Doe  12345678:00:00\nA huge hour.\n\nRobert Crane  0:20\nBack.\n"}),
    ("text dump", "Latin-1 bytes", {"dump.txt": "Title Line\n\nok\ncaf\xe9 here\n".encode("latin-1")}),
    ("text dump", "text before the first title", {
        "dump.txt": "stray words\n\nNeed to Know podcast–Episode 9\n\nWe talk about backups and retention today.\n"}),
    ("text dump", "a title and nothing else", {"dump.txt": "Need to Know podcast–Episode 9\n"}),
    ("text dump", "posts of punctuation only", {"dump.txt": "Need to Know podcast–Episode 9\n\n... --- !!!\n"}),
]


def fifo(folder: Path) -> str:
    os.mkfifo(folder / "feed.xml")
    return str(folder / "feed.xml")


def fifo_in_folder(folder: Path) -> str:
    (folder / "src").mkdir()
    (folder / "src" / "ep301.vtt").write_text(VTT_CUE)
    os.mkfifo(folder / "src" / "pipe.txt")
    return str(folder / "src")


def huge_file(folder: Path) -> str:
    with open(folder / "huge.xml", "wb") as f:
        f.write(b"<rss><channel><item><title>Episode 1</title><description>")
        f.truncate(50 * 1024 * 1024)
    return str(folder / "huge.xml")


def symlink_loop(folder: Path) -> str:
    (folder / "src" / "sub").mkdir(parents=True)
    (folder / "src" / "ep3.vtt").write_text(VTT_CUE)
    (folder / "src" / "sub" / "up").symlink_to("..")
    return str(folder / "src")


def no_sources(folder: Path) -> str:
    (folder / "src").mkdir()
    (folder / "src" / "photo.png").write_bytes(b"\x89PNG")
    return str(folder / "src")


FILES = [
    ("files", "a FIFO named as a source", fifo),
    ("files", "`/dev/zero`", lambda folder: "/dev/zero"),
    ("files", "`/dev/urandom`", lambda folder: "/dev/urandom"),
    ("files", "a FIFO inside a folder of sources", fifo_in_folder),
    ("files", "a 50 MB file", huge_file),
    ("files", "a folder holding a symlink to itself", symlink_loop),
    ("files", "a folder with no source files", no_sources),
    ("files", "a path that does not exist", lambda folder: str(folder / "missing.xml")),
    ("URLs", "`file:///etc/passwd`", lambda folder: "file:///etc/passwd"),
    ("URLs", "`ftp://` URL", lambda folder: "ftp://example.invalid/feed.xml"),
    ("URLs", "a host that refuses the connection", lambda folder: "http://127.0.0.1:9/feed.xml"),
]


def build(sources: list[str], folder: Path, *options: str) -> str:
    """What `kb build` says: its error, or what it built and its warnings."""
    result = CliRunner().invoke(cli, ["build", *sources, "--db", str(folder / "kb.db"), *options])
    lines = [line for line in result.output.splitlines() if line.startswith(("Error:", "Warning:", "Built "))]
    said = []
    for line in lines:
        if line.startswith("Built "):
            counts = re.search(r": (\d+) documents? .*?, (\d+) chunks?", line)
            said.append(f"built {counts[1]} document(s), {counts[2]} chunk(s)" if counts else line)
        else:
            said.append(line)
    if result.exception and not isinstance(result.exception, SystemExit):
        said.append(f"TRACEBACK {type(result.exception).__name__}")
    return shown(" · ".join(said) or f"exit {result.exit_code}", folder)


def shown(text: str, folder: Path) -> str:
    text = text.replace(f"{folder}/", "").replace(str(folder), ".")
    text = " ".join(text.split())
    return text if len(text) <= 230 else text[:227] + "…"


def source_case(make, folder: Path) -> str:
    if callable(make):
        said = build([make(folder)], folder)
    else:
        for name, content in make.items():
            path = folder / name
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        said = build([str(folder / name) for name in make], folder)
    return said + first_passage(folder / "kb.db")


def first_passage(db: Path) -> str:
    """The start of the first passage built, so the table shows what the text became."""
    if not db.exists():
        return ""
    with sqlite3.connect(db) as conn:
        row = conn.execute("select speaker, text from chunks order by id limit 1").fetchone()
    if not row:
        return ""
    speaker, text = row
    text = " ".join(text.split())
    return f"; first passage{f' ({speaker})' if speaker else ''}: “{text[:60]}{'…' if len(text) > 60 else ''}”"


def held_lock(folder: Path) -> str:
    """A second build while another holds the lock: it waits, says for whom, then builds."""
    lock = open(folder / ".kb.db.lock", "a+")
    fcntl.flock(lock, fcntl.LOCK_EX)
    lock.write("process 4242")
    lock.flush()
    threading.Timer(1.0, lambda: (fcntl.flock(lock, fcntl.LOCK_UN), lock.close())).start()
    result = CliRunner().invoke(cli, ["build", str(MIXED / "feed.xml"), "--db", str(folder / "kb.db")])
    waited = [line for line in result.output.splitlines() if "lock" in line.lower() or "wait" in line.lower()]
    built = [line for line in result.output.splitlines() if line.startswith("Built ")]
    return shown(" · ".join(waited + (["then built"] if built else [])), folder)


def leftovers(folder: Path) -> str:
    (folder / ".kb.db.x1y2.tmp").write_bytes(b"\0" * 4096)
    said = build([str(MIXED / "feed.xml")], folder)
    left = sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))
    return f"{said} · left behind: {', '.join(left) or 'nothing'}"


def other_schema(folder: Path) -> str:
    build([str(MIXED / "feed.xml")], folder)
    with sqlite3.connect(folder / "kb.db") as conn:
        conn.execute("update kb_meta set value = '1' where key = 'schema_version'")
    result = CliRunner().invoke(cli, ["search", "backups", "--db", str(folder / "kb.db")])
    return shown(result.output.strip().splitlines()[-1], folder)


def unwritable(folder: Path) -> str:
    blocker = folder / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    result = CliRunner().invoke(cli, ["build", str(MIXED / "feed.xml"), "--db", str(blocker / "kb.db")])
    return shown(" · ".join(line for line in result.output.splitlines() if line.startswith("Error:")), folder)


def bad_taxonomy(folder: Path) -> str:
    (folder / "topics.yml").write_bytes("topics:\n  - name: Caf\xe9\n".encode("latin-1"))
    return build([str(MIXED / "feed.xml")], folder, "--topics", str(folder / "topics.yml"))


def attachment_export(folder: Path) -> str:
    build([str(MIXED / "feed.xml")], folder)
    with sqlite3.connect(folder / "kb.db") as conn:
        conn.execute("""update documents set audio_url = 'https://x.example/a.mp3"><script>', audio_type = 'audio/mpeg'""")
    result = CliRunner().invoke(cli, ["export", "--db", str(folder / "kb.db"), "--format", "jsonfeed",
                                      "-o", str(folder / "feed.json")])
    warned = [line for line in result.output.splitlines() if line.startswith("Warning:")]
    carried = "<script>" in (folder / "feed.json").read_text()
    return shown(f"{warned[0] if warned else 'no warning'} · the feed {'carries' if carried else 'does not carry'} it", folder)


def long_cli_query(folder: Path) -> str:
    build([str(MIXED / "feed.xml")], folder)
    nonsense = " ".join(f"zqx{n}vbrk" for n in range(60))
    result = CliRunner().invoke(cli, ["search", nonsense, "--db", str(folder / "kb.db")])
    return shown(result.output.strip(), folder)


def negative_limit(folder: Path) -> str:
    build([str(MIXED / "feed.xml")], folder)
    result = CliRunner().invoke(cli, ["search", "backups", "--limit", "-3", "--db", str(folder / "kb.db")])
    return shown(result.output.strip().splitlines()[-1], folder)


BUILDS = [
    ("build", "a second build while one holds the lock", held_lock),
    ("build", "a `.kb.db.*.tmp` left by a killed build", leftovers),
    ("build", "`--db` inside a path that is a file", unwritable),
    ("build", "a taxonomy that is not UTF-8", bad_taxonomy),
    ("read", "a kb.db of another schema version", other_schema),
    ("CLI", "`kb search` with 60 nonsense words", long_cli_query),
    ("CLI", "`kb search --limit -3`", negative_limit),
    ("export", "an audio URL holding `\"><script>` in kb.db", attachment_export),
]

NONSENSE = "+".join(f"zqx{n}vbrk" for n in range(60))
# (the request, what it is, metadata changes)
REQUESTS = [
    ("/-/kb-search.json?q=GDAP", "search with `allow: false` on the database", {"database": {"allow": False}}),
    ("/-/kb-search?q=GDAP", "search page with `allow: false` on the instance", {"allow": False}),
    ("/-/kb-search.json?related=1", "related passages with `allow: false`", {"database": {"allow": False}}),
    ("/-/kb-search.json?q=x&page=%C2%B2", "`page=²`", {}),
    ("/-/kb-search.json?q=x&page=%E2%91%A0", "`page=①`", {}),
    ("/-/kb-search.json?related=%C2%B2", "`related=²`", {}),
    ("/-/kb-search.json?related=99999999999999999999", "`related=99999999999999999999`", {}),
    ("/-/kb-search.json?related=abc", "`related=abc`", {}),
    ("/-/kb-search.json?q=" + NONSENSE, "60 nonsense words (600 characters)", {}),
    ("/kb/search?q=" + "x" * 30_000, "canned query page with a 30 KB `q`", {}),
    ("/kb/facts_about.json?q=" + "x" * 600, "canned facts query with a 600-character `q`", {}),
    ("POST /kb/search", "POST to a canned query", {}),
    ("/-/kb-search.json?q=%27%20OR%201%3D1%20--", "`' OR 1=1 --`", {}),
    ("/kb/search.json?q=%27;drop%20table%20chunks;--", "`';drop table chunks;--` in a canned query", {}),
    ("/-/kb-search.json?q=NEAR(%22%20*", "FTS5 syntax `NEAR(\" *`", {}),
    ("/-/kb-search.json?q=%00", "a NUL byte as the query", {}),
    ("/-/kb-search.json?q=%ED%A0%80", "bytes that are not UTF-8 (`%ED%A0%80`)", {}),
    ("/-/kb-search.json?q=&topic=%3Cscript%3E", "`topic=<script>`", {}),
    ("/-/kb-search.json?q=backups&page=100000", "`page=100000`", {}),
    ("/-/kb-audio/999999", "audio of a passage that does not exist", {}),
    ("/-/kb-audio/..%2F..%2Fetc%2Fpasswd", "`/-/kb-audio/../../etc/passwd`", {}),
    ("/-/feeds/topic/nope.json", "a feed of a topic that does not exist", {}),
]


def answer(response) -> str:
    """The status and what the answer says: its error message, or how many results it holds."""
    if response.headers.get("content-type", "").startswith("application/json"):
        data = response.json()
        if isinstance(data, dict) and data.get("ok") is False:
            return f"{response.status_code}: {data.get('error')}"
        if isinstance(data, dict) and "total" in data:
            return f"{response.status_code}, {data['total']} result(s), {len(data['results'])} on this page"
        if isinstance(data, dict) and "rows" in data:
            return f"{response.status_code}, {len(data['rows'])} row(s)"
    if response.headers.get("content-type", "").startswith("text/plain"):
        return f"{response.status_code}: {' '.join(response.text.split())}"
    page = BeautifulSoup(response.text, "html.parser")
    box = page.select_one("section.content div") or page.select_one("body")
    message = " ".join(box.get_text(" ").split()) if box else ""
    return f"{response.status_code}" + (f": {message}" if message else "")


async def request_cases(db: Path) -> list[tuple[str, str, str]]:
    rows = []
    for path, what, changes in REQUESTS:
        metadata = yaml.safe_load(METADATA.read_text())
        for key, value in changes.items():
            if key == "database":
                metadata["databases"]["kb"].update(value)
            else:
                metadata[key] = value
        ds = Datasette([str(db)], metadata=metadata)
        if path.startswith("POST "):
            response = await ds.client.post(path[5:], data={"q": "GDAP"})
        else:
            response = await ds.client.get(path)
        got = answer(response)
        if response.status_code in (301, 302):  # follow it, as a browser would
            got = f"{response.status_code} to {response.headers['location']}, then {answer(await ds.client.get(response.headers['location']))}"
        if "30 KB" in what:
            got += f" (Link header: {len(response.headers.get('link', '')):,} bytes)"
        rows.append(("server", what, shown(got, db.parent)))
    return rows


def table_rows() -> list[tuple[str, str, str]]:
    rows = []
    for kind, what, make in SOURCES + FILES + BUILDS:
        with tempfile.TemporaryDirectory() as tmp:
            got = make(Path(tmp)) if (kind, what, make) in BUILDS else source_case(make, Path(tmp))
            rows.append((kind, what, got))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "kb.db"
        CliRunner().invoke(cli, ["build", str(MIXED), "--db", str(db), "--silent"])
        rows += asyncio.run(request_cases(db))
    return rows


def markdown(rows: list[tuple[str, str, str]]) -> str:
    lines = ["| # | kind | input | what it gets |", "| --- | --- | --- | --- |"]
    for n, (kind, what, got) in enumerate(rows, 1):
        lines.append(f"| {n} | {kind} | {what} | {got.replace('|', '∣')} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the table in README.md")
    args = parser.parse_args()
    table = markdown(table_rows())
    if not args.check:
        print(table)
        return
    readme = (ROOT / "README.md").read_text()
    kept = readme.split(BEGIN, 1)[1].split(END, 1)[0].strip() if BEGIN in readme else ""
    if kept != table:
        print("README.md's hostile-input table differs from this run; paste `python bench/hostile.py`.")
        sys.exit(1)
    print("README.md's hostile-input table is this run's.")


if __name__ == "__main__":
    main()
