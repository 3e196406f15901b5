"""Search quality in process, per query set and per style, beside ranked FTS5 on the same chunks,
and the precision of the listed results for short jargon queries.

    python bench/search_quality.py --db kb.db
    python bench/search_quality.py --db kb.db --sets bench/queries-heldout.json --verbose

Relevance as ../shared/eval/eval_search.py judges it: a result is relevant when its text holds one
of the query's answers (case-insensitive, whitespace and curly quotes folded). MRR@10 and hit@5 per
set and per style; for a jargon set (queries with "accept" lists), the share of listed results that
hold one of the accepted strings in their text or heading (and in the text alone), and the queries
that list an unrelated result.
"""
from __future__ import annotations

import argparse
import json
import re
import sqlite3
from collections import defaultdict
from pathlib import Path

from kb.search import knowledge_base

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETS = [ROOT.parent / "shared" / "eval" / "queries-dev.json", ROOT / "bench" / "queries-own.json",
                ROOT / "bench" / "queries-check.json", ROOT / "bench" / "queries-heldout.json",
                ROOT / "bench" / "queries-fresh.json"]
DEFAULT_JARGON = [ROOT / "bench" / "jargon-heldout.json", ROOT / "bench" / "jargon-fresh.json"]
FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", (text or "").translate(FOLD)).strip().lower()


def first_hit(texts: list[str], answers: list[str]) -> int | None:
    wanted = [norm(a) for a in answers]
    return next((rank for rank, t in enumerate(texts, 1) if any(a in norm(t) for a in wanted)), None)


def fts_texts(fts: sqlite3.Connection, query: str, limit: int = 10) -> list[str]:
    words = [re.sub(r"[^\w]", "", w) for w in re.findall(r"[\w$%~]+", query.translate(FOLD))]
    match = " OR ".join('"' + w + '"' for w in words if w)
    if not match:
        return []
    return [r[0] for r in fts.execute("select text from stem where stem match ? order by rank limit ?", (match, limit))]


def fts_index(db: Path) -> sqlite3.Connection:
    fts = sqlite3.connect(":memory:")
    fts.execute("create virtual table stem using fts5(text, tokenize='porter unicode61')")
    with sqlite3.connect(db) as source:
        fts.executemany("insert into stem(rowid, text) values (?, ?)", source.execute("select id, text from chunks"))
    return fts


def scores(ranks: list[int | None]) -> tuple[float, float]:
    n = len(ranks) or 1
    return sum(1 / r for r in ranks if r and r <= 10) / n, sum(1 for r in ranks if r and r <= 5) / n


def run_set(kb, fts, path: Path, verbose: bool) -> None:
    queries = json.loads(path.read_text())["queries"]
    by_style: dict[str, list[tuple[int | None, int | None]]] = defaultdict(list)
    for item in queries:
        ours = first_hit([r["text"] for r in kb.search(item["q"], limit=10)], item["answers"])
        theirs = first_hit(fts_texts(fts, item["q"]), item["answers"])
        by_style[item.get("style", "-")].append((ours, theirs))
        if verbose and (ours or 99) > 1:
            print(f"   {ours or '-':>2} (fts5 {theirs or '-'})  [{item.get('style', '-')}] {item['q']}")
    everything = [pair for pairs in by_style.values() for pair in pairs]
    for label, pairs in [(f"{path.name} ({len(everything)})", everything), *sorted(by_style.items())]:
        (mrr, hit), (fmrr, fhit) = scores([p[0] for p in pairs]), scores([p[1] for p in pairs])
        indent = "" if pairs is everything else "    "
        print(f"{indent}{label:<34} kb MRR@10={mrr:.3f} hit@5={hit:.2f} | fts5-or MRR@10={fmrr:.3f} hit@5={fhit:.2f}")


def run_jargon(kb, path: Path) -> None:
    """Precision of what is listed: a result is related when its text holds an accepted string,
    or its heading does (the page shows it above the text, and the index reads it with it)."""
    queries = json.loads(path.read_text())["queries"]
    listed = related = in_text = 0
    unrelated = []
    for item in queries:
        results = kb.search(item["q"], limit=20)
        text_ok = [any(a in norm(r["text"]) for a in item["accept"]) for r in results]
        ok = [t or any(a in norm(r["heading"] or "") for a in item["accept"]) for t, r in zip(text_ok, results)]
        listed, related, in_text = listed + len(results), related + sum(ok), in_text + sum(text_ok)
        if not all(ok):
            unrelated.append(f"{item['q']} ({len(ok) - sum(ok)} of {len(ok)})")
    print(f"{path.name} ({len(queries)}): precision of listed results {related / max(listed, 1):.3f} "
          f"({related}/{listed}; in the text alone {in_text / max(listed, 1):.3f}); "
          f"queries listing an unrelated result: {len(unrelated)}" + (f": {', '.join(unrelated)}" if unrelated else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=Path("kb.db"))
    parser.add_argument("--sets", type=Path, nargs="*", default=DEFAULT_SETS)
    parser.add_argument("--jargon", type=Path, nargs="*", default=DEFAULT_JARGON)
    parser.add_argument("--verbose", action="store_true", help="list the queries whose answer is not first")
    args = parser.parse_args()
    kb, fts = knowledge_base(args.db), fts_index(args.db)
    for path in args.sets:
        if path.is_file():
            run_set(kb, fts, path, args.verbose)
    for path in args.jargon:
        if path.is_file():
            run_jargon(kb, path)


if __name__ == "__main__":
    main()
