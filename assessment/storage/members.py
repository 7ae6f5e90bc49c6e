"""Who a member is: member keys, result tokens, possible duplicates and merging them.

A member is proven by what only they hold: a result token of theirs (the private
result link) or the member key their browser was given when they first joined
(only its hash is stored). A name or employee id proves nothing, since the whole
team can type it: a sheet sent with one but without proof joins as a new member,
marked ``duplicate_of`` the member it names, for the trainer to merge or leave.

The schema behind it is migration m011 (storage/m011.py).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from sqlite_utils import Database

from .db import all_rows, one, write_transaction

KEYS_KEPT = 8  # member keys one browser keeps (one per team joined on it, latest first)


# --- member keys ----------------------------------------------------------------------

def new_member_key() -> str:
    return secrets.token_urlsafe(24)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def rater_key(secret: str | bytes, agent_id: int) -> str:
    """What is stored of a proven colleague who rated (rater_links.rater_key): a keyed hash of
    their member id under the app's secret key, so each colleague counts once for a member
    while the table names nobody. Anything storing a colleague's rating (the rating pages,
    the API, seed-demo) passes ``rater_key(app.secret_key, <the colleague's member id>)``."""
    key = secret if isinstance(secret, bytes) else str(secret).encode()
    return hmac.new(key, f"rater:{agent_id}".encode(), hashlib.sha256).hexdigest()


def parse_keys(cookie: str | None) -> tuple[str, ...]:
    """The member keys a browser sent (its cookie), at most KEYS_KEPT, well-formed only."""
    if not cookie:
        return ()
    return tuple(k for k in cookie.split(".") if re.fullmatch(r"[A-Za-z0-9_-]{20,64}", k))[:KEYS_KEPT]


def keys_cookie(new_key: str, kept: tuple[str, ...]) -> str:
    return ".".join((new_key, *(k for k in kept if k != new_key))[:KEYS_KEPT])


def member_by_keys(db: Database, team_id: int, keys: tuple[str, ...]) -> list[dict]:
    """The team's members whose key this browser holds, in the order of the keys (latest first)."""
    found = []
    for key in keys:
        row = one(db, "SELECT id, name, identity, team_id FROM agents WHERE team_id = ? AND key_hash = ?",
                  [team_id, key_hash(key)])
        if row is not None:
            found.append(row)
    return found


def member_of_token(db: Database, token: str) -> dict | None:
    """The result a token names, with its member (agent_id, team_id) and whether it is valid:
    the proof of a member that only they hold."""
    return one(db, "SELECT id, agent_id, team_id, valid FROM responses WHERE token = ?", [token])


# --- duplicates and merging -----------------------------------------------------------

def possible_duplicates(db: Database, agent_id: int) -> list[dict]:
    """Members of the same team this one may be the same person as: the one it was marked a
    duplicate of, and those marked duplicates of it (id, name, employee_id, created_at)."""
    return all_rows(
        db,
        """SELECT other.id, other.name, other.employee_id, other.created_at FROM agents AS me
           JOIN agents AS other ON other.team_id = me.team_id AND other.id != me.id
                AND (other.id = me.duplicate_of OR other.duplicate_of = me.id)
           WHERE me.id = ? ORDER BY other.id""",
        [agent_id],
    )


def merge_members(db: Database, keep_id: int, merge_id: int) -> int:
    """One member (merge_id) folded into another of the same team (keep_id), in one
    transaction: results, ratings of them, ability ratings and practice move across, the
    merged member goes. Where the same colleague rated both, the kept member's rating stays.
    Returns how many results moved; ValueError when they are not two members of one team."""
    with write_transaction(db):
        pair = all_rows(db, "SELECT id, team_id FROM agents WHERE id IN (?, ?)", [keep_id, merge_id])
        if keep_id == merge_id or len(pair) != 2 or pair[0]["team_id"] != pair[1]["team_id"]:
            raise ValueError("two members of the same team are needed")
        db.execute("""DELETE FROM rater_links WHERE agent_id = ? AND rater_key IS NOT NULL AND rater_key IN
                      (SELECT rater_key FROM rater_links WHERE agent_id = ? AND rater_key IS NOT NULL)""",
                   [merge_id, keep_id])
        moved = db.execute("UPDATE responses SET agent_id = ? WHERE agent_id = ?", [keep_id, merge_id]).rowcount
        for table in ("rater_links", "ability_ratings", "practice_attempts"):
            db.execute(f"UPDATE {table} SET agent_id = ? WHERE agent_id = ?", [keep_id, merge_id])
        db.execute("UPDATE agents SET duplicate_of = NULL WHERE duplicate_of = ?", [merge_id])
        db.execute("UPDATE agents SET duplicate_of = NULL WHERE id = ? AND duplicate_of = ?", [keep_id, merge_id])
        merged_key = db.execute("SELECT key_hash FROM agents WHERE id = ?", [merge_id]).fetchone()[0]
        db.execute("DELETE FROM agents WHERE id = ?", [merge_id])
        # The merged member's browser key now opens the kept member, unless the kept one has its own.
        db.execute("UPDATE agents SET key_hash = ? WHERE id = ? AND key_hash IS NULL", [merged_key, keep_id])
    return moved
