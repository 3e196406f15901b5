"""kb transcribe: both engines on synthesised speech, the cache, the model conversion, bad audio."""
from __future__ import annotations

import json
import os
import re
import wave
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from kb.audio import decode, engines, models, options, passes, vocabulary
from kb.audio import transcribe as tr
from kb.cli import cli
from kb.topics import load_taxonomy
from speech import require_audio, seconds, silence, speak, word_error_rate, write_mp3, write_wav

ROOT = Path(__file__).resolve().parent.parent
SENTENCE = ("Welcome to the Need to Know podcast. Today we talk about multi factor authentication "
            "and how partners secure their customers.")
KEY_WORDS = {"welcome", "podcast", "authentication", "partners", "customers"}


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> tuple[Path, float]:
    require_audio()
    samples = np.concatenate([silence(0.5), speak(SENTENCE), silence(0.5)])
    return write_wav(tmp_path_factory.mktemp("speech") / "episode-7.wav", samples), seconds(samples)


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def spoken(result: dict) -> set[str]:
    return {w["text"].strip(".,?!").lower() for s in result["segments"] for w in s["words"]}


def assert_valid_times(result: dict, duration: float) -> None:
    words = [w for s in result["segments"] for w in s["words"]]
    assert words
    assert all(0 <= w["start"] <= w["end"] <= duration + 0.01 for w in words), words
    assert all(a["start"] <= b["start"] for a, b in zip(words, words[1:]))
    for seg in result["segments"]:  # the segment's text is its words, so chunks can carry them
        assert seg["text"] == " ".join(w["text"] for w in seg["words"])
        assert seg["start"] == seg["words"][0]["start"]


@pytest.mark.parametrize("engine", options.ENGINES)
def test_engines_find_the_words_with_valid_timestamps(engine, speech):
    path, duration = speech
    result = tr.transcribe_file(path, options.TranscribeOptions(engine=engine))
    assert KEY_WORDS <= spoken(result), result["text"]
    assert_valid_times(result, duration)
    assert result["engine"] == engine and result["language"] == "en"
    assert result["audio"]["file"] == "episode-7.wav" and abs(result["audio"]["duration"] - duration) < 0.05
    # "podcast" ends the first sentence, about 2 s in (0.5 s of silence, then 9 words at 140 wpm)
    podcast = next(w for s in result["segments"] for w in s["words"] if w["text"].lower().startswith("podcast"))
    assert 1.0 < podcast["start"] < 3.5


def test_whisper_timestamped_runs_on_the_bundled_model_converted_once(speech, cache):
    tr.load_engine.cache_clear()
    tr.transcribe_file(speech[0], options.TranscribeOptions(engine="whisper-timestamped"))
    converted = list((cache / "models").glob("whisper-*.pt"))
    assert len(converted) == 1
    made = converted[0].stat().st_mtime_ns
    tr.load_engine.cache_clear()
    tr.transcribe_file(speech[0], options.TranscribeOptions(engine="whisper-timestamped", use_cache=False))
    assert converted[0].stat().st_mtime_ns == made  # kept, not converted again


def test_converted_encoder_matches_ctranslate2(speech, tmp_path):
    import ctranslate2
    import torch
    import whisper

    from kb.audio.ct2_to_whisper import convert

    folder = models.bundled_model_dir()
    dims = convert(folder, tmp_path / "tiny.pt")
    assert (dims.n_audio_layer, dims.n_text_layer, dims.n_vocab, dims.n_text_ctx) == (4, 4, 51864, 448)
    model = whisper.load_model(str(tmp_path / "tiny.pt"), device="cpu")  # strict: every key matched
    audio = whisper.pad_or_trim(decode.decode_audio(speech[0]))
    mel = whisper.log_mel_spectrogram(torch.from_numpy(audio))[None]
    with torch.no_grad():
        ours = model.encoder(mel).numpy()
    reference = ctranslate2.models.Whisper(str(folder), device="cpu", compute_type="float32")
    theirs = np.array(reference.encode(ctranslate2.StorageView.from_array(mel.numpy())))
    assert np.abs(ours - theirs).max() < 1e-2 * np.abs(theirs).max()


def test_user_given_checkpoint_through_the_cli(speech, tmp_path):
    from kb.audio.ct2_to_whisper import convert

    convert(models.bundled_model_dir(), tmp_path / "my-model.pt")
    result = CliRunner().invoke(cli, ["transcribe", str(speech[0]), "--engine", "whisper-timestamped",
                                      "--model", str(tmp_path / "my-model.pt"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    written = json.loads((tmp_path / "out" / "episode-7.json").read_text())
    assert written["model"] == str(tmp_path / "my-model.pt")
    assert KEY_WORDS <= spoken(written)
    assert f"Wrote {tmp_path / 'out' / 'episode-7.json'}" in result.output


def test_cache_prevents_a_second_transcription(speech, monkeypatch):
    first = tr.transcribe_file(speech[0])

    def fail(*args, **kwargs):
        raise AssertionError("transcribed twice")

    monkeypatch.setattr(engines.FasterWhisper, "decode", fail)
    assert tr.transcribe_file(speech[0]) == first
    assert tr.cached_any(speech[0]) == first
    with pytest.raises(AssertionError, match="transcribed twice"):
        tr.transcribe_file(speech[0], options.TranscribeOptions(use_cache=False))


def test_bad_audio_fails_cleanly_and_the_good_file_is_kept(speech, tmp_path):
    good = speech[0]
    text = tmp_path / "notes.mp3"
    text.write_text("These are show notes, not audio.\n" * 20)
    empty = tmp_path / "empty.mp3"
    empty.write_bytes(b"")
    mp3 = write_mp3(tmp_path / "whole.mp3", speak(SENTENCE))
    cut_mp3 = tmp_path / "cut.mp3"
    cut_mp3.write_bytes(mp3.read_bytes()[: mp3.stat().st_size // 3])
    cut_wav = tmp_path / "cut.wav"
    cut_wav.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    quiet = write_wav(tmp_path / "quiet.wav", silence(3))
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["transcribe", str(text), str(empty), str(good), str(cut_mp3), str(cut_wav),
                                      str(quiet), "--out", str(out), "--silent"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"Error: {text}: not an audio file, or a corrupt one" in result.output
    assert f"Error: {empty}: file is empty (0 bytes)" in result.output
    assert f"Error: {cut_mp3}: file is truncated: " in result.output
    assert f"Error: {cut_wav}: file is truncated: " in result.output
    assert "Error: 4 of 6 file(s) could not be transcribed; the others were written" in result.output
    assert KEY_WORDS <= spoken(json.loads((out / "episode-7.json").read_text()))
    assert json.loads((out / "quiet.json").read_text())["segments"] == []  # silence: an empty transcript


def test_unknown_model_names_the_fix(speech, tmp_path):
    result = CliRunner().invoke(cli, ["transcribe", str(speech[0]), "--model", "large-v9", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "model 'large-v9' is not on this machine, and nothing is downloaded" in result.output


def test_faster_whisper_refuses_a_pt_checkpoint(tmp_path):
    checkpoint = tmp_path / "x.pt"
    checkpoint.write_bytes(b"0")
    with pytest.raises(options.EngineError, match="faster-whisper needs a CTranslate2 model folder"):
        models.resolve_model("faster-whisper", str(checkpoint))


def test_vocabulary_prompt_names_the_jargon():
    prompt = vocabulary.vocabulary_prompt(load_taxonomy(ROOT / "topics.yml"))
    for term in ("CIAOPS", "MFA", "Entra", "GDAP", "PBX", "PSTN", "Intune", "SharePoint"):
        assert term in prompt
    assert len(prompt) <= vocabulary.MAX_PROMPT_CHARS
    assert vocabulary.default_prompt() == prompt
    assert vocabulary.default_options().prompt is None  # no prompt unless --vocabulary


def test_tidy_keeps_times_inside_the_audio_and_in_order():
    segments = [{"start": 0.0, "end": 3.0, "text": " multi-factor", "confidence": 0.9, "words": [
        {"text": " multi", "start": 0.2, "end": 0.5, "confidence": 0.9},
        {"text": "-factor", "start": 0.5, "end": 0.9, "confidence": 0.8},
        {"text": " again", "start": 0.1, "end": 9.0, "confidence": 0.7},
        {"text": "  ", "start": 1.0, "end": 1.1, "confidence": 0.7}]}]
    [seg] = passes.tidy(segments, duration=2.0)
    # the model's own times, kept inside the audio but not pushed into order
    assert seg["words"] == [{"text": "multi-factor", "start": 0.2, "end": 0.9, "confidence": 0.8},
                            {"text": "again", "start": 0.1, "end": 2.0, "confidence": 0.7}]
    assert seg["text"] == "multi-factor again"


LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")


@pytest.fixture(scope="module")
def librivox(tmp_path_factory) -> tuple[Path, str]:
    """Real read speech: the five LibriVox files of Debian's pocketsphinx-testdata, joined with 1 s
    of silence (24.7 s of speech, 71 words), and their transcript."""
    require_audio()
    if not (LIBRIVOX / "transcription").is_file():
        reason = "needs Debian's pocketsphinx-testdata (apt-get install pocketsphinx-testdata)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the LibriVox test: {reason}")
        pytest.skip(reason)
    lines = re.findall(r"<s>(.*?)</s>\s*\((.*?)\)", (LIBRIVOX / "transcription").read_text())
    said = {name: text.strip() for text, name in lines}
    ids = (LIBRIVOX / "fileids").read_text().split()
    pieces = []
    for name in ids:
        with wave.open(str(LIBRIVOX / f"{name}.wav")) as f:
            pieces += [np.frombuffer(f.readframes(f.getnframes()), "<i2"), np.zeros(f.getframerate(), "<i2")]
    path = tmp_path_factory.mktemp("librivox") / "librivox.wav"
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(16000)
        f.writeframes(np.concatenate(pieces).tobytes())
    return path, " ".join(said[name] for name in ids)


@pytest.mark.parametrize("engine", options.ENGINES)
def test_real_read_speech_is_transcribed_whole(engine, librivox):
    path, reference = librivox
    result = tr.transcribe_file(path, options.TranscribeOptions(engine=engine))
    assert word_error_rate(reference, result["text"]) <= 0.10, result["text"]
    assert result["checks"]["coverage"] >= 0.95 and result["unrecovered"] == []
    assert result["checks"]["first_word_delay"] < 1.0  # the first word where the reading starts
    assert result["checks"]["last_word_gap"] < 1.0  # and words to the end
