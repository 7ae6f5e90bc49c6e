"""Staff accounts (trainers, QC, admins), their API tokens and the sign-in throttle.

A disabled account (disabled_at set) opens nothing: its tokens are not found here and
the session loader in web/auth.py refuses it."""

from __future__ import annotations

import hashlib
import secrets

from sqlite_utils import Database

from .db import all_rows, insert, now, one, write_transaction


class UsernameTaken(ValueError):
    pass


def create_trainer(db: Database, username: str, password_hash: str, role: str = "trainer") -> int:
    """A staff account; role is admin, trainer (the default) or qc (see staff.py)."""
    with write_transaction(db):
        if trainer_by_username(db, username):
            raise UsernameTaken(username)
        return insert(db, "trainers", {"username": username, "password_hash": password_hash, "created_at": now(),
                                       "role": role})


def trainer_by_username(db: Database, username: str) -> dict | None:
    return one(db, "SELECT * FROM trainers WHERE username = ? COLLATE NOCASE", [username])


def trainer_by_id(db: Database, trainer_id: int) -> dict | None:
    return one(db, "SELECT * FROM trainers WHERE id = ?", [trainer_id])


def end_sessions(db: Database, trainer_id: int) -> None:
    with write_transaction(db):
        db.execute("UPDATE trainers SET session_epoch = session_epoch + 1 WHERE id = ?", [trainer_id])


def set_password(db: Database, trainer_id: int, password_hash: str) -> int:
    """A new password ends every session opened with the old one; returns the new epoch."""
    with write_transaction(db):
        db.execute("UPDATE trainers SET password_hash = ?, session_epoch = session_epoch + 1 WHERE id = ?",
                   [password_hash, trainer_id])
        return db.execute("SELECT session_epoch FROM trainers WHERE id = ?", [trainer_id]).fetchone()[0]


# --- API tokens: only a hash is stored; the token is shown once --------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(db: Database, trainer_id: int, label: str = "") -> tuple[int, str]:
    token = "zj_" + secrets.token_urlsafe(32)
    with write_transaction(db):
        token_id = insert(db, "api_tokens", {"trainer_id": trainer_id, "token_hash": _token_hash(token),
                                             "label": label, "created_at": now(), "revoked_at": None})
    return token_id, token


def trainer_by_api_token(db: Database, token: str) -> dict | None:
    return one(
        db,
        "SELECT trainers.* FROM api_tokens JOIN trainers ON trainers.id = api_tokens.trainer_id "
        "WHERE api_tokens.token_hash = ? AND api_tokens.revoked_at IS NULL AND trainers.disabled_at IS NULL",
        [_token_hash(token)],
    )


def revoke_api_tokens(db: Database, trainer_id: int, token_id: int | None = None) -> int:
    sql = "UPDATE api_tokens SET revoked_at = ? WHERE trainer_id = ? AND revoked_at IS NULL"
    params: list = [now(), trainer_id]
    if token_id is not None:
        sql += " AND id = ?"
        params.append(token_id)
    with write_transaction(db):
        return db.execute(sql, params).rowcount


def api_tokens_for(db: Database, trainer_id: int) -> list[dict]:
    return all_rows(db, "SELECT id, label, created_at, revoked_at FROM api_tokens WHERE trainer_id = ? ORDER BY id", [trainer_id])


# --- login throttling -----------------------------------------------------------

def login_failures_since(db: Database, keys: list[str], since: str) -> dict[str, int]:
    marks = ",".join("?" * len(keys))
    rows = all_rows(db, f"SELECT key, COUNT(*) AS n FROM login_failures WHERE key IN ({marks}) AND at >= ? GROUP BY key",
                keys + [since])
    return {r["key"]: r["n"] for r in rows}


def last_login_failure(db: Database, key: str) -> str | None:
    return db.execute("SELECT MAX(at) FROM login_failures WHERE key = ?", [key]).fetchone()[0]


def failures_since(db: Database, key: str, since: str) -> tuple[int, str | None]:
    """(how many, the oldest) failures of one key since then: sign-ins and wrong invite codes
    share the table, each under keys of its own (throttle.py)."""
    n, oldest = db.execute("SELECT COUNT(*), MIN(at) FROM login_failures WHERE key = ? AND at >= ?",
                           [key, since]).fetchone()
    return n, oldest


def record_login_failure(db: Database, keys: list[str], at: str, older_than: str) -> None:
    with write_transaction(db):
        db.conn.executemany("INSERT INTO login_failures (key, at) VALUES (?, ?)", [(k, at) for k in keys])
        db.execute("DELETE FROM login_failures WHERE at < ?", [older_than])


def clear_login_failures(db: Database, key: str) -> None:
    with write_transaction(db):
        db.execute("DELETE FROM login_failures WHERE key = ?", [key])


