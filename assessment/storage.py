"""Every query the app makes, behind named functions; the schema as migrations.

Connections are opened in autocommit mode so that each write is one explicit
BEGIN IMMEDIATE transaction: several server processes write at once, and
IMMEDIATE takes the write lock up front instead of failing half-way with
"database is locked". WAL lets readers carry on meanwhile.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from .scoring import Profile

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


def connect(path: str | Path) -> Database:
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    return Database(conn, execute_plugins=False)


def migrate(path: str | Path) -> None:
    """Create or upgrade the schema; safe to run from several processes at once."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = connect(path)
    try:
        db.execute("PRAGMA journal_mode = WAL")
        with write_transaction(db):
            migrations.apply(db)
    finally:
        db.close()


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def new_token() -> str:
    """Unguessable: the result URL is the only key to a private result."""
    return secrets.token_urlsafe(18)


def save_response(
    db: Database,
    *,
    questionnaire: str,
    version: int,
    lang: str,
    answers: dict[str, int],
    profile: Profile,
    duration_seconds: float | None = None,
) -> dict:
    row = {
        "token": new_token(),
        "questionnaire": questionnaire,
        "questionnaire_version": version,
        "lang": lang,
        "answers": json.dumps(answers, sort_keys=True),
        "duration_seconds": duration_seconds,
        "created_at": now(),
        "style": profile.style,
        "secondary_style": profile.secondary_style,
        "clarity": profile.clarity,
        **profile.axes,
        **profile.scores,
        "flags": json.dumps(list(profile.flags)),
    }
    with write_transaction(db):
        row["id"] = db["responses"].insert(row).last_pk
    return row


def response_by_token(db: Database, token: str) -> dict | None:
    rows = list(db["responses"].rows_where("token = ?", [token], limit=1))
    if not rows:
        return None
    return _decode(rows[0])


def _decode(row: dict) -> dict:
    row = dict(row)
    row["answers"] = json.loads(row["answers"])
    row["flags"] = json.loads(row["flags"] or "[]")
    return row
