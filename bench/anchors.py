"""One search engine in a process of its own, for bench/search_speed.py: build its index from the
benchmark's chunks, time queries, or answer one query cold. Prints one JSON object.

    python bench/anchors.py tantivy build --chunks chunks.jsonl --index DIR
    python bench/anchors.py tantivy query --index DIR --queries queries.json --passes 2
    python bench/anchors.py tantivy cold --index DIR --query "calling plans"

Engines: kb (kb.open on a built kb.db: the index is the kb.db), fts5 (the FTS5-only database
bench/search_speed.py builds, every word OR-ed, ranked by bm25), tantivy (English stemmer, words
OR-ed, as its query parser does by default), bm25s (PyStemmer's English stemmer and stop words).
tantivy and bm25s come from bench/requirements.txt, never from the product's dependencies.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path


def read_chunks(path: Path) -> tuple[list[int], list[str]]:
    rows = [json.loads(line) for line in path.open()]
    return [r["id"] for r in rows], [r["text"] for r in rows]


def folder_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 2**20


# --- tantivy -----------------------------------------------------------------------------------

def tantivy_schema():
    import tantivy

    schema = tantivy.SchemaBuilder()
    schema.add_integer_field("id", stored=True, indexed=False)
    schema.add_text_field("text", stored=False, tokenizer_name="en_stem")
    return schema.build()


def tantivy_build(ids: list[int], texts: list[str], index: Path) -> None:
    import tantivy

    index.mkdir(parents=True, exist_ok=True)
    writer = tantivy.Index(tantivy_schema(), path=str(index)).writer(heap_size=256 * 2**20, num_threads=2)
    for chunk_id, text in zip(ids, texts):
        writer.add_document(tantivy.Document(id=chunk_id, text=text))
    writer.commit()
    writer.wait_merging_threads()


def tantivy_open(index: Path):
    import tantivy

    engine = tantivy.Index(tantivy_schema(), path=str(index))
    engine.reload()
    searcher = engine.searcher()

    def search(q: str) -> list[int]:
        hits = searcher.search(engine.parse_query(q, ["text"]), 10).hits
        return [searcher.doc(address)["id"][0] for _, address in hits]
    return search


# --- bm25s -------------------------------------------------------------------------------------

def bm25s_build(ids: list[int], texts: list[str], index: Path) -> None:
    import bm25s
    import Stemmer

    tokens = bm25s.tokenize(texts, stopwords="en", stemmer=Stemmer.Stemmer("english"), show_progress=False)
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    retriever.save(str(index))
    (index / "ids.json").write_text(json.dumps(ids))


def bm25s_open(index: Path):
    import bm25s
    import Stemmer

    retriever = bm25s.BM25.load(str(index))
    ids = json.loads((index / "ids.json").read_text())
    stemmer = Stemmer.Stemmer("english")

    def search(q: str) -> list[int]:
        tokens = bm25s.tokenize([q], stopwords="en", stemmer=stemmer, show_progress=False)
        if not tokens.ids[0]:
            return []  # only stop words: bm25s has nothing to look up
        found, _ = retriever.retrieve(tokens, k=10, show_progress=False, n_threads=1)
        return [ids[i] for i in found[0]]
    return search


# --- kb ----------------------------------------------------------------------------------------

def kb_open(index: Path):
    import kb

    searcher = kb.open(index)
    return lambda q: [hit["chunk_id"] for hit in searcher.search(q, limit=10)]


# --- FTS5 (the index bench/search_speed.py builds) ---------------------------------------------

def fts5_open(index: Path):
    import re
    import sqlite3

    conn = sqlite3.connect(index)

    def search(q: str) -> list[int]:
        match = " OR ".join(f'"{w}"' for w in re.findall(r"\w+", q))
        return [r[0] for r in conn.execute("select rowid from chunks_fts where chunks_fts match ? order by rank "
                                           "limit 10", (match,))] if match else []
    return search


ENGINES = {"kb": (None, kb_open), "fts5": (None, fts5_open), "tantivy": (tantivy_build, tantivy_open),
           "bm25s": (bm25s_build, bm25s_open)}


def timings(search, queries: list[str]) -> tuple[float, float]:
    times = []
    for q in queries:
        began = time.perf_counter()
        search(q)
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("engine", choices=sorted(ENGINES))
    parser.add_argument("action", choices=["build", "query", "cold"])
    parser.add_argument("--index", type=Path, required=True, help="the index folder (kb: the kb.db)")
    parser.add_argument("--chunks", type=Path, help="build: a JSON-lines file of {id, text}")
    parser.add_argument("--queries", type=Path, help="query: a JSON list of query strings")
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--query", help="cold: the one query to answer")
    args = parser.parse_args()
    build, open_index = ENGINES[args.engine]
    if args.action == "build":
        began = time.perf_counter()
        build(*read_chunks(args.chunks), args.index)
        result = {"build_s": time.perf_counter() - began, "peak_mb": peak_mb(), "size_mb": folder_mb(args.index)}
    elif args.action == "query":
        queries = json.loads(args.queries.read_text())
        began = time.perf_counter()
        search = open_index(args.index)
        result = {"open_ms": (time.perf_counter() - began) * 1000}
        passes = [timings(search, queries) for _ in range(max(1, args.passes))]
        result.update(first=passes[0], warm=passes[-1], peak_mb=peak_mb())
    else:
        result = {"hits": len(open_index(args.index)(args.query))}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
