"""Calls as evidence, served: single-call API latency, and the batch import's rate against a
minimal reference.

    .venv/bin/python -m benchmarks.calls_service [--short 60] [--long 15] [--files 400]

(`benchmarks.calls` prints the parse + analyse figures of the core on their own.)

API latency: gunicorn (2 workers, --preload, as in production) on 127.0.0.1, one client
posting calls one after another with a bearer token (short: 1 minute, about 12 segments;
long: 30 minutes, 400 segments; each a different call), then reading each back; the
median and 95th percentile of the wall time per request.

Batch import: a folder of call files (Zhiji JSON and WebVTT, Chinese, 1 minute; one in
ten 30 minutes) named `<employee id>_<n>.<ext>`, imported by the same code as
`flask import-calls` (every core reads and analyses, one writer), against a minimal
reference that only reads each file and inserts its bytes raw into a table of the same
database, in transactions of the same size. Files a second for both, and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

from assessment import create_app, storage
from assessment.call_intake import import_calls
from assessment.calls.sample import sample_call
from benchmarks.server import Server, questionnaire, random_answers, post_json

BATCH = 200  # calls a transaction, as call_intake.import_calls writes them


def _request(method: str, url: str, token: str, body: dict | None = None) -> tuple[int, float]:
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as exc:
        exc.read()
        status = exc.code
    return status, (time.perf_counter() - started) * 1000


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def _setup(database: Path) -> tuple[str, dict]:
    """A trainer's API token and their team, in a new database."""
    app = create_app({"DATABASE": str(database), "SECRET_KEY": "benchmark-" + "k" * 40})
    db = storage.connect(database)
    try:
        trainer = storage.create_trainer(db, "bench", "pbkdf2:sha256:1000$x$y")
        team = storage.create_team(db, trainer, "Bench team")
        _id, token = storage.create_api_token(db, trainer)
    finally:
        db.close()
    del app
    return token, team


def api_latency(short: int, long: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "api.sqlite3"
        token, team = _setup(database)
        with Server(database, workers=2) as server:
            q = questionnaire(server.url)
            status, _ = post_json(f"{server.url}/api/v1/questionnaires/{q['slug']}/responses", {
                "answers": random_answers(q, random.Random(1)), "invite_code": team["invite_code"],
                "name": "Agent 坐席", "employee_id": "E1"})
            assert status == 201, status
            agent_url = f"{server.url}/api/v1/agents/1/calls"
            print(f"{'API, one client':<34} {'requests':>8} {'median ms':>10} {'p95 ms':>8}")
            for label, n, minutes, segments in (("POST a short call (1 min)", short, 1.0, None),
                                                ("POST a long call (30 min, 400 seg)", long, 30.0, 400)):
                _request("POST", agent_url, token, {"transcript": sample_call(seed=f"warm-{label}", minutes=minutes,
                                                                              segments=segments)})
                times = []
                for i in range(n):
                    raw = sample_call(seed=f"api-{label}-{i}", minutes=minutes, segments=segments)
                    status, ms = _request("POST", agent_url, token, {"transcript": raw})
                    assert status == 201, status
                    times.append(ms)
                print(f"{label:<34} {n:>8} {statistics.median(times):>10.1f} {_percentile(times, 0.95):>8.1f}")
            reads = [_request("GET", f"{server.url}/api/v1/calls/{i}", token)[1] for i in range(1, short + 1)]
            print(f"{'GET one call (with segments)':<34} {len(reads):>8} {statistics.median(reads):>10.1f} "
                  f"{_percentile(reads, 0.95):>8.1f}")
            listed = [_request("GET", agent_url, token)[1] for _ in range(20)]
            print(f"{'GET a member with ' + str(short + long + 2) + ' calls':<34} {len(listed):>8} "
                  f"{statistics.median(listed):>10.1f} {_percentile(listed, 0.95):>8.1f}")


def _files(folder: Path, n: int) -> int:
    """n call files, one in ten of them 30 minutes long; returns their total bytes."""
    total = 0
    for i in range(n):
        long = i % 10 == 9
        fmt = "vtt" if i % 2 else "json"
        raw = sample_call(seed=f"file-{i}", minutes=30.0 if long else 1.0, segments=400 if long else None,
                          format=fmt)
        path = folder / f"E1_{i:05d}.{fmt}"
        path.write_text(raw, encoding="utf-8")
        total += path.stat().st_size
    return total


def _reference(database: Path, folder: Path) -> int:
    """The least an import can do: read each file, insert its bytes raw, BATCH a transaction."""
    conn = sqlite3.connect(database, isolation_level=None)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE IF NOT EXISTS raw_calls (id INTEGER PRIMARY KEY, path TEXT NOT NULL, body BLOB NOT NULL)")
    paths = sorted(p for p in folder.iterdir() if p.is_file())
    for start in range(0, len(paths), BATCH):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO raw_calls (path, body) VALUES (?, ?)",
                         [(str(p), p.read_bytes()) for p in paths[start:start + BATCH]])
        conn.execute("COMMIT")
    conn.close()
    return len(paths)


def batch_import(files: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "calls"
        folder.mkdir()
        size = _files(folder, files)
        database = Path(tmp) / "import.sqlite3"
        app = create_app({"DATABASE": str(database), "SECRET_KEY": "benchmark-" + "k" * 40})
        client = app.test_client()
        q = app.test_client().get("/api/v1/questionnaires/communication-style").get_json()
        db = storage.connect(database)
        try:
            trainer = storage.create_trainer(db, "bench", "pbkdf2:sha256:1000$x$y")
            team = storage.create_team(db, trainer, "Bench team")
        finally:
            db.close()
        client.post("/api/v1/questionnaires/communication-style/responses", json={
            "answers": random_answers(q, random.Random(2)), "invite_code": team["invite_code"], "name": "坐席",
            "employee_id": "E1"})
        started = time.perf_counter()
        reference = _reference(database, folder)
        reference_s = time.perf_counter() - started
        db = storage.connect(database)
        try:
            started = time.perf_counter()
            summary = import_calls(db, [folder], team_id=team["id"], lexicon=app.extensions["call_lexicon"],
                                   tz=ZoneInfo(app.config["TIMEZONE"]))
            import_s = time.perf_counter() - started
        finally:
            db.close()
        assert len(summary.imported) == files and not summary.failed, summary.failed[:3]
        cores = os.cpu_count() or 1
        print(f"\nbatch import of {files} files ({size / 1e6:.1f} MB; 1 in 10 a 30-minute call), {cores} cores")
        print(f"{'':<52} {'files/s':>9} {'seconds':>8}")
        print(f"{'minimal reference (read, insert raw)':<52} {reference / reference_s:>9.0f} {reference_s:>8.2f}")
        print(f"{'import-calls (decode, parse, mask, analyse, store)':<52} {files / import_s:>9.0f} {import_s:>8.2f}")
        print(f"import-calls runs at {reference_s / import_s:.2f}x the reference's rate "
              f"({import_s / files * 1000:.1f} ms a file against {reference_s / reference * 1000:.2f} ms)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", type=int, default=60, help="short calls posted")
    parser.add_argument("--long", type=int, default=15, help="long calls posted")
    parser.add_argument("--files", type=int, default=400, help="files in the batch import")
    args = parser.parse_args(argv)
    api_latency(args.short, args.long)
    batch_import(args.files)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
