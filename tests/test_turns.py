"""Who an "Unknown Speaker" turn probably is: the transcript of the bundled episode 234 labels most
of Tim O'Neill's interview turns so, between Robert Crane's; a search naming Tim finds them, and
every view says whose they probably are."""
import json
import sqlite3

import pytest
from click.testing import CliRunner

from kb.chunking import Chunk
from kb.cli import cli
from kb.search import Searcher
from kb.turns import guess_unknown_speakers, likely_speaker

R, T, B, U = "Robert Crane", "Tim O’Neill", "Brenton Johnson", "Unknown Speaker"


@pytest.mark.parametrize("speakers, n, likely", [
    ([R, U, R, T, R], 1, T),  # between two of Robert's: the other voice of the stretch
    ([T, R, U, R], 2, T),
    ([R, U, R, U, R, U, R, T], 1, T),  # unknown turns do not count as distance: one voice
    ([R, U, T, R], 1, None),  # between Robert and Tim: either could be going on
    ([B, R, U, R, T], 2, None),  # Brenton and Tim equally near
    ([R, U, R], 1, None),  # nobody else speaks
    (["Announcer", R, U, R], 2, None),  # a produced intro is no one in the conversation
    ([T] + [R] * 7 + [U, R], 8, None),  # Tim is more than six named turns away
    ([R, "unknown", R, T], 1, T),
])
def test_an_unknown_turns_likely_speaker(speakers, n, likely):
    assert likely_speaker(speakers, n) == likely


def test_the_chunks_of_an_unknown_turn_all_get_its_likely_speaker():
    chunks = [Chunk("e1", 0, "transcript", "a", speaker=s) for s in (R, U, U, R, T)]
    chunks.append(Chunk("e2", 0, "transcript", "b", speaker=U))  # another document: nobody to go by
    assert guess_unknown_speakers(chunks) == 2
    assert [c.likely_speaker for c in chunks] == [None, T, T, None, None, None]


def test_the_bundled_interviews_unknown_turns_are_tims(corpus_db):
    rows = sqlite3.connect(corpus_db).execute(
        "select likely_speaker, count(*) from chunks where speaker = ? group by 1 order by 1", (U,)).fetchall()
    assert rows == [(None, 1), (T, 13)]  # the one left is followed by a turn of Tim's own


def test_a_query_naming_tim_finds_his_unlabelled_turns(corpus_db):
    results = Searcher(corpus_db).search("how does tim explain azure to non technical people", limit=3)
    mine = [r for r in results if "on demand Data Centre" in r["text"]]
    assert mine and mine[0]["speaker"] == U and mine[0]["likely_speaker"] == T  # before: not in the first ten


def test_cli_and_json_say_who_it_probably_is(corpus_db):
    result = CliRunner().invoke(cli, ["search", "tim on demand data centre", "--db", str(corpus_db), "--limit", "1"])
    assert result.exit_code == 0 and "Unknown Speaker (probably Tim O’Neill)" in result.output
    data = json.loads(CliRunner().invoke(cli, ["search", "tim on demand data centre", "--db", str(corpus_db),
                                               "--json", "--limit", "1"]).stdout)
    assert data[0]["speaker"] == U and data[0]["likely_speaker"] == T


async def test_the_page_says_who_it_probably_is(corpus_db):
    from datasette.app import Datasette
    page = (await Datasette([str(corpus_db)]).client.get("/-/kb-search?q=tim+on+demand+data+centre")).text
    assert '<span class="kb-likely-speaker"' in page and "(probably Tim O’Neill)" in page
