"""Names sort the way Chinese users expect (pinyin), and databases made before the sort
keys existed get them on upgrade."""

from __future__ import annotations

import sqlite3

from assessment import storage
from assessment.collation import sort_key


def test_chinese_names_sort_by_pinyin_among_latin_names():
    names = ["张伟", "Anna", "李娜", "bob", "王芳", "陈静", "郭超", "Grace Lin", "胡杰", "吕布", "欧阳娜娜"]
    assert sorted(names, key=lambda n: (sort_key(n), n)) == [
        "Anna", "bob", "陈静", "Grace Lin", "郭超", "胡杰", "李娜", "吕布", "欧阳娜娜", "王芳", "张伟",
    ]


def test_keys_are_toneless_spaced_syllables_case_and_accent_free():
    assert sort_key("李娜") == "li na"
    assert sort_key("西安") == "xi an" and sort_key("先") == "xian"  # two syllables stay two
    assert sort_key("  Grace   LIN ") == "grace lin"
    assert sort_key("Élodie") == sort_key("elodie")
    assert sort_key("") == ""


def test_upgrading_an_older_database_gives_existing_names_their_keys(tmp_path):
    path = str(tmp_path / "old.sqlite3")
    db = storage.connect(path)
    try:
        storage.migrations.apply(db, stop_before="m005_name_sort_keys")
        db.execute("INSERT INTO trainers (username, password_hash, created_at) VALUES ('t', 'x', '2025-01-01')")
        db.execute("INSERT INTO teams (trainer_id, name, invite_code, created_at) VALUES (1, '晚班', 'ABCDEF', '2025-01-01')")
        for name in ("张伟", "Anna"):
            db.execute("INSERT INTO agents (team_id, name, identity, created_at) VALUES (1, ?, ?, '2025-01-01')",
                       [name, "name:" + name])
    finally:
        db.close()
    storage.migrate(path)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT name, sort_key FROM agents ORDER BY id").fetchall() == [("张伟", "zhang wei"), ("Anna", "anna")]
        assert conn.execute("SELECT sort_key FROM teams").fetchall() == [("wan ban",)]
    finally:
        conn.close()
