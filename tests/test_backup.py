"""`flask --app app backup PATH`: SQLite's online backup API, while the app keeps writing;
and restoring from the copy serves the same result pages, dashboards and exports."""

from __future__ import annotations

import os
import re
import secrets
import sqlite3
import threading
import time

import pytest

from assessment import storage
from assessment.scoring import score
from helpers import (
    api_submit,
    axis_answers,
    csrf_token,
    join_and_take,
    make_api_token,
    make_app,
    make_team,
    make_trainer,
    signed_in_client,
)


def run_backup(app, path):
    """As `flask --app app backup PATH` runs it: FlaskGroup pushes the app context."""
    runner = app.test_cli_runner()
    with app.app_context():
        return runner.invoke(args=["backup", str(path)])


def _query(path, sql, params=()):
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def assert_consistent(path) -> None:
    assert _query(path, "PRAGMA integrity_check") == [{"integrity_check": "ok"}]
    assert _query(path, "PRAGMA foreign_key_check") == []
    orphans = _query(path, "SELECT r.id FROM responses r LEFT JOIN agents a ON a.id = r.agent_id "
                           "WHERE r.agent_id IS NOT NULL AND a.id IS NULL")
    assert orphans == []
    wrong_team = _query(path, "SELECT r.id FROM responses r JOIN agents a ON a.id = r.agent_id WHERE a.team_id != r.team_id")
    assert wrong_team == []


def _responses(path) -> dict[int, str]:
    return {r["id"]: r["token"] for r in _query(path, "SELECT id, token FROM responses")}


# ---------------------------------------------------------------------------
# A populated database: a trainer, two teams, members through the form and the API
# ---------------------------------------------------------------------------

@pytest.fixture
def populated(tmp_path, questionnaire):
    app = make_app(tmp_path / "live.sqlite3")
    trainer = make_trainer(app, "trainer-a")
    teams = [make_team(app, trainer, "Morning shift 早班"), make_team(app, trainer, "Late shift")]
    tokens = []
    for n, (ka, kr) in enumerate([(5, 1), (1, 5), (4, 4), (2, 2)]):
        last = join_and_take(app.test_client(), questionnaire, teams[n % 2]["invite_code"], f"Agent {n} 张",
                             answers=axis_answers(questionnaire, ka, kr))
        tokens.append(last.headers["Location"].rsplit("/", 1)[-1])
    for n in range(3):
        response = api_submit(app.test_client(), questionnaire, axis_answers(questionnaire, 3, 1 + n),
                              invite_code=teams[0]["invite_code"], name=f"API agent {n}", lang="en")
        assert response.status_code == 201
        tokens.append(response.get_json()["result_url"].rsplit("/", 1)[-1].split("?")[0])
    anonymous = api_submit(app.test_client(), questionnaire, axis_answers(questionnaire, 2, 4))
    tokens.append(anonymous.get_json()["result_url"].rsplit("/", 1)[-1].split("?")[0])
    _id, api_token = make_api_token(app, trainer)
    return {"app": app, "teams": teams, "tokens": tokens, "api_token": api_token, "dir": tmp_path}


def test_backup_copy_passes_integrity_check_and_has_every_response(populated):
    app, copy = populated["app"], populated["dir"] / "copy.sqlite3"
    live = app.config["DATABASE"]
    result = run_backup(app, copy)
    assert result.exit_code == 0, result.output
    assert copy.exists()
    assert_consistent(copy)
    assert _responses(copy) == _responses(live) and len(_responses(copy)) == 8
    assert f"Backed up 8 responses to {copy}" in result.output and "integrity_check: ok" in result.output
    for table in ("trainers", "teams", "agents", "responses", "api_tokens"):
        assert _query(copy, f"SELECT * FROM {table} ORDER BY id") == _query(live, f"SELECT * FROM {table} ORDER BY id"), table


def test_backup_includes_writes_still_only_in_the_wal(populated, questionnaire):
    app, copy = populated["app"], populated["dir"] / "copy.sqlite3"
    live = app.config["DATABASE"]
    db = storage.connect(live)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        team = populated["teams"][1]
        answers = axis_answers(questionnaire, 4, 2)
        storage.save_response(db, questionnaire=questionnaire.slug, version=questionnaire.version, lang="zh",
                              answers=answers, profile=score(questionnaire, answers),
                              member=storage.Membership(team["id"], "Only in the WAL"))
        assert os.path.getsize(live + "-wal") > 0  # not yet in the main file
        assert run_backup(app, copy).exit_code == 0
    finally:
        db.close()
    assert _query(copy, "SELECT name FROM agents WHERE name = 'Only in the WAL'") == [{"name": "Only in the WAL"}]
    assert len(_responses(copy)) == 9


@pytest.mark.parametrize("existing", ["file", "empty file", "directory", "symlink"])
def test_backup_refuses_an_existing_path(populated, existing):
    app, base = populated["app"], populated["dir"]
    path = base / "exists.sqlite3"
    target = base / "precious.txt"
    target.write_text("precious")
    if existing == "file":
        path.write_text("keep me")
    elif existing == "empty file":
        path.write_bytes(b"")
    elif existing == "directory":
        path.mkdir()
    else:
        path.symlink_to(target)
    before = path.read_bytes() if path.is_file() else None
    result = run_backup(app, path)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    if existing != "directory":
        assert "already exists" in result.output
        assert path.read_bytes() == before
    assert target.read_text() == "precious"


def test_backup_into_a_missing_directory_is_a_clear_error(populated):
    path = populated["dir"] / "no" / "such" / "dir" / "copy.sqlite3"
    result = run_backup(populated["app"], path)
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), f"an unhandled {result.exception!r}"
    assert str(path.parent) in result.output or "cannot" in result.output.lower()
    assert not path.exists()


# ---------------------------------------------------------------------------
# Online: another thread keeps submitting while the backup runs
# ---------------------------------------------------------------------------

def _bulk(app, questionnaire, team_id, rows: int) -> None:
    """Make the database big enough that copying it takes a while (thousands of pages)."""
    db = storage.connect(app.config["DATABASE"])
    try:
        answers = axis_answers(questionnaire, 3, 4)
        row = storage.save_response(db, questionnaire=questionnaire.slug, version=questionnaire.version, lang="zh",
                                    answers=answers, profile=score(questionnaire, answers),
                                    member=storage.Membership(team_id, "Bulk agent"))
        columns = [c for c in row if c not in ("id", "profile", "member_key")]  # the columns as stored
        with storage.write_transaction(db):
            db.conn.executemany(
                f"INSERT INTO responses ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                [[secrets.token_urlsafe(18) if c == "token" else row[c] for c in columns] for _ in range(rows)],
            )
    finally:
        db.close()


# The writers stop by themselves after WRITER_SECONDS, so a backup that cannot finish
# while they write fails the time check below instead of hanging the suite.
WRITER_SECONDS = 30
BACKUP_SECONDS = 15


def test_backup_finishes_while_another_connection_commits_every_millisecond(tmp_path, questionnaire):
    """A stepped backup restarts after every commit by another connection: under a steady
    stream of writes it never ends. The CLI's backup must finish anyway."""
    app = make_app(tmp_path / "steady.sqlite3")
    team = make_team(app, make_trainer(app, "trainer-a"), "Steady team")
    _bulk(app, questionnaire, team["id"], 40_000)
    live = app.config["DATABASE"]
    stop = threading.Event()
    commits = [0]

    def commit_steadily():
        conn = sqlite3.connect(live, isolation_level=None, timeout=5)
        try:
            deadline = time.monotonic() + WRITER_SECONDS
            while not stop.is_set() and time.monotonic() < deadline:
                # A real change: SQLite skips writing a row rewritten with the same bytes.
                conn.execute("UPDATE teams SET name = ? WHERE id = ?", (f"Steady team {commits[0] % 2}", team["id"]))
                commits[0] += 1
                time.sleep(0.001)
        finally:
            conn.close()

    writer = threading.Thread(target=commit_steadily, daemon=True)
    writer.start()
    try:
        while commits[0] < 20:
            time.sleep(0.005)
        started, during = time.monotonic(), commits[0]
        result = run_backup(app, tmp_path / "copy.sqlite3")
        elapsed, during = time.monotonic() - started, commits[0] - during
    finally:
        stop.set()
        writer.join(timeout=10)
    assert result.exit_code == 0, result.output
    assert elapsed < BACKUP_SECONDS, f"the backup took {elapsed:.1f} s while {during} commits ran"
    assert_consistent(tmp_path / "copy.sqlite3")
    assert len(_responses(tmp_path / "copy.sqlite3")) == 40_001


def test_online_backup_while_submissions_continue_is_consistent(tmp_path, questionnaire):
    app = make_app(tmp_path / "busy.sqlite3")
    trainer = make_trainer(app, "trainer-a")
    team = make_team(app, trainer, "Busy team")
    _bulk(app, questionnaire, team["id"], 12_000)
    live = app.config["DATABASE"]
    page_count = _query(live, "PRAGMA page_count")[0]["page_count"]
    assert page_count > 1024, "too small for the copy to overlap with submissions"

    stop = threading.Event()
    acknowledged: list[int] = []
    errors: list[BaseException] = []
    writer_deadline = time.monotonic() + WRITER_SECONDS

    def submit_forever():
        client = app.test_client()
        n = 0
        while not stop.is_set() and time.monotonic() < writer_deadline:
            response = api_submit(client, questionnaire, axis_answers(questionnaire, 1 + n % 5, 1 + (n // 5) % 5),
                                  invite_code=team["invite_code"], name=f"Online {n % 40}")
            if response.status_code != 201:
                errors.append(AssertionError(f"submission {n}: {response.status_code}"))
                return
            acknowledged.append(response.get_json()["id"])
            n += 1

    writer = threading.Thread(target=submit_forever, daemon=True)
    writer.start()
    deadline = time.monotonic() + 20
    try:
        while len(acknowledged) < 20 and time.monotonic() < deadline and not errors:
            time.sleep(0.01)
        before_backup = set(acknowledged)
        started = time.monotonic()
        result = run_backup(app, tmp_path / "online.sqlite3")
        elapsed = time.monotonic() - started
        during = len(acknowledged) - len(before_backup)
    finally:
        stop.set()
        writer.join(timeout=10)
    assert not errors, errors
    assert result.exit_code == 0, result.output
    assert during > 0, "no submission ran during the backup: the test proved nothing"
    assert elapsed < BACKUP_SECONDS, f"the backup took {elapsed:.1f} s under load"

    copy = tmp_path / "online.sqlite3"
    assert_consistent(copy)
    copied, final = _responses(copy), _responses(live)
    # A snapshot: everything acknowledged before the backup began is there, exactly as stored ...
    assert before_backup <= set(copied)
    assert all(final[i] == token for i, token in copied.items())
    # ... and the copy is a prefix of the history, not a mix with holes.
    newest = max(copied)
    assert sorted(copied) == sorted(i for i in final if i <= newest)
    assert f"Backed up {len(copied)} responses" in result.output


# ---------------------------------------------------------------------------
# Restore: the app started on the copy serves the same pages
# ---------------------------------------------------------------------------

def _without_session_noise(html: str) -> str:
    html = re.sub(r'name="csrf_token"( type="hidden")? value="[^"]+"', 'name="csrf_token" value=""', html)
    return re.sub(r"app;dur=[0-9.]+", "", html)


def test_restoring_the_copy_serves_the_same_results_dashboards_and_exports(populated):
    original = populated["app"]
    copy = populated["dir"] / "restore.sqlite3"
    assert run_backup(original, copy).exit_code == 0
    restored = make_app(copy)
    assert restored.config["DATABASE"] == str(copy)

    for token in populated["tokens"]:
        for lang in ("zh", "en"):
            before = original.test_client().get(f"/r/{token}?lang={lang}")
            after = restored.test_client().get(f"/r/{token}?lang={lang}")
            assert before.status_code == after.status_code == 200
            assert after.get_data(as_text=True) == before.get_data(as_text=True), token

    old, new = signed_in_client(original, "trainer-a"), signed_in_client(restored, "trainer-a")
    team_ids = [t["id"] for t in populated["teams"]]
    pages = ["/trainer/", "/trainer/all", "/trainer/all/export.csv", "/trainer/all/export.json"]
    pages += [f"/trainer/teams/{i}" for i in team_ids] + [f"/trainer/teams/{i}?sort=style&dir=desc" for i in team_ids]
    pages += [f"/trainer/teams/{i}/export.csv" for i in team_ids]
    agent_ids = [r["id"] for r in _query(copy, "SELECT id FROM agents ORDER BY id")]
    pages += [f"/trainer/agents/{i}" for i in agent_ids]
    for page in pages:
        before, after = old.get(page), new.get(page)
        assert before.status_code == after.status_code == 200, page
        assert _without_session_noise(after.get_data(as_text=True)) == _without_session_noise(before.get_data(as_text=True)), page
    assert "Agent 0 张" in new.get(f"/trainer/teams/{team_ids[0]}").get_data(as_text=True)

    # API tokens (stored as hashes) survive the restore, and so do the summaries.
    auth = {"Authorization": f"Bearer {populated['api_token']}"}
    for path in [f"/api/v1/teams/{team_ids[0]}/summary", f"/api/v1/teams/{team_ids[1]}/responses", "/api/v1/teams"]:
        assert restored.test_client().get(path, headers=auth).get_json() == original.test_client().get(path, headers=auth).get_json()

    # The restored app keeps working: a new submission lands in the copy, not the original.
    team = populated["teams"][0]
    html = restored.test_client().get(f"/join/{team['invite_code']}").get_data(as_text=True)
    assert csrf_token(html)
    response = api_submit(restored.test_client(), restored.extensions["questionnaires"]["communication-style"],
                          axis_answers(restored.extensions["questionnaires"]["communication-style"], 3, 3),
                          invite_code=team["invite_code"], name="After restore")
    assert response.status_code == 201
    assert len(_responses(copy)) == 9 and len(_responses(original.config["DATABASE"])) == 8
