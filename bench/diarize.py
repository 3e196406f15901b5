"""Speaker benchmark: the share of words on the wrong speaker, the speaker count that `auto`
finds, and the speaker stage's real-time factor and peak memory.

Synthetic dialogues with known turns (bench/texts/heldout by default, --texts tuning for the texts
the method was chosen on), spoken sentence by sentence by espeak-ng: two clearly different voices
(en-us, en+f3), two similar voices (en-us, en-gb), three voices, each clean and with pink noise at
15 dB. Real recordings where the pyannote-audio sdist is in .realworld/ (.ci/fetch-realworld):
its sample.wav (two people on a phone call, 30 s) and the AMI meeting excerpts of its test data
(dev00, dev01: the same two people, so each names the other's speakers from a sample).

Each word is scored against the speaker of its sentence (synthetic) or of the turn at its middle
(real, from the RTTM). Wrong share is after the best one-to-one mapping of labels to speakers and,
with voice samples (other text, the same voices), by name. Words are the reference words spread
over each sentence (synthetic) or the faster-whisper transcript's (real, and with --asr).

    .venv/bin/python bench/diarize.py
    .venv/bin/python bench/diarize.py --texts tuning --asr
"""
from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import speechgen  # noqa: E402
from kb.audio.speakers import Sample, label_speakers, voice_print  # noqa: E402
from kb.audio.decode import decode_audio  # noqa: E402
from kb.audio.diarize import speech_mask  # noqa: E402
from kb.audio.voices import mel_frames  # noqa: E402

PAIRS = {"different": {"A": "en-us", "B": "en+f3"}, "similar": {"A": "en-us", "B": "en-gb"},
         "three": {"A": "en-us", "B": "en-gb", "C": "en+f3"}}
SAMPLE_NAMES = {"en-us": "Adam", "en+f3": "Beth", "en-gb": "Carl"}
PYANNOTE = ROOT / ".realworld" / "pyannote_audio-4.0.7"


def turns_for(lines: list[tuple[str, str]], speakers: list[str], seed: int) -> list[tuple[str, str]]:
    """A dialogue text keeps its own turns (with two voices); others get turns of 1-3 sentences."""
    if {s for s, _ in lines} >= {"A", "B"} and len(speakers) == 2:
        return lines
    rng, out, k = random.Random(seed), [], 0
    while len(out) < len(lines):
        out += [speakers[k % len(speakers)]] * rng.randint(1, 3)
        k += 1
    return [(spk, text) for spk, (_, text) in zip(out, lines)]


def synthetic(which: str, quick: bool = False) -> Iterator[tuple[str, speechgen.Clip]]:
    """(group, clip) for each pair of voices and text, clean and noisy, made as they are needed."""
    for pi, (pair, voices) in enumerate(PAIRS.items()):
        for ti, (name, lines) in enumerate(list(speechgen.texts(which).items())[:2 if quick else None]):
            seed = 1000 + pi * 100 + ti
            clip = speechgen.synthesise(f"{name}__{pair}", turns_for(lines, list(voices), seed), voices, 140, seed)
            yield pair, clip
            yield f"{pair}, 15 dB", speechgen.with_noise(clip, 15, seed)


@lru_cache(maxsize=None)
def sample_of(voice: str) -> Sample:
    lines = speechgen.texts("tuning")["t3_voice"][:3]
    audio = speechgen.synthesise("sample", lines, {"A": voice}, 140, seed=7).audio
    return Sample(SAMPLE_NAMES[voice], voice, voice_print(audio, speech_mask(audio, mel_frames(audio).shape[0])))


def samples_for(voices: dict[str, str]) -> list[Sample]:
    """A sample per voice: the first three sentences of a tuning text it does not speak in the dialogue."""
    return [sample_of(voice) for voice in voices.values()]


def reference_words(clip: speechgen.Clip) -> list[dict]:
    words = []
    for s in clip.sentences:
        tokens = s["text"].split()
        step = (s["offset"] - s["onset"]) / len(tokens)
        words += [{"text": t, "start": s["onset"] + i * step, "end": s["onset"] + (i + 1) * step, "truth": s["voice"]}
                  for i, t in enumerate(tokens)]
    return words


def wrong_share(truth: list[str], said: list[str]) -> float:
    """Share of words whose label is not their speaker's, after the best one-to-one mapping."""
    from scipy.optimize import linear_sum_assignment

    ts, ss = sorted(set(truth)), sorted(set(said))
    counts = np.zeros((len(ts), len(ss)))
    for t, s in zip(truth, said):
        counts[ts.index(t), ss.index(s)] += 1
    rows, cols = linear_sum_assignment(-counts)
    return 1 - counts[rows, cols].sum() / max(len(truth), 1)


def measure(audio: np.ndarray, words: list[dict], count: int | None, samples: list[Sample]) -> dict:
    """Run the speaker stage on one clip; its labels, timing and the count it found."""
    result = {"segments": [{"id": 0, "start": words[0]["start"], "end": words[-1]["end"], "text": "",
                            "words": [{k: w[k] for k in ("text", "start", "end")} for w in words]}]}
    began, cpu = time.perf_counter(), time.process_time()
    labelled = label_speakers(result, audio, count, samples)
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    said = [w["speaker"] for s in labelled["segments"] for w in s["words"]]
    return {"said": said, "found": labelled["speaker_count"]["found"], "seconds": seconds, "cpu": cpu}


def rttm_turns(path: Path, uri: str) -> list[tuple[float, float, str]]:
    turns = []
    for line in path.read_text(encoding="utf-8").splitlines():
        f = line.split()
        if len(f) > 7 and f[0] == "SPEAKER" and f[1] == uri:
            turns.append((float(f[3]), float(f[3]) + float(f[4]), f[7]))
    return turns


def speaker_at(turns: list[tuple[float, float, str]], a: float, b: float) -> str | None:
    """The speaker whose turns overlap [a, b] most (None: nobody's turn is there)."""
    overlap: dict[str, float] = {}
    for ta, tb, spk in turns:
        overlap[spk] = overlap.get(spk, 0.0) + max(0.0, min(b, tb) - max(a, ta))
    best = max(overlap.items(), key=lambda kv: kv[1], default=(None, 0.0))
    return best[0] if best[1] > 0 else None


def solo_sample(audio: np.ndarray, turns: list[tuple[float, float, str]], speaker: str, most: float = 20.0) -> np.ndarray:
    """Up to `most` seconds of one speaker where nobody else talks (10 ms frames): a voice sample."""
    frames = audio.size // 160
    mine, others = np.zeros(frames, bool), np.zeros(frames, bool)
    for a, b, spk in turns:
        (mine if spk == speaker else others)[int(a * 100):int(b * 100)] = True
    solo = np.flatnonzero(mine & ~others)[: int(most * 100)]
    return np.concatenate([audio[f * 160:(f + 1) * 160] for f in solo]) if solo.size else np.zeros(0, np.float32)


def asr_words(audio: np.ndarray, folder: Path, name: str) -> list[dict]:
    from kb.audio.options import TranscribeOptions
    from kb.audio.transcribe import transcribe_file

    path = speechgen.write_wav(folder / f"{name}.wav", audio)
    found = transcribe_file(path, TranscribeOptions(cache_dir=folder / "cache"))
    return [w for s in found["segments"] for w in s["words"]]


def real_clips(folder: Path) -> list[dict]:
    """pyannote's sample and the two AMI excerpts, with their turns and (for AMI) samples from the other file."""
    if not PYANNOTE.is_dir():
        return []
    sample = PYANNOTE / "src" / "pyannote" / "audio" / "sample"
    data = PYANNOTE / "tests" / "data"
    clips = [{"name": "pyannote sample (phone call)", "audio": decode_audio(sample / "sample.wav"),
              "turns": rttm_turns(sample / "sample.rttm", "sample"), "samples": []}]
    ami = {uri: (decode_audio(data / f"{uri}.wav"), rttm_turns(data / "debug.development.rttm", uri))
           for uri in ("dev00", "dev01")}
    for uri, other in (("dev00", "dev01"), ("dev01", "dev00")):
        audio, turns = ami[uri]
        o_audio, o_turns = ami[other]
        voices = []
        for spk in sorted({t[2] for t in turns}):
            piece = solo_sample(o_audio, o_turns, spk)
            if piece.size > 16000 * 2:
                voices.append(Sample(spk, f"{other}:{spk}", voice_print(piece, speech_mask(piece, mel_frames(piece).shape[0]))))
        clips.append({"name": f"AMI {uri} (meeting)", "audio": audio, "turns": turns, "samples": voices})
    for clip in clips:
        words = asr_words(clip["audio"], folder, clip["name"].split()[1] if clip["name"].startswith("AMI") else "sample")
        clip["words"] = [{**w, "truth": t} for w in words if (t := speaker_at(clip["turns"], w["start"], w["end"]))]
    return clips


def score_clip(audio: np.ndarray, words: list[dict], count: int, samples: list[Sample]) -> dict:
    truth = [w["truth"] for w in words]
    given = measure(audio, words, count, samples)
    auto = measure(audio, words, None, [])
    names = {s.path: s.name for s in samples}
    by_name = (sum(said != names.get(t, SAMPLE_NAMES.get(t, t)) for t, said in zip(truth, given["said"])) / len(truth)
               if samples else None)
    return {"wrong": wrong_share(truth, given["said"]), "wrong_named": by_name, "wrong_auto": wrong_share(truth, auto["said"]),
            "count": count, "found_auto": auto["found"], "seconds": given["seconds"], "cpu": given["cpu"],
            "duration": audio.size / 16000}


def report(group: str, rows: list[dict]) -> str:
    named = [r["wrong_named"] for r in rows if r["wrong_named"] is not None]
    counts = sorted({r["found_auto"] for r in rows})
    duration = sum(r["duration"] for r in rows)
    return (f"| {group} | {len(rows)} | {np.mean([r['wrong'] for r in rows]):.1%} / {max(r['wrong'] for r in rows):.1%} | "
            + (f"{np.mean(named):.1%} / {max(named):.1%}" if named else "-")
            + f" | {np.mean([r['wrong_auto'] for r in rows]):.1%} | {sum(r['found_auto'] == r['count'] for r in rows)}/{len(rows)}"
            f" ({', '.join(map(str, counts))}) | {sum(r['seconds'] for r in rows) / duration:.3f} | "
            f"{sum(r['cpu'] for r in rows) / duration:.3f} |")


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", default="heldout", choices=("heldout", "tuning"), help="which texts [heldout]")
    parser.add_argument("--asr", action="store_true", help="score the transcript's words, not the reference words")
    parser.add_argument("--no-real", action="store_true", help="leave out the real recordings")
    parser.add_argument("--quick", action="store_true", help="two texts per group instead of all")
    args = parser.parse_args()
    groups: dict[str, list[dict]] = {}
    print(f"\n{args.texts} texts, {'transcript' if args.asr else 'reference'} words on synthetic clips\n")
    print("| clips | n | words on the wrong speaker, --speakers N: mean / max | by name, with --voice samples: mean / max "
          "| --speakers auto: wrong | auto count right (counts found) | RTF (wall) | CPU s / audio s |")
    print("|" + " --- |" * 8, flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        printed: set[str] = set()
        for group, clip in synthetic(args.texts, args.quick):
            pair = group.split(",")[0]
            for done in [g for g in groups if g.split(",")[0] != pair and g not in printed]:
                print(report(done, groups[done]), flush=True)  # a pair's rows as soon as it is complete
                printed.add(done)
            voices = PAIRS[pair]
            words = asr_words(clip.audio, Path(tmp), clip.name) if args.asr else reference_words(clip)
            if args.asr:
                words = [{**w, "truth": nearest_sentence(clip, w)["voice"]} for w in words]
            groups.setdefault(group, []).append(score_clip(clip.audio, words, len(voices), samples_for(voices)))
        for clip in [] if args.no_real else real_clips(Path(tmp)):
            groups[clip["name"]] = [score_clip(clip["audio"], clip["words"], len({t[2] for t in clip["turns"]}), clip["samples"])]
    for group in [g for g in groups if g not in printed]:
        print(report(group, groups[group]))
    print(f"\npeak memory (max RSS of this process): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def nearest_sentence(clip: speechgen.Clip, w: dict) -> dict:
    mid = (w["start"] + w["end"]) / 2
    return min(clip.sentences, key=lambda s: 0 if s["onset"] <= mid <= s["offset"] else min(abs(mid - s["onset"]), abs(mid - s["offset"])))


if __name__ == "__main__":
    main()
