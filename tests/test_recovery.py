"""The checks on every decode and the recovery: lost speech comes back, word times sit where the
words are said, retries are recorded, what cannot be recovered is a warning, long files resume."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from kb.audio import checks, chunks, options
from kb.audio import transcribe as tr
from kb.audio.vocabulary import default_prompt
from kb.cli import cli
from speech import require_audio, speak_sentences, word_error_rate, words_of, write_wav

# The failure of issue 13, as it happened: with the taxonomy's vocabulary as a text prompt, tiny.en
# answered the first 30 s window of this clip (espeak-ng en-gb, 120 wpm) without timestamps, and
# the first words came 20 s late (faster-whisper) or 30 s late (whisper-timestamped).
SKIPPED = [
    "Welcome back to the show, where we talk about Microsoft 365 for partners.",
    "Today we start with identity, because that is where most attacks begin.",
    "If you still have administrators without MFA, stop listening and fix that first.",
    "Security defaults in Entra ID are free, and they turn on multi-factor authentication for every user.",
    "For customers with Business Premium, move to Conditional Access instead.",
]
# Sentences whose starts are known, for the word times (written for this test, not tuned on).
TIMED = [
    "Good morning, and thanks for joining the call.",
    "The backup job failed twice on Tuesday night.",
    "We moved the mailboxes to the new tenant last week.",
    "Please check the licence report before Friday.",
    "Our next review is booked for the end of the month.",
    "That is everything from me today.",
]


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def skipped_clip(tmp_path_factory) -> Path:
    require_audio()
    samples, _ = speak_sentences([("en-gb", s) for s in SKIPPED], wpm=120, pause=0.5, lead=0.0)
    return write_wav(tmp_path_factory.mktemp("skipped") / "skipped.wav", samples)


@pytest.fixture(scope="module")
def timed_clip(tmp_path_factory) -> tuple[Path, list[dict]]:
    require_audio()
    samples, known = speak_sentences([("en-us", s) for s in TIMED], wpm=150)
    return write_wav(tmp_path_factory.mktemp("timed") / "timed.wav", samples), known


def words(result: dict) -> list[dict]:
    return [w for s in result["segments"] for w in s["words"]]


@pytest.mark.parametrize("engine", options.ENGINES)
def test_a_prompted_decode_that_skipped_speech_comes_back_whole(engine, skipped_clip, tmp_path):
    text_prompt = options.TranscribeOptions(engine=engine, prompt=default_prompt(), prompt_form="text")
    [result] = tr.transcribe_files([skipped_clip], text_prompt, tmp_path / "out")
    found = result.transcript
    # whole: tiny.en still mishears a few words (the lost transcript had WER over 50%)
    assert word_error_rate(" ".join(SKIPPED), found["text"]) <= 0.2, found["text"]
    assert len(words(found)) >= 0.9 * len(words_of(" ".join(SKIPPED)))
    assert words(found)[0]["start"] < 1.0  # "Welcome" is said at 0 s
    assert found["checks"]["coverage"] == 1.0 and found["unrecovered"] == [] and result.warning is None
    # The first pass lost most of the first window; the JSON says what was decoded again and why.
    written = json.loads(result.output.read_text())
    retry = written["retries"][0]
    assert retry["start"] < 1.0 and retry["end"] > 20.0
    assert "speech with no words" in retry["reasons"] and retry["kept"] == "retry"
    assert retry["words_before"] < 0.5 * retry["words_after"]


@pytest.mark.parametrize("engine", options.ENGINES)
def test_each_sentence_starts_when_it_is_spoken(engine, timed_clip):
    path, known = timed_clip
    found = words(tr.transcribe_file(path, options.TranscribeOptions(engine=engine)))
    errors = []
    for sentence in known:
        first = words_of(sentence["text"])[0]
        near = [w for w in found if words_of(w["text"])[:1] == [first] and abs(w["start"] - sentence["start"]) < 3]
        if near:
            errors.append(min((w["start"] - sentence["start"] for w in near), key=abs))
    assert len(errors) >= len(known) - 1, found  # at most one first word misheard
    assert max(map(abs, errors)) <= 0.6, errors  # a few hundred ms (a late first word was 20 s)
    assert float(np.median(np.abs(errors))) <= 0.25, errors


def fake_engine(real, said_until: float):
    """The real engine, except that it hears nothing after `said_until` seconds of the file, on the
    first pass and when decoding again: speech that cannot be recovered."""
    class Deaf:
        name, ref = real.name, real.ref

        def decode(self, audio, options, language, prompt, condition=True):
            heard = audio[: int(said_until * 16000)] if audio.size / 16000 > said_until else audio[:0]
            return real.decode(heard, options, language, prompt, condition) if heard.size else ([], language)
    return Deaf()


def test_speech_that_cannot_be_recovered_is_a_warning_with_the_seconds(timed_clip, tmp_path, monkeypatch):
    path, known = timed_clip
    real = tr.load_engine("faster-whisper", None)
    monkeypatch.setattr(tr, "load_engine", lambda *a: fake_engine(real, known[3]["start"] - 0.3))
    result = CliRunner().invoke(cli, ["transcribe", str(path), "--out", str(tmp_path / "out"), "--silent"])
    assert result.exit_code == 0, result.output
    written = json.loads((tmp_path / "out" / "timed.json").read_text())
    [gap] = written["unrecovered"]
    assert abs(gap["start"] - known[3]["start"]) < 0.5 and abs(gap["end"] - known[-1]["end"]) < 0.5
    seconds = gap["end"] - gap["start"]
    assert (f"Warning: {path}: {seconds:.1f} s of speech have no words, even after decoding again "
            f"({gap['start']:.1f}-{gap['end']:.1f} s)") in result.output
    db = tmp_path / "kb.db"
    built = CliRunner().invoke(cli, ["build", str(path), "--db", str(db)])  # from the cache: warned again
    assert built.exit_code == 0, built.output
    assert f"Warning: {path}: {seconds:.1f} s of speech have no words" in built.output


def test_an_interrupted_long_file_resumes_from_the_last_finished_chunk(timed_clip, cache, monkeypatch):
    path, known = timed_clip
    every = options.TranscribeOptions(chunk_seconds=8.0)
    whole = tr.transcribe_file(path, options.TranscribeOptions(chunk_seconds=8.0, cache_dir=cache / "whole"))
    real = tr.load_engine("faster-whisper", None)
    calls = []

    class Interrupted:
        name, ref = real.name, real.ref

        def decode(self, audio, options, language, prompt, condition=True):
            calls.append(audio.size / 16000)
            if len(calls) == 3:
                raise KeyboardInterrupt
            return real.decode(audio, options, language, prompt, condition)

    monkeypatch.setattr(tr, "load_engine", lambda *a: Interrupted())
    with pytest.raises(KeyboardInterrupt):
        tr.transcribe_file(path, every)
    assert len(list(cache.glob("chunks/*/*/chunk-*.json"))) == 2  # two chunks were finished and kept
    assert not list(cache.glob("transcripts/*/*.json"))
    calls.clear()
    resumed = tr.transcribe_file(path, every)
    edges = chunks.cut_points(checks_regions(path), whole["audio"]["duration"], 8.0)
    assert len(edges) - 1 >= 3 and len(calls) == len(edges) - 1 - 2  # only the unfinished chunks
    assert resumed["segments"] == whole["segments"]
    assert not list(cache.glob("chunks/*/*/chunk-*.json"))  # the finished transcript replaces them


def checks_regions(path: Path):
    from kb.audio.decode import decode_audio
    from kb.audio.speech import speech_regions

    return speech_regions(decode_audio(path))


def test_uncovered_speech_and_loops_are_found():
    regions = [(0.0, 10.0)]
    said = [{"text": "a", "start": t, "end": t + 0.3} for t in (0.1, 0.6, 1.1)]
    late = [{"text": "b", "start": 8.0, "end": 8.01}, {"text": "c", "start": 8.01, "end": 8.02}]
    assert checks.uncovered(said + late, regions) == [(pytest.approx(1.65), pytest.approx(7.75)),
                                                      (pytest.approx(8.27), 10.0)]
    assert checks.repeats("thank you thank you thank you thank you")
    assert not checks.repeats("the tenant, the tenant admin and the tenant owner")
    squeezed = {"start": 8.0, "end": 8.1, "text": "a b c d",
                "words": [{"text": x, "start": 8 + i / 100, "end": 8 + i / 100 + 0.01} for i, x in enumerate("abcd")]}
    assert "words squeezed together" in checks.segment_problems(squeezed, regions)


def test_chunks_are_cut_in_the_longest_silence_near_each_minute():
    regions = [(0, 55), (55.5, 58), (61, 120), (121, 150)]  # silences: 55-55.5, 58-61, 120-121
    assert chunks.cut_points(regions, 150.0) == [0.0, 59.5, 120.5, 150.0]
