"""One command, every figure: throughput, latency, page sizes and start-up of the production server.

    .venv/bin/python -m benchmarks.run [--seconds 5] [--skip-peer] [--skip-browser] [--skip-dashboard]

Starts gunicorn (the README's production command) on 127.0.0.1 with a database of
its own, drives it with wrk (installed from Debian when missing) at 1, 8 and 32
concurrent connections, and does the same, served the same way, for two references:
a bare Flask endpoint (the practical limit of this machine, for context) and a
minimal correct store (benchmarks/minimal_store.py: the same JSON body parsed and
one row committed to WAL SQLite), which the submit target is measured against.
Prints the ratios against the targets. Every load is bounded in time, targets
loopback only, and every server is stopped.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from benchmarks.load import CONCURRENCY, ensure_wrk, measured, wrk  # noqa: F401  (wrk: for callers)
from benchmarks.server import Server, post_json, questionnaire, random_answers

TEAM_SIZES = (100, 1000, 10000)
SLUG = "communication-style"
STORE_APP = "benchmarks.minimal_store:app"

TARGETS = {
    "submit_vs_store": 0.60,  # submit throughput at least 60% of the minimal correct store's
    "result_vs_bare": 3.0,  # result page latency at most 3x the bare endpoint's
    "dashboard_ms": 300.0,  # dashboard at 10,000 members: server time
    "dashboard_kb": 400.0,  # ... and HTML + data
    "startup_s": 2.0,
    "first_visit_kb": 600.0,  # the questionnaire-to-result journey, everything transferred
    "repeat_visit_kb": 20.0,  # the result page again
}


def seed(database: Path, sizes: tuple[int, ...] = TEAM_SIZES) -> dict:
    """Teams of 100, 1,000 and 10,000 members for the dashboard, through the real code."""
    from assessment import create_app, storage
    from assessment.demo import DEMO_PASSWORD, DEMO_USERNAME, seed_team

    app = create_app({"DATABASE": str(database), "SECRET_KEY": "seed-" + "s" * 40})
    db = storage.connect(database)
    teams = {}
    try:
        for n in sizes:
            teams[n] = seed_team(db, app.extensions["questionnaires"], members=n, seed=n, team_name=f"Team {n}")["id"]
    finally:
        db.close()
    return {"teams": teams, "username": DEMO_USERNAME, "password": DEMO_PASSWORD}


def login(url: str, username: str, password: str) -> tuple[urllib.request.OpenerDirector, str]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(url + "/trainer/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": password}).encode()
    opener.open(url + "/trainer/login", data=data).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return opener, cookie


def timed_get(opener, url: str, repeats: int, warmup: int = 8) -> dict:
    """Median over `repeats` requests, after `warmup` untimed ones so that every
    worker has compiled its templates (a first render is not what users wait for)."""
    for _ in range(warmup):
        opener.open(url).read()
    server_ms, total_ms, size = [], [], 0
    for _ in range(repeats):
        began = time.perf_counter()
        with opener.open(url) as r:
            body = r.read()
            timing = r.headers.get("Server-Timing", "")
        total_ms.append((time.perf_counter() - began) * 1000)
        server_ms.append(float(re.search(r"dur=([\d.]+)", timing).group(1)))
        size = len(body)
    return {"server_ms": statistics.median(server_ms), "total_ms": statistics.median(total_ms), "bytes": size}


def verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each wrk run")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (both servers)")
    parser.add_argument("--skip-peer", action="store_true", help="skip django-survey-and-report")
    parser.add_argument("--skip-browser", action="store_true", help="skip the page-weight measurement")
    parser.add_argument("--skip-dashboard", action="store_true",
                        help="skip the dashboard timings (and seeding 11,100 members for them)")
    parser.add_argument("--dashboard-only", action="store_true",
                        help="only the dashboard at 100, 1,000 and 10,000 members (no wrk, no peer)")
    args = parser.parse_args(argv)
    if args.dashboard_only:
        return dashboard_only(args.workers)
    ensure_wrk()
    figures: dict = {}

    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "bench.sqlite3"
        # The dashboard needs its large teams; without it one small team gives the trainer
        # who signs in for the full render of the result page.
        sizes = (10,) if args.skip_dashboard else TEAM_SIZES
        print(f"seeding teams of {', '.join(f'{n:,}' for n in sizes)} members ...", flush=True)
        seeded = seed(database, sizes)

        with Server(Path(tmp) / "bare.sqlite3", workers=args.workers, app="benchmarks.bare:app") as bare:
            figures["bare"] = measured(bare.url + "/", args.seconds)

        startups = []
        for _ in range(3):
            with Server(database, workers=args.workers) as s:
                startups.append(s.started_in)
        figures["startup_s"] = statistics.median(startups)

        with Server(database, workers=args.workers) as server:
            q = questionnaire(server.url, SLUG)
            body = {"answers": random_answers(q, random.Random(5)), "lang": "zh"}
            submit_url = f"{server.url}/api/v1/questionnaires/{SLUG}/responses"
            figures["store"], figures["submit"] = submit_and_store(
                submit_url, Path(tmp) / "store.sqlite3", args.workers, args.seconds, body)
            status, created = post_json(submit_url, body)
            if status != 201:
                raise RuntimeError(f"submit answered {status}: {created}")
            result_path = urllib.parse.urlparse(created["result_url"]).path
            figures["result"] = measured(server.url + result_path, args.seconds)
            opener, cookie = login(server.url, seeded["username"], seeded["password"])
            if not args.skip_dashboard:
                figures["dashboard"] = {
                    n: timed_get(opener, f"{server.url}/trainer/teams/{team_id}", repeats=7)
                    for n, team_id in seeded["teams"].items()
                }
            # Signed in, so the page cache is bypassed: this is the full render.
            figures["result_page"] = timed_get(opener, server.url + result_path, repeats=7)
            if not args.skip_browser:
                from benchmarks.page_weight import measure

                figures["page_weight"] = measure(server.url, SLUG)

    if not args.skip_peer:
        from benchmarks.peer import run_peer

        figures["peer"] = run_peer(args.seconds, args.workers, questions=len(q["items"]))

    report(figures)
    return 0


def submit_and_store(submit_url: str, database: Path, workers: int, seconds: float, body: dict) -> tuple[dict, dict]:
    """The submit load on the app and on the minimal correct store, the same body, the same
    wrk runs, both served by the same gunicorn configuration. The runs alternate (store then
    app at each concurrency; the server not under load sits idle), so that on a shared
    machine both see the same background as nearly as possible. The store is checked to have
    really stored every request wrk counted as answered (a fast error is not a fast store)."""
    with Server(database, workers=workers, app=STORE_APP) as store:
        store_url = f"{store.url}/api/v1/questionnaires/{SLUG}/responses"
        status, created = post_json(store_url, body)
        if status != 201 or not str((created or {}).get("result_url", "")).startswith(store.url + "/"):
            raise RuntimeError(f"minimal store answered {status}: {created}")
        wrk(store_url, 8, 1, body=body)  # the untimed warm-up second each gets, as in measured()
        wrk(submit_url, 8, 1, body=body)
        store_figures, submit_figures = {}, {}
        for c in CONCURRENCY:
            store_figures[c] = wrk(store_url, c, seconds, body=body)
            submit_figures[c] = wrk(submit_url, c, seconds, body=body)
    conn = sqlite3.connect(database)
    try:
        stored = conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
    finally:
        conn.close()
    answered = sum(r["requests"] - r["errors"] for r in store_figures.values())
    if stored < answered:
        raise RuntimeError(f"minimal store: wrk counted {answered} answered submissions, {stored} rows stored")
    return store_figures, submit_figures


def dashboard_only(workers: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "bench.sqlite3"
        seeded = seed(database)
        with Server(database, workers=workers) as server:
            opener, _cookie = login(server.url, seeded["username"], seeded["password"])
            for n, team_id in seeded["teams"].items():
                d = timed_get(opener, f"{server.url}/trainer/teams/{team_id}", repeats=7)
                print(f"dashboard, {n:>6,} members: server {d['server_ms']:6.1f} ms, "
                      f"{d['bytes'] / 1024:6.1f} KB HTML + data, {d['total_ms']:6.1f} ms to the last byte")
    return 0


def report(f: dict) -> None:
    print()
    print(f"{'':<24}{'clients':>8}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
    for name, label in (("bare", "bare Flask endpoint"), ("store", "minimal store (POST)"),
                        ("submit", "submit (API POST)"), ("result", "result page")):
        for c in CONCURRENCY:
            r = f[name][c]
            print(f"{label:<24}{c:>8}{r['rps']:>10.0f}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['errors']:>8}")
    if "peer" in f:
        for c in CONCURRENCY:
            r = f["peer"]["submit"][c]
            print(f"{'peer submit (django)':<24}{c:>8}{r['rps']:>10.0f}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['errors']:>8}")
    print()
    target = TARGETS["submit_vs_store"]
    ratios = {c: f["submit"][c]["rps"] / f["store"][c]["rps"] for c in CONCURRENCY}
    print(f"submit throughput ≥ {target:.0%} of the minimal store's: "
          + ", ".join(f"{ratios[c]:.0%} at {c} client{'s' if c > 1 else ''}" for c in CONCURRENCY)
          + f"  ({verdict(all(r >= target for r in ratios.values()))})")
    for c in CONCURRENCY:
        print(f"  at {c:>2} clients: submit {f['submit'][c]['rps']:.0f} req/s / store {f['store'][c]['rps']:.0f} req/s"
              f" = {ratios[c]:.2f} ({verdict(ratios[c] >= target)}); "
              f"context: submit / bare {f['submit'][c]['rps'] / f['bare'][c]['rps']:.2f}, "
              f"store / bare {f['store'][c]['rps'] / f['bare'][c]['rps']:.2f}")
    for c in CONCURRENCY:
        ratio = f["result"][c]["p50_ms"] / f["bare"][c]["p50_ms"]
        print(f"result / bare p50 latency at {c:>2} clients: {ratio:.2f}x "
              f"(target <= {TARGETS['result_vs_bare']:.0f}x: {verdict(ratio <= TARGETS['result_vs_bare'])})")
    if "peer" in f:
        for c in CONCURRENCY:
            ratio = f["submit"][c]["rps"] / f["peer"]["submit"][c]["rps"]
            print(f"Zhiji / django-survey-and-report submit throughput at {c:>2} clients: {ratio:.2f}x")
        print(f"peer start-up: {f['peer']['startup_s']:.2f} s; responses it really stored: {f['peer']['stored']}")
    print()
    r = f["result_page"]
    print(f"result page, full render (no page cache): server {r['server_ms']:.1f} ms, {r['bytes'] / 1024:.1f} KB HTML")
    for n, d in f.get("dashboard", {}).items():
        line = f"dashboard, {n:>6,} members: server {d['server_ms']:6.1f} ms, {d['bytes'] / 1024:6.1f} KB HTML + data"
        if n == max(TEAM_SIZES):
            ok = d["server_ms"] <= TARGETS["dashboard_ms"] and d["bytes"] / 1024 <= TARGETS["dashboard_kb"]
            line += f"  (target <= {TARGETS['dashboard_ms']:.0f} ms and <= {TARGETS['dashboard_kb']:.0f} KB: {verdict(ok)})"
        print(line)
    print(f"start-up, launch to first 200: {f['startup_s']:.2f} s "
          f"(target <= {TARGETS['startup_s']:.0f} s: {verdict(f['startup_s'] <= TARGETS['startup_s'])})")
    if "page_weight" in f:
        w = f["page_weight"]
        print(f"questionnaire-to-result journey transferred, first visit: {w['first_kb']:.0f} KB "
              f"(target <= {TARGETS['first_visit_kb']:.0f} KB: {verdict(w['first_kb'] <= TARGETS['first_visit_kb'])}); "
              f"result page again: {w['repeat_kb']:.1f} KB "
              f"(target <= {TARGETS['repeat_visit_kb']:.0f} KB: {verdict(w['repeat_kb'] <= TARGETS['repeat_visit_kb'])})")


if __name__ == "__main__":
    sys.exit(main())
