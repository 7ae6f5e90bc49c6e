"""Burst and crash tests against the production server on 127.0.0.1.

    python -m benchmarks.burst                     # 200 clients send 2,000 submissions
    python -m benchmarks.burst --no-writelock      # the same, the app's flock write queue disabled
    python -m benchmarks.burst --compare-writelock # both, one after the other, side by side
    python -m benchmarks.burst --crash             # kill -9 the server mid-burst, restart, check

The write lock is the flock on `<database>-writelock` that assessment.storage takes
around every BEGIN IMMEDIATE; the server is started with ZHIJI_WRITE_LOCK=1 or =0 and
the app is expected to honour it. Whether a run really had the lock is not assumed:
/proc/locks is sampled during the burst for an flock on that file, and each run
reports what it saw (a warning is printed when it contradicts the setting).

"database is locked" is counted in the server's own log (the API answers a plain 500,
the traceback names the cause) as well as in the answers.

Prints the figures; exits non-zero when a submission was lost or failed. Bounded:
a fixed number of requests, each with a timeout, a deadline for the whole burst
(--max-seconds; requests not yet sent by then are skipped and reported), and the
server is always stopped.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sqlite3
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.server import Server, post_json, questionnaire, random_answers

SLUG = "communication-style"
MAX_SECONDS = 120.0  # deadline for one burst; no new request is sent after it


def burst(url: str, total: int, clients: int, seed: int = 1, stop: threading.Event | None = None) -> dict:
    q = questionnaire(url, SLUG)
    endpoint = f"{url}/api/v1/questionnaires/{SLUG}/responses"
    rng = random.Random(seed)
    bodies = [{"answers": random_answers(q, rng), "lang": "zh"} for _ in range(total)]
    acknowledged: list[int] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()
    latencies: list[float] = []
    attempted = [0]

    def send(body: dict) -> None:
        if stop is not None and stop.is_set():
            return
        with lock:
            attempted[0] += 1
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
        "attempted": attempted[0],
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


# The last line of each traceback the server logged for a locked database.
_LOCKED_IN_LOG = re.compile(r"^[\w.]*OperationalError: database is locked", re.MULTILINE)
_FLOCK = re.compile(r"\bFLOCK\s+\S+\s+\S+\s+\d+\s+[0-9a-f]+:[0-9a-f]+:(\d+)\s")


def flock_held(inode: int) -> bool:
    """Whether some process holds or waits for an flock on the file with this inode."""
    try:
        with open("/proc/locks") as f:
            text = f.read()
    except OSError:
        return False
    return any(int(m.group(1)) == inode for m in _FLOCK.finditer(text))


class LockWatch:
    """Samples /proc/locks every few milliseconds for an flock on `<database>-writelock`."""

    def __init__(self, database: Path, every: float = 0.005):
        self.path = Path(str(database) + "-writelock")
        self.every = every
        self.samples = self.seen = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.available = os.path.exists("/proc/locks")

    def _run(self) -> None:
        inode = None
        while not self._stop.is_set():
            if inode is None and self.path.exists():
                inode = self.path.stat().st_ino
            self.samples += 1
            if inode is not None and flock_held(inode):
                self.seen += 1
            self._stop.wait(self.every)

    def __enter__(self) -> "LockWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def run_burst(total: int, clients: int, workers: int, write_lock: bool = True,
              max_seconds: float = MAX_SECONDS) -> dict:
    """One burst against a fresh server and database. write_lock=False starts the server
    with ZHIJI_WRITE_LOCK=0 (the app decides whether to honour it; see `lock_seen`)."""
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "burst.sqlite3"
        server = Server(database, workers=workers, env={"ZHIJI_WRITE_LOCK": "1" if write_lock else "0"})
        with server:
            stop = threading.Event()
            deadline = threading.Timer(max_seconds, stop.set)
            deadline.start()
            try:
                with LockWatch(database) as watch:
                    result = burst(server.url, total, clients, stop=stop)
            finally:
                deadline.cancel()
        stored = stored_ids(database)
        acked = set(result["acknowledged"])
        result.update(missing=len(acked - stored), stored=len(stored), integrity=integrity(database))
        in_answers = sum(n for k, n in result["errors"].items() if "locked" in k.lower())
        in_log = len(_LOCKED_IN_LOG.findall(server.output))
        result.update(
            locked=max(in_answers, in_log),
            write_lock=write_lock,
            lock_samples=watch.samples,
            lock_seen=(watch.seen > 0) if watch.available else None,
            skipped=result["sent"] - result["attempted"],
        )
        return result


def lock_warning(r: dict) -> str | None:
    if r["lock_seen"] is None:
        return "could not read /proc/locks: whether the write lock was taken is unknown"
    if r["write_lock"] and not r["lock_seen"]:
        return ("ZHIJI_WRITE_LOCK=1, yet no flock on <database>-writelock was seen during the burst: "
                "the app may no longer take it")
    if not r["write_lock"] and r["lock_seen"]:
        return ("ZHIJI_WRITE_LOCK=0 was NOT honoured: the app still took the flock on "
                "<database>-writelock, so this run measured the lock too")
    return None


ROWS = (
    ("acknowledged (201)", lambda r: f"{len(r['acknowledged'])} / {r['sent']}"),
    ("errors", lambda r: str(sum(r["errors"].values()))),
    ("'database is locked'", lambda r: str(r["locked"])),
    ("missing after the run", lambda r: str(r["missing"])),
    ("skipped (deadline)", lambda r: str(r["skipped"])),
    ("integrity_check", lambda r: r["integrity"]),
    ("elapsed s", lambda r: f"{r['seconds']:.1f}"),
    ("req/s", lambda r: f"{r['attempted'] / r['seconds']:.0f}"),
    ("p50 ms", lambda r: f"{r['p50_ms']:.0f}" if r["p50_ms"] is not None else "-"),
    ("p95 ms", lambda r: f"{r['p95_ms']:.0f}" if r["p95_ms"] is not None else "-"),
    ("flock seen (/proc/locks)", lambda r: {True: "yes", False: "no", None: "unknown"}[r["lock_seen"]]),
)


def burst_line(r: dict, clients: int) -> str:
    return (f"burst, write lock {'on' if r['write_lock'] else 'off'}: {clients} clients, "
            f"{r['attempted']} submissions in {r['seconds']:.1f} s ({r['attempted'] / r['seconds']:.0f}/s), "
            f"{len(r['acknowledged'])} acknowledged (201), errors {r['errors'] or 0}, "
            f"'database is locked' {r['locked']}, missing {r['missing']}, skipped {r['skipped']}, "
            f"integrity_check {r['integrity']}, "
            f"p50 {r['p50_ms'] or 0:.0f} ms, p95 {r['p95_ms'] or 0:.0f} ms, "
            f"flock seen {({True: 'yes', False: 'no', None: 'unknown'})[r['lock_seen']]}")


def side_by_side(runs: list[dict]) -> str:
    heads = [f"write lock {'on' if r['write_lock'] else 'off'}" for r in runs]
    width = max(len(name) for name, _ in ROWS) + 2
    lines = [" " * width + "".join(f"{h:>18}" for h in heads)]
    for name, cell in ROWS:
        lines.append(f"{name:<{width}}" + "".join(f"{cell(r):>18}" for r in runs))
    return "\n".join(lines)


def burst_ok(r: dict) -> bool:
    return (not r["errors"] and r["missing"] == 0 and len(r["acknowledged"]) == r["sent"]
            and r["integrity"] == "ok")


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
    parser.add_argument("--max-seconds", type=float, default=MAX_SECONDS,
                        help="deadline for one burst; requests not sent by then are skipped")
    lock = parser.add_mutually_exclusive_group()
    lock.add_argument("--no-writelock", action="store_true",
                      help="start the server with ZHIJI_WRITE_LOCK=0 (the app's flock write queue off)")
    lock.add_argument("--compare-writelock", action="store_true",
                      help="run the burst with the write lock on, then off, and print both side by side")
    parser.add_argument("--crash", action="store_true", help="kill -9 the server mid-burst")
    parser.add_argument("--kill-after", type=float, default=0.8, help="seconds into the burst (with --crash)")
    args = parser.parse_args(argv)
    if args.crash and (args.no_writelock or args.compare_writelock):
        parser.error("--crash runs with the app's default write lock; leave out --no-writelock/--compare-writelock")
    if args.crash:
        r = run_crash(args.total, args.clients, args.workers, args.kill_after)
        print(f"crash: {r['acknowledged_before_kill']} acknowledged before kill -9, "
              f"{r['missing_after_restart']} missing after restart, integrity_check {r['integrity']}, "
              f"submit after restart HTTP {r['submit_after_restart']}")
        ok = r["missing_after_restart"] == 0 and r["integrity"] == "ok" and r["submit_after_restart"] == 201
    else:
        settings = (True, False) if args.compare_writelock else (not args.no_writelock,)
        runs = []
        for write_lock in settings:
            r = run_burst(args.total, args.clients, args.workers, write_lock=write_lock,
                          max_seconds=args.max_seconds)
            runs.append(r)
            print(burst_line(r, args.clients), flush=True)
        if len(runs) > 1:
            print()
            print(f"{args.clients} clients, {args.total} submissions, {args.workers} workers")
            print(side_by_side(runs))
        for r in runs:
            for name, n in sorted(r["errors"].items()):
                print(f"  write lock {'on' if r['write_lock'] else 'off'}: {n} x {name}")
            warning = lock_warning(r)
            if warning:
                print(f"WARNING (write lock {'on' if r['write_lock'] else 'off'}): {warning}")
        ok = all(burst_ok(r) for r in runs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
