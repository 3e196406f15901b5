"""vocabulary.yml's `words:` groups: a user's everyday word ("warnings") finds the passage written
in the field's word ("alerts"), ranks it above passages that only repeat the other words, never
makes a passage a match on its own, and never reads a word of a product's name as a word."""
import sqlite3

import pytest

from kb.build import build_kb
from kb.search import Query, Searcher
from kb.vocabulary import RelatedWords, VocabularyError, group_term, load_related_words, related_from_entries

from conftest import ROOT, TOPICS

VOCABULARY = ROOT / "vocabulary.yml"

DUMP = """Partner Desk Episode 77

bp1

Partner Center raises alerts about risky sign-ins, and a partner should act on each alert within a day.

Security reviews, security baselines and security training: security is a habit for every partner, every week.

An extra incentive is paid on eligible nonprofit customers, on top of the core rate.

Charity shops in the town held a bake sale for the local school, which the staff enjoyed.

Microsoft Defender for Endpoint now ships with every Business Premium seat.

Locking the front door and checking the windows protect the office at night.
"""


def build(tmp_path, vocabulary_text):
    dump = tmp_path / "dump.txt"
    dump.write_text(DUMP, encoding="utf-8")
    vocabulary = tmp_path / "vocabulary.yml"
    vocabulary.write_text(vocabulary_text, encoding="utf-8")
    build_kb([dump], tmp_path / "kb.db", TOPICS, vocabulary_path=vocabulary)
    return Searcher(tmp_path / "kb.db")


WITH_WORDS = VOCABULARY.read_text(encoding="utf-8")
WITHOUT_WORDS = WITH_WORDS[:WITH_WORDS.index("\nwords:")]


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    return build(tmp_path_factory.mktemp("related"), WITH_WORDS)


@pytest.fixture(scope="module")
def kb_without(tmp_path_factory):
    return build(tmp_path_factory.mktemp("unrelated"), WITHOUT_WORDS)


def first_text(searcher, query):
    results = searcher.search(query, limit=3)
    return results[0]["text"] if results else None


def test_an_everyday_word_finds_the_fields_word(kb, kb_without):
    query = "how soon must a partner deal with security warnings"
    assert "alert" in first_text(kb, query)
    # without the groups, the passage that repeats "security" and "partner" comes first
    assert "habit" in first_text(kb_without, query)


def test_a_hyphenated_word_is_the_joined_word(kb, kb_without):
    query = "incentive for not-for-profit customers"
    assert "nonprofit" in first_text(kb, query)
    assert "nonprofit" in first_text(kb_without, query)  # its typed words alone find it too
    analysis = kb.analyse("charity incentive")
    assert analysis.related["chariti"] == ("nonprofit", "notforprofit") and analysis.boosts["nonprofit"] == 0.5


def test_a_related_word_alone_makes_no_match(kb):
    found = kb.search_with_facets(Query("warnings", 10))
    assert found["total"] == 0 and found["results"] == []
    assert found["weaker"] == 1  # the passage on alerts scores, and is offered as weaker
    weaker = kb.search_with_facets(Query("warnings", 10, weaker=True))
    assert "alert" in weaker["results"][0]["text"]


def test_a_word_of_a_product_name_brings_no_related_words(kb):
    assert kb.analyse("Microsoft Defender").related == {}
    assert "safeguard" not in kb.analyse("Microsoft Defender").boosts  # "protect" is in its topic's aliases
    assert kb.analyse("defend the office").related == {"defend": ("protect", "safeguard")}


def test_the_groups_are_in_kb_db(kb):
    rows = sqlite3.connect(kb.reader.path).execute("select words from related_words order by id").fetchall()
    assert len(rows) == len(load_related_words(VOCABULARY)) and rows[0][0] == '["alert", "warning", "notification"]'


def test_the_bundled_groups_cover_the_field():
    groups = load_related_words(VOCABULARY)
    assert len(groups) >= 40
    related = RelatedWords(groups)
    for word, other in [("warning", "alert"), ("charity", "nonprofit"), ("client", "customer"), ("deskless", "frontline"),
                        ("cost", "price"), ("working from home", "remote work"), ("reseller", "msp")]:
        assert group_term(other) in related.of[group_term(word)]


@pytest.mark.parametrize("entries, message", [
    ([["alert"]], "vocabulary: word group number 1 needs at least two words, not ['alert']"),
    ([["alert", "warning"], ["Warning", "caution"]],
     "vocabulary: 'Warning' is in word group 1 and word group 2: a word may be in one group only"),
    ([["licence", "seat"], ["license", "subscription"]],  # one word to the index: one stem
     "vocabulary: 'license' is in word group 1 and word group 2: a word may be in one group only"),
    ([["trade show", "conference"]],
     "vocabulary: word group number 1: 'trade show' is not one or two words that the index keeps "
     "(it keeps no stop words, such as 'show')"),
    ([["managed service provider", "msp"]],
     "vocabulary: word group number 1: 'managed service provider' is not one or two words that the index keeps "
     "(it keeps no stop words, such as 'show')"),
    ([{"names": ["a", "b"]}], "vocabulary: word group number 1 is not a list of words"),
])
def test_word_group_errors(entries, message):
    with pytest.raises(VocabularyError) as exc:
        related_from_entries(entries)
    assert str(exc.value) == message


def test_a_words_key_that_is_not_a_list_is_an_error(tmp_path):
    path = tmp_path / "vocabulary.yml"
    path.write_text("names: []\nwords: alert\n", encoding="utf-8")
    with pytest.raises(VocabularyError) as exc:
        load_related_words(path)
    assert str(exc.value) == f"{path}: expected 'words:' to be a list of word groups"


def test_kb_build_reads_the_vocabulary_given(tmp_path):
    from click.testing import CliRunner
    from kb.cli import cli
    dump = tmp_path / "dump.txt"
    dump.write_text(DUMP, encoding="utf-8")
    own = tmp_path / "mine.yml"
    own.write_text("names:\n  - names: [Partner Center, PC portal]\nwords:\n  - [habit, routine]\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", str(dump), "--db", str(tmp_path / "kb.db"), "--vocabulary", str(own), "--silent"])
    assert result.exit_code == 0, result.output
    assert Searcher(tmp_path / "kb.db").reader.related_words == [["habit", "routine"]]
    own.write_text("words:\n  - [habit]\n", encoding="utf-8")  # a file of word groups only is a vocabulary too
    result = CliRunner().invoke(cli, ["build", str(dump), "--db", str(tmp_path / "kb.db"), "--vocabulary", str(own), "--silent"])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {own}: word group number 1 needs at least two words, not ['habit']\n")
