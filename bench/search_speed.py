"""Build time, index size, peak memory, cold start and query latency: kb beside tantivy, bm25s and
plain FTS5 on the same chunks and queries, in the same run.

    pip install -r bench/requirements.txt   # tantivy, bm25s, PyStemmer: the benchmark's only
    python bench/search_speed.py --chunks 100000 --queries 300

FTS5 is the baseline a user would otherwise have: the same sources read and chunked by the same
code, the texts in an FTS5 table (porter tokenizer), every word OR-ed and ranked by bm25. tantivy
(English stemmer, its query parser's OR) and bm25s (PyStemmer, English stop words) index the
texts of kb.db's chunks. Every engine builds and answers in a process of its own
(bench/anchors.py), so each peak memory is its own; kb is asked through `kb.open`, the library
API. "cold" is a fresh process answering one query (`kb search` for kb). Over HTTP the plugin's
/-/kb-search.json is driven by wrk at 16 connections, each request a different query (the page
cache then answers none) and again after every query was asked once (all from the cache).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import re
import resource
import shutil
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
from anchors import timings  # noqa: E402
from load import run_wrk, wrk_script  # noqa: E402
from synthetic_corpus import write_corpus  # noqa: E402

import sqlite_utils  # noqa: E402

from ingest.sources import load_sources  # noqa: E402
from kb.build import build_kb  # noqa: E402
from kb.chunking import chunk_documents  # noqa: E402
from kb.search import Query  # noqa: E402

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


ANCHORS = Path(__file__).resolve().parent / "anchors.py"


def engine(name: str, action: str, index: Path, *options: str) -> dict:
    """bench/anchors.py in a fresh process: its JSON answer."""
    out = subprocess.run([sys.executable, str(ANCHORS), name, action, "--index", str(index), *options],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def cold_seconds(command: list[str], runs: int = 5) -> float:
    """Median wall time of a fresh process answering one query."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def write_chunks(kb_db: Path, out: Path) -> None:
    """kb.db's chunk texts as JSON lines, the other engines' input: the very same chunks."""
    with out.open("w") as f:
        for chunk_id, text in sqlite3.connect(kb_db).execute("select id, text from chunks order by id"):
            f.write(json.dumps({"id": chunk_id, "text": text}) + "\n")


def page_work(kb_db: Path, queries: list[str]) -> tuple[float, float]:
    """The search page's work in process: ranked results with facet counts over all matches."""
    import kb

    searcher = kb.open(kb_db)
    timings(lambda q: searcher.search_with_facets(Query(q, 20)), queries)
    return timings(lambda q: searcher.search_with_facets(Query(q, 20)), queries)


def first_search_after_start(kb_db: Path, query: str) -> float:
    """Seconds from starting `kb serve` to its first answered search."""
    port = free_port()
    began = time.perf_counter()
    server = subprocess.Popen([str(Path(sys.executable).with_name("kb")), "serve", "--db", str(kb_db), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/-/kb-search.json?" + urllib.parse.urlencode({"q": query})
    try:
        while time.perf_counter() - began < 60:
            try:
                urllib.request.urlopen(url, timeout=5).read()
                return time.perf_counter() - began
            except OSError:
                time.sleep(0.01)
        raise SystemExit("kb serve did not answer within 60 s")
    finally:
        server.terminate()
        server.wait()


def http_load(kb_db: Path, queries: list[str], work: Path, seconds: int) -> dict[str, dict]:
    """wrk at 16 connections on /-/kb-search.json: every query new to the server, then all asked before."""
    port = free_port()
    server = subprocess.Popen([str(Path(sys.executable).with_name("kb")), "serve", "--db", str(kb_db), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        first_search_url = f"{base}/-/kb-search.json?q=warm"
        for _ in range(600):
            try:
                urllib.request.urlopen(first_search_url, timeout=5).read()
                break
            except OSError:
                time.sleep(0.1)
        # Queries nobody asked yet: the sampled ones with a distinct number each, so no page repeats.
        fresh = [f"{q} {n}" for n, q in enumerate(queries * 200)]
        uncached = run_wrk(base, wrk_script("/-/kb-search.json?q=", fresh, work), 16, seconds)
        for q in queries:
            urllib.request.urlopen(f"{base}/-/kb-search.json?" + urllib.parse.urlencode({"q": q}), timeout=30).read()
        cached = run_wrk(base, wrk_script("/-/kb-search.json?q=", queries, work), 16, seconds)
        return {"uncached": uncached, "cached": cached}
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
                             "(the first reads most terms' postings from disk; later ones find them in memory)")
    parser.add_argument("--http-seconds", type=int, default=10, help="length of each wrk run (0: no HTTP figures)")
    parser.add_argument("--anchors", default="tantivy,bm25s", help="the other engines to run beside kb and FTS5")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="kb-bench-"))
    corpus = write_corpus(work / "corpus", args.chunks)
    kb_db, fts_db = work / "kb.db", work / "fts.db"
    fts_db.unlink(missing_ok=True)
    builds = {"fts5": timed_child(fts5_build, corpus, fts_db)}
    builds["kb"] = timed_child(build_kb, [corpus], kb_db, ROOT / "topics.yml")
    sizes = {"kb": kb_db.stat().st_size / 2**20, "fts5": fts_db.stat().st_size / 2**20}
    queries = sample_queries(kb_db, args.queries)
    (work / "queries.json").write_text(json.dumps(queries))
    write_chunks(kb_db, work / "chunks.jsonl")
    passes = ["--queries", str(work / "queries.json"), "--passes", str(args.passes)]
    anchors = [a for a in args.anchors.split(",") if a]
    answers = {"kb": engine("kb", "query", kb_db, *passes), "fts5": engine("fts5", "query", fts_db, *passes)}
    for name in anchors:
        index = work / name
        shutil.rmtree(index, ignore_errors=True)
        built = engine(name, "build", index, "--chunks", str(work / "chunks.jsonl"))
        builds[name], sizes[name] = (built["build_s"], built["peak_mb"]), built["size_mb"]
        answers[name] = engine(name, "query", index, *passes)
    q = queries[0]
    cold = {"kb": cold_seconds([str(Path(sys.executable).with_name("kb")), "search", q, "--db", str(kb_db)])}
    for name, index in [("fts5", fts_db), *((a, work / a) for a in anchors)]:
        cold[name] = cold_seconds([sys.executable, str(ANCHORS), name, "cold", "--index", str(index), "--query", q])
    page = page_work(kb_db, queries)
    serve_first = first_search_after_start(kb_db, q)
    http = {}
    if args.http_seconds and shutil.which("wrk") is None:  # Debian's wrk: not a Python package
        print("wrk not found (apt-get install wrk): the HTTP figures are left out", file=sys.stderr)
    elif args.http_seconds:
        http = http_load(kb_db, queries, work, args.http_seconds)
    report(args.chunks, len(queries), builds, sizes, answers, cold, page, serve_first, http)


def report(chunks, n_queries, builds, sizes, answers, cold, page, serve_first, http) -> None:
    print(f"chunks: {chunks} asked for, queries: {n_queries}; 1st = first pass over the queries, p50/p95 = last pass (ms)")
    print(f"{'':8} {'build s':>8} {'peak MB':>8} {'size MB':>8} {'open ms':>8} {'cold s':>7} "
          f"{'1st p50':>8} {'1st p95':>8} {'p50':>7} {'p95':>7}")
    for name in answers:
        (seconds, peak), a = builds[name], answers[name]
        print(f"{name:8} {seconds:8.1f} {peak:8.0f} {sizes[name]:8.1f} {a['open_ms']:8.0f} {cold[name]:7.2f} "
              f"{a['first'][0]:8.2f} {a['first'][1]:8.2f} {a['warm'][0]:7.2f} {a['warm'][1]:7.2f}")
    for other in [n for n in answers if n != "kb"]:
        kb, them = answers["kb"]["warm"], answers[other]["warm"]
        print(f"kb/{other}: p50 {kb[0] / them[0]:.2f}x, p95 {kb[1] / them[1]:.2f}x, build "
              f"{builds['kb'][0] / builds[other][0]:.2f}x, peak {builds['kb'][1] / builds[other][1]:.2f}x, "
              f"size {sizes['kb'] / sizes[other]:.2f}x, cold {cold['kb'] / cold[other]:.2f}x")
    print(f"search page's work in process (results and facet counts): p50 {page[0]:.2f} ms, p95 {page[1]:.2f} ms")
    print(f"kb serve: first search answered {serve_first:.2f} s after starting")
    for name, figures in http.items():
        print(f"http /-/kb-search.json, 16 connections, {name}: {figures['rps']:.0f} requests/s, "
              f"p50 {figures['p50']:.1f} ms, p99 {figures['p99']:.1f} ms, errors {figures['errors']}")


if __name__ == "__main__":
    main()
