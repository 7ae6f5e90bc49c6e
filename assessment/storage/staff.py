"""Staff accounts (roles, disabling), staff shared on teams, and ability ratings.

Roles: ``admin`` (every team, the accounts), ``trainer`` (their own teams and the
ones they are added to), ``qc`` (sees and rates the teams they are added to; never
changes or removes a team or its members). Who may see a team is decided in one
place, teams.team_for / teams_for / agent_for, which read ``team_staff`` below.

Ability ratings: one row per rating of one agent for one month (``period``
'YYYY-MM'), by staff (``source`` 'staff', ``rater_id``) or by the agent from their
result page (``source`` 'self', ``response_id``). Scores are stored as given by
abilities.score_abilities; raw ratings are kept so they can be derived again.
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from .db import all_rows, insert, migrations, now, one, write_transaction

ROLES = ("admin", "trainer", "qc")
TEAM_ROLES = ("trainer", "qc")
SOURCES = ("staff", "self")


class StaffError(ValueError):
    """A staff change that cannot be made: field -> what is wrong."""

    def __init__(self, field: str, problem: str):
        self.field, self.problem = field, problem
        super().__init__(f"{field}: {problem}")


@migrations()
def m010_staff(db: Database) -> None:
    db.execute("ALTER TABLE trainers ADD COLUMN role TEXT NOT NULL DEFAULT 'trainer' "
               "CHECK (role IN ('admin', 'trainer', 'qc'))")
    db.execute("ALTER TABLE trainers ADD COLUMN disabled_at TEXT")
    # Removing a team (or an agent, or a result) takes what hangs off it along.
    db.execute("""CREATE TABLE team_staff (
        id INTEGER PRIMARY KEY,
        team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        trainer_id INTEGER NOT NULL REFERENCES trainers(id),
        role TEXT NOT NULL CHECK (role IN ('trainer', 'qc')),
        added_at TEXT NOT NULL,
        UNIQUE (team_id, trainer_id))""")
    db.execute("CREATE INDEX idx_team_staff_trainer ON team_staff(trainer_id, team_id)")
    db.execute("""CREATE TABLE ability_ratings (
        id INTEGER PRIMARY KEY,
        agent_id INTEGER REFERENCES agents(id) ON DELETE CASCADE,
        team_id INTEGER REFERENCES teams(id) ON DELETE CASCADE,
        response_id INTEGER REFERENCES responses(id) ON DELETE CASCADE,
        source TEXT NOT NULL CHECK (source IN ('staff', 'self')),
        rater_id INTEGER REFERENCES trainers(id),
        period TEXT NOT NULL,
        ratings TEXT NOT NULL,
        abilities TEXT NOT NULL,
        overall REAL NOT NULL,
        note TEXT,
        created_at TEXT NOT NULL)""")
    db.execute("CREATE INDEX idx_ability_ratings_agent ON ability_ratings(agent_id, source, period, id)")
    db.execute("CREATE INDEX idx_ability_ratings_team ON ability_ratings(team_id, source, period, id)")
    db.execute("CREATE INDEX idx_ability_ratings_response ON ability_ratings(response_id)")


# --- accounts -------------------------------------------------------------------------

def list_accounts(db: Database) -> list[dict]:
    return all_rows(db, "SELECT id, username, role, created_at, disabled_at FROM trainers "
                        "ORDER BY username COLLATE NOCASE, id", [])


def set_disabled(db: Database, user_id: int, disabled: bool) -> None:
    """Disabling ends the account's sessions at once (the epoch rises) and its tokens
    stop working (the token lookup skips disabled accounts)."""
    with write_transaction(db):
        if disabled:
            db.execute("UPDATE trainers SET disabled_at = ?, session_epoch = session_epoch + 1 "
                       "WHERE id = ? AND disabled_at IS NULL", [now(), user_id])
        else:
            db.execute("UPDATE trainers SET disabled_at = NULL WHERE id = ?", [user_id])


# --- staff on teams -----------------------------------------------------------------

def team_staff(db: Database, team_id: int) -> list[dict]:
    """The owner first, then everyone added, by username."""
    return all_rows(
        db,
        """SELECT * FROM (
             SELECT trainers.id, trainers.username, trainers.role AS account_role, trainers.disabled_at,
                    'owner' AS role, teams.created_at AS added_at
             FROM teams JOIN trainers ON trainers.id = teams.trainer_id WHERE teams.id = ?
             UNION ALL
             SELECT trainers.id, trainers.username, trainers.role, trainers.disabled_at, team_staff.role,
                    team_staff.added_at
             FROM team_staff JOIN trainers ON trainers.id = team_staff.trainer_id WHERE team_staff.team_id = ?)
           ORDER BY role = 'owner' DESC, username COLLATE NOCASE""",
        [team_id, team_id],
    )


def add_team_staff(db: Database, team_id: int, username: str, role: str) -> dict:
    """Add (or change the role of) a colleague on a team. StaffError naming the field."""
    if role not in TEAM_ROLES:
        raise StaffError("role", f"must be one of {', '.join(TEAM_ROLES)}")
    with write_transaction(db):
        user = one(db, "SELECT id, username, role, disabled_at FROM trainers WHERE username = ? COLLATE NOCASE",
                   [username.strip()])
        if user is None:
            raise StaffError("username", "no staff account has this username")
        if user["disabled_at"]:
            raise StaffError("username", "this account is disabled")
        owner = one(db, "SELECT trainer_id FROM teams WHERE id = ?", [team_id])
        if owner and owner["trainer_id"] == user["id"]:
            raise StaffError("username", "already owns this team")
        db.execute(
            "INSERT INTO team_staff (team_id, trainer_id, role, added_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (team_id, trainer_id) DO UPDATE SET role = excluded.role",
            [team_id, user["id"], role, now()],
        )
    return {"team_id": team_id, "username": user["username"], "role": role}


def remove_team_staff(db: Database, team_id: int, username: str) -> bool:
    with write_transaction(db):
        return db.execute(
            "DELETE FROM team_staff WHERE team_id = ? AND trainer_id IN "
            "(SELECT id FROM trainers WHERE username = ? COLLATE NOCASE)",
            [team_id, username],
        ).rowcount > 0


# --- ability ratings ----------------------------------------------------------------

def save_ability_rating(db: Database, *, agent_id: int | None, team_id: int | None, source: str,
                        period: str, ratings: dict, abilities: dict, overall: float,
                        rater_id: int | None = None, response_id: int | None = None,
                        note: str | None = None) -> dict:
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}")
    row = {
        "agent_id": agent_id, "team_id": team_id, "response_id": response_id, "source": source,
        "rater_id": rater_id, "period": period, "ratings": json.dumps(ratings, sort_keys=True),
        "abilities": json.dumps(abilities), "overall": overall, "note": note or None, "created_at": now(),
    }
    with write_transaction(db):
        row["id"] = insert(db, "ability_ratings", row)
    return _decoded(row)


def _decoded(row: dict) -> dict:
    return {**row, "ratings": json.loads(row["ratings"]), "abilities": json.loads(row["abilities"])}


def agent_ability_ratings(db: Database, agent_id: int) -> list[dict]:
    """Every rating of one agent (staff and self), oldest first, with the rater's username."""
    return [_decoded(r) for r in all_rows(
        db,
        "SELECT ability_ratings.*, trainers.username AS rater FROM ability_ratings "
        "LEFT JOIN trainers ON trainers.id = ability_ratings.rater_id "
        "WHERE agent_id = ? ORDER BY period, id",
        [agent_id],
    )]


def response_self_ratings(db: Database, response_id: int) -> list[dict]:
    """Self-ratings given from one result page, oldest first."""
    return [_decoded(r) for r in all_rows(
        db, "SELECT * FROM ability_ratings WHERE response_id = ? AND source = 'self' ORDER BY period, id",
        [response_id])]


def team_rating_periods(db: Database, team_id: int) -> list[str]:
    """Months with any staff rating in the team, newest first."""
    return [r["period"] for r in all_rows(
        db, "SELECT DISTINCT period FROM ability_ratings WHERE team_id = ? AND source = 'staff' "
            "ORDER BY period DESC", [team_id])]


def team_latest_ratings(db: Database, team_id: int, source: str) -> list[dict]:
    """Each member's latest rating of `source` in each month: (agent_id, period, abilities)."""
    return [{**r, "abilities": json.loads(r["abilities"])} for r in all_rows(
        db,
        """SELECT agent_id, period, abilities FROM ability_ratings
           WHERE id IN (SELECT MAX(id) FROM ability_ratings
                        WHERE team_id = ? AND source = ? AND agent_id IS NOT NULL
                        GROUP BY agent_id, period)
           ORDER BY period, agent_id""",
        [team_id, source],
    )]


def team_agents(db: Database, team_id: int) -> list[dict]:
    return all_rows(db, "SELECT id, name FROM agents WHERE team_id = ? ORDER BY sort_key, name, id", [team_id])


def set_role(db: Database, user_id: int, role: str) -> None:
    """Change an account's role; it takes effect on the account's next request."""
    if role not in ROLES:
        raise StaffError("role", f"must be one of {', '.join(ROLES)}")
    with write_transaction(db):
        db.execute("UPDATE trainers SET role = ? WHERE id = ?", [role, user_id])
