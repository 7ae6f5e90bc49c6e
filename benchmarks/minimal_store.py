"""The submit reference: the least a correct store can do, served exactly like the app.

For `POST /api/v1/questionnaires/<slug>/responses` it parses the same JSON body the
real endpoint gets, inserts one row (the answers as JSON text, a random token and
created_at) in one BEGIN IMMEDIATE transaction into a WAL SQLite database, and
answers 201 with {"id", "result_url"}, result_url an absolute URL. No validation,
scoring, membership or write queue: what is left is the price of durably storing a
submission with Flask, SQLite and gunicorn on this machine.

The database path comes from FLASK_DATABASE, the variable the real app reads (so
benchmarks.server.Server serves both the same way). The table is created when the
module is imported, i.e. once in gunicorn's master with --preload; every worker
process then opens its own persistent connection on its first request, after the
fork, and keeps it.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
from datetime import datetime, timezone

from flask import Flask, abort, jsonify, request, url_for

DATABASE = os.environ.get("FLASK_DATABASE") or os.environ.get("MINIMAL_STORE_DATABASE")
if not DATABASE:
    raise RuntimeError("set FLASK_DATABASE to the minimal store's SQLite file")
BUSY_TIMEOUT_MS = 15000  # as the app's storage

SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    id INTEGER PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,
    questionnaire TEXT NOT NULL,
    answers TEXT NOT NULL,
    created_at TEXT NOT NULL
)
"""


def _connect() -> sqlite3.Connection:
    # isolation_level=None: no implicit transactions, BEGIN IMMEDIATE is ours to issue.
    conn = sqlite3.connect(DATABASE, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def _create() -> None:
    """WAL (persistent in the file) and the table; the connection is closed before any fork."""
    conn = _connect()
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(SCHEMA)
    finally:
        conn.close()


_create()

_conn: sqlite3.Connection | None = None
_conn_pid = 0
_lock = threading.Lock()  # one connection per process; serialises threads if gunicorn runs any


def _db() -> sqlite3.Connection:
    """This process's connection, opened lazily so that a forked worker never uses its parent's."""
    global _conn, _conn_pid
    if _conn is None or _conn_pid != os.getpid():
        _conn, _conn_pid = _connect(), os.getpid()
    return _conn


app = Flask(__name__)


@app.post("/api/v1/questionnaires/<slug>/responses")
def create_response(slug: str):
    body = request.get_json()
    answers = body.get("answers") if isinstance(body, dict) else None
    if not isinstance(answers, dict):
        return jsonify({"error": "Invalid answers"}), 400
    token = secrets.token_urlsafe(18)
    created_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with _lock:
        db = _db()
        db.execute("BEGIN IMMEDIATE")
        try:
            row_id = db.execute(
                "INSERT INTO responses (token, questionnaire, answers, created_at) VALUES (?, ?, ?, ?)",
                (token, slug, json.dumps(answers, sort_keys=True), created_at),
            ).lastrowid
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
    result_url = url_for("result", token=token, _external=True)
    response = jsonify({"id": row_id, "result_url": result_url})
    response.status_code = 201
    response.headers["Location"] = result_url
    return response


@app.get("/r/<token>")
def result(token: str):
    with _lock:
        row = _db().execute("SELECT answers FROM responses WHERE token = ?", (token,)).fetchone()
    if row is None:
        abort(404)
    return app.response_class(row[0], mimetype="application/json")


@app.get("/api/v1/questionnaires")
def ready():
    """What benchmarks.server.Server polls to know the server is up."""
    return "[]", 200, {"Content-Type": "application/json"}
