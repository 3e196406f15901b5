"""Transcription benchmark: speed, word error rate and word timestamps of each engine, with and
without the taxonomy's vocabulary as the initial prompt.

Speech is synthesised with espeak-ng from a fixed text (about 60 s at 110 words per minute), so the
reference transcript is known exactly. Needs the audio extra and espeak-ng (apt-get install espeak-ng).

    .venv/bin/python bench/transcribe.py                  # both engines, with and without the prompt
    .venv/bin/python bench/transcribe.py --engine faster-whisper --json

Real-time factor is transcription time (model already loaded, cache off) over the audio's length.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.topics import load_taxonomy  # noqa: E402
from kb.audio.engines import load_engine
from kb.audio.options import ENGINES, TranscribeOptions
from kb.audio.transcribe import transcribe_file
from kb.audio.vocabulary import vocabulary_prompt  # noqa: E402

TEXT = (
    "Welcome to the Need to Know podcast from CIAOPS. This week we look at what partners should do "
    "before the end of the financial year. First, turn on MFA for every administrator, and check the "
    "security defaults in Entra ID. Second, move your devices into Intune so that the same policies "
    "apply everywhere. Third, if you still run an old PBX, think about Teams Phone with a PSTN calling "
    "plan. Microsoft 365 F1 costs four dollars per user per month, and the licence includes Teams. "
    "Finally, review the partner incentives in Partner Center and read the resources in the show notes. "
    "Thanks for listening, and see you next week."
)
JARGON = ["ciaops", "mfa", "entra", "intune", "pbx", "pstn", "f1", "teams"]
WORDS_PER_MINUTE = 110
NUMBERS = {w: str(n) for n, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
SPELLINGS = {"licence": "license", "licences": "licenses", "organisation": "organization",
             "centre": "center", "favour": "favor", "colour": "color"}


def synthesise(text: str, path: Path, wpm: int = WORDS_PER_MINUTE, voice: str = "en-us") -> None:
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(path), text], check=True)


def normalise(text: str) -> list[str]:
    """Words compared for WER: lower case, no punctuation, '$4' = 'four dollars' = '4 dollars',
    'licence' = 'license', 'multi-factor' = 'multi factor', 'C.I.A.O.P.S.' = 'ciaops'."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"\$(\d+(?:\.\d+)?)", r"\1 dollars", text)
    text = re.sub(r"(?<=\b[a-z])\.(?=[a-z]\b)", "", text)  # spelt-out initialisms
    words = re.findall(r"[a-z0-9']+", text.replace("-", " "))
    return [SPELLINGS.get(w, NUMBERS.get(w, w)).strip("'") for w in words]


def word_error_rate(reference: list[str], hypothesis: list[str]) -> float:
    """(substitutions + deletions + insertions) / reference words, by edit distance."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        current = [i]
        for j, hyp in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1] / max(len(reference), 1)


def timestamps_valid(result: dict, duration: float) -> tuple[bool, bool]:
    """(word starts never go back, every word lies inside the audio with end >= start)."""
    words = [w for s in result["segments"] for w in s["words"]]
    monotonic = all(a["start"] <= b["start"] for a, b in zip(words, words[1:]))
    inside = all(0 <= w["start"] <= w["end"] <= duration + 0.01 for w in words)
    return monotonic, inside


def run(engine: str, prompt: str | None, audio: Path, cache: Path) -> dict:
    options = TranscribeOptions(engine=engine, prompt=prompt, cache_dir=cache, use_cache=False)
    began = time.perf_counter()
    load_engine(engine, None)
    loaded = time.perf_counter()
    result = transcribe_file(audio, options)
    elapsed = time.perf_counter() - loaded
    duration = result["audio"]["duration"]
    hypothesis = normalise(result["text"])
    monotonic, inside = timestamps_valid(result, duration)
    return {
        "engine": engine, "prompt": bool(prompt), "seconds_audio": duration,
        "load_seconds": round(loaded - began, 2), "transcribe_seconds": round(elapsed, 2),
        "rtf": round(elapsed / duration, 3), "wer": round(word_error_rate(normalise(TEXT), hypothesis), 3),
        "jargon": f"{sum(term in hypothesis for term in JARGON)}/{len(JARGON)}",
        "words": sum(len(s["words"]) for s in result["segments"]),
        "monotonic": monotonic, "inside_audio": inside, "text": result["text"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", action="append", choices=ENGINES, help="engine to measure (repeatable; default both)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    prompt = vocabulary_prompt(load_taxonomy(ROOT / "topics.yml"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        audio = Path(tmp) / "speech.wav"
        synthesise(TEXT, audio)
        for engine in args.engine or ENGINES:
            for with_prompt in (False, True):
                rows.append(run(engine, prompt if with_prompt else None, audio, Path(tmp)))
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"{len(TEXT.split())} words of espeak-ng speech, {rows[0]['seconds_audio']:.1f} s, at {WORDS_PER_MINUTE} wpm")
    print(f"{'engine':<20} {'prompt':<6} {'load s':>6} {'RTF':>6} {'WER':>6} {'jargon':>6} {'words':>5}  timestamps")
    for r in rows:
        stamps = "monotonic" if r["monotonic"] else "NOT monotonic"
        stamps += ", inside audio" if r["inside_audio"] else ", OUTSIDE audio"
        print(f"{r['engine']:<20} {'yes' if r['prompt'] else 'no':<6} {r['load_seconds']:>6.2f} {r['rtf']:>6.3f} "
              f"{r['wer']:>6.1%} {r['jargon']:>6} {r['words']:>5}  {stamps}")
    for r in rows:
        print(f"\n{r['engine']}, prompt {'yes' if r['prompt'] else 'no'}:\n  {r['text']}")


if __name__ == "__main__":
    main()
