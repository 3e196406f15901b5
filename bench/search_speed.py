"""Build time, kb.db size, peak memory and query latency, kb against plain FTS5, same chunks, same run.

    python bench/search_speed.py --chunks 10000 --queries 300

Prints one table. FTS5 here is the baseline a user would otherwise have: the same sources read and
chunked by the same code, the chunk texts put in an FTS5 table (porter tokenizer) and nothing
else, queried with every word OR-ed and ranked by bm25. Over HTTP, kb is the plugin's
/-/kb-search.json page and fts5 is Datasette's own table search (`_search`, raw mode), which filters
but does not rank. Builds run in child processes, so each one's peak memory is its own.
"""
from __future__ import annotations

import argparse
import multiprocessing
import random
import re
import resource
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic_corpus import write_corpus  # noqa: E402

import sqlite_utils  # noqa: E402

from ingest.sources import load_sources  # noqa: E402
from kb.build import build_kb  # noqa: E402
from kb.chunking import chunk_documents  # noqa: E402
from kb.search import Query, Searcher  # noqa: E402

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


def timed_child(target, *args) -> tuple[float, float]:
    """Run target(*args) in a child process: (seconds, the child's peak RSS in MB)."""
    began = time.perf_counter()
    child = multiprocessing.get_context("fork").Process(target=target, args=args)
    child.start()
    child.join()
    if child.exitcode:
        sys.exit(f"{target.__name__} failed with exit code {child.exitcode}")
    return time.perf_counter() - began, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_latencies(kb_db: Path, fts_db: Path, queries: list[str]) -> dict[str, tuple[float, float]]:
    """p50/p95 of the search page's JSON and of Datasette's own FTS table search, over HTTP."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "datasette", "serve", "-i", str(kb_db), "-i", str(fts_db),
                               "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):  # up to 10 s to start
            try:
                urllib.request.urlopen(f"{base}/-/versions.json", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        get = lambda url: urllib.request.urlopen(url, timeout=30).read()  # noqa: E731
        kb_url = lambda q: f"{base}/-/kb-search.json?" + urllib.parse.urlencode({"q": q})  # noqa: E731
        fts_url = lambda q: f"{base}/fts/chunks.json?" + urllib.parse.urlencode(  # noqa: E731
            {"_search": " OR ".join(f'"{w}"' for w in re.findall(r"\w+", q)), "_searchmode": "raw",
             "_size": 10, "_shape": "array"})
        for q in queries[:20]:
            get(kb_url(q)), get(fts_url(q))
        return {"kb": latencies(lambda q: get(kb_url(q)), queries),
                "fts5": latencies(lambda q: get(fts_url(q)), queries)}
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--passes", type=int, default=2,
                        help="passes over the queries in process: the first and the last are reported "
                             "(the first reads most terms' postings from kb.db; later ones find them in memory)")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="kb-bench-"))
    corpus = write_corpus(work / "corpus", args.chunks)
    kb_db, fts_db = work / "kb.db", work / "fts.db"
    fts_db.unlink(missing_ok=True)
    fts_seconds, fts_peak = timed_child(fts5_build, corpus, fts_db)
    kb_build, kb_peak = timed_child(build_kb, [corpus], kb_db, ROOT / "topics.yml")
    queries = sample_queries(kb_db, args.queries)
    began = time.perf_counter()
    kb = Searcher(kb_db)
    kb_open = (time.perf_counter() - began) * 1000
    fts_run = fts5_query(sqlite3.connect(fts_db))
    latencies(lambda q: kb.run(Query(q, 10)), queries[:20])  # warm the caches of both alike
    latencies(fts_run, queries[:20])
    passes = [{"kb": latencies(lambda q: kb.run(Query(q, 10)), queries), "fts5": latencies(fts_run, queries)}
              for _ in range(max(1, args.passes))]
    first, in_process = passes[0], passes[-1]
    http = http_latencies(kb_db, fts_db, queries)
    report(kb.reader.n_chunks, len(queries), kb_open, {"kb": (kb_build, kb_peak, kb_db), "fts5": (fts_seconds, fts_peak, fts_db)},
           first, in_process, http)


def report(chunks, n_queries, kb_open, builds, first, in_process, http) -> None:
    mb = lambda p: p.stat().st_size / 2**20  # noqa: E731
    print(f"chunks: {chunks}, queries: {n_queries}, opening kb.db for search: {kb_open:.0f} ms")
    print("in process: 1st = first pass over the queries, p50/p95 = last pass; http: Datasette, warm")
    print(f"{'':6} {'build s':>8} {'peak MB':>8} {'size MB':>8} {'1st p50':>8} {'1st p95':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'http p50':>9} {'http p95':>9}")
    for name in ("kb", "fts5"):
        seconds, peak, path = builds[name]
        (f50, f95), (p50, p95), (h50, h95) = first[name], in_process[name], http[name]
        print(f"{name:6} {seconds:8.1f} {peak:8.0f} {mb(path):8.1f} {f50:8.2f} {f95:8.2f} {p50:8.2f} {p95:8.2f} "
              f"{h50:9.2f} {h95:9.2f}")
    ratio = lambda i, metric: metric["kb"][i] / metric["fts5"][i]  # noqa: E731
    print(f"ratios kb/fts5: build {builds['kb'][0] / builds['fts5'][0]:.1f}x, in process p50 {ratio(0, in_process):.2f}x "
          f"p95 {ratio(1, in_process):.2f}x, http p50 {ratio(0, http):.2f}x p95 {ratio(1, http):.2f}x")


if __name__ == "__main__":
    main()
