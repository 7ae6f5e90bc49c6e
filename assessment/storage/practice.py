"""Practice attempts of "Read the caller": one row per scenario answered.

An attempt sent with a team member's result token carries that member's agent_id
and team_id, and counts for them on the trainer's practice page; an attempt without
one is stored with neither. Removing a member or a team removes their attempts too
(ON DELETE CASCADE), as it removes their results.
"""

from __future__ import annotations

from sqlite_utils import Database

from .db import all_rows, insert, migrations, now, write_transaction


@migrations()
def m008_practice(db: Database) -> None:
    # Plain SQL: sqlite-utils cannot declare ON DELETE CASCADE, which keeps a member's
    # removal (teams.delete_agent, delete_team) complete without touching that code.
    db.execute(
        """CREATE TABLE practice_attempts (
               id INTEGER PRIMARY KEY,
               scenario TEXT NOT NULL,
               actual TEXT NOT NULL,
               guessed TEXT NOT NULL,
               reply TEXT NOT NULL,
               type_correct INTEGER NOT NULL,
               reply_correct INTEGER NOT NULL,
               agent_id INTEGER REFERENCES agents(id) ON DELETE CASCADE,
               team_id INTEGER REFERENCES teams(id) ON DELETE CASCADE,
               created_at TEXT NOT NULL
           )"""
    )
    db.execute("CREATE INDEX idx_practice_attempts_team ON practice_attempts(team_id, agent_id)")
    db.execute("CREATE INDEX idx_practice_attempts_agent ON practice_attempts(agent_id)")


def add_practice_attempt(db: Database, *, scenario: str, actual: str, guessed: str, reply: str,
                         type_correct: bool, reply_correct: bool, agent_id: int | None = None,
                         team_id: int | None = None) -> int:
    """Store one graded attempt; returns its id."""
    with write_transaction(db):
        return insert(db, "practice_attempts", {
            "scenario": scenario, "actual": actual, "guessed": guessed, "reply": reply,
            "type_correct": int(bool(type_correct)), "reply_correct": int(bool(reply_correct)),
            "agent_id": agent_id, "team_id": team_id, "created_at": now(),
        })


def team_practice_attempts(db: Database, team_id: int) -> list[dict]:
    """The attempts of the team's members (agent_id, name, actual, guessed, type_correct,
    reply_correct), in the shape caller.practice_summary reads."""
    return all_rows(
        db,
        """SELECT p.agent_id, agents.name, p.actual, p.guessed, p.type_correct, p.reply_correct
           FROM practice_attempts AS p JOIN agents ON agents.id = p.agent_id
           WHERE p.team_id = ? AND agents.team_id = ?
           ORDER BY p.id""",
        [team_id, team_id],
    )


def practice_attempt_count(db: Database) -> int:
    """Every stored attempt, with or without an agent."""
    return db.execute("SELECT COUNT(*) FROM practice_attempts").fetchone()[0]
