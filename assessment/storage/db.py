"""The connection, its transactions and the schema (as sqlite-utils migrations).

Connections are opened in autocommit mode so that each write is one explicit
BEGIN IMMEDIATE transaction: several server processes write at once, and
IMMEDIATE takes the write lock up front instead of failing half-way with
"database is locked". WAL lets readers carry on meanwhile.

The migrations use sqlite-utils' table API; every query elsewhere in the package is
plain SQL through `one`, `all_rows` and `insert` below.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import sqlite3
import threading
import weakref
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from ..collation import sort_key

BUSY_TIMEOUT_MS = 15000

migrations = Migrations("zhiji")


@migrations()
def m001_responses(db: Database) -> None:
    db["responses"].create(
        {
            "id": int,
            "token": str,
            "questionnaire": str,
            "questionnaire_version": int,
            "lang": str,
            "answers": str,
            "duration_seconds": float,
            "created_at": str,
            "style": str,
            "secondary_style": str,
            "clarity": str,
            "assertiveness": float,
            "responsiveness": float,
            "driver": float,
            "expressive": float,
            "amiable": float,
            "analytical": float,
            "flags": str,
        },
        pk="id",
        not_null={"token", "questionnaire", "questionnaire_version", "answers", "created_at", "style"},
    )
    db["responses"].create_index(["token"], unique=True)


@migrations()
def m002_trainer_workspace(db: Database) -> None:
    db["trainers"].create(
        {"id": int, "username": str, "password_hash": str, "created_at": str},
        pk="id", not_null={"username", "password_hash", "created_at"},
    )
    db.execute("CREATE UNIQUE INDEX idx_trainers_username ON trainers(username COLLATE NOCASE)")
    db["teams"].create(
        {"id": int, "trainer_id": int, "name": str, "invite_code": str, "created_at": str},
        pk="id", foreign_keys=[("trainer_id", "trainers", "id")],
        not_null={"trainer_id", "name", "invite_code", "created_at"},
    )
    db["teams"].create_index(["invite_code"], unique=True)
    db["teams"].create_index(["trainer_id"])
    # identity: "employee:<id>" when an employee id was given, else "name:<normalised name>";
    # the same identity in the same team is the same agent, so retakes form a history.
    db["agents"].create(
        {"id": int, "team_id": int, "name": str, "employee_id": str, "identity": str, "created_at": str},
        pk="id", foreign_keys=[("team_id", "teams", "id")],
        not_null={"team_id", "name", "identity", "created_at"},
    )
    db["agents"].create_index(["team_id", "identity"], unique=True)
    db["responses"].add_column("team_id", int, fk="teams", fk_col="id")
    db["responses"].add_column("agent_id", int, fk="agents", fk_col="id")
    db["responses"].create_index(["team_id", "agent_id", "id"])
    db["responses"].create_index(["agent_id", "id"])
    db["api_tokens"].create(
        {"id": int, "trainer_id": int, "token_hash": str, "label": str, "created_at": str, "revoked_at": str},
        pk="id", foreign_keys=[("trainer_id", "trainers", "id")],
        not_null={"trainer_id", "token_hash", "created_at"},
    )
    db["api_tokens"].create_index(["token_hash"], unique=True)


@migrations()
def m003_login_failures(db: Database) -> None:
    # Kept in the database, not in memory, so the limit holds across server processes.
    db["login_failures"].create({"id": int, "key": str, "at": str}, pk="id", not_null={"key", "at"})
    db["login_failures"].create_index(["key", "at"])


@migrations()
def m004_session_epochs(db: Database) -> None:
    # Raised at every logout: a session cookie copied before it no longer signs in.
    db["trainers"].add_column("session_epoch", int, not_null_default=0)


@migrations()
def m005_name_sort_keys(db: Database) -> None:
    # Lists sort by these, so Chinese names come in pinyin order (see collation.py).
    for table in ("agents", "teams"):
        db[table].add_column("sort_key", str, not_null_default="")
        db.conn.executemany(
            f"UPDATE {table} SET sort_key = ? WHERE id = ?",
            [(sort_key(name), row_id) for row_id, name in db.execute(f"SELECT id, name FROM {table}").fetchall()],
        )




@migrations()
def m006_scoring_version(db: Database) -> None:
    # Which scoring produced a stored profile; `flask rescore` brings old rows up to date.
    db["responses"].add_column("scoring_version", int, not_null_default=1)



@migrations()
def m007_measurement(db: Database) -> None:
    # Scoring version 2: answer sheets that describe no one are stored but not valid,
    # every valid profile has a confidence, balanced axes, and percentiles among the
    # earlier valid results of the same questionnaire version once there are enough.
    responses = db["responses"]
    responses.transform(not_null={"style": False})  # no style for a sheet that is not valid
    responses.add_column("valid", int, not_null_default=1)
    responses.add_column("confidence", float)
    responses.add_column("balanced", str, not_null_default="[]")
    responses.add_column("percentiles", str)
    # Results outside any team never appear in team queries: their indexes skip them, so
    # an anonymous submission writes one index entry (its token) besides the row.
    for columns in (("team_id", "agent_id", "id"), ("agent_id", "id")):
        name = "idx_responses_" + "_".join(columns)
        db.execute(f"DROP INDEX IF EXISTS {name}")
        db.execute(f"CREATE INDEX {name} ON responses ({', '.join(columns)}) WHERE agent_id IS NOT NULL")
    # How many valid results scored each axis value: percentiles in one small read.
    db["norms"].create(
        {"questionnaire": str, "version": int, "axis": str, "score": float, "n": int},
        pk=("questionnaire", "version", "axis", "score"),
    )


class _Database(Database):
    """sqlite-utils' Database, plus its own handle on `<database>-writelock`.

    write_transaction queues writers with an flock on that file. flock excludes
    per open file, so one handle per connection queues this process's threads
    and every other process alike.
    """

    def __init__(self, conn: sqlite3.Connection, path: str):
        super().__init__(conn, execute_plugins=False)
        self.write_lock = None
        self._release_lock = lambda: None
        if os.environ.get("ZHIJI_WRITE_LOCK", "1") != "0":  # benchmarks/burst.py --compare-writelock
            self.write_lock = os.open(path + "-writelock", os.O_RDWR | os.O_CREAT, 0o600)
            self._release_lock = weakref.finalize(self, os.close, self.write_lock)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release_lock()


def connect(path: str | Path) -> Database:
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    return _Database(conn, os.path.abspath(path))


class Pool:
    """Connections kept open between requests, one process's worth.

    Opening a connection costs PRAGMAs, and closing the last one on a WAL database
    checkpoints; reusing them keeps a submission to a single transaction's work.
    Each request still has a connection to itself. After a fork (gunicorn --preload)
    the child starts with an empty pool instead of sharing the parent's connections.
    """

    def __init__(self, path: str | Path, keep: int = 8):
        self.path = str(path)
        self.keep = keep
        self._pid = os.getpid()
        self._idle: list[Database] = []
        self._lock = threading.Lock()

    def acquire(self) -> Database:
        with self._lock:
            if self._pid != os.getpid():
                self._pid, self._idle = os.getpid(), []
            if self._idle:
                return self._idle.pop()
        return connect(self.path)

    def release(self, db: Database) -> None:
        if db.conn.in_transaction:
            db.conn.rollback()
        with self._lock:
            if self._pid == os.getpid() and len(self._idle) < self.keep:
                self._idle.append(db)
                return
        db.close()


def migrate(path: str | Path) -> None:
    """Create or upgrade the schema; safe to run from several processes at once."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = connect(path)
    try:
        db.execute("PRAGMA journal_mode = WAL")
        # Off while migrating, as SQLite requires for rebuilding a table that others refer
        # to (m011_autoincrement): dropping the old copy must not cascade. A migration that
        # rebuilds checks the keys itself (PRAGMA foreign_key_check) before it commits.
        db.execute("PRAGMA foreign_keys = OFF")
        with write_transaction(db):
            migrations.apply(db)
    finally:
        db.close()


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """BEGIN IMMEDIATE ... COMMIT, queued behind a lock file shared by every process.

    SQLite makes a blocked writer sleep and retry with growing back-off, which under
    a burst leaves the database idle while writers sleep; an flock queue wakes the
    next writer the moment the last one commits. The busy timeout stays as a backstop.
    """
    if db.write_lock is not None:
        fcntl.flock(db.write_lock, fcntl.LOCK_EX)
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
        else:
            db.conn.execute("COMMIT")
    finally:
        if db.write_lock is not None:
            fcntl.flock(db.write_lock, fcntl.LOCK_UN)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def new_token() -> str:
    """Unguessable: the result URL is the only key to a private result."""
    return secrets.token_urlsafe(18)



def one(db: Database, sql: str, params) -> dict | None:
    cursor = db.execute(sql, params)
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([c[0] for c in cursor.description], row))


def all_rows(db: Database, sql: str, params) -> list[dict]:
    cursor = db.execute(sql, params)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]



def insert(db: Database, table: str, row: dict) -> int:
    """A plain INSERT: the hot path skips sqlite-utils' per-call table introspection."""
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    return db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values())).lastrowid



def backup(db: Database, target: str | Path) -> None:
    """SQLite's online backup: a consistent copy while the server keeps writing.

    One step, not several: SQLite restarts a stepped backup whenever another connection
    commits between steps, so under a steady stream of submissions it never finishes.
    A single step reads one WAL snapshot; writers carry on beside it meanwhile."""
    destination = sqlite3.connect(str(target))
    try:
        db.conn.backup(destination)
    finally:
        destination.close()
