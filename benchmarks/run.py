"""One command, every figure: throughput, latency, page sizes and start-up of the production server.

    .venv/bin/python -m benchmarks.run [--seconds 5] [--skip-peer] [--skip-browser]

Starts gunicorn (the README's production command) on 127.0.0.1 with a database of
its own, drives it with wrk (installed from Debian when missing) at 1, 8 and 32
concurrent connections, does the same for a bare Flask endpoint served the same way
(the practical limit of this machine), and prints the ratios against the targets.
Every load is bounded in time, targets loopback only, and every server is stopped.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from benchmarks.server import Server, post_json, questionnaire, random_answers

HERE = Path(__file__).resolve().parent
LUA = HERE / "wrk_report.lua"
CONCURRENCY = (1, 8, 32)
TEAM_SIZES = (100, 1000, 10000)
SLUG = "communication-style"

TARGETS = {
    "submit_vs_bare": 0.60,  # submit throughput at least 60% of the bare endpoint's
    "result_vs_bare": 3.0,  # result page latency at most 3x the bare endpoint's
    "dashboard_ms": 300.0,  # dashboard at 10,000 members: server time
    "dashboard_kb": 400.0,  # ... and HTML + data
    "startup_s": 2.0,
}


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk from Debian's packages ...", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)
    return shutil.which("wrk") or sys.exit("wrk could not be installed")


def wrk(url: str, connections: int, seconds: float, body: dict | str | None = None, cookie: str = "",
        content_type: str = "application/json", headers: dict | None = None) -> dict:
    """One bounded wrk run; a dict body is sent as JSON, a str body as it is."""
    encoded = json.dumps(body) if isinstance(body, dict) else (body or "")
    env = {"WRK_BODY": encoded, "WRK_COOKIE": cookie, "WRK_CONTENT_TYPE": content_type,
           "WRK_HEADER_LINES": "\n".join(f"{k}: {v}" for k, v in (headers or {}).items()),
           "PATH": "/usr/bin:/bin"}
    threads = min(connections, 2)
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{int(seconds)}s", "--timeout", "10s",
         "-s", str(LUA), url],
        capture_output=True, text=True, env=env, timeout=seconds + 60, check=True,
    ).stdout
    line = next(l for l in out.splitlines() if l.startswith("{"))
    return json.loads(line)


def measured(url: str, seconds: float, **kw) -> dict:
    """wrk at 1, 8 and 32 connections, after one untimed second that lets every
    worker compile its templates and load its catalogues (start-up is measured apart)."""
    wrk(url, 8, 1, **kw)
    return {c: wrk(url, c, seconds, **kw) for c in CONCURRENCY}


def seed(database: Path) -> dict:
    """Teams of 100, 1,000 and 10,000 members for the dashboard, through the real code."""
    from assessment import create_app, storage
    from assessment.demo import DEMO_PASSWORD, DEMO_USERNAME, seed_team

    app = create_app({"DATABASE": str(database), "SECRET_KEY": "seed-" + "s" * 40})
    db = storage.connect(database)
    teams = {}
    try:
        for n in TEAM_SIZES:
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
    parser.add_argument("--dashboard-only", action="store_true",
                        help="only the dashboard at 100, 1,000 and 10,000 members (no wrk, no peer)")
    args = parser.parse_args(argv)
    if args.dashboard_only:
        return dashboard_only(args.workers)
    ensure_wrk()
    figures: dict = {}

    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "bench.sqlite3"
        print(f"seeding teams of {', '.join(f'{n:,}' for n in TEAM_SIZES)} members ...", flush=True)
        seeded = seed(database)

        with Server(Path(tmp) / "bare.sqlite3", workers=args.workers, app="benchmarks.bare:app") as bare:
            figures["bare"] = measured(bare.url + "/", args.seconds)

        startups = []
        for _ in range(3):
            with Server(database, workers=args.workers) as s:
                startups.append(s.started_in)
        figures["startup_s"] = statistics.median(startups)

        with Server(database, workers=args.workers) as server:
            q = questionnaire(server.url, SLUG)
            import random

            body = {"answers": random_answers(q, random.Random(5)), "lang": "zh"}
            submit_url = f"{server.url}/api/v1/questionnaires/{SLUG}/responses"
            figures["submit"] = measured(submit_url, args.seconds, body=body)
            status, created = post_json(submit_url, body)
            result_path = urllib.parse.urlparse(created["result_url"]).path
            figures["result"] = measured(server.url + result_path, args.seconds)
            opener, cookie = login(server.url, seeded["username"], seeded["password"])
            figures["dashboard"] = {
                n: timed_get(opener, f"{server.url}/trainer/teams/{team_id}", repeats=7)
                for n, team_id in seeded["teams"].items()
            }
            # Signed in, so the page cache is bypassed: this is the full render.
            figures["result_page"] = timed_get(opener, server.url + result_path, repeats=7)
            if not args.skip_browser:
                from benchmarks.page_weight import measure

                figures["page_weight"] = measure(server.url + result_path)

    if not args.skip_peer:
        from benchmarks.peer import run_peer

        figures["peer"] = run_peer(args.seconds, args.workers, questions=len(q["items"]))

    report(figures)
    return 0


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
    for name, label in (("bare", "bare Flask endpoint"), ("submit", "submit (API POST)"), ("result", "result page")):
        for c in CONCURRENCY:
            r = f[name][c]
            print(f"{label:<24}{c:>8}{r['rps']:>10.0f}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['errors']:>8}")
    if "peer" in f:
        for c in CONCURRENCY:
            r = f["peer"]["submit"][c]
            print(f"{'peer submit (django)':<24}{c:>8}{r['rps']:>10.0f}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['errors']:>8}")
    print()
    for c in CONCURRENCY:
        ratio = f["submit"][c]["rps"] / f["bare"][c]["rps"]
        print(f"submit / bare throughput at {c:>2} clients: {ratio:.2f}  "
              f"(target >= {TARGETS['submit_vs_bare']:.2f}: {verdict(ratio >= TARGETS['submit_vs_bare'])})")
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
    for n, d in f["dashboard"].items():
        line = f"dashboard, {n:>6,} members: server {d['server_ms']:6.1f} ms, {d['bytes'] / 1024:6.1f} KB HTML + data"
        if n == max(TEAM_SIZES):
            ok = d["server_ms"] <= TARGETS["dashboard_ms"] and d["bytes"] / 1024 <= TARGETS["dashboard_kb"]
            line += f"  (target <= {TARGETS['dashboard_ms']:.0f} ms and <= {TARGETS['dashboard_kb']:.0f} KB: {verdict(ok)})"
        print(line)
    print(f"start-up, launch to first 200: {f['startup_s']:.2f} s "
          f"(target <= {TARGETS['startup_s']:.0f} s: {verdict(f['startup_s'] <= TARGETS['startup_s'])})")
    if "page_weight" in f:
        w = f["page_weight"]
        print(f"result page transferred, first visit: {w['first_kb']:.0f} KB "
              f"(target <= 1,600 KB: {verdict(w['first_kb'] <= 1600)}); "
              f"repeat visit: {w['repeat_kb']:.1f} KB (target <= 50 KB: {verdict(w['repeat_kb'] <= 50)})")


if __name__ == "__main__":
    sys.exit(main())
