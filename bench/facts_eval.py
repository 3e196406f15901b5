"""Precision and recall of the facts table against a hand-made gold list.

Builds kb.db from the given sources (default: the bundled corpus/) in a temporary folder, reads
its facts table and compares it with a gold list (bench/facts/gold-*.json, written by hand by
someone who had not seen the code; rules in bench/facts/NOTES.md):

    python bench/facts_eval.py                                    # bundled write-ups
    python bench/facts_eval.py bench/facts/unseen-writeup.txt --gold bench/facts/gold-unseen.json
    python bench/facts_eval.py --show                             # list the misses and the extras

Only documents the gold list covers are scored (by title); facts of other documents are counted
apart. A table fact matches a gold fact when all of these hold:

- the same document (title);
- the same value (to 1e-6 of it) and unit (compared by their last word, singular and plural
  folded: 'solution areas' = 'areas', 'hour' = 'hours'); currency and qualifier are not part of
  the match, but their agreement is reported;
- the same sentence occurrence: the content words of the shorter of the two sentences are at
  least 80% in the other (the gold leaves a bullet's label out of its sentence, a table row keeps it);
- the subjects match reasonably: they share at least half of the content words of the shorter
  subject, and at least one (content words: folded, stemmed, stop words and numbers out).

Each table fact matches at most one gold fact and the other way round (best pairs first, clear
gold facts before borderline ones). Deadlines (unit 'date') are scored apart, against the gold
list's "deadlines": a date fact matches one when the deadline's text holds its year and the
sentences and subjects match as above. "Clear only": a table fact matching a borderline gold fact
counts neither for nor against, and missed borderline facts are not misses. "With borderline":
every gold fact counts. Precision = matched / (table facts scored), recall = matched / gold facts.
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.analysis import STOP_WORDS, stem, words  # noqa: E402
from kb.build import build_kb  # noqa: E402

SENTENCE_SHARE = 0.8
SUBJECT_SHARE = 0.5


def content_words(text: str | None) -> set[str]:
    return {stem(w) for w in words(text or "") if w not in STOP_WORDS and not w.replace(".", "").isdigit()}


def unit_key(unit: str | None) -> str:
    last = (unit or "").strip().lower().split()[-1:] or [""]
    word = last[0]
    return word[:-1] if len(word) > 2 and word.endswith("s") else word


def share(a: set[str], b: set[str]) -> float:
    shorter = min(len(a), len(b))
    return len(a & b) / shorter if shorter else 0.0


@dataclass
class Pair:
    predicted: int
    gold: int
    clear: bool
    score: float


def candidate_pairs(predicted: list[dict], gold: list[dict]) -> list[Pair]:
    pairs = []
    for i, p in enumerate(predicted):
        p_subject, p_sentence = content_words(p["subject"]), content_words(p["sentence"])
        for j, g in enumerate(gold):
            if p["document"] != g["document"] or unit_key(p["unit"]) != unit_key(g["unit"]):
                continue
            if abs(float(p["value"]) - float(g["value"])) > 1e-6 * max(1.0, abs(float(g["value"]))):
                continue
            sentence = share(p_sentence, content_words(g["sentence"]))
            g_subject = content_words(g["subject"])
            subject = share(p_subject, g_subject)
            if sentence >= SENTENCE_SHARE and subject >= SUBJECT_SHARE and p_subject & g_subject:
                pairs.append(Pair(i, j, g.get("confidence") == "clear", subject + sentence))
    return pairs


def assign(predicted: list[dict], gold: list[dict]) -> dict[int, int]:
    """Predicted index -> gold index, one to one, clear gold first, then best score."""
    matched: dict[int, int] = {}
    taken: set[int] = set()
    for pair in sorted(candidate_pairs(predicted, gold), key=lambda p: (not p.clear, -p.score, p.predicted, p.gold)):
        if pair.predicted not in matched and pair.gold not in taken:
            matched[pair.predicted] = pair.gold
            taken.add(pair.gold)
    return matched


def figures(predicted: list[dict], gold: list[dict], matched: dict[int, int], with_borderline: bool) -> dict:
    counted_gold = [j for j, g in enumerate(gold) if with_borderline or g.get("confidence") == "clear"]
    hits = [(i, j) for i, j in matched.items() if j in counted_gold]
    ignored = [i for i, j in matched.items() if j not in counted_gold]
    scored = len(predicted) - len(ignored)
    same = lambda key: sum((predicted[i].get(key) or None) == (gold[j].get(key) or None) for i, j in hits)
    return {
        "gold": len(counted_gold), "table": scored, "matched": len(hits),
        "ignored_borderline": len(ignored),
        "precision": round(len(hits) / scored, 3) if scored else None,
        "recall": round(len(hits) / len(counted_gold), 3) if counted_gold else None,
        "qualifier_agrees": f"{same('qualifier')}/{len(hits)}",
        "currency_agrees": f"{same('currency')}/{len(hits)}",
    }


def table_facts(db_path: Path) -> list[dict]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    rows = conn.execute("""select f.*, d.title as document from facts f join documents d on d.id = f.document_id
                           order by f.id""").fetchall()
    return [dict(r) for r in rows]


def report(predicted: list[dict], gold: list[dict], matched: dict[int, int], show: bool) -> None:
    for mode, with_borderline in (("clear only", False), ("with borderline", True)):
        f = figures(predicted, gold, matched, with_borderline)
        print(f"{mode:16} precision {f['precision']}  recall {f['recall']}  ({f['matched']} matched of "
              f"{f['table']} table facts and {f['gold']} gold facts; {f['ignored_borderline']} on borderline "
              f"facts not counted; qualifier agrees {f['qualifier_agrees']}, currency {f['currency_agrees']})")
    if not show:
        return
    print("\nTable facts matching no gold fact:")
    for i, p in enumerate(predicted):
        if i not in matched:
            print(f"  {p['value']:g} {p['unit']} [{p['qualifier']}] | {p['subject']} | {p['sentence'][:90]}")
    print("\nGold facts not found (C clear, b borderline):")
    found = set(matched.values())
    for j, g in enumerate(gold):
        if j not in found:
            mark = "C" if g.get("confidence") == "clear" else "b"
            print(f"  {mark} {g['value']:g} {g['unit']} | {g['subject']} | {g['sentence'][:90]}")


def deadline_report(dates: list[dict], deadlines: list[dict]) -> str:
    found = 0
    for d in deadlines:
        if any(str(int(p["value"])) in str(d.get("deadline", ""))
               and share(content_words(p["sentence"]), content_words(d["sentence"])) >= SENTENCE_SHARE
               and share(content_words(p["subject"]), content_words(d["subject"])) >= SUBJECT_SHARE
               for p in dates):
            found += 1
    return f"deadlines: {found} of {len(deadlines)} found; {len(dates)} date fact(s) in the table"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources", nargs="*", default=[str(ROOT / "corpus")], help="Sources for kb build")
    parser.add_argument("--gold", default=str(ROOT / "bench" / "facts" / "gold-bundled.json"), help="Gold list")
    parser.add_argument("--show", action="store_true", help="List unmatched table facts and missed gold facts")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON")
    args = parser.parse_args()
    gold_data = json.loads(Path(args.gold).read_text(encoding="utf-8"))
    gold = gold_data["facts"]
    titles = {g["document"] for g in gold}
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "kb.db"
        build_kb(args.sources, db_path, ROOT / "topics.yml")
        every = table_facts(db_path)
    dates = [p for p in every if p["document"] in titles and p["unit"] == "date"]
    predicted = [p for p in every if p["document"] in titles and p["unit"] != "date"]
    others: dict[str, int] = {}
    for p in every:
        if p["document"] not in titles:
            others[p["document"]] = others.get(p["document"], 0) + 1
    matched = assign(predicted, gold)
    if args.json:
        print(json.dumps({"clear_only": figures(predicted, gold, matched, False),
                          "with_borderline": figures(predicted, gold, matched, True),
                          "deadlines": deadline_report(dates, gold_data.get("deadlines", [])),
                          "not_scored": others}, indent=2))
        return
    print(f"{args.gold}: {len(titles)} document(s); {len(every)} facts in the table, "
          f"{len(predicted) + len(dates)} in them")
    report(predicted, gold, matched, args.show)
    print(deadline_report(dates, gold_data.get("deadlines", [])))
    if gold_data.get("show_note_facts"):
        print(f"{len(gold_data['show_note_facts'])} gold facts of podcast show notes not scored: facts are read "
              "from write-ups' sections, bullets and tables only")
    if others:
        print("Not scored (documents the gold list does not cover): "
              + ", ".join(f"{title} ({n})" for title, n in sorted(others.items())))


if __name__ == "__main__":
    main()
