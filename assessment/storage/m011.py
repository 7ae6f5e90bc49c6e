"""Migrations m011: ids never reused, member keys, and who rated whom (storage/members.py).

Registered last: storage/__init__.py imports this module after every other one, since
sqlite-utils applies migrations in the order they were registered.

Ids are never reused (AUTOINCREMENT): a team, member or result removed never lends
its id to a later one, so a session still carrying an old team's id finds nothing.
"""

from __future__ import annotations

import re

from sqlite_utils import Database

from .db import migrations


def _rebuild_with_autoincrement(db: Database, table: str) -> None:
    """SQLite's documented way to change a table's definition: a new table with the
    same columns (the primary key now AUTOINCREMENT), every row copied with its id,
    the old one dropped, the new one renamed, its indexes made again. migrate() runs
    this with foreign keys off (as SQLite requires), so dropping the old table takes
    nothing along; the references of other tables name the table, so they hold."""
    sql = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone()[0]
    if "AUTOINCREMENT" in sql.upper():
        return
    new_sql, found = re.subn(r"""([\["`]?id[\]"`]?\s+INTEGER\s+PRIMARY\s+KEY)""", r"\1 AUTOINCREMENT", sql,
                             count=1, flags=re.IGNORECASE)
    if not found:
        raise RuntimeError(f"m011_autoincrement: no 'id INTEGER PRIMARY KEY' in {table}: {sql}")
    new_sql = re.sub(r"""^CREATE TABLE\s+[\["`]?\w+[\]"`]?""", f'CREATE TABLE "{table}_rebuilt"', new_sql,
                     count=1, flags=re.IGNORECASE)
    indexes = [r[0] for r in db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", [table])]
    columns = ", ".join(f'"{r[1]}"' for r in db.execute(f'PRAGMA table_info("{table}")'))
    db.execute(new_sql)
    db.execute(f'INSERT INTO "{table}_rebuilt" ({columns}) SELECT {columns} FROM "{table}"')
    db.execute(f'DROP TABLE "{table}"')
    db.execute(f'ALTER TABLE "{table}_rebuilt" RENAME TO "{table}"')
    for index in indexes:
        db.execute(index)


@migrations()
def m011_autoincrement(db: Database) -> None:
    # Teams, members and results keep their ids unique for ever (see the module's docstring).
    for table in ("teams", "agents", "responses"):
        _rebuild_with_autoincrement(db, table)
    broken = db.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"m011_autoincrement: foreign keys broken by the rebuild: {broken[:5]}")


@migrations()
def m011_member_keys(db: Database) -> None:
    # The same identity in a team no longer means the same member: the index stops being unique.
    db.execute("DROP INDEX IF EXISTS idx_agents_team_id_identity")
    db.execute("CREATE INDEX idx_agents_team_identity ON agents(team_id, identity)")
    db.execute("ALTER TABLE agents ADD COLUMN key_hash TEXT")
    db.execute("ALTER TABLE agents ADD COLUMN duplicate_of INTEGER REFERENCES agents(id) ON DELETE SET NULL")
    db.execute("CREATE UNIQUE INDEX idx_agents_team_key ON agents(team_id, key_hash) WHERE key_hash IS NOT NULL")


@migrations()
def m011_rater_proof(db: Database) -> None:
    # rater_key: who answered, as a keyed hash of the rater's member id (web/others_common.py),
    # so each colleague counts once for a member and nothing here names them. link_id: the
    # invitation a rating came through, when it is not that invitation's own row.
    db.execute("ALTER TABLE rater_links ADD COLUMN rater_key TEXT")
    db.execute("ALTER TABLE rater_links ADD COLUMN link_id INTEGER REFERENCES rater_links(id) ON DELETE CASCADE")
    # The order ratings came in, exactly (answered_at has whole seconds): the others' view
    # uses the first whole groups of three in this order.
    db.execute("ALTER TABLE rater_links ADD COLUMN answer_seq INTEGER")
    db.execute("CREATE UNIQUE INDEX idx_rater_links_agent_rater ON rater_links(agent_id, rater_key) "
               "WHERE rater_key IS NOT NULL")


