"""The search page under load, on loopback: requests/s, p50/p99 latency and errors of the page and
its JSON at 16 and 64 connections, alone and while long nonsense queries arrive.

    python bench/load.py --duration 10

Serves a kb.db (the bundled corpus, built into a temporary folder, unless --db is given) with
Datasette and this project's plugin, as `kb serve` does, and drives it with wrk (Debian's `wrk`)
over the development and own queries. "while flooded": four clients at once send 50-word
nonsense queries (the most a query may hold, so each runs its spelling correction) and
600-character ones (refused with a 400) as fast as they are answered. Every request goes to
127.0.0.1 and every run stops after --duration seconds.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERY_SETS = [ROOT.parent / "shared" / "eval" / "queries-dev.json", ROOT / "bench" / "queries-own.json",
              ROOT / "bench" / "queries-check.json"]
PAGES = {"json": "/-/kb-search.json?q=", "html": "/-/kb-search?q="}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ordinary_queries() -> list[str]:
    found = []
    for path in QUERY_SETS:
        if path.is_file():
            found += [q["q"] for q in json.loads(path.read_text())["queries"]]
    return found


def serve(db: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "datasette", "serve", "-i", str(db), "-m",
                               str(ROOT / "metadata.yml"), "-p", str(port), "-h", "127.0.0.1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(f"{base}/-/versions.json", timeout=1).read()
            return server, base
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def wrk_script(page: str, queries: list[str], folder: Path) -> Path:
    paths = ",\n".join(json.dumps(page + urllib.parse.quote_plus(q)) for q in queries)
    script = folder / f"{page.strip('/-?=').replace('/', '_').replace('.', '_')}.lua"
    script.write_text(f"local paths = {{{paths}}}\nlocal n = 0\n"
                      "request = function()\n  n = n % #paths + 1\n  return wrk.format(\"GET\", paths[n])\nend\n")
    return script


def run_wrk(base: str, script: Path, connections: int, seconds: int) -> dict:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency",
                          "-s", str(script), base], capture_output=True, text=True, timeout=seconds + 60).stdout
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
            "p50": latency(out, "50%"), "p99": latency(out, "99%"),
            "errors": sum(int(n) for n in re.findall(r"(?:Non-2xx or 3xx responses|timeout|connect|read|write)\s*:?\s*(\d+)", out))}


def latency(out: str, percentile: str) -> float:
    value, unit = re.search(rf"\s{re.escape(percentile)}\s+([\d.]+)(us|ms|s)", out).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def flood(base: str, stop: threading.Event, counts: dict) -> None:
    """Send long nonsense queries until `stop`: the worst a query may ask, and more than it may."""
    rng = random.Random(threading.get_ident())
    while not stop.is_set():
        words = " ".join("".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(8)) for _ in range(50))
        for q in (words[:499], words * 2):
            try:
                urllib.request.urlopen(base + PAGES["json"] + urllib.parse.quote_plus(q), timeout=30).read()
                counts["ok"] += 1
            except urllib.error.HTTPError as exc:
                counts[exc.code] = counts.get(exc.code, 0) + 1
            except OSError:
                counts["failed"] = counts.get("failed", 0) + 1


def flooded(base: str, script: Path, connections: int, seconds: int) -> tuple[dict, dict]:
    stop, counts = threading.Event(), {"ok": 0}
    senders = [threading.Thread(target=flood, args=(base, stop, counts), daemon=True) for _ in range(4)]
    for sender in senders:
        sender.start()
    try:
        return run_wrk(base, script, connections, seconds), counts
    finally:
        stop.set()
        for sender in senders:
            sender.join(timeout=35)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="kb.db to serve  [default: the bundled corpus, built now]")
    parser.add_argument("--duration", type=int, default=10, help="seconds per run (8 runs)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("needs wrk: apt-get install wrk")
    work = Path(tempfile.mkdtemp(prefix="kb-load-"))
    db = args.db
    if db is None:
        from kb.build import build_kb
        db = work / "kb.db"
        build_kb([ROOT / "corpus"], db, ROOT / "topics.yml")
    server, base = serve(db)
    try:
        report(base, ordinary_queries(), work, args.duration)
    finally:
        server.terminate()
        server.wait()


def report(base: str, queries: list[str], work: Path, seconds: int) -> None:
    print(f"{len(queries)} ordinary queries, {seconds} s a run, server at {base}")
    print(f"{'page':5} {'conns':>5} {'load':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}  nonsense answered")
    for page, prefix in PAGES.items():
        script = wrk_script(prefix, queries, work)
        for connections in (16, 64):
            alone = run_wrk(base, script, connections, seconds)
            mixed, counts = flooded(base, script, connections, seconds)
            for label, found, extra in (("alone", alone, ""), ("flooded", mixed, counts_text(counts))):
                print(f"{page:5} {connections:5} {label:>8} {found['rps']:8.0f} {found['p50']:8.2f} {found['p99']:8.2f} "
                      f"{found['errors']:7}  {extra}")
            print(f"{'':20} p99 flooded/alone: {mixed['p99'] / alone['p99']:.2f}x")


def counts_text(counts: dict) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=str))


if __name__ == "__main__":
    main()
