"""The kb command as a user runs it: exit codes, output, and the exact errors for bad input."""
import json
import shutil
import sqlite3

import pytest
from click.testing import CliRunner

from kb import datasette_main
from kb.cli import cli
from kb.schema import SCHEMA_VERSION

from conftest import CORPUS, damaged_copy


@pytest.fixture
def runner():
    return CliRunner()


def test_help_and_version(runner):
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0 and "build" in result.output and "search" in result.output
    assert runner.invoke(cli, ["-h"]).exit_code == 0
    assert "version" in runner.invoke(cli, ["--version"]).output


def test_build_then_search(runner, tmp_path):
    db = tmp_path / "kb.db"
    result = runner.invoke(cli, ["build", str(CORPUS), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert f"Built {db}: 6 documents (3 episodes)" in result.output
    result = runner.invoke(cli, ["search", "walkie talkie", "--db", str(db), "--limit", "1"])
    assert result.exit_code == 0, result.output
    assert "Episode 234" in result.output and "walkie" in result.output.lower()


def test_build_default_source_is_bundled_corpus(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no corpus/ here: the bundled one is used
    result = runner.invoke(cli, ["build", "--silent"])
    assert result.exit_code == 0, result.output
    assert result.output == "" and (tmp_path / "kb.db").exists()


@pytest.mark.parametrize("name, content, message", [
    ("empty.txt", b"", ": file is empty"),
    ("blob.txt", b"\x00\x01\x02binary", ": binary file, not text (it contains NUL bytes)"),
    ("latin.txt", b"Title line\n\nCaf\xe9 society\n", ", line 3: not valid UTF-8 text; save the file as UTF-8"),
    ("prose.txt", b"just one lower-case sentence without any title.\n",
     ", line 1: no recognisable posts (expected a title line followed by paragraphs, "
     "such as 'Need to Know podcast\xe2\x80\x93Episode 234')"),
])
def test_bad_input_errors_keep_old_db(runner, tmp_path, name, content, message):
    db = tmp_path / "kb.db"
    assert runner.invoke(cli, ["build", str(CORPUS), "--db", str(db), "--silent"]).exit_code == 0
    before = db.read_bytes()
    bad = tmp_path / name
    bad.write_bytes(content)
    result = runner.invoke(cli, ["build", str(bad), "--db", str(db)])
    assert result.exit_code == 1
    message = message.encode("latin-1").decode("utf-8") if "\xe2" in message else message
    assert f"Error: {bad}{message}\n{db} was left as it was.\n" in result.output
    assert "Traceback" not in result.output
    assert db.read_bytes() == before


def test_failed_build_of_a_new_db_says_nothing_was_written(runner, tmp_path):
    bad = tmp_path / "bad.vtt"
    bad.write_text("WEBVTT\n\n00:00:5x.000 --> 00:00:09.000\nHello.\n")
    db = tmp_path / "new.db"
    result = runner.invoke(cli, ["build", str(bad), "--db", str(db)])
    assert result.exit_code == 1
    assert result.output.endswith(f"\n{db} was not written.\n") and "left as it was" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.vtt"]  # no lock file left


def test_missing_source(runner, tmp_path):
    result = runner.invoke(cli, ["build", str(tmp_path / "nowhere"), "--db", str(tmp_path / "kb.db")])
    assert result.exit_code == 1
    assert f"Error: {tmp_path / 'nowhere'}: no such file or folder\n" in result.output
    assert not (tmp_path / "kb.db").exists()


def test_bad_taxonomy(runner, tmp_path):
    topics = tmp_path / "topics.yml"
    topics.write_text("topics:\n  - name: MFA\n    patterns: ['(unclosed']\n")
    result = runner.invoke(cli, ["build", "--topics", str(topics), "--db", str(tmp_path / "kb.db")])
    assert result.exit_code == 1
    assert f"Error: {topics}: topic 'MFA': bad pattern '(unclosed'" in result.output


def test_search_json_fields(runner, corpus_db):
    result = runner.invoke(cli, ["search", "F1 license price per user", "--db", str(corpus_db), "--json"])
    assert result.exit_code == 0, result.output
    results = json.loads(result.stdout)
    assert 1 <= len(results) <= 10
    for key in ("chunk_id", "document_id", "title", "kind", "text", "score", "topics", "speaker", "start", "url"):
        assert key in results[0]
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    top = results[0]
    assert top["document_id"] == "episode-234" and top["speaker"] == "Robert Crane"
    assert "F1/F3 licensing" in top["topics"]


@pytest.mark.parametrize("query", ['F1/F3', '$4', 'AD-joined', '"split tunnelling"', "O'Neill",
                                   'MFA AND (OR', '*', '""', 'NEAR(', '   '])
def test_punctuation_never_errors(runner, corpus_db, query):
    result = runner.invoke(cli, ["search", query, "--db", str(corpus_db), "--json"])
    assert result.exit_code == 0, result.output
    assert isinstance(json.loads(result.stdout), list)


def test_search_says_when_it_corrected_a_word(runner, corpus_db):
    result = runner.invoke(cli, ["search", "walkie talkee", "--db", str(corpus_db), "--limit", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "Showing results for 'walkie talkie'."
    result = runner.invoke(cli, ["search", "walkie talkee", "--db", str(corpus_db), "--limit", "1", "--json"])
    assert json.loads(result.stdout)[0]["chunk_id"] and "Showing results for 'walkie talkie'." in result.stderr


def test_search_filters(runner, corpus_db):
    result = runner.invoke(cli, ["search", "licence", "--db", str(corpus_db), "--json",
                                 "--topic", "F1/F3 licensing", "--kind", "transcript"])
    results = json.loads(result.stdout)
    assert results and all(r["kind"] == "transcript" and "F1/F3 licensing" in r["topics"] for r in results)


def test_search_unknown_topic_lists_known(runner, corpus_db):
    result = runner.invoke(cli, ["search", "mfa", "--db", str(corpus_db), "--topic", "Kubernetes"])
    assert result.exit_code == 1
    assert "Error: unknown topic 'Kubernetes'; known topics: MFA, " in result.output


def test_search_missing_db(runner, tmp_path):
    result = runner.invoke(cli, ["search", "mfa", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path / 'none.db'}: no such database; run 'kb build' first\n"


def test_search_not_a_kb_db(runner, tmp_path):
    other = tmp_path / "other.db"
    other.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    result = runner.invoke(cli, ["search", "mfa", "--db", str(other)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {other}: not a kb.db built by 'kb build'")


@pytest.mark.parametrize("command", [["search", "intune"], ["facts", "PSTN accelerator"]])
def test_damaged_kb_db_is_one_error_line(runner, corpus_db, tmp_path, command):
    damaged = damaged_copy(corpus_db, tmp_path / "garbled.db")
    result = runner.invoke(cli, [*command, "--db", str(damaged)])
    assert result.exit_code == 1
    assert result.output == (f"Error: {damaged}: kb.db is damaged (database disk image is malformed); "
                             "run 'kb build' again\n")


@pytest.mark.parametrize("name", ["new#1.db", "q?x=1.db", "p%20c.db", "50%.db"])
def test_db_path_with_uri_characters_is_read(runner, tmp_path, name):
    db = tmp_path / name
    assert runner.invoke(cli, ["build", str(CORPUS.parent / "tests" / "fixtures" / "mixed" / "ep301.vtt"), "--db", str(db)]).exit_code == 0
    result = runner.invoke(cli, ["search", "backups", "--db", str(db), "--json", "-n", "1"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["episode"] == 301
    published = runner.invoke(cli, ["publish", "--db", str(db), "--out", str(tmp_path / "out")])
    assert published.exit_code == 0, published.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "out"])  # no stray file from a cut path


def test_search_kb_db_of_another_version(runner, corpus_db, tmp_path):
    old = tmp_path / "old.db"
    shutil.copy(corpus_db, old)
    with sqlite3.connect(old) as conn:
        conn.execute("update kb_meta set value = '0' where key = 'schema_version'")
    result = runner.invoke(cli, ["search", "mfa", "--db", str(old)])
    assert result.exit_code == 1
    assert result.output == (f"Error: {old}: built by another version of kb (schema 0, this one reads "
                             f"{SCHEMA_VERSION}); run 'kb build' again\n")


def test_serve_builds_missing_db_then_runs_datasette(runner, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(datasette_main, "serve_datasette", lambda arguments, metadata: calls.append((arguments, metadata)))
    db = tmp_path / "my.db"
    result = runner.invoke(cli, ["serve", "--db", str(db), "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert db.exists()
    command, metadata = calls[0]
    assert command[:3] == ["serve", "-i", str(db)]
    assert command[command.index("-p") + 1] == "8123"
    assert "my" in metadata["databases"] and "kb" not in metadata["databases"]


def test_datasette_is_given_the_metadata_as_kb_read_it(corpus_db, tmp_path, monkeypatch, capsys):
    # Datasette would parse metadata.yml a second time, with PyYAML's pure-Python loader (50 ms of
    # kb serve's start); kb hands it what it read, renamed for the database's name
    import datasette.cli
    monkeypatch.setattr(datasette.cli, "parse_metadata", datasette.cli.parse_metadata)  # put back afterwards
    path = tmp_path / "metadata.yml"
    path.write_text("title: As the file says\n", encoding="utf-8")
    with pytest.raises(SystemExit) as stopped:
        datasette_main.serve_datasette(["serve", "-i", str(corpus_db), "-m", str(path), "--get", "/-/metadata.json"],
                                       metadata={"title": "As kb read it"})
    assert stopped.value.code == 0
    assert json.loads(capsys.readouterr().out)["title"] == "As kb read it"


def test_a_port_whose_last_server_just_stopped_is_free_again():
    # check_port binds as uvicorn does: connections of a stopped server left in TIME_WAIT do not
    # make "port 8001 is in use" (a restart of kb serve said so for a minute)
    import socket
    from click import ClickException
    from kb.serving import check_port
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        port = server.getsockname()[1]
        server.listen()
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # the server's side closes first: its end of the connection waits in TIME_WAIT
        client.close()
    check_port("127.0.0.1", port)  # no ClickException
    with socket.socket() as other:  # a server listening there is another matter
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.bind(("127.0.0.1", port))
        other.listen()
        with pytest.raises(ClickException, match=f"port {port} is in use"):
            check_port("127.0.0.1", port)


def test_datasette_makes_its_unit_registry_only_when_units_are_used():
    # kb serve's first search came 1.8 s after starting, 0.8 s of it pint parsing its units as
    # Datasette was imported; a column with units must still convert
    import subprocess
    import sys
    code = ("import sys; from kb import datasette_main as m; import datasette.vendored as v; "
            "sys.modules[m.PINT] = v.pint = m.PintStandIn(m.PINT); import datasette.app; "
            "from datasette.views.base import ureg; "
            "print(any(n.startswith(m.PINT + '.') for n in sys.modules), ureg('2 km').to('m').magnitude)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "2000.0"]


def test_search_command_loads_no_build_libraries(corpus_db):
    # `kb search` answers in a fraction of a second because it never imports what only the build
    # needs (scikit-learn and scipy take half a second, the HTML and feed parsers a tenth).
    import subprocess
    import sys
    code = ("import sys; from click.testing import CliRunner; from kb.cli import cli; "
            f"r = CliRunner().invoke(cli, ['search', 'GDAP', '--db', {str(corpus_db)!r}, '-n', '1']); "
            "assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in ('sklearn', 'scipy', 'bs4', 'feedparser') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_serve_what_datasette_cannot_serve_is_one_error_line(runner, corpus_db, tmp_path, monkeypatch):
    monkeypatch.setattr(datasette_main, "serve_datasette", lambda arguments, metadata: pytest.fail("must not start Datasette"))
    text = tmp_path / "afile.txt"
    text.write_text("hi\n")
    bad_meta = tmp_path / "bad-meta.yml"
    bad_meta.write_text("title: [unclosed\n  bad: : yaml\n")
    bad_json = tmp_path / "bad-meta.json"
    bad_json.write_text('{"title": "x",\n "databases": }\n')
    odd = tmp_path / "a#b.db"
    shutil.copy(corpus_db, odd)
    for args, message in [
        (["--db", str(text)], f"Error: {text}: not a kb.db built by 'kb build' (file is not a database)\n"),
        (["--db", str(corpus_db), "--metadata", str(bad_meta)],
         f"Error: {bad_meta}, line 2: not valid YAML or JSON (expected ',' or ']', but got ':')\n"),
        (["--db", str(corpus_db), "--metadata", str(bad_json)],
         f"Error: {bad_json}, line 2: not valid JSON (Expecting value)\n"),
        (["--db", str(odd)], f"Error: {odd}: Datasette cannot open a file whose path holds '#', '?' or '%'; "
                             "rename it (kb search and kb publish read it as it is)\n"),
    ]:
        result = runner.invoke(cli, ["serve", *args, "--port", "0"])
        assert (result.exit_code, result.output) == (1, message)


def test_serve_on_a_port_in_use_says_so(runner, corpus_db, monkeypatch):
    import socket
    monkeypatch.setattr(datasette_main, "serve_datasette", lambda arguments, metadata: pytest.fail("must not start Datasette"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(cli, ["serve", "--db", str(corpus_db), "--port", str(port)])
    assert result.exit_code == 1
    assert result.output == f"Error: port {port} is in use; try --port {port + 1}\n"


def test_facts_command(runner, corpus_db):
    result = runner.invoke(cli, ["facts", "PSTN accelerator", "--db", str(corpus_db), "--limit", "1"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "1. about 20% — Global PSTN Calling & Conferencing Accelerator"
    assert lines[1] == "   Microsoft SMB Partner Incentives for CSP Partners (Financial Incentives) · Strategic Product Accelerators"
    assert lines[2].startswith("   “An additional ~20% incentive for selling Microsoft’s voice")


def test_facts_json_and_unit(runner, corpus_db):
    result = runner.invoke(cli, ["facts", "minimum revenue for core rebates", "--db", str(corpus_db), "--json",
                                 "--unit", "$"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found and {f["unit"] for f in found} == {"$"}
    first = found[0]
    assert (first["label"], first["value"], first["subject"]) == ("$25,000", 25000, "Eligibility: minimum revenue threshold")
    assert {"id", "document_id", "title", "chunk_id", "heading", "currency", "qualifier", "figure", "date",
            "sentence", "url", "score"} <= set(first)


def test_facts_none_and_errors(runner, corpus_db, tmp_path):
    result = runner.invoke(cli, ["facts", "walkie talkie", "--db", str(corpus_db), "--unit", "%"])
    assert result.exit_code == 0 and result.output == "No facts about 'walkie talkie'.\n"
    missing = runner.invoke(cli, ["facts", "PSTN", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 1
    assert missing.output == f"Error: {tmp_path / 'none.db'}: no such database; run 'kb build' first\n"
    assert "--unit" in runner.invoke(cli, ["facts", "--help"]).output


def test_facts_unknown_unit_lists_the_units(runner, corpus_db):
    result = runner.invoke(cli, ["facts", "PSTN accelerator", "--db", str(corpus_db), "--unit", "percent"])
    assert result.exit_code == 1
    with sqlite3.connect(corpus_db) as conn:
        units = [u for u, in conn.execute("select unit from facts group by unit order by count(*) desc, unit")]
    assert {"%", "$", "points"} <= set(units)
    assert result.output == f"Error: unknown unit 'percent'; the units are {', '.join(units)}\n"
