"""A synthetic blog dump in the bundled corpus's format, deterministic from a seed.

Episodes have show notes, a Resources list and an hour-long Otter-style transcript whose turns
are about one chunk each, so `--chunks N` gives roughly N chunks. Words come from the bundled
corpus, so term statistics look like the real thing.

    python bench/synthetic_corpus.py --chunks 100000 --out /tmp/synthetic
"""
from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEAKERS = ["Robert Crane", "Brenton Johnson", "Tim O’Neill", "Leigh Wood", "Marc Kean", "Unknown Speaker"]
TURNS_PER_EPISODE = 100
EPISODES_PER_FILE = 50


def vocabulary(corpus: Path) -> list[str]:
    return re.findall(r"[A-Za-z][A-Za-z0-9’'\-/$%]*", corpus.read_text(encoding="utf-8"))


def sentence(rng: random.Random, words: list[str]) -> str:
    start = rng.randrange(len(words) - 30)
    picked = words[start:start + rng.randint(8, 22)]  # runs of real text keep phrases together
    return " ".join(picked).capitalize() + "."


def stamp(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def episode(rng: random.Random, words: list[str], number: int) -> str:
    notes = " ".join(sentence(rng, words) for _ in range(4))
    resources = "\n\n".join(" ".join(rng.sample(words, 4)).title() for _ in range(8))
    lines = [f"Need to Know podcast–Episode {number}", notes,
             "You can listen directly to this episode at:",
             f"https://example.podbean.com/e/episode-{number}/", "Resources", resources, "Transcription"]
    seconds = rng.randint(5, 60)
    for _ in range(TURNS_PER_EPISODE):
        text = " ".join(sentence(rng, words) for _ in range(rng.randint(5, 12)))
        lines.append(f"{rng.choice(SPEAKERS)}  {stamp(seconds)} \n{text}")
        seconds += rng.randint(20, 70)
    return "\n\n".join(lines)


def write_corpus(folder: Path, chunks: int, seed: int = 7) -> Path:
    """Dump files of EPISODES_PER_FILE episodes each in `folder`, as a blog export would split them."""
    rng = random.Random(seed)
    words = vocabulary(ROOT / "corpus" / "need-to-know-dump.txt")
    episodes = max(1, chunks // (TURNS_PER_EPISODE + 2))
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("dump-*.txt"):
        old.unlink()
    for first in range(0, episodes, EPISODES_PER_FILE):
        with (folder / f"dump-{first // EPISODES_PER_FILE:04d}.txt").open("w", encoding="utf-8") as f:
            for n in range(first, min(first + EPISODES_PER_FILE, episodes)):
                f.write(episode(rng, words, 1000 + n) + "\n\n\n")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=10_000, help="about how many chunks")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True, help="folder to write the dump files in")
    args = parser.parse_args()
    print(write_corpus(args.out, args.chunks, args.seed))


if __name__ == "__main__":
    main()
