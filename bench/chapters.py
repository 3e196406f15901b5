"""How well generated chapters find changes of subject, on transcripts whose changes are known.

Each test episode is stitched from excerpts of different real transcripts (any folder of WebVTT,
SRT or JSON transcripts), one after another, so its true chapter starts are where one excerpt
gives way to the next. The build's own code then generates chapters (kb/chapters.py), and a true
start counts as found when a generated one lies within --tolerance seconds of it. The baseline
cuts the same episodes into as many chapters at evenly spaced turn starts.

    python bench/chapters.py --transcripts ~/podcast-transcripts/episodes --episodes 40
"""
from __future__ import annotations

import argparse
import random
import sys
import warnings
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.errors import IngestError  # noqa: E402
from ingest.model import Document  # noqa: E402
from ingest.sources import iter_source_files, parse_file  # noqa: E402
from kb.build import analyse  # noqa: E402
from kb.chapters import add_generated_chapters  # noqa: E402
from kb.chunking import chunk_documents  # noqa: E402
from kb.topics import load_taxonomy  # noqa: E402


def transcripts(folder: str) -> list[list]:
    """The timed turns of each readable transcript in the folder (unreadable ones skipped)."""
    found = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in iter_source_files([folder]):
            try:
                docs = parse_file(path)
            except IngestError:
                continue
            turns = [s for d in docs for s in d.segments if s.start is not None and s.text.strip()]
            if len(turns) >= 10:
                found.append(turns)
    return found


def stitched(rng: random.Random, sources: list[list], parts: int, seconds: float, number: int) -> tuple[Document, list[float]]:
    """An episode of `parts` excerpts of about `seconds` each from different transcripts, and the
    start of every excerpt after the first (the true chapter starts)."""
    doc = Document(f"episode-{number}", "episode", f"Stitched {number}", "bench", episode=number)
    at, starts = 0.0, []
    for source in rng.sample(sources, parts):
        first = rng.randrange(max(1, len(source) // 3))
        taken = [t for t in source[first:] if t.start - source[first].start < seconds]
        shift = at - taken[0].start
        if doc.segments:
            starts.append(at)
        for turn in taken:
            end = turn.end + shift if turn.end is not None else None
            doc.segments.append(replace(turn, start=turn.start + shift, end=end, words=None))
        at = (doc.segments[-1].end or doc.segments[-1].start) + 2.0
    return doc, starts


def evenly(doc: Document, count: int) -> list[float]:
    """`count` chapter starts spread evenly over the episode, each at the nearest turn start."""
    starts = [s.start for s in doc.segments]
    span = starts[-1] - starts[0]
    return [min(starts, key=lambda s: abs(s - (starts[0] + span * k / count))) for k in range(count)]


def score(found: list[float], truth: list[float], tolerance: float) -> tuple[int, int]:
    """(true starts found, generated starts near a true one), the first chapter's start left out."""
    cuts = found[1:]
    hits = sum(any(abs(c - t) <= tolerance for c in cuts) for t in truth)
    near = sum(any(abs(c - t) <= tolerance for t in truth) for c in cuts)
    return hits, near


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transcripts", required=True, help="Folder of transcripts to stitch excerpts from")
    parser.add_argument("--episodes", type=int, default=40, help="Stitched episodes to test")
    parser.add_argument("--parts", type=int, default=4, help="Excerpts per stitched episode")
    parser.add_argument("--minutes", type=float, default=12, help="Length of each excerpt")
    parser.add_argument("--tolerance", type=float, default=60, help="Seconds a found start may be off")
    parser.add_argument("--no-speakers", action="store_true", help="Drop speaker names (as in a whisper transcript)")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    sources = transcripts(args.transcripts)
    rng = random.Random(args.seed)
    episodes = [stitched(rng, sources, args.parts, args.minutes * 60, 1000 + n) for n in range(args.episodes)]
    docs = [doc for doc, _ in episodes]
    if args.no_speakers:
        for doc in docs:
            doc.segments = [replace(s, speaker=None) for s in doc.segments]
    taxonomy = load_taxonomy(ROOT / "topics.yml")
    chunks = chunk_documents(docs)
    add_generated_chapters(docs, chunks, taxonomy, analyse(chunks, taxonomy))
    totals = {"true": 0, "generated": 0, "found": 0, "near": 0, "even found": 0, "even near": 0}
    for doc, truth in episodes:
        starts = [c.start for c in doc.chapters]
        hits, near = score(starts, truth, args.tolerance)
        even_hits, even_near = score(evenly(doc, len(starts)), truth, args.tolerance) if starts else (0, 0)
        for key, value in zip(totals, (len(truth), max(0, len(starts) - 1), hits, near, even_hits, even_near)):
            totals[key] += value
    print(f"{len(sources)} transcripts, {args.episodes} stitched episodes of {args.parts} x {args.minutes:g} min; "
          f"{totals['true']} true chapter starts, {totals['generated']} generated (after the first)")
    for name, hits, near in (("generated", totals["found"], totals["near"]),
                             ("evenly spaced", totals["even found"], totals["even near"])):
        print(f"{name:14} recall {hits / totals['true']:.2f}  precision {near / max(1, totals['generated']):.2f}  "
              f"(within {args.tolerance:g} s)")


if __name__ == "__main__":
    main()
