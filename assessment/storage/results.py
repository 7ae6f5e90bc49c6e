"""Results: saving a scored response, reading it back, team aggregates, rescoring.

The profile stored at submission is the one every page, export and dashboard shows:
`profile_columns` writes it and `profile_of` reads it back, and nothing else turns
a row into a profile. A scoring change reaches stored rows only through `rescore`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Callable, Iterator

from sqlite_utils import Database

from ..model import AXES, STYLES
from ..scoring import FLAGS, SCORING_VERSION, Profile
from ..stats import FIT_AFFINITY, SCALES, Aggregates, StyleMove
from .db import all_rows, insert, new_token, now, one, write_transaction
from .norms import count_in_norms, percentiles_among
from .teams import Membership, agent_id_for, team_exists


class TeamGone(LookupError):
    """The team was removed after the agent joined it; nothing was stored."""


def profile_columns(profile: Profile) -> dict:
    return {
        "valid": int(profile.valid),
        "style": profile.style,
        "secondary_style": profile.secondary_style,
        "clarity": profile.clarity,
        "confidence": profile.confidence,
        "balanced": json.dumps(list(profile.balanced)),
        **profile.axes,
        **profile.scores,
        "flags": json.dumps(list(profile.flags)),
        "percentiles": None if profile.percentiles is None else json.dumps(profile.percentiles),
        "scoring_version": SCORING_VERSION,
    }


def _json(value, empty):
    return json.loads(value) if isinstance(value, str) else (empty if value is None else value)


def profile_of(row: dict) -> Profile:
    """The profile as stored with the row (JSON columns decoded or not)."""
    return Profile(
        axes={a: row[a] for a in AXES},
        scores={s: row[s] for s in STYLES},
        style=row["style"],
        secondary_style=row["secondary_style"],
        clarity=row["clarity"],
        flags=tuple(_json(row["flags"], [])),
        valid=bool(row["valid"]),
        confidence=row["confidence"],
        balanced=tuple(_json(row["balanced"], [])),
        percentiles=_json(row["percentiles"], None),
    )


def save_response(
    db: Database,
    *,
    questionnaire: str,
    version: int,
    lang: str,
    answers: dict[str, int],
    profile: Profile,
    duration_seconds: float | None = None,
    member: Membership | None = None,
    created_at: str | None = None,
) -> dict:
    """One write transaction: the agent (found or created) and their response.

    A member is found only by proof (see Membership); "member_key" in the row returned is
    the key of a member made by this call (None otherwise), for the browser to keep.

    A valid profile is placed among the earlier valid results (percentiles) and then
    counted into the norms itself. The row returned holds the columns as stored and,
    under "profile", the profile as stored: what every page will show."""
    row = {
        "token": new_token(),
        "questionnaire": questionnaire,
        "questionnaire_version": version,
        "lang": lang,
        "answers": json.dumps(answers, sort_keys=True),
        "duration_seconds": duration_seconds,
        "created_at": created_at or now(),
        "team_id": None,
        "agent_id": None,
    }
    member_key = None
    with write_transaction(db):
        if member is not None:
            if not team_exists(db, member.team_id):
                raise TeamGone(member.team_id)
            row["team_id"] = member.team_id
            row["agent_id"], member_key = agent_id_for(db, member, row["created_at"])
        if profile.valid:
            profile = replace(profile, percentiles=percentiles_among(db, questionnaire, version, profile.axes))
            count_in_norms(db, questionnaire, version, profile.axes)
        row.update(profile_columns(profile))
        row["id"] = insert(db, "responses", row)
    return {**row, "profile": profile, "member_key": member_key}


def _decode(row: dict) -> dict:
    """A stored row with its answers and flags as Python values and its profile beside them."""
    row = dict(row)
    row["answers"] = json.loads(row["answers"])
    row["profile"] = profile_of(row)
    row["flags"] = list(row["profile"].flags)
    return row


def response_by_token(db: Database, token: str) -> dict | None:
    row = one(db, "SELECT * FROM responses WHERE token = ?", [token])
    return None if row is None else _decode(row)


def token_exists(db: Database, token: str) -> bool:
    return db.execute("SELECT 1 FROM responses WHERE token = ?", [token]).fetchone() is not None


def result_count(db: Database, agent_id: int) -> int:
    return db.execute("SELECT COUNT(*) FROM responses WHERE agent_id = ?", [agent_id]).fetchone()[0]


def agent_responses(db: Database, agent_id: int) -> list[dict]:
    rows = all_rows(db, "SELECT * FROM responses WHERE agent_id = ? ORDER BY created_at, id", [agent_id])
    return [_decode(r) for r in rows]


# --- rescoring: the one way a scoring change reaches stored results ------------

@dataclass(frozen=True)
class RescoreReport:
    results: int  # rows looked at
    rescored: int  # rows whose questionnaire version is loaded, so could be scored again
    changed_profiles: int  # of those, rows whose stored profile differs from the new one
    changed_styles: int  # of those, rows whose primary style differs
    skipped: int  # rows whose questionnaire version is no longer loaded


def rescore(db: Database, score_row: Callable[[dict], Profile | None], dry_run: bool = False) -> RescoreReport:
    """Recompute every stored profile from its raw answers, in one transaction.

    score_row(row) gives the new profile, or None when the row's questionnaire
    version is not loaded. With dry_run nothing is written.
    """
    if dry_run:
        return _rescore(db, score_row, write=False)
    with write_transaction(db):
        return _rescore(db, score_row, write=True)


def _rescore(db: Database, score_row: Callable[[dict], Profile | None], write: bool) -> RescoreReport:
    """Rows in the order they came in, so that each is placed among the earlier ones
    (percentiles) as it was when submitted, with the norms counted up as it goes."""
    results = rescored = changed = styles = 0
    if write:
        db.execute("DELETE FROM norms")
    for row in all_rows(db, "SELECT * FROM responses ORDER BY id", []):
        results += 1
        row = _decode(row)
        new = score_row(row)
        if new is None:
            if write and row["valid"]:
                count_in_norms(db, row["questionnaire"], row["questionnaire_version"], row["profile"].axes)
            continue
        rescored += 1
        if new.valid and write:
            version = (row["questionnaire"], row["questionnaire_version"])
            new = replace(new, percentiles=percentiles_among(db, *version, new.axes))
            count_in_norms(db, *version, new.axes)
        if new == row["profile"] and row["scoring_version"] == SCORING_VERSION:
            continue
        changed += new != row["profile"]
        styles += new.style != row["style"]
        if write:
            columns = profile_columns(new)
            db.execute(f"UPDATE responses SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?",
                       [*columns.values(), row["id"]])
    return RescoreReport(results, rescored, changed, styles, results - rescored)


def reliability_sample(db: Database, questionnaire: str, version: int,
                       team_ids: tuple[int, ...] | None = None) -> list[dict]:
    """One valid answer sheet per person, for live reliability: each member's latest valid
    result (in these teams, or anywhere when team_ids is None, where a result outside any
    team counts as a person of its own). Rows: answers (decoded) and the two axis scores."""
    if team_ids is None:
        scope, params = "(agent_id IS NULL OR id IN (SELECT MAX(id) FROM responses WHERE valid = 1 "\
                        "AND questionnaire = ? AND questionnaire_version = ? GROUP BY agent_id))", [questionnaire, version]
    else:
        marks = ",".join("?" * len(team_ids)) or "NULL"
        scope = (f"id IN (SELECT MAX(id) FROM responses WHERE valid = 1 AND questionnaire = ? "
                 f"AND questionnaire_version = ? AND agent_id IS NOT NULL AND team_id IN ({marks}) GROUP BY agent_id)")
        params = [questionnaire, version, *team_ids]
    rows = all_rows(
        db,
        f"SELECT answers, assertiveness, responsiveness FROM responses WHERE valid = 1 AND questionnaire = ? "
        f"AND questionnaire_version = ? AND {scope} ORDER BY id",
        [questionnaire, version, *params],
    )
    for row in rows:
        row["answers"] = json.loads(row["answers"])
    return rows


def team_members(db: Database, team_id: int) -> list[dict]:
    """Every member of a team in name order, with how many results and their latest one (or None)."""
    rows = all_rows(
        db,
        """SELECT agents.id, agents.name, agents.employee_id, agents.duplicate_of, COUNT(r.id) AS results,
                  MAX(r.id) AS latest_id
           FROM agents LEFT JOIN responses r ON r.agent_id = agents.id
           WHERE agents.team_id = ? GROUP BY agents.id ORDER BY agents.sort_key, agents.name, agents.id""",
        [team_id],
    )
    ids = [r["latest_id"] for r in rows if r["latest_id"] is not None]
    latest = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        found = all_rows(db, f"SELECT * FROM responses WHERE id IN ({','.join('?' * len(chunk))})", chunk)
        latest.update((r["id"], _decode(r)) for r in found)
    for row in rows:
        row["latest"] = latest.get(row.pop("latest_id"))
    return rows


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


# The valid result an agent had before their latest (any date): what the latest is compared with.
_PREVIOUS = ("(SELECT MAX(r.id) FROM responses r WHERE r.agent_id = latest.agent_id AND r.id < latest.id "
             "AND r.valid = 1)")
_LATEST_COLUMNS = ", ".join(
    ("id", "agent_id", "team_id", "created_at", "style", "secondary_style", "clarity", "confidence", *SCALES, "flags")
)

SORTS = {
    "name": ("agents.sort_key", "agents.name"),
    "style": ("CASE latest.style " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(STYLES)) + " END",),
    "date": ("latest.created_at",),
    "results": ("results",),
    "team": ("teams.sort_key", "teams.name"),
}


class LatestResults:
    """Each member's latest valid result in a scope, worked out once for a whole page.

    An answer sheet that describes no one (valid = 0) is kept, and counted apart as
    set aside, but never enters a mix, a mean or a comparison.

    Used as a context manager: the rows go into a temporary table of this
    connection (each request has a connection to itself), every dashboard query
    reads from it, and it is dropped at the end. All of them therefore see the
    same results, and the grouping over the team's responses runs once.
    """

    def __init__(self, db: Database, scope: Scope):
        self.db, self.scope = db, scope

    def __enter__(self) -> LatestResults:
        where, params = self.scope.where()
        self.db.execute("DROP TABLE IF EXISTS temp.latest")
        self.db.execute(
            f"""CREATE TEMP TABLE latest AS SELECT {_LATEST_COLUMNS} FROM responses
                WHERE id IN (SELECT MAX(id) FROM responses WHERE {where} AND valid = 1 GROUP BY agent_id)""",
            params,
        )
        return self

    def __exit__(self, *exc) -> None:
        self.db.execute("DROP TABLE IF EXISTS temp.latest")

    def aggregates(self) -> Aggregates:
        """Counts, style mix, flag counts and moments of every scale, all summed in SQL."""
        moments = ", ".join(f"SUM({c}), SUM({c} * {c})" for c in SCALES)
        styles = ", ".join(f"SUM(style = '{s}')" for s in STYLES)
        fits = ", ".join(f"SUM({s} >= {FIT_AFFINITY})" for s in STYLES)
        flags = ", ".join(f"SUM(flags LIKE '%\"{f}\"%')" for f in FLAGS)
        values = [v or 0 for v in self.db.execute(
            f"SELECT COUNT(*), {moments}, {styles}, {fits}, {flags} FROM temp.latest"
        ).fetchone()]
        where, params = self.scope.where()
        responses, set_aside = self.db.execute(
            f"SELECT SUM(valid), COUNT(*) - SUM(valid) FROM responses WHERE {where}", params
        ).fetchone()
        members, rest = values[0], iter(values[1:])
        return Aggregates(
            members=members,
            responses=responses or 0,
            set_aside=set_aside or 0,
            moments={c: (next(rest), next(rest)) for c in SCALES},
            style_counts={s: next(rest) for s in STYLES},
            fits={s: next(rest) for s in STYLES},
            flags={f: next(rest) for f in FLAGS},
        )

    def style_moves(self) -> list[StyleMove]:
        """Each retaker's previous and latest style, counted by pair."""
        rows = self.db.execute(
            f"""SELECT previous.style, latest.style, COUNT(*) FROM temp.latest AS latest
                JOIN responses previous ON previous.id = {_PREVIOUS}
                GROUP BY previous.style, latest.style"""
        ).fetchall()
        return [StyleMove(*row) for row in rows]

    def members(self, sort: str = "name", descending: bool = False, limit: int = 50, offset: int = 0) -> list[dict]:
        direction = " DESC" if descending else " ASC"
        order = ", ".join(column + direction for column in SORTS.get(sort, SORTS["name"]))
        rows = all_rows(
            self.db,
            f"""SELECT agents.id, agents.name, agents.employee_id, agents.duplicate_of,
                       teams.id AS team_id, teams.name AS team_name,
                       latest.style, latest.created_at, latest.assertiveness, latest.responsiveness,
                       {", ".join("latest." + s for s in STYLES)}, latest.flags,
                       (SELECT COUNT(*) FROM responses r WHERE r.agent_id = agents.id) AS results,
                       (SELECT style FROM responses WHERE id = {_PREVIOUS}) AS previous_style
                FROM temp.latest AS latest
                JOIN agents ON agents.id = latest.agent_id JOIN teams ON teams.id = agents.team_id
                ORDER BY {order}, agents.sort_key, agents.id LIMIT ? OFFSET ?""",
            [limit, offset],
        )
        for row in rows:
            row["flags"] = json.loads(row["flags"] or "[]")
        return rows

    def points(self, limit: int) -> list[dict]:
        return all_rows(
            self.db,
            """SELECT agents.id, agents.name, latest.style, latest.assertiveness, latest.responsiveness
               FROM temp.latest AS latest JOIN agents ON agents.id = latest.agent_id
               ORDER BY latest.id LIMIT ?""",
            [limit],
        )

    def density(self, cell: float) -> list[dict]:
        """Members binned on the two axes: the quadrant map of a very large team."""
        top = int(100 / cell) - 1
        return all_rows(
            self.db,
            """SELECT MIN(CAST(assertiveness / ? AS INTEGER), ?) AS bx, MIN(CAST(responsiveness / ? AS INTEGER), ?) AS by,
                      COUNT(*) AS n FROM temp.latest GROUP BY bx, by""",
            [cell, top, cell, top],
        )

    def fitting_members(self, limit: int) -> dict[str, list[dict]]:
        """For every style, the members whose affinity for it is at least FIT_AFFINITY, best first."""
        ranked = " UNION ALL ".join(
            f"""SELECT '{s}' AS style, agents.id, agents.name, latest.{s} AS affinity,
                       ROW_NUMBER() OVER (ORDER BY latest.{s} DESC, agents.sort_key, agents.name) AS rank
                FROM temp.latest AS latest JOIN agents ON agents.id = latest.agent_id
                WHERE latest.{s} >= {FIT_AFFINITY}"""
            for s in STYLES
        )
        found: dict[str, list[dict]] = {s: [] for s in STYLES}
        for row in all_rows(self.db, f"SELECT style, id, name, affinity FROM ({ranked}) WHERE rank <= ? ORDER BY style, rank",
                            [limit]):
            found[row.pop("style")].append(row)
        return found


def scope_responses(db: Database, scope: Scope) -> Iterator[dict]:
    """Every response in scope with its agent and team, oldest first: exports and the API."""
    where, params = scope.where("r")
    cursor = db.execute(
        f"""SELECT r.id, r.created_at, r.questionnaire, r.questionnaire_version, r.scoring_version, r.lang,
                   teams.id AS team_id, teams.name AS team, agents.id AS agent_id, agents.name AS name,
                   agents.employee_id, r.valid, r.style, r.secondary_style, r.clarity, r.confidence,
                   r.assertiveness, r.responsiveness, {", ".join("r." + s for s in STYLES)}, r.flags
            FROM responses r JOIN agents ON agents.id = r.agent_id JOIN teams ON teams.id = r.team_id
            WHERE {where} ORDER BY r.created_at, r.id""",
        params,
    )
    names = [c[0] for c in cursor.description]
    for values in cursor:
        row = dict(zip(names, values))
        row["flags"] = json.loads(row["flags"] or "[]")
        row["valid"] = bool(row["valid"])
        yield row
