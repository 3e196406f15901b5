"""kb build with audio files: transcript chunks with their words, search to the second, the cache."""
from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from kb.audio import transcribe as tr
from kb.audio.options import EngineError
from kb.cli import cli
from kb.search import search
from speech import require_audio, seconds, silence, speak, write_mp3, write_wav

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
INTRO = "Welcome to the Need to Know podcast. This week we look at the news for partners."
PHRASE = "Calling plans for Teams phone are now cheaper for a small business."


@pytest.fixture(scope="module")
def episode(tmp_path_factory) -> tuple[Path, float]:
    """An mp3 whose second sentence, on calling plans, starts after the intro and 2 s of silence."""
    require_audio()
    intro = np.concatenate([silence(0.5), speak(INTRO), silence(2.0)])
    folder = tmp_path_factory.mktemp("audio")
    write_mp3(folder / "Need to Know Episode 312 - Teams Phone.mp3", np.concatenate([intro, speak(PHRASE), silence(0.5)]))
    return folder, seconds(intro)


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def build(tmp_path: Path, *sources) -> tuple[Path, object]:
    db = tmp_path / "kb.db"
    result = CliRunner().invoke(cli, ["build", *map(str, sources), "--db", str(db)])
    return db, result


def test_search_finds_the_second_a_phrase_is_spoken(episode, tmp_path):
    folder, spoken_at = episode
    db, result = build(tmp_path, folder)
    assert result.exit_code == 0, result.output
    assert re.search(r"^Transcribing Need to Know Episode 312 - Teams Phone\.mp3: \d+% of 13 s$", result.output, re.M)
    assert "Transcribed Need to Know Episode 312 - Teams Phone.mp3\n" in result.output
    [hit] = search(db, "calling plans", limit=1)
    assert hit["document_id"] == "episode-312" and hit["episode"] == 312
    assert hit["title"] == "Need to Know Episode 312 - Teams Phone"
    assert hit["kind"] == "transcript"
    assert abs(hit["start"] - spoken_at) < 1.0, (hit["start"], spoken_at)
    assert hit["url"].endswith(f"#t={int(hit['start'])}")
    assert hit["url"].startswith("file://") and "Episode%20312" in hit["url"]
    assert hit["start"] > hit_chunk_start(db, hit["chunk_id"]) + 2  # later than the chunk's own start


def hit_chunk_start(db: Path, chunk_id: int) -> float:
    with sqlite3.connect(db) as conn:
        return conn.execute("select start from chunks where id = ?", (chunk_id,)).fetchone()[0]


def test_words_table_holds_the_audio_words(episode, tmp_path):
    db, result = build(tmp_path, episode[0])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select w.word, w.start, w.end, w.confidence, c.document_id from words w "
                            "join chunks c on c.id = w.chunk_id order by w.id").fetchall()
        text = " ".join(t for (t,) in conn.execute("select text from chunks where kind = 'transcript' order by id"))
    assert [r[0] for r in rows] == text.split()  # one row per word of the chunks' text, in order
    assert {r[4] for r in rows} == {"episode-312"}
    assert all(0 <= r[1] <= r[2] and 0 <= r[3] <= 1 for r in rows)
    assert [r[1] for r in rows] == sorted(r[1] for r in rows)
    calling = next(r for r in rows if r[0].lower().startswith("calling"))
    assert abs(calling[1] - episode[1]) < 1.0


def test_build_uses_the_cache_from_kb_transcribe(episode, tmp_path, monkeypatch):
    [audio] = episode[0].glob("*.mp3")
    made = CliRunner().invoke(cli, ["transcribe", str(audio), "--engine", "whisper-timestamped",
                                    "--out", str(tmp_path / "out")])
    assert made.exit_code == 0, made.output

    def fail(*args, **kwargs):
        raise AssertionError("transcribed again")

    monkeypatch.setattr(tr, "load_engine", fail)
    db, result = build(tmp_path, episode[0])
    assert result.exit_code == 0, result.output
    assert search(db, "calling plans", limit=1)[0]["document_id"] == "episode-312"
    # and the transcript JSON that kb transcribe wrote builds the same episode, with its words
    db2 = tmp_path / "json" / "kb.db"
    result = CliRunner().invoke(cli, ["build", str(tmp_path / "out"), "--db", str(db2)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(db2) as conn:
        assert conn.execute("select count(*) from words").fetchone()[0] > 10


def test_show_notes_of_the_same_episode_give_the_title(tmp_path):
    # The audio's name carries the show's ('NTK': Need to Know) and the number: it is that episode.
    require_audio()
    folder = tmp_path / "sources"
    folder.mkdir()
    shutil.copy(FIXTURES / "mixed" / "episode-301.html", folder)
    write_wav(folder / "ntk301.wav", np.concatenate([speak(PHRASE), silence(0.5)]))
    db, result = build(tmp_path, folder)
    assert result.exit_code == 0, result.output
    with sqlite3.connect(db) as conn:
        docs = conn.execute("select id, title, episode from documents").fetchall()
        kinds = dict(conn.execute("select kind, count(*) from chunks where document_id = 'episode-301' group by kind"))
    assert docs == [("episode-301", "Need to Know podcast–Episode 301", 301)]
    assert kinds.get("transcript", 0) >= 1 and len(kinds) > 1  # the audio's transcript beside the page's notes


def test_bad_audio_is_skipped_with_a_warning_and_the_rest_is_built(episode, tmp_path):
    folder = tmp_path / "sources"
    shutil.copytree(episode[0], folder)
    (folder / "broken.mp3").write_text("not audio at all\n" * 10)
    (folder / "empty.m4a").write_bytes(b"")
    write_wav(folder / "quiet.wav", silence(2))
    db, result = build(tmp_path, folder)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert f"Warning: {folder / 'broken.mp3'}: skipped: not an audio file, or a corrupt one" in result.output
    assert f"Warning: {folder / 'empty.m4a'}: skipped: file is empty (0 bytes)" in result.output
    assert f"Warning: {folder / 'quiet.wav'}: no speech found; the episode has no transcript" in result.output
    assert search(db, "calling plans", limit=1)[0]["document_id"] == "episode-312"


def test_a_missing_engine_is_a_clean_build_error(episode, tmp_path, monkeypatch):
    def missing(*args, **kwargs):
        raise EngineError("faster-whisper is not installed: pip install -e '.[audio]'")

    monkeypatch.setattr(tr, "load_engine", missing)
    db, result = build(tmp_path, episode[0])
    assert result.exit_code == 1
    assert "cannot transcribe: faster-whisper is not installed: pip install -e '.[audio]'" in result.output
    assert not db.exists()


def test_without_the_speakers_extra_audio_is_built_unlabelled_unless_speakers_are_asked_for(episode, tmp_path, monkeypatch):
    from kb.audio import voices

    def missing():
        raise EngineError("speaker labels need the voice encoder that the resemblyzer package ships: "
                          "pip install -e '.[speakers]'")

    monkeypatch.setattr(voices, "weights_path", missing)
    db, result = build(tmp_path, episode[0])  # --speakers auto is only the default: no labels, said once
    assert result.exit_code == 0, result.output
    assert result.output.count("No speaker labels on audio: the speakers extra is not installed") == 1
    with sqlite3.connect(db) as conn:
        assert conn.execute("select distinct speaker from chunks where kind = 'transcript'").fetchall() == [(None,)]
    asked = CliRunner().invoke(cli, ["build", str(episode[0]), "--db", str(tmp_path / "asked.db"), "--speakers", "2"])
    assert asked.exit_code == 1
    assert "cannot transcribe: speaker labels need the voice encoder that the resemblyzer package ships" in asked.output
