"""Transcription benchmark: each engine and option over a grid of speech whose words and sentence
starts are known, and real read speech (LibriVox, from Debian's pocketsphinx-testdata).

Cells: the texts (bench/texts/heldout by default; --texts tuning for the ones the defaults were
chosen on) in espeak-ng voices en-us, en-gb and en+f3, at 120 and 160 wpm, clean and with pink
noise at 15 dB SNR; the dialogue texts with two voices (en-us and en+f3, 140 wpm), clean and noisy;
LibriVox. Per cell: WER, real-time factor, the first word's delay after the speech starts, the
share of words under 40 ms, sentences lost, sentence-start error, speech covered by words, and
what recovery decoded again. Needs the audio extra and espeak-ng.

    .venv/bin/python bench/transcribe.py                                   # both engines, default and --vocabulary
    .venv/bin/python bench/transcribe.py --engine faster-whisper --config text-prompt --config text-prompt-first-pass
    .venv/bin/python bench/transcribe.py --texts tuning --json rows.json
    .venv/bin/python bench/transcribe.py --long 60                         # a 60-minute file: memory, progress, resume

Real-time factor is transcription time (model loaded, cache off, recovery included) over the audio's
length, as wall time and as CPU seconds of all threads per audio second (steadier on a shared machine).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import speechgen  # noqa: E402
from scoring import score  # noqa: E402

from kb.audio.engines import load_engine  # noqa: E402
from kb.audio.options import ENGINES, TranscribeOptions  # noqa: E402
from kb.audio.transcribe import transcribe_file  # noqa: E402
from kb.audio.vocabulary import default_prompt  # noqa: E402

CONFIGS = {  # name: TranscribeOptions fields; "vocabulary" stands for the taxonomy's prompt
    "default": {},
    "vocabulary": {"prompt": "vocabulary"},  # kb transcribe --vocabulary
    "no-jargon": {"jargon": False},  # the default without respelling the taxonomy's jargon after decoding
    "first-pass": {"recover": False},  # the default without the checks and recovery
    "text-prompt": {"prompt": "vocabulary", "prompt_form": "text"},  # the old default's prompt, recovered
    "text-prompt-first-pass": {"prompt": "vocabulary", "prompt_form": "text", "recover": False},  # the old default
}
VOICES = ("en-us", "en-gb", "en+f3")
RATES = (120, 160)
DIALOGUE_VOICES = {"A": "en-us", "B": "en+f3"}


def grid(which: str, quick: bool = False) -> dict[str, list[speechgen.Clip]]:
    """Cell name -> its clips."""
    texts = speechgen.texts(which)
    if quick:
        texts = dict(list(texts.items())[:2])
    cells: dict[str, list[speechgen.Clip]] = {}
    for vi, voice in enumerate(VOICES):
        for wpm in RATES:
            clean = [speechgen.synthesise(f"{name}__{voice}__{wpm}", lines, {"A": voice}, wpm, seed=ti * 100 + vi * 10 + wpm)
                     for ti, (name, lines) in enumerate(texts.items())]
            cells[f"{voice} {wpm} wpm"] = clean
            cells[f"{voice} {wpm} wpm, 15 dB"] = [speechgen.with_noise(c, 15, seed=n) for n, c in enumerate(clean)]
    dialogues = [speechgen.synthesise(f"{name}__dialogue", lines, DIALOGUE_VOICES, 140, seed=1000 + ti)
                 for ti, (name, lines) in enumerate(texts.items()) if {s for s, _ in lines} >= {"A", "B"}]
    if dialogues:
        cells["dialogue, 2 voices"] = dialogues
        cells["dialogue, 2 voices, 15 dB"] = [speechgen.with_noise(c, 15, seed=50 + n) for n, c in enumerate(dialogues)]
    if (real := speechgen.librivox()) is not None:
        cells["LibriVox (real)"] = [real]
    return cells


def options_for(engine: str, config: str, cache: Path, threads: int = 0) -> TranscribeOptions:
    fields = {"threads": threads, **CONFIGS[config]}
    if fields.get("prompt") == "vocabulary":
        fields["prompt"] = default_prompt(ROOT / "topics.yml")
    return TranscribeOptions(engine=engine, cache_dir=cache, use_cache=False, **fields)


def run_clip(clip: speechgen.Clip, options: TranscribeOptions, folder: Path) -> dict:
    path = speechgen.write_wav(folder / f"{clip.name}.wav", clip.audio)
    began, cpu = time.perf_counter(), time.process_time()
    result = transcribe_file(path, options)
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    row = score(clip.sentences, result["segments"])
    retried = sum(r["end"] - r["start"] for r in result["retries"])
    return {**row, "clip": clip.name, "duration": clip.duration, "seconds": seconds, "cpu": cpu, "checks": result["checks"],
            "retries": len(result["retries"]), "retried_seconds": retried,
            "unrecovered_seconds": sum(g["end"] - g["start"] for g in result["unrecovered"]), "text": result["text"],
            "segments": result["segments"], "reference": clip.sentences}


def summarise(rows: list[dict]) -> dict:
    """One cell's figures from its clips' rows."""
    errors = np.abs([e for r in rows for e in r["start_errors"]]) if any(r["start_errors"] for r in rows) else np.zeros(1)
    duration = sum(r["duration"] for r in rows)
    return {
        "clips": len(rows), "wer": sum(r["edits"] for r in rows) / sum(r["ref_words"] for r in rows),
        "rtf": sum(r["seconds"] for r in rows) / duration, "cpu_rtf": sum(r["cpu"] for r in rows) / duration,
        "first_word_late": max(r["first_word_late"] if r["first_word_late"] is not None else float("inf") for r in rows),
        "short_words": sum(r["short_words"] for r in rows) / max(1, sum(r["words"] for r in rows)),
        "lost": (sum(len(r["lost"]) for r in rows), sum(r["sentences"] for r in rows)),
        "last_heard": (sum(r["last_sentence_heard"] for r in rows), len(rows)),
        "start_median": float(np.median(errors)), "start_p90": float(np.percentile(errors, 90)),
        "coverage": min(r["checks"]["coverage"] for r in rows),
        "retried_share": sum(r["retried_seconds"] for r in rows) / duration,
        "unrecovered_seconds": sum(r["unrecovered_seconds"] for r in rows),
        "jargon": (sum(r["jargon"][0] for r in rows), sum(r["jargon"][1] for r in rows)),
    }


HEADER = ("cell", "clips", "WER", "RTF (wall)", "CPU s / audio s", "1st word late s", "words <40 ms", "sentences lost", "last heard",
          "start err median / p90 s", "speech covered (min)", "re-decoded", "jargon")


def table_row(cell: str, s: dict) -> list[str]:
    return [cell, str(s["clips"]), f"{s['wer']:.1%}", f"{s['rtf']:.3f}", f"{s['cpu_rtf']:.3f}", f"{s['first_word_late']:.2f}",
            f"{s['short_words']:.1%}", f"{s['lost'][0]}/{s['lost'][1]}", f"{s['last_heard'][0]}/{s['last_heard'][1]}",
            f"{s['start_median']:.2f} / {s['start_p90']:.2f}", f"{s['coverage']:.1%}", f"{s['retried_share']:.0%}",
            f"{s['jargon'][0]}/{s['jargon'][1]}"]


def print_table(title: str, summaries: dict[str, dict]) -> None:
    print(f"\n{title}\n")
    print("| " + " | ".join(HEADER) + " |")
    print("|" + " --- |" * len(HEADER))
    for cell, s in summaries.items():
        print("| " + " | ".join(table_row(cell, s)) + " |")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", action="append", choices=ENGINES, help="engine to measure (repeatable; default both)")
    parser.add_argument("--config", action="append", choices=list(CONFIGS), help="option set (repeatable; "
                        "default: default and vocabulary)")
    parser.add_argument("--texts", default="heldout", choices=("heldout", "tuning"), help="which texts [heldout]")
    parser.add_argument("--cell", action="append", help="only cells whose name contains this (repeatable)")
    parser.add_argument("--quick", action="store_true", help="two texts per cell instead of all")
    parser.add_argument("--json", type=Path, help="write every clip's row to this file")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads for the engine [0: its default]")
    parser.add_argument("--long", type=float, metavar="MINUTES", help="instead: one long file of this many minutes")
    args = parser.parse_args()
    if args.long:
        from longfile import run_long
        return run_long(args.long)
    cells = grid(args.texts, args.quick)
    if args.cell:
        cells = {k: v for k, v in cells.items() if any(c in k for c in args.cell)}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for engine in args.engine or ENGINES:
            load_engine(engine, None, args.threads)
            for config in args.config or ["default", "vocabulary"]:
                options = options_for(engine, config, Path(tmp) / "cache", args.threads)
                summaries = {}
                for cell, clips in cells.items():
                    found = [{**run_clip(c, options, Path(tmp)), "engine": engine, "config": config, "cell": cell}
                             for c in clips]
                    rows += found
                    summaries[cell] = summarise(found)
                print_table(f"{engine}, {config}, {args.texts} texts", summaries)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
