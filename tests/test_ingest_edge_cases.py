"""Dumps that once fooled the splitter, and the errors and warnings a user sees for odd input."""
import os
import stat
import warnings

import pytest
from click.testing import CliRunner

import ingest.sources
from ingest.errors import IngestError, IngestWarning
from ingest.otter import parse_turns
from kb.build import build_kb
from kb.cli import cli

from conftest import CORPUS, TOPICS

PARAGRAPH = ("Partners should review every admin account in each customer tenant, remove standing access, "
             "and move technicians to named accounts with multifactor authentication turned on.")


def parse(tmp_path, text):
    path = tmp_path / "dump.txt"
    path.write_text(text, encoding="utf-8")
    return ingest.sources.load_sources([path])


def test_title_with_punctuation_over_placeholder(tmp_path):
    docs = parse(tmp_path, f"Need to Know podcast–Episode 40\n\n{PARAGRAPH}\n\nResources\n\nAzure storage\n\n"
                           f"Stop using SMS for MFA!\n\nbp1\n\n{PARAGRAPH}\n\nReferences\n\n[1] SMS is weak\n")
    assert [(d.id, d.kind) for d in docs] == [("episode-40", "episode"), ("stop-using-sms-for-mfa", "article")]
    assert [r.label for r in docs[1].resources] == ["SMS is weak"]


def test_episode_named_in_a_resources_list(tmp_path):
    docs = parse(tmp_path, f"Need to Know podcast–Episode 240\n\n{PARAGRAPH}\n\nResources\n\n@directorcia\n\n"
                           "Need to Know podcast Episode 233\n\nAzure storage\n\nTranscription\n\n"
                           "Robert Crane  0:10\nWelcome to the show about storage.\n")
    assert [d.id for d in docs] == ["episode-240"]
    assert [r.label for r in docs[0].resources] == ["@directorcia", "Need to Know podcast Episode 233", "Azure storage"]
    assert [(s.speaker, s.start) for s in docs[0].segments if s.kind == "transcript"] == [("Robert Crane", 10)]


def test_article_with_short_intro_after_references(tmp_path):
    docs = parse(tmp_path, f"First Article\n\nbp1\n\n{PARAGRAPH}\n\nReferences\n\n[1] A source, https://example.com/a\n\n"
                           f"Article Two Title\n\nShort intro line here.\n\n{PARAGRAPH}\n")
    assert [d.title for d in docs] == ["First Article", "Article Two Title"]
    assert [(r.label, r.url) for r in docs[0].resources] == [("A source", "https://example.com/a")]


def test_line_ending_in_a_time_inside_a_turn(tmp_path):
    turns = parse_turns([(1, "Brenton Johnson  0:40"), (2, "Let us catch up next week."),
                         (3, "See you at 10:30"), (4, "Robert Crane  0:50"), (5, "Sounds good.")])
    assert [(t.speaker, t.start, t.end) for t in turns] == [("Brenton Johnson", 40, 50), ("Robert Crane", 50, None)]
    assert turns[0].text == "Let us catch up next week. See you at 10:30"


def test_resource_labels_are_clean(tmp_path):
    docs = parse(tmp_path, f"Need to Know podcast–Episode 41\n\n{PARAGRAPH}\n\nResources\n\n"
                           "• Azure Lighthouse\n\nTeams training (https://aka.ms/teams)\n")
    assert [(r.label, r.url) for r in docs[0].resources] == [
        ("Azure Lighthouse", None), ("Teams training", "https://aka.ms/teams")]


def test_text_before_first_title_is_reported(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        docs = parse(tmp_path, f"site header without a title.\n\nNeed to Know podcast–Episode 42\n\n{PARAGRAPH}\n")
    assert [d.id for d in docs] == ["episode-42"]
    messages = [str(w.message) for w in caught if issubclass(w.category, IngestWarning)]
    assert messages == [f"{tmp_path / 'dump.txt'}, line 1: 1 paragraph(s) before the first post title were skipped"]


def test_cli_prints_warnings(tmp_path):
    (tmp_path / "dump.txt").write_text(f"site header without a title.\n\nNeed to Know podcast–Episode 42\n\n{PARAGRAPH}\n")
    result = CliRunner().invoke(cli, ["build", str(tmp_path / "dump.txt"), "--db", str(tmp_path / "kb.db")])
    assert result.exit_code == 0, result.output
    assert "Warning: " in result.output and "before the first post title were skipped" in result.output


def test_posts_without_indexable_words(tmp_path):
    (tmp_path / "dump.txt").write_text("My Post Title\n\nbp1\n\nThe the the and of.\n")
    summary = build_kb([tmp_path / "dump.txt"], tmp_path / "kb.db", TOPICS)
    assert (summary.documents, summary.chunks) == (1, 1)


def test_title_only_is_an_error(tmp_path):
    path = tmp_path / "dump.txt"
    path.write_text("Title\n\nbp1\n")
    with pytest.raises(IngestError) as exc:
        build_kb([path], tmp_path / "kb.db", TOPICS)
    assert str(exc.value) == f"{path}: no text to index: the posts found have titles but no body"


def test_unwritable_database_folder(tmp_path):
    result = CliRunner().invoke(cli, ["build", str(CORPUS), "--db", "/proc/kb-test/kb.db"])
    assert result.exit_code == 1
    assert "Error: cannot write /proc/kb-test/kb.db: No such file or directory\n" in result.output
    assert "Traceback" not in result.output


def test_taxonomy_not_utf8(tmp_path):
    topics = tmp_path / "topics.yml"
    topics.write_bytes(b"\xff\xfe")
    result = CliRunner().invoke(cli, ["build", str(CORPUS), "--topics", str(topics), "--db", str(tmp_path / "kb.db")])
    assert result.exit_code == 1
    assert f"Error: {topics}: not valid UTF-8 text; save the file as UTF-8" in result.output


def test_kb_db_readable_by_others(tmp_path):
    old = os.umask(0o022)
    try:
        build_kb([CORPUS], tmp_path / "kb.db", TOPICS)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "kb.db").stat().st_mode) == 0o644


def test_source_path_is_relative_to_the_folder_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    docs = ingest.sources.load_sources([CORPUS])
    assert {d.source for d in docs} == {"corpus/need-to-know-dump.txt"}
