"""The audio options and summaries of `kb transcribe` and `kb build`: --speakers, --voice and
--voices parsed into SpeakerOptions, and the lines that report a transcript."""
from __future__ import annotations

from pathlib import Path

import click


def speaker_choice(value: str | None, allow_none: bool = False) -> int | str | None:
    """--speakers: a count from 1 to 20, 'auto', or (for kb build) 'none'."""
    if value is None or value == "auto" or (allow_none and value == "none"):
        return value
    if value.isdigit() and 1 <= int(value) <= 20:
        return int(value)
    raise click.BadParameter(f"{value!r} is not a number of speakers from 1 to 20"
                             + (", 'auto' or 'none'" if allow_none else " or 'auto'"))


def audio_speakers(count: int | str | None, voices_dir: str | None = None, voices: tuple[str, ...] = (),
                   optional: bool = False):
    """The SpeakerOptions that --speakers, --voices and --voice ask for (None: no speaker labels);
    `optional` (a default, not asked for): no labels where the speakers extra is not installed."""
    from .audio.options import SpeakerOptions
    from .audio.speakers import samples_in

    named = dict(samples_in(voices_dir)) if voices_dir else {}
    for given in voices:
        name, _, sample = given.partition("=")
        if not name.strip() or not sample:
            raise click.BadParameter(f"{given!r}: give NAME=SAMPLE, e.g. Brenton=brenton.wav", param_hint="--voice")
        if not Path(sample).is_file():
            raise click.BadParameter(f"{sample}: no such voice sample file", param_hint="--voice")
        named[name.strip()] = sample
    if count in (None, "none") and not named:
        return None
    return SpeakerOptions(count=count if isinstance(count, int) else None, voices=tuple(named.items()),
                          optional=optional and not named)


def speakers_summary(found: dict) -> str:
    """'  2 speakers (estimated): Speaker 1 41.2 s, Brenton 30.1 s (from brenton.wav)'."""
    count = found["speaker_count"]
    said = ", ".join(f"{s['speaker']} {s['seconds']:.1f} s" + (f" (from {s['sample']})" if s["sample"] else "")
                     for s in found["speakers"])
    n = len(found["speakers"])
    return f"  {n} speaker{'s' if n != 1 else ''}{' (estimated)' if count['estimated'] else ''}: {said}"


def transcript_summary(output, found: dict) -> str:
    """'Wrote out/x.json: 44 words, 18.8 s, 100% of the speech has words, 1 stretch decoded again (...)'."""
    words = sum(len(s["words"]) for s in found["segments"])
    line = f"Wrote {output}: {words} words, {found['audio']['duration']:.1f} s"
    if (coverage := (found.get("checks") or {}).get("coverage")) is not None:
        line += f", {coverage:.0%} of the speech has words"
    if retries := found.get("retries"):
        line += f", {len(retries)} stretch{'es' if len(retries) > 1 else ''} decoded again"
    return line + f" ({found['engine']}, {found['model']})"
