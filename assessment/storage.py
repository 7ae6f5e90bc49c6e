"""Every query the app makes, behind named functions; the schema as migrations.

Connections are opened in autocommit mode so that each write is one explicit
BEGIN IMMEDIATE transaction: several server processes write at once, and
IMMEDIATE takes the write lock up front instead of failing half-way with
"database is locked". WAL lets readers carry on meanwhile.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import sqlite3
import threading
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from .collation import sort_key
from .model import STYLES
from .scoring import FLAGS, Profile
from .stats import FIT_AFFINITY, SCALES

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


class _Database(Database):
    """sqlite-utils' Database, plus its own handle on `<database>-writelock`.

    write_transaction queues writers with an flock on that file. flock excludes
    per open file, so one handle per connection queues this process's threads
    and every other process alike.
    """

    def __init__(self, conn: sqlite3.Connection, path: str):
        super().__init__(conn, execute_plugins=False)
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
        fcntl.flock(db.write_lock, fcntl.LOCK_UN)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def new_token() -> str:
    """Unguessable: the result URL is the only key to a private result."""
    return secrets.token_urlsafe(18)


class TeamGone(LookupError):
    """The team was removed after the agent joined it; nothing was stored."""


def save_response(
    db: Database,
    *,
    questionnaire: str,
    version: int,
    lang: str,
    answers: dict[str, int],
    profile: Profile,
    duration_seconds: float | None = None,
    member: "Membership | None" = None,
    created_at: str | None = None,
) -> dict:
    """One write transaction: the agent (found or created) and their response."""
    row = {
        "token": new_token(),
        "questionnaire": questionnaire,
        "questionnaire_version": version,
        "lang": lang,
        "answers": json.dumps(answers, sort_keys=True),
        "duration_seconds": duration_seconds,
        "created_at": created_at or now(),
        "style": profile.style,
        "secondary_style": profile.secondary_style,
        "clarity": profile.clarity,
        **profile.axes,
        **profile.scores,
        "flags": json.dumps(list(profile.flags)),
        "team_id": None,
        "agent_id": None,
    }
    with write_transaction(db):
        if member is not None:
            if not team_exists(db, member.team_id):
                raise TeamGone(member.team_id)
            row["team_id"] = member.team_id
            row["agent_id"] = _agent_id(db, member, row["created_at"])
        row["id"] = _insert(db, "responses", row)
    return row


def _insert(db: Database, table: str, row: dict) -> int:
    """A plain INSERT: the hot path skips sqlite-utils' per-call table introspection."""
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    return db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values())).lastrowid


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


# --- trainers ---------------------------------------------------------------

class UsernameTaken(ValueError):
    pass


def create_trainer(db: Database, username: str, password_hash: str) -> int:
    with write_transaction(db):
        if trainer_by_username(db, username):
            raise UsernameTaken(username)
        return db["trainers"].insert(
            {"username": username, "password_hash": password_hash, "created_at": now()}
        ).last_pk


def trainer_by_username(db: Database, username: str) -> dict | None:
    return _one(db, "SELECT * FROM trainers WHERE username = ? COLLATE NOCASE", [username])


def trainer_by_id(db: Database, trainer_id: int) -> dict | None:
    return _one(db, "SELECT * FROM trainers WHERE id = ?", [trainer_id])


def end_sessions(db: Database, trainer_id: int) -> None:
    with write_transaction(db):
        db.execute("UPDATE trainers SET session_epoch = session_epoch + 1 WHERE id = ?", [trainer_id])


def set_password(db: Database, trainer_id: int, password_hash: str) -> int:
    """A new password ends every session opened with the old one; returns the new epoch."""
    with write_transaction(db):
        db.execute("UPDATE trainers SET password_hash = ?, session_epoch = session_epoch + 1 WHERE id = ?",
                   [password_hash, trainer_id])
        return db.execute("SELECT session_epoch FROM trainers WHERE id = ?", [trainer_id]).fetchone()[0]


def _one(db: Database, sql: str, params) -> dict | None:
    cursor = db.execute(sql, params)
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([c[0] for c in cursor.description], row))


def _all(db: Database, sql: str, params) -> list[dict]:
    cursor = db.execute(sql, params)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


# --- API tokens: only a hash is stored; the token is shown once --------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(db: Database, trainer_id: int, label: str = "") -> tuple[int, str]:
    token = "zj_" + secrets.token_urlsafe(32)
    with write_transaction(db):
        token_id = db["api_tokens"].insert(
            {"trainer_id": trainer_id, "token_hash": _token_hash(token), "label": label,
             "created_at": now(), "revoked_at": None}
        ).last_pk
    return token_id, token


def trainer_by_api_token(db: Database, token: str) -> dict | None:
    return _one(
        db,
        "SELECT trainers.* FROM api_tokens JOIN trainers ON trainers.id = api_tokens.trainer_id "
        "WHERE api_tokens.token_hash = ? AND api_tokens.revoked_at IS NULL",
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
    return _all(db, "SELECT id, label, created_at, revoked_at FROM api_tokens WHERE trainer_id = ? ORDER BY id", [trainer_id])


# --- teams and agents ---------------------------------------------------------

# No 0/O, 1/I/L: a code read out in a classroom should survive being heard.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def new_invite_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def create_team(db: Database, trainer_id: int, name: str) -> dict:
    with write_transaction(db):
        while True:
            code = new_invite_code()
            if not _one(db, "SELECT 1 FROM teams WHERE invite_code = ?", [code]):
                break
        row = {"trainer_id": trainer_id, "name": name, "invite_code": code, "created_at": now(),
               "sort_key": sort_key(name)}
        row["id"] = db["teams"].insert(row).last_pk
    return row


def teams_for(db: Database, trainer_id: int) -> list[dict]:
    return _all(
        db,
        """SELECT teams.id, teams.name, teams.invite_code, teams.created_at,
                  (SELECT COUNT(*) FROM agents WHERE agents.team_id = teams.id) AS member_count,
                  (SELECT COUNT(*) FROM responses WHERE responses.team_id = teams.id) AS response_count,
                  (SELECT MAX(created_at) FROM responses WHERE responses.team_id = teams.id) AS last_response_at
           FROM teams WHERE trainer_id = ? ORDER BY teams.sort_key, teams.name, teams.id""",
        [trainer_id],
    )


def team_for(db: Database, trainer_id: int, team_id: int) -> dict | None:
    """A team only if this trainer owns it: the one place ownership is decided."""
    return _one(db, "SELECT * FROM teams WHERE id = ? AND trainer_id = ?", [team_id, trainer_id])


def rename_team(db: Database, team_id: int, name: str) -> None:
    with write_transaction(db):
        db.execute("UPDATE teams SET name = ?, sort_key = ? WHERE id = ?", [name, sort_key(name), team_id])


def delete_team(db: Database, team_id: int) -> int:
    """A team with its members and all their results, in one transaction; returns how many results."""
    with write_transaction(db):
        removed = db.execute("DELETE FROM responses WHERE team_id = ?", [team_id]).rowcount
        db.execute("DELETE FROM agents WHERE team_id = ?", [team_id])
        db.execute("DELETE FROM teams WHERE id = ?", [team_id])
    return removed


def team_exists(db: Database, team_id: int) -> bool:
    return db.execute("SELECT 1 FROM teams WHERE id = ?", [team_id]).fetchone() is not None


def team_by_code(db: Database, code: str) -> dict | None:
    return _one(db, "SELECT id, name, invite_code FROM teams WHERE invite_code = ?", [normalise_code(code)])


@dataclass(frozen=True)
class Membership:
    """Who is taking the questionnaire for which team."""

    team_id: int
    name: str
    employee_id: str | None = None

    @property
    def identity(self) -> str:
        if self.employee_id:
            return "employee:" + self.employee_id.strip().casefold()
        return "name:" + " ".join(self.name.split()).casefold()


def _agent_id(db: Database, member: Membership, created_at: str) -> int:
    found = _one(db, "SELECT id FROM agents WHERE team_id = ? AND identity = ?", [member.team_id, member.identity])
    if found:
        # The latest name given is the one the trainer sees.
        db.execute("UPDATE agents SET name = ?, sort_key = ? WHERE id = ?",
                   [member.name, sort_key(member.name), found["id"]])
        return found["id"]
    return db["agents"].insert(
        {"team_id": member.team_id, "name": member.name, "employee_id": member.employee_id or None,
         "identity": member.identity, "created_at": created_at, "sort_key": sort_key(member.name)}
    ).last_pk


def agent_for(db: Database, trainer_id: int, agent_id: int) -> dict | None:
    return _one(
        db,
        "SELECT agents.*, teams.name AS team_name FROM agents JOIN teams ON teams.id = agents.team_id "
        "WHERE agents.id = ? AND teams.trainer_id = ?",
        [agent_id, trainer_id],
    )


def delete_agent(db: Database, agent_id: int) -> int:
    """A member and every result they gave, in one transaction; returns how many results."""
    with write_transaction(db):
        removed = db.execute("DELETE FROM responses WHERE agent_id = ?", [agent_id]).rowcount
        db.execute("DELETE FROM agents WHERE id = ?", [agent_id])
    return removed


def result_count(db: Database, agent_id: int) -> int:
    return db.execute("SELECT COUNT(*) FROM responses WHERE agent_id = ?", [agent_id]).fetchone()[0]


def member_count(db: Database, team_id: int) -> int:
    return db.execute("SELECT COUNT(*) FROM agents WHERE team_id = ?", [team_id]).fetchone()[0]


def token_exists(db: Database, token: str) -> bool:
    return db.execute("SELECT 1 FROM responses WHERE token = ?", [token]).fetchone() is not None


def agent_responses(db: Database, agent_id: int) -> list[dict]:
    return [_decode(r) for r in _all(db, "SELECT * FROM responses WHERE agent_id = ? ORDER BY created_at, id", [agent_id])]


# --- team aggregates: each member's latest response in the chosen window -----

@dataclass(frozen=True)
class Scope:
    """Which responses a dashboard, summary or export looks at."""

    team_ids: tuple[int, ...]
    start: str | None = None  # UTC ISO time, inclusive (see clock.day_range)
    end: str | None = None  # UTC ISO time, exclusive

    def where(self, alias: str = "responses") -> tuple[str, list]:
        marks = ",".join("?" * len(self.team_ids)) or "NULL"
        sql = f"{alias}.team_id IN ({marks}) AND {alias}.agent_id IS NOT NULL"
        params: list = list(self.team_ids)
        if self.start:
            sql += f" AND {alias}.created_at >= ?"
            params.append(self.start)
        if self.end:
            sql += f" AND {alias}.created_at < ?"
            params.append(self.end)
        return sql, params


def _latest(scope: Scope) -> tuple[str, list]:
    where, params = scope.where()
    return (
        f"SELECT * FROM responses WHERE id IN (SELECT MAX(id) FROM responses WHERE {where} GROUP BY agent_id)",
        params,
    )


def team_aggregates(db: Database, scope: Scope) -> dict:
    """Counts, style mix, flag counts and moments of every scale, all summed in SQL."""
    latest, params = _latest(scope)
    moments = ", ".join(f"SUM({c}) AS sum_{c}, SUM({c} * {c}) AS sq_{c}" for c in SCALES)
    styles = ", ".join(f"SUM(style = '{s}') AS n_{s}" for s in STYLES)
    fits = ", ".join(f"SUM({s} >= {FIT_AFFINITY}) AS fit_{s}" for s in STYLES)
    flags = ", ".join(f"SUM(flags LIKE '%\"{f}\"%') AS flag_{f}" for f in FLAGS)
    row = _one(
        db,
        f"SELECT COUNT(*) AS members, {moments}, {styles}, {fits}, {flags} FROM ({latest})",
        params,
    )
    where, wparams = scope.where()
    responses = _one(db, f"SELECT COUNT(*) AS n FROM responses WHERE {where}", wparams)["n"]
    return {"responses": responses, **{k: (v or 0) for k, v in row.items()}}


# The result an agent had before a given one (any date): what their latest is compared with.
_PREVIOUS = "(SELECT MAX(r.id) FROM responses r WHERE r.agent_id = {latest}.agent_id AND r.id < {latest}.id)"


def style_moves(db: Database, scope: Scope) -> list[dict]:
    """Each retaker's previous and latest style, counted by pair."""
    latest, params = _latest(scope)
    return _all(
        db,
        f"""SELECT previous.style AS previous, latest.style AS latest, COUNT(*) AS n
            FROM ({latest}) AS latest JOIN responses previous ON previous.id = {_PREVIOUS.format(latest="latest")}
            GROUP BY previous.style, latest.style""",
        params,
    )


SORTS = {
    "name": ("agents.sort_key", "agents.name"),
    "style": ("CASE latest.style " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(STYLES)) + " END",),
    "date": ("latest.created_at",),
    "results": ("results",),
    "team": ("teams.sort_key", "teams.name"),
}


def members(db: Database, scope: Scope, sort: str = "name", descending: bool = False,
            limit: int = 50, offset: int = 0) -> list[dict]:
    latest, params = _latest(scope)
    direction = " DESC" if descending else " ASC"
    order = ", ".join(column + direction for column in SORTS.get(sort, SORTS["name"]))
    rows = _all(
        db,
        f"""SELECT agents.id, agents.name, agents.employee_id, teams.id AS team_id, teams.name AS team_name,
                   latest.style, latest.created_at, latest.assertiveness, latest.responsiveness,
                   {", ".join("latest." + s for s in STYLES)}, latest.flags,
                   (SELECT COUNT(*) FROM responses r WHERE r.agent_id = agents.id) AS results,
                   (SELECT style FROM responses WHERE id = {_PREVIOUS.format(latest="latest")}) AS previous_style
            FROM ({latest}) AS latest
            JOIN agents ON agents.id = latest.agent_id JOIN teams ON teams.id = agents.team_id
            ORDER BY {order}, agents.sort_key, agents.id LIMIT ? OFFSET ?""",
        params + [limit, offset],
    )
    for row in rows:
        row["flags"] = json.loads(row["flags"] or "[]")
    return rows


def member_points(db: Database, scope: Scope, limit: int) -> list[dict]:
    latest, params = _latest(scope)
    return _all(
        db,
        f"""SELECT agents.id, agents.name, latest.style, latest.assertiveness, latest.responsiveness
            FROM ({latest}) AS latest JOIN agents ON agents.id = latest.agent_id
            ORDER BY latest.id LIMIT ?""",
        params + [limit],
    )


def density(db: Database, scope: Scope, cell: float) -> list[dict]:
    """Members binned on the two axes: the quadrant map of a very large team."""
    latest, params = _latest(scope)
    return _all(
        db,
        f"""SELECT MIN(CAST(assertiveness / ? AS INTEGER), ?) AS bx, MIN(CAST(responsiveness / ? AS INTEGER), ?) AS by,
                   COUNT(*) AS n FROM ({latest}) GROUP BY bx, by""",
        [cell, int(100 / cell) - 1, cell, int(100 / cell) - 1] + params,
    )


def fitting_members(db: Database, scope: Scope, style: str, limit: int) -> list[dict]:
    if style not in STYLES:
        raise ValueError(style)
    latest, params = _latest(scope)
    return _all(
        db,
        f"""SELECT agents.id, agents.name, latest.{style} AS affinity
            FROM ({latest}) AS latest JOIN agents ON agents.id = latest.agent_id
            WHERE latest.{style} >= ? ORDER BY latest.{style} DESC, agents.sort_key, agents.name LIMIT ?""",
        params + [FIT_AFFINITY, limit],
    )


def scope_responses(db: Database, scope: Scope) -> Iterator[dict]:
    """Every response in scope with its agent and team, oldest first: exports and the API."""
    where, params = scope.where("r")
    cursor = db.execute(
        f"""SELECT r.id, r.created_at, r.questionnaire, r.questionnaire_version, r.lang,
                   teams.id AS team_id, teams.name AS team, agents.id AS agent_id, agents.name AS name,
                   agents.employee_id, r.style, r.secondary_style, r.clarity,
                   r.assertiveness, r.responsiveness, {", ".join("r." + s for s in STYLES)}, r.flags
            FROM responses r JOIN agents ON agents.id = r.agent_id JOIN teams ON teams.id = r.team_id
            WHERE {where} ORDER BY r.created_at, r.id""",
        params,
    )
    names = [c[0] for c in cursor.description]
    for values in cursor:
        row = dict(zip(names, values))
        row["flags"] = json.loads(row["flags"] or "[]")
        yield row


# --- login throttling -----------------------------------------------------------

def login_failures_since(db: Database, keys: list[str], since: str) -> dict[str, int]:
    marks = ",".join("?" * len(keys))
    rows = _all(db, f"SELECT key, COUNT(*) AS n FROM login_failures WHERE key IN ({marks}) AND at >= ? GROUP BY key",
                keys + [since])
    return {r["key"]: r["n"] for r in rows}


def record_login_failure(db: Database, keys: list[str], at: str, older_than: str) -> None:
    with write_transaction(db):
        db["login_failures"].insert_all([{"key": k, "at": at} for k in keys])
        db.execute("DELETE FROM login_failures WHERE at < ?", [older_than])


def clear_login_failures(db: Database, key: str) -> None:
    with write_transaction(db):
        db.execute("DELETE FROM login_failures WHERE key = ?", [key])


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
