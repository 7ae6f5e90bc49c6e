"""The flock queue around writes: writers wait their turn instead of failing busy.

SQLite on its own makes a blocked writer sleep and retry until its busy timeout runs
out. The app queues writers on `<database>-writelock` first, so a writer waits for the
lock however long the queue, and the busy timeout is never what decides. With a busy
timeout of 1 ms, writers from several threads (each with its own connection, as each
request and each server process has) show the difference: with the queue none fails;
without it (ZHIJI_WRITE_LOCK=0, as `benchmarks.burst --no-writelock` runs) some do.
The burst benchmark prints the throughput side of it (`--compare-writelock`).
"""

from __future__ import annotations

import sqlite3
import threading

import pytest

from assessment import storage

THREADS = 6
WRITES = 60


def _burst(path) -> list[str]:
    """Every thread commits WRITES small transactions; returns the errors seen."""
    errors: list[str] = []
    start = threading.Barrier(THREADS)

    def writer(n: int) -> None:
        db = storage.connect(path)
        db.execute("PRAGMA busy_timeout = 1")
        try:
            start.wait()
            for i in range(WRITES):
                try:
                    with storage.write_transaction(db):
                        db.execute("INSERT INTO login_failures (key, at) VALUES (?, ?)", [f"t{n}", str(i)])
                        # a little work inside the transaction, as a submission does
                        db.execute("SELECT COUNT(*) FROM login_failures WHERE key = ?", [f"t{n}"]).fetchone()
                except sqlite3.OperationalError as exc:
                    errors.append(str(exc))
        finally:
            db.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "lock.sqlite3"
    storage.migrate(path)
    return path


def test_queued_writers_never_fail_busy(database, monkeypatch):
    monkeypatch.setenv("ZHIJI_WRITE_LOCK", "1")
    assert _burst(database) == []
    db = storage.connect(database)
    try:
        assert db.execute("SELECT COUNT(*) FROM login_failures").fetchone()[0] == THREADS * WRITES
    finally:
        db.close()


def test_without_the_queue_the_same_writers_fail_busy(database, monkeypatch):
    """The check above can fail: take the queue away and the busy timeout decides."""
    monkeypatch.setenv("ZHIJI_WRITE_LOCK", "0")
    for _attempt in range(5):  # contention is likely, not certain, in one round
        errors = _burst(database)
        if errors:
            break
    assert errors and all("locked" in e or "busy" in e for e in errors)
