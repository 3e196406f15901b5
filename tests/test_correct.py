"""The taxonomy's jargon respelt after decoding (kb/audio/correct.py): near-misses become the term
at the times the words were said; real English words and numbers are left as they are."""
from __future__ import annotations

import json

from click.testing import CliRunner

from kb.audio.correct import correct_segments, jargon, sound
from kb.cli import cli
from speech import require_audio, speak_sentences, write_wav


def segment(*words: tuple[str, float, float]) -> dict:
    ws = [{"text": t, "start": a, "end": b, "confidence": 0.9} for t, a, b in words]
    return {"start": ws[0]["start"], "end": ws[-1]["end"], "text": " ".join(w["text"] for w in ws), "words": ws}


def texts(segments: list[dict]) -> list[str]:
    return [w["text"] for s in segments for w in s["words"]]


def test_the_taxonomys_product_names_and_acronyms_are_the_terms():
    terms = set(jargon().values())
    assert {"Intune", "Entra", "Purview", "SharePoint", "OneDrive", "GDAP", "PSTN", "Copilot"} <= terms
    assert not {"Teams", "Exchange", "Business"} & terms  # common words Whisper spells already


def test_near_misses_become_the_term_at_the_times_they_were_said():
    said = segment(("Turn", 0.0, 0.2), ("on", 0.2, 0.3), ("per", 0.4, 0.6), ("view", 0.6, 0.9), ("and", 1.0, 1.1),
                   ("In", 1.2, 1.3), ("tune.", 1.3, 1.7))
    fixed = correct_segments([said])
    assert texts(fixed) == ["Turn", "on", "Purview", "and", "Intune."]
    purview = fixed[0]["words"][2]
    assert (purview["start"], purview["end"]) == (0.4, 0.9)  # from "per" to "view": the model's times
    assert fixed[0]["text"] == "Turn on Purview and Intune."


def test_misheard_acronyms_and_non_words_are_respelt():
    fixed = correct_segments([segment(("the", 0.0, 0.1), ("G-DAB", 0.1, 0.6), ("roles,", 0.6, 0.9),
                                      ("PSDN", 1.0, 1.4), ("and", 1.4, 1.5), ("Purvue.", 1.5, 2.0))])
    assert texts(fixed) == ["the", "GDAP", "roles,", "PSTN", "and", "Purview."]


def test_real_words_and_numbers_are_left_alone():
    said = segment(("Enter", 0.0, 0.3), ("the", 0.3, 0.4), ("team's", 0.4, 0.7), ("view", 0.7, 1.0), ("in", 1.0, 1.1),
                   ("2024", 1.1, 1.6), ("for", 1.6, 1.7), ("365", 1.7, 2.0), ("days.", 2.0, 2.3))
    assert correct_segments([said]) == [said]


def test_the_sound_key_hears_spellings_of_one_sound_alike():
    assert sound("purview") == sound("perview") and sound("intune") == sound("intoon")
    assert sound("entra") != sound("intune")


# Written for this test: tiny.en hears espeak-ng's en-gb at 160 wpm say "co-pilot" and "one-drive".
SAID = ["Move the old SharePoint sites before you turn on Copilot.",
        "Then check who can open the OneDrive files of each team."]


def test_kb_transcribe_spells_the_jargon_as_the_show_does_at_the_right_times(tmp_path, monkeypatch):
    require_audio()
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path / "cache"))
    samples, known = speak_sentences([("en-gb", s) for s in SAID], wpm=160)
    audio = write_wav(tmp_path / "ep.wav", samples)
    result = CliRunner().invoke(cli, ["transcribe", str(audio), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    words = [w for s in json.loads((tmp_path / "out" / "ep.json").read_text())["segments"] for w in s["words"]]
    for term, sentence in (("Copilot", known[0]), ("OneDrive", known[1])):
        found = [w for w in words if w["text"].strip(".,") == term]
        assert found, [w["text"] for w in words]
        assert sentence["start"] - 0.3 <= found[0]["start"] < found[0]["end"] <= sentence["end"] + 0.3
