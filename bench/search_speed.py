"""Build time, kb.db size, peak memory and query latency, kb against plain FTS5, same chunks, same run.

    python bench/search_speed.py --chunks 10000 --queries 300

Prints one table. FTS5 here is the baseline a user would otherwise have: the same sources read and
chunked by the same code, the chunk texts put in an FTS5 table (porter tokenizer) and nothing
else, queried with every word OR-ed and ranked by bm25.
"""
from __future__ import annotations

import argparse
import random
import re
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic_corpus import write_corpus  # noqa: E402

import sqlite_utils  # noqa: E402

from ingest import load_sources  # noqa: E402
from kb.build import build_kb  # noqa: E402
from kb.chunking import chunk_documents  # noqa: E402
from kb.search import KnowledgeBase, Query  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def fts5_build(corpus: Path, out: Path) -> float:
    """The plain-FTS5 alternative, built the same way: read, parse and chunk, then only FTS5."""
    began = time.perf_counter()
    chunks = chunk_documents(load_sources([corpus]))
    db = sqlite_utils.Database(out)
    db["chunks"].insert_all(({"id": n, "text": c.text} for n, c in enumerate(chunks, 1)), pk="id", batch_size=2000)
    db["chunks"].enable_fts(["text"], tokenize="porter unicode61", create_triggers=False)
    db.close()
    return time.perf_counter() - began


def sample_queries(kb_db: Path, n: int, seed: int = 11) -> list[str]:
    """Realistic short queries: 1 to 4 words lifted from random chunks."""
    rng = random.Random(seed)
    conn = sqlite3.connect(kb_db)
    total = conn.execute("select max(id) from chunks").fetchone()[0]
    queries = []
    while len(queries) < n:
        text = conn.execute("select text from chunks where id = ?", (rng.randint(1, total),)).fetchone()[0]
        words = [w for w in re.findall(r"[A-Za-z0-9]{3,}", text)]
        if len(words) > 4:
            k = rng.randint(1, 4)
            start = rng.randrange(len(words) - k)
            queries.append(" ".join(words[start:start + k]))
    return queries


def latencies(run, queries: list[str]) -> tuple[float, float]:
    times = []
    for q in queries:
        began = time.perf_counter()
        run(q)
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def fts5_query(conn: sqlite3.Connection):
    def run(q: str):
        words = re.findall(r"\w+", q)
        match = " OR ".join(f'"{w}"' for w in words)
        return conn.execute("select rowid from chunks_fts where chunks_fts match ? order by rank limit 10",
                            (match,)).fetchall()
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="kb-bench-"))
    corpus = write_corpus(work / "corpus" / "dump.txt", args.chunks)
    kb_db, fts_db = work / "kb.db", work / "fts.db"
    began = time.perf_counter()
    summary = build_kb([corpus.parent], kb_db, ROOT / "topics.yml")
    kb_build = time.perf_counter() - began
    fts_db.unlink(missing_ok=True)
    fts_seconds = fts5_build(corpus.parent, fts_db)
    queries = sample_queries(kb_db, args.queries)
    began = time.perf_counter()
    kb = KnowledgeBase(kb_db)
    kb_open = (time.perf_counter() - began) * 1000
    fts_run = fts5_query(sqlite3.connect(fts_db))
    latencies(lambda q: kb.search(Query(q, 10)), queries[:20])  # warm the caches of both alike
    latencies(fts_run, queries[:20])
    kb_p50, kb_p95 = latencies(lambda q: kb.search(Query(q, 10)), queries)
    fts_p50, fts_p95 = latencies(fts_run, queries)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    mb = lambda p: p.stat().st_size / 2**20  # noqa: E731
    print(f"chunks: {summary.chunks}, queries: {len(queries)}, open kb.db: {kb_open:.0f} ms, peak RSS {peak_mb:.0f} MB")
    print(f"{'':8} {'build s':>8} {'size MB':>8} {'p50 ms':>8} {'p95 ms':>8}")
    print(f"{'kb':8} {kb_build:8.1f} {mb(kb_db):8.1f} {kb_p50:8.2f} {kb_p95:8.2f}")
    print(f"{'fts5':8} {fts_seconds:8.1f} {mb(fts_db):8.1f} {fts_p50:8.2f} {fts_p95:8.2f}")
    print(f"ratios kb/fts5: build {kb_build / fts_seconds:.1f}x, p50 {kb_p50 / fts_p50:.2f}x, p95 {kb_p95 / fts_p95:.2f}x")


if __name__ == "__main__":
    main()
