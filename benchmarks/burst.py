"""Burst and crash tests against the production server on 127.0.0.1.

    python -m benchmarks.burst                 # 200 clients send 2,000 submissions
    python -m benchmarks.burst --crash         # kill -9 the server mid-burst, restart, check

Prints the figures; exits non-zero when a submission was lost or failed. Bounded:
a fixed number of requests, each with a timeout, and the server is always stopped.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.server import Server, post_json, questionnaire, random_answers

SLUG = "communication-style"


def burst(url: str, total: int, clients: int, seed: int = 1, stop: threading.Event | None = None) -> dict:
    q = questionnaire(url, SLUG)
    endpoint = f"{url}/api/v1/questionnaires/{SLUG}/responses"
    rng = random.Random(seed)
    bodies = [{"answers": random_answers(q, rng), "lang": "zh"} for _ in range(total)]
    acknowledged: list[int] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()
    latencies: list[float] = []

    def send(body: dict) -> None:
        if stop is not None and stop.is_set():
            return
        began = time.perf_counter()
        try:
            status, payload = post_json(endpoint, body, timeout=60)
        except Exception as exc:  # connection refused or reset during a crash
            with lock:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            return
        with lock:
            latencies.append(time.perf_counter() - began)
            if status == 201:
                acknowledged.append(payload["id"])
            else:
                key = f"HTTP {status}: {(payload or {}).get('error', '')}"
                errors[key] = errors.get(key, 0) + 1

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(send, bodies))
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "sent": total,
        "acknowledged": acknowledged,
        "errors": errors,
        "seconds": elapsed,
        "p50_ms": 1000 * latencies[len(latencies) // 2] if latencies else None,
        "p95_ms": 1000 * latencies[int(len(latencies) * 0.95)] if latencies else None,
    }


def stored_ids(database: Path) -> set[int]:
    conn = sqlite3.connect(database)
    try:
        return {row[0] for row in conn.execute("SELECT id FROM responses")}
    finally:
        conn.close()


def integrity(database: Path) -> str:
    conn = sqlite3.connect(database)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def run_burst(total: int, clients: int, workers: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "burst.sqlite3"
        with Server(database, workers=workers) as server:
            result = burst(server.url, total, clients)
        stored = stored_ids(database)
        acked = set(result["acknowledged"])
        result.update(missing=len(acked - stored), stored=len(stored), integrity=integrity(database))
        locked = sum(n for k, n in result["errors"].items() if "locked" in k.lower())
        result["locked"] = locked
        return result


def run_crash(total: int, clients: int, workers: int, kill_after: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "crash.sqlite3"
        server = Server(database, workers=workers).start()
        stop = threading.Event()
        outcome: dict = {}

        def load() -> None:
            outcome.update(burst(server.url, total, clients, seed=2, stop=stop))

        thread = threading.Thread(target=load)
        thread.start()
        time.sleep(kill_after)
        server.kill9()
        stop.set()
        thread.join(timeout=120)
        acked = set(outcome.get("acknowledged", []))
        # Restart on the same file: SQLite recovers from the WAL on open.
        with Server(database, workers=workers) as restarted:
            status, _ = post_json(f"{restarted.url}/api/v1/questionnaires/{SLUG}/responses",
                                  {"answers": random_answers(questionnaire(restarted.url), random.Random(3))})
        stored = stored_ids(database)
        return {
            "acknowledged_before_kill": len(acked),
            "missing_after_restart": len(acked - stored),
            "stored": len(stored),
            "integrity": integrity(database),
            "submit_after_restart": status,
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--total", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--crash", action="store_true", help="kill -9 the server mid-burst")
    parser.add_argument("--kill-after", type=float, default=2.0, help="seconds into the burst (with --crash)")
    args = parser.parse_args(argv)
    if args.crash:
        r = run_crash(args.total, args.clients, args.workers, args.kill_after)
        print(f"crash: {r['acknowledged_before_kill']} acknowledged before kill -9, "
              f"{r['missing_after_restart']} missing after restart, integrity_check {r['integrity']}, "
              f"submit after restart HTTP {r['submit_after_restart']}")
        ok = r["missing_after_restart"] == 0 and r["integrity"] == "ok" and r["submit_after_restart"] == 201
    else:
        r = run_burst(args.total, args.clients, args.workers)
        print(f"burst: {args.clients} clients, {r['sent']} submissions in {r['seconds']:.1f} s "
              f"({r['sent'] / r['seconds']:.0f}/s), {len(r['acknowledged'])} acknowledged (201), "
              f"errors {r['errors'] or 0}, 'database is locked' {r['locked']}, "
              f"missing {r['missing']}, integrity_check {r['integrity']}, "
              f"p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms")
        ok = not r["errors"] and r["missing"] == 0 and len(r["acknowledged"]) == r["sent"] and r["integrity"] == "ok"
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
