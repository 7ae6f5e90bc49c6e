"""Rating links: how others see a result's owner (observer ratings by peers and leads).

One row per link and per rating. A link is created unanswered (by the agent, from
their result page); its first answer fills its row, any later one (by another rater)
is a row of its own pointing at it (``link_id``), so a link's state tells nothing. A
peer proves they are a colleague (web/others_common.py) and is stored as ``rater_key``
only, so each colleague counts once. A trainer's own rating of a member is a link
created answered. The ratings belong to the member when the result is a team
member's (``agent_id`` set: a retake keeps them), else to the result itself.

A scope says whose ratings a view reads: ``Scope.of(response_row)``.
Only the scores (and the raw answers, so they can be scored again) are stored per
link; nothing here is shown per peer: callers aggregate (assessment/others.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlite_utils import Database

from .db import all_rows, insert, migrations, new_token, now, one, write_transaction

MAX_LINKS = 20  # links an agent may create per result
RELATIONS = ("peer", "lead")
LEAD_ROLES = ("team_lead", "trainer", "qc")


@migrations()
def m009_raters(db: Database) -> None:
    # Plain SQL: removing a member or a result must remove the ratings of them too
    # (ON DELETE CASCADE; storage.delete_agent/delete_team know nothing of this table).
    db.execute(
        """CREATE TABLE rater_links (
            id INTEGER PRIMARY KEY,
            token TEXT NOT NULL,
            response_id INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
            agent_id INTEGER REFERENCES agents(id) ON DELETE CASCADE,
            relation TEXT NOT NULL CHECK (relation IN ('peer', 'lead')),
            trainer_id INTEGER,
            rater_role TEXT,
            rater_name TEXT,
            created_at TEXT NOT NULL,
            answered_at TEXT,
            lang TEXT,
            questionnaire TEXT,
            questionnaire_version INTEGER,
            answers TEXT,
            assertiveness REAL,
            responsiveness REAL,
            versatility REAL
        )"""
    )
    db.execute("CREATE UNIQUE INDEX idx_rater_links_token ON rater_links(token)")
    db.execute("CREATE INDEX idx_rater_links_response ON rater_links(response_id)")
    db.execute("CREATE INDEX idx_rater_links_agent ON rater_links(agent_id)")


class LinkLimit(Exception):
    """This result already has MAX_LINKS links."""


class AlreadyAnswered(Exception):
    """The link was used before: a link works once."""


@dataclass(frozen=True)
class RaterScope:
    """Whose ratings: a team member's (every link of theirs) or one result's."""

    agent_id: int | None
    response_id: int

    @classmethod
    def of(cls, response: dict) -> RaterScope:
        return cls(agent_id=response.get("agent_id"), response_id=response["id"])

    def where(self) -> tuple[str, list]:
        if self.agent_id is not None:
            return "agent_id = ?", [self.agent_id]
        return "response_id = ?", [self.response_id]


class PeersNeedATeam(ValueError):
    """Colleagues prove who they are as members of the agent's team: a result outside a
    team can have lead links only."""


def create_link(db: Database, response: dict, relation: str) -> dict:
    """A new unanswered link for the result's owner; LinkLimit past MAX_LINKS per result,
    PeersNeedATeam for a peer link of a result outside any team."""
    if relation not in RELATIONS:
        raise ValueError(f"unknown relation {relation!r}")
    if relation == "peer" and response.get("agent_id") is None:
        raise PeersNeedATeam(relation)
    with write_transaction(db):
        made = db.execute("SELECT COUNT(*) FROM rater_links WHERE response_id = ? AND trainer_id IS NULL "
                          "AND link_id IS NULL", [response["id"]]).fetchone()[0]
        if made >= MAX_LINKS:
            raise LinkLimit(made)
        row = {"token": new_token(), "response_id": response["id"], "agent_id": response.get("agent_id"),
               "relation": relation, "created_at": now()}
        row["id"] = insert(db, "rater_links", row)
    return row


def link_by_token(db: Database, token: str) -> dict | None:
    """The link with whom it is about: ``about_name`` is the member's name, None outside a team."""
    return one(
        db,
        """SELECT l.id, l.token, l.relation, l.response_id, l.agent_id, l.answered_at, l.created_at,
                  agents.name AS about_name
           FROM rater_links l LEFT JOIN agents ON agents.id = l.agent_id WHERE l.token = ? AND l.link_id IS NULL""",
        [token],
    )


MAX_ANSWERS_PER_LINK = 20  # ratings one link may bring in (each colleague still counts once)


def answer_link(db: Database, token: str, *, questionnaire: str, version: int, lang: str,
                answers: dict[str, int], scores: dict[str, float],
                rater_role: str | None = None, rater_name: str | None = None,
                rater_key: str | None = None) -> None:
    """Store one rater's answers through a link, in one write transaction.

    A link is an invitation, not a ticket: whether it was answered before is never told
    (that would say which colleague answered). The first answer fills the link's row; a
    later one, by someone else, is a row of its own under the same link (link_id).

    A peer rating needs ``rater_key``, the keyed hash of the proven rater
    (web/others_common.rater_key): each colleague rates a member once, so a second
    answer by the same rater raises AlreadyAnswered, and so does a link that has brought
    in MAX_ANSWERS_PER_LINK ratings. LookupError for an unknown token."""
    with write_transaction(db):
        link = one(db, "SELECT id, response_id, agent_id, relation, answered_at FROM rater_links "
                       "WHERE token = ? AND link_id IS NULL", [token])
        if link is None:
            raise LookupError(token)
        if link["relation"] == "peer":
            if rater_key is None:
                raise ValueError("a colleague's rating needs the rater's key")
            if _rated_before(db, link, rater_key):
                raise AlreadyAnswered(token)
        else:
            rater_key = None
        stored = {"answered_at": now(), "lang": lang, "questionnaire": questionnaire,
                  "questionnaire_version": version, "answers": json.dumps(answers, sort_keys=True),
                  "assertiveness": scores["assertiveness"], "responsiveness": scores["responsiveness"],
                  "versatility": scores["versatility"], "rater_key": rater_key,
                  "answer_seq": db.execute("SELECT COALESCE(MAX(answer_seq), 0) + 1 FROM rater_links").fetchone()[0],
                  "rater_role": rater_role if link["relation"] == "lead" else None,
                  "rater_name": rater_name if link["relation"] == "lead" else None}
        if link["answered_at"] is None:
            db.execute(f"UPDATE rater_links SET {', '.join(f'{c} = ?' for c in stored)} WHERE id = ?",
                       [*stored.values(), link["id"]])
            return
        more = db.execute("SELECT COUNT(*) FROM rater_links WHERE link_id = ?", [link["id"]]).fetchone()[0]
        if more + 1 >= MAX_ANSWERS_PER_LINK:
            raise AlreadyAnswered(token)
        insert(db, "rater_links", {"token": new_token(), "response_id": link["response_id"],
                                   "agent_id": link["agent_id"], "relation": link["relation"],
                                   "created_at": stored["answered_at"], "link_id": link["id"], **stored})


def _rated_before(db: Database, link: dict, rater_key: str) -> bool:
    where, params = RaterScope(agent_id=link["agent_id"], response_id=link["response_id"]).where()
    return db.execute(f"SELECT 1 FROM rater_links WHERE {where} AND rater_key = ?",
                      [*params, rater_key]).fetchone() is not None


def rated_before(db: Database, token: str, rater_key: str) -> bool:
    """Whether this rater has already rated the member (or result) the link is about:
    told only to that rater, about their own rating."""
    link = one(db, "SELECT id, response_id, agent_id FROM rater_links WHERE token = ?", [token])
    return link is not None and _rated_before(db, link, rater_key)


def save_trainer_rating(db: Database, *, response_id: int, agent_id: int, trainer_id: int, trainer_name: str,
                        questionnaire: str, version: int, lang: str, answers: dict[str, int],
                        scores: dict[str, float], rater_role: str = "trainer") -> dict:
    """A trainer's lead rating of a member, answered at once. It replaces that trainer's
    earlier rating of the member: one current view per lead."""
    stamp = now()
    row = {
        "token": new_token(), "response_id": response_id, "agent_id": agent_id, "relation": "lead",
        "trainer_id": trainer_id, "rater_role": rater_role, "rater_name": trainer_name, "created_at": stamp,
        "answered_at": stamp, "lang": lang, "questionnaire": questionnaire, "questionnaire_version": version,
        "answers": json.dumps(answers, sort_keys=True),
        "assertiveness": scores["assertiveness"], "responsiveness": scores["responsiveness"],
        "versatility": scores["versatility"],
    }
    with write_transaction(db):
        db.execute("DELETE FROM rater_links WHERE agent_id = ? AND trainer_id = ?", [agent_id, trainer_id])
        row["id"] = insert(db, "rater_links", row)
    return row


def links_made(db: Database, response_id: int) -> list[dict]:
    """The links the agent made from this result, oldest first: id, token, relation, created_at.

    No answered state: which peer link answered is never shown."""
    return all_rows(
        db,
        "SELECT id, token, relation, created_at FROM rater_links "
        "WHERE response_id = ? AND trainer_id IS NULL AND link_id IS NULL ORDER BY id",
        [response_id],
    )


def rating_counts(db: Database, scope: RaterScope) -> tuple[int, int]:
    """(invited, answered): every link in scope, peer and lead, and the ratings given.
    A link may bring in more than one rating, so invited is never below answered."""
    where, params = scope.where()
    invited, answered = db.execute(
        f"SELECT COUNT(*) - COUNT(link_id), COUNT(answered_at) FROM rater_links WHERE {where}", params).fetchone()
    return max(invited, answered), answered


def answered_ratings(db: Database, scope: RaterScope) -> list[dict]:
    """Answered links in scope, oldest first: relation, rater_role, rater_name and scores.

    For the aggregate only: callers never show a peer's row on its own."""
    where, params = scope.where()
    return all_rows(
        db,
        f"""SELECT relation, rater_role, rater_name, assertiveness, responsiveness, versatility
            FROM rater_links WHERE {where} AND answered_at IS NOT NULL ORDER BY COALESCE(answer_seq, 0), answered_at, id""",
        params,
    )


def team_ratings(db: Database, agent_ids: list[int]) -> dict[int, tuple[int, list[dict]]]:
    """For each member id: (invited, answered ratings), as rating_counts and answered_ratings."""
    found: dict[int, tuple[int, list[dict]]] = {a: (0, []) for a in agent_ids}
    for start in range(0, len(agent_ids), 500):
        chunk = agent_ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for row in all_rows(
            db,
            f"""SELECT agent_id, relation, rater_role, rater_name, assertiveness, responsiveness, versatility,
                       answered_at, link_id FROM rater_links WHERE agent_id IN ({marks}) ORDER BY COALESCE(answer_seq, 0), answered_at, id""",
            chunk,
        ):
            invited, ratings = found[row["agent_id"]]
            if row.pop("answered_at") is not None:
                ratings.append(row)
            found[row["agent_id"]] = (invited + (row.pop("link_id") is None), ratings)
    return {agent: (max(invited, len(ratings)), ratings) for agent, (invited, ratings) in found.items()}


def latest_valid_response(db: Database, agent_id: int) -> dict | None:
    """The member's latest valid result (id, token, axes, style), or None: their self view."""
    return one(
        db,
        "SELECT id, token, assertiveness, responsiveness, style FROM responses "
        "WHERE agent_id = ? AND valid = 1 ORDER BY id DESC LIMIT 1",
        [agent_id],
    )


def latest_response_id(db: Database, agent_id: int) -> int | None:
    row = db.execute("SELECT MAX(id) FROM responses WHERE agent_id = ?", [agent_id]).fetchone()
    return row[0] if row else None


def team_self_views(db: Database, team_id: int) -> dict[int, dict]:
    """Each member's latest valid result in the team: agent_id -> assertiveness, responsiveness, style."""
    rows = all_rows(
        db,
        """SELECT agent_id, assertiveness, responsiveness, style FROM responses
           WHERE id IN (SELECT MAX(id) FROM responses WHERE team_id = ? AND valid = 1 AND agent_id IS NOT NULL
                        GROUP BY agent_id)""",
        [team_id],
    )
    return {r["agent_id"]: r for r in rows}
