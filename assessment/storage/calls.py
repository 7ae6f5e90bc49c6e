"""Call transcripts of team members: masked segments and the figures worked out from them.

One row per imported call. Only masked text is ever written (the core's parse masks
phone, ID and card numbers before a segment exists); the figures, findings and the
customer reading are stored as the core's analysis gave them, so pages and the API
read them back without analysing again. ``content_key`` (a hash of the masked
text) is unique per team: the same call imported twice is refused, and the batch
import skips it.

Ids are never reused (AUTOINCREMENT): a deleted call's id never names another call.
Removing a member or a team removes their calls too (ON DELETE CASCADE).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from sqlite_utils import Database

from .db import all_rows, insert, migrations, now, one, write_transaction
from .teams import team_for


@migrations()
def m012_calls(db: Database) -> None:
    db.execute("""CREATE TABLE calls (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        called_at TEXT NOT NULL,
        period TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        imported_by INTEGER REFERENCES trainers(id) ON DELETE SET NULL,
        format TEXT NOT NULL,
        lang TEXT NOT NULL,
        timed INTEGER NOT NULL,
        ends_estimated INTEGER NOT NULL DEFAULT 0,
        content_key TEXT NOT NULL,
        segments TEXT NOT NULL,
        metrics TEXT NOT NULL,
        findings TEXT NOT NULL,
        customer TEXT NOT NULL)""")
    db.execute("CREATE UNIQUE INDEX idx_calls_content ON calls(team_id, content_key)")
    db.execute("CREATE INDEX idx_calls_agent ON calls(agent_id, called_at, id)")
    db.execute("CREATE INDEX idx_calls_team_period ON calls(team_id, period, agent_id)")
    db.execute("CREATE INDEX idx_calls_called_at ON calls(called_at)")


class AlreadyImported(Exception):
    """The team already has a call with this content: ``call_id`` is that call."""

    def __init__(self, call_id: int):
        self.call_id = call_id
        super().__init__(call_id)


@dataclass(frozen=True)
class NewCall:
    """What storing one call takes; segments, metrics, findings and customer are plain
    JSON-ready values (already masked)."""

    agent_id: int
    team_id: int
    called_at: str  # UTC ISO
    period: str  # YYYY-MM in the centre's time zone
    format: str
    lang: str
    timed: bool
    content_key: str
    segments: list
    metrics: dict
    findings: list
    customer: dict
    imported_by: int | None = None
    ends_estimated: bool = False  # plain text with start times only: each end is the next start

    def row(self, imported_at: str) -> dict:
        return {
            "agent_id": self.agent_id, "team_id": self.team_id, "called_at": self.called_at, "period": self.period,
            "imported_at": imported_at, "imported_by": self.imported_by, "format": self.format, "lang": self.lang,
            "timed": int(self.timed), "ends_estimated": int(self.ends_estimated), "content_key": self.content_key,
            "segments": _dumps(self.segments), "metrics": _dumps(self.metrics), "findings": _dumps(self.findings),
            "customer": _dumps(self.customer),
        }


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def save_call(db: Database, call: NewCall) -> int:
    """Store one call; AlreadyImported when the team has the same content."""
    return save_calls(db, [call])[0]


def save_calls(db: Database, calls: list[NewCall]) -> list[int | AlreadyImported]:
    """Store several calls in one transaction (the batch import's writer): for each, its
    new id, or AlreadyImported when the team already holds that content. A single
    call's AlreadyImported is raised (save_call)."""
    stamp = now()
    results: list[int | AlreadyImported] = []
    with write_transaction(db):
        for call in calls:
            found = db.execute("SELECT id FROM calls WHERE team_id = ? AND content_key = ?",
                               [call.team_id, call.content_key]).fetchone()
            if found is not None:
                results.append(AlreadyImported(found[0]))
                continue
            try:
                results.append(insert(db, "calls", call.row(stamp)))
            except sqlite3.IntegrityError:  # the member or team went meanwhile
                raise LookupError(call.agent_id) from None
    if len(calls) == 1 and isinstance(results[0], AlreadyImported):
        raise results[0]
    return results


def _decoded(row: dict) -> dict:
    for key in ("segments", "metrics", "findings", "customer"):
        if key in row:
            row[key] = json.loads(row[key])
    for flag in ("timed", "ends_estimated"):
        if flag in row:
            row[flag] = bool(row[flag])
    return row


def call_for(db: Database, user_id: int, call_id: int) -> dict | None:
    """A call only if this user may see its team (teams.team_for decides), with the
    team's "access" and the member's name; None otherwise."""
    row = one(db, "SELECT calls.*, agents.name AS agent_name FROM calls JOIN agents ON agents.id = calls.agent_id "
                  "WHERE calls.id = ?", [call_id])
    if row is None:
        return None
    team = team_for(db, user_id, row["team_id"])
    if team is None:
        return None
    row["access"] = team["access"]
    return _decoded(row)


def agent_calls(db: Database, agent_id: int) -> list[dict]:
    """A member's calls, newest first: id, called_at, period, format, lang, timed, metrics."""
    return [_decoded(r) for r in all_rows(
        db, "SELECT id, called_at, period, format, lang, timed, metrics FROM calls WHERE agent_id = ? "
            "ORDER BY called_at DESC, id DESC", [agent_id])]


def team_calls(db: Database, team_id: int, period: str | None = None) -> list[dict]:
    """A team's calls (of one month, or all), oldest first: agent_id, period, metrics, findings."""
    where, params = ("team_id = ? AND period = ?", [team_id, period]) if period else ("team_id = ?", [team_id])
    return [_decoded(r) for r in all_rows(
        db, f"SELECT id, agent_id, period, metrics, findings FROM calls WHERE {where} ORDER BY called_at, id",
        params)]


def team_call_periods(db: Database, team_id: int) -> list[str]:
    """Months with any call in the team, newest first."""
    return [r["period"] for r in all_rows(
        db, "SELECT DISTINCT period FROM calls WHERE team_id = ? ORDER BY period DESC", [team_id])]


def calls_to_reanalyse(db: Database, after_id: int, limit: int = 500) -> list[dict]:
    """The next `limit` calls after `after_id`, oldest first, with what analysing them again takes."""
    return [_decoded(r) for r in all_rows(
        db, "SELECT id, format, lang, timed, ends_estimated, segments, metrics, findings, customer FROM calls "
            "WHERE id > ? ORDER BY id LIMIT ?", [after_id, limit])]


def update_analyses(db: Database, analyses: list[tuple[int, dict, list, dict]]) -> None:
    """Store calls' figures, findings and customer reading again: (id, metrics, findings, customer)."""
    with write_transaction(db):
        db.conn.executemany(
            "UPDATE calls SET metrics = ?, findings = ?, customer = ? WHERE id = ?",
            [(_dumps(m), _dumps(f), _dumps(c), call_id) for call_id, m, f, c in analyses])


def all_call_metrics(db: Database) -> list[dict]:
    """Every stored call's figures (the centre's own reference once there are enough)."""
    return [json.loads(r["metrics"]) for r in all_rows(db, "SELECT metrics FROM calls", [])]


def call_count(db: Database) -> int:
    return db.execute("SELECT COUNT(*) FROM calls").fetchone()[0]


def team_content_keys(db: Database, team_id: int) -> set[str]:
    """What the team already holds: the batch import skips these before analysing."""
    return {r[0] for r in db.execute("SELECT content_key FROM calls WHERE team_id = ?", [team_id]).fetchall()}


def _erase_on_delete(db: Database) -> None:
    # Deleted calls leave no text behind in free pages of the file.
    db.execute("PRAGMA secure_delete = ON")


def delete_call(db: Database, call_id: int) -> bool:
    _erase_on_delete(db)
    with write_transaction(db):
        return db.execute("DELETE FROM calls WHERE id = ?", [call_id]).rowcount > 0


def purge_calls(db: Database, before: str, team_id: int | None = None, dry_run: bool = False) -> int:
    """Delete every call made before `before` (a UTC ISO time), of one team or all;
    returns how many. The retention policy's tool: `flask purge-calls --before`."""
    where = "called_at < ?" + (" AND team_id = ?" if team_id is not None else "")
    params = [before] + ([team_id] if team_id is not None else [])
    if dry_run:
        return db.execute(f"SELECT COUNT(*) FROM calls WHERE {where}", params).fetchone()[0]
    _erase_on_delete(db)
    with write_transaction(db):
        return db.execute(f"DELETE FROM calls WHERE {where}", params).rowcount


def agents_by_employee_id(db: Database, team_id: int) -> dict[str, dict]:
    """The team's members by employee id (case-folded, as a retake is matched): id, name."""
    return {r["employee_id"].strip().casefold(): r for r in all_rows(
        db, "SELECT id, name, employee_id FROM agents WHERE team_id = ? AND employee_id IS NOT NULL "
            "AND employee_id != ''", [team_id])}
