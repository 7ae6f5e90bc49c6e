"""Teams, their invite codes and members (agents), and removing them."""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass

from sqlite_utils import Database

from ..collation import sort_key
from .db import all_rows, insert, now, one, write_transaction
from .members import key_hash, new_member_key
from .norms import rebuild_norms



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
            if not one(db, "SELECT 1 FROM teams WHERE invite_code = ?", [code]):
                break
        row = {"trainer_id": trainer_id, "name": name, "invite_code": code, "created_at": now(),
               "sort_key": sort_key(name)}
        row["id"] = insert(db, "teams", row)
    return row


# Who may see a team, decided here and nowhere else: its owner, staff added to it
# (team_staff, role trainer or qc) and admins (every team). "access" says which. The
# account's own role bounds what a team role grants: a `qc` account is `qc` on every
# team it sees, whatever it was added as (or owns from before it became qc).
_ACCESS = """CASE WHEN (SELECT role FROM trainers WHERE id = :user) = 'qc' THEN 'qc'
                  WHEN teams.trainer_id = :user THEN 'owner'
                  WHEN (SELECT role FROM trainers WHERE id = :user) = 'admin' THEN 'admin'
                  ELSE (SELECT role FROM team_staff WHERE team_staff.team_id = teams.id
                        AND team_staff.trainer_id = :user) END"""
_VISIBLE = """(teams.trainer_id = :user
               OR EXISTS (SELECT 1 FROM team_staff WHERE team_staff.team_id = teams.id
                          AND team_staff.trainer_id = :user)
               OR (SELECT role FROM trainers WHERE id = :user) = 'admin')"""


def teams_for(db: Database, trainer_id: int) -> list[dict]:
    """Every team this user may see (see _ACCESS), with its "access"."""
    return all_rows(
        db,
        f"""SELECT teams.id, teams.name, teams.invite_code, teams.created_at,
                  (SELECT COUNT(*) FROM agents WHERE agents.team_id = teams.id) AS member_count,
                  (SELECT COUNT(*) FROM responses WHERE responses.team_id = teams.id) AS response_count,
                  (SELECT MAX(created_at) FROM responses WHERE responses.team_id = teams.id) AS last_response_at,
                  {_ACCESS} AS access
           FROM teams WHERE {_VISIBLE} ORDER BY teams.sort_key, teams.name, teams.id""",
        {"user": trainer_id},
    )


def team_for(db: Database, trainer_id: int, team_id: int) -> dict | None:
    """A team only if this user may see it: the one place access is decided.
    "access" is owner, admin, trainer or qc."""
    return one(db, f"SELECT teams.*, {_ACCESS} AS access FROM teams WHERE teams.id = :team AND {_VISIBLE}",
               {"user": trainer_id, "team": team_id})


TEAM_CREATORS = ("admin", "trainer")  # account roles that may create teams: never qc


def rename_team(db: Database, team_id: int, name: str) -> None:
    with write_transaction(db):
        db.execute("UPDATE teams SET name = ?, sort_key = ? WHERE id = ?", [name, sort_key(name), team_id])


def delete_team(db: Database, team_id: int) -> int:
    """A team with its members and all their results, in one transaction; returns how many results."""
    with write_transaction(db):
        removed = db.execute("DELETE FROM responses WHERE team_id = ?", [team_id]).rowcount
        db.execute("DELETE FROM agents WHERE team_id = ?", [team_id])
        db.execute("DELETE FROM teams WHERE id = ?", [team_id])
        rebuild_norms(db)
    return removed


def team_exists(db: Database, team_id: int) -> bool:
    return db.execute("SELECT 1 FROM teams WHERE id = ?", [team_id]).fetchone() is not None


def team_by_code(db: Database, code: str) -> dict | None:
    return one(db, "SELECT id, name, invite_code FROM teams WHERE invite_code = ?", [normalise_code(code)])


@dataclass(frozen=True)
class Membership:
    """Who is taking the questionnaire for which team, and what proves who they are.

    ``agent_id``: a member the caller has proven this person to be (a result token of
    theirs, checked by the caller: storage.member_of_token). ``keys``: the member keys the
    person's browser holds. Without either, a name or employee id matching a member
    proves nothing: the sheet joins as a new member marked as a possible duplicate.
    """

    team_id: int
    name: str
    employee_id: str | None = None
    agent_id: int | None = None
    keys: tuple[str, ...] = ()

    @property
    def identity(self) -> str:
        if self.employee_id:
            return "employee:" + unicodedata.normalize("NFKC", self.employee_id.strip()).casefold()
        return "name:" + unicodedata.normalize("NFKC", " ".join(self.name.split())).casefold()


def agent_id_for(db: Database, member: Membership, created_at: str) -> tuple[int, str | None]:
    """(the member's id, the new member key when a new member was made; None for a retake).

    A retake is a proven member: the agent_id given (in this team), or the one member of the
    team whose key the browser holds, giving the same name or employee id. On a shared desk
    PC several members' keys prove nobody: a retake there goes through the result link."""
    found = None
    if member.agent_id is not None:
        found = one(db, "SELECT id FROM agents WHERE id = ? AND team_id = ?", [member.agent_id, member.team_id])
    elif member.keys:
        hashes = [key_hash(k) for k in member.keys]
        keyed = all_rows(db, f"SELECT id, identity FROM agents WHERE team_id = ? AND key_hash IN "
                             f"({','.join('?' * len(hashes))})", [member.team_id, *hashes])
        # One member of the team on this device proves them; a shared desk PC (several) proves nobody.
        if len(keyed) == 1 and keyed[0]["identity"] == member.identity:
            found = keyed[0]
    if found:
        # The latest name given is the one the trainer sees.
        db.execute("UPDATE agents SET name = ?, sort_key = ? WHERE id = ?",
                   [member.name, sort_key(member.name), found["id"]])
        return found["id"], None
    same = one(db, "SELECT id FROM agents WHERE team_id = ? AND identity = ? ORDER BY duplicate_of IS NOT NULL, id "
                   "LIMIT 1", [member.team_id, member.identity])
    key = new_member_key()
    return insert(db, "agents", {
        "team_id": member.team_id, "name": member.name, "employee_id": member.employee_id or None,
        "identity": member.identity, "created_at": created_at, "sort_key": sort_key(member.name),
        "key_hash": key_hash(key), "duplicate_of": same["id"] if same else None,
    }), key


def team_of_member(db: Database, agent_id: int) -> dict | None:
    """The member's team (id, name, invite_code) with the member's name and employee id."""
    return one(db, "SELECT teams.id, teams.name, teams.invite_code, agents.name AS member_name, agents.employee_id "
                   "FROM agents JOIN teams ON teams.id = agents.team_id WHERE agents.id = ?", [agent_id])


def agent_for(db: Database, trainer_id: int, agent_id: int) -> dict | None:
    """A member only if this user may see their team (as team_for), with the team's "access"."""
    return one(
        db,
        f"SELECT agents.*, teams.name AS team_name, {_ACCESS} AS access "
        f"FROM agents JOIN teams ON teams.id = agents.team_id WHERE agents.id = :agent AND {_VISIBLE}",
        {"user": trainer_id, "agent": agent_id},
    )


def delete_agent(db: Database, agent_id: int) -> int:
    """A member and every result they gave, in one transaction; returns how many results."""
    with write_transaction(db):
        removed = db.execute("DELETE FROM responses WHERE agent_id = ?", [agent_id]).rowcount
        db.execute("DELETE FROM agents WHERE id = ?", [agent_id])
        rebuild_norms(db)
    return removed


def member_count(db: Database, team_id: int) -> int:
    return db.execute("SELECT COUNT(*) FROM agents WHERE team_id = ?", [team_id]).fetchone()[0]
