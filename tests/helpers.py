"""Plain builders shared by the test modules (fixtures live in conftest.py, which uses these).

Apps, trainers, teams, tokens and results straight through storage; signing in; reading pages.

`axis_answers(q, ka, kr)` answers every item so that the keyed value is `ka` on
each assertiveness item and `kr` on each responsiveness item (1-5 scale), which
makes the axis scores exactly (ka - 1) * 25 and (kr - 1) * 25. The tests compute
their expected statistics by hand from those numbers.
"""

from __future__ import annotations

import json
import json as _json
import re
import re as _re
import sqlite3
from html.parser import HTMLParser

from werkzeug.security import generate_password_hash

from assessment import create_app, storage
from assessment.scoring import score

SLUG = "communication-style"
RESPONSES_URL = f"/api/v1/questionnaires/{SLUG}/responses"

# Three members whose latest results the tests compute statistics for by hand.
#   (name, keyed assertiveness, keyed responsiveness)
#   -> assertiveness, responsiveness, driver, expressive, amiable, analytical, style
KNOWN = [
    ("甲 Amiable", 2, 5),    # 25, 100, 12.5, 62.5, 87.5, 37.5 -> amiable
    ("乙 Expressive", 3, 4),  # 50,  75, 37.5, 62.5, 62.5, 37.5 -> expressive
    ("丙 Driver", 4, 2),      # 75,  25, 75.0, 50.0, 25.0, 50.0 -> driver
]
# Hand-computed over those three: mean, sample SD (n - 1), CV = SD / mean.
KNOWN_SCALES = {
    "assertiveness": (50.0, 25.0, 0.5),
    "responsiveness": (66.667, 38.188, 0.573),
    "driver": (41.667, 31.458, 0.755),
    "expressive": (58.333, 7.217, 0.124),
    "amiable": (58.333, 31.458, 0.539),
    "analytical": (41.667, 7.217, 0.173),
}
KNOWN_STYLE_COUNTS = {"driver": 1, "expressive": 1, "amiable": 1, "analytical": 0}


def axis_answers(q, ka: int, kr: int) -> dict[str, int]:
    answers = {}
    for item in q.items:
        k = ka if item.axis == "assertiveness" else kr
        answers[item.id] = k if item.keyed == "plus" else q.scale.min + q.scale.max - k
    return answers


SECRET_KEY = "test-secret-key-" + "x" * 32
PASSWORD = "correct-horse-1"
# A cheap hash keeps the many sign-ins of the tests fast; check_password_hash reads the method.
FAST_HASH = "pbkdf2:sha256:1000"


def make_app(db_path, **config):
    """An app on its own database file, as the `app` fixture and tests needing a second app build it."""
    return create_app({"TESTING": True, "SECRET_KEY": SECRET_KEY, "DATABASE": str(db_path), **config})


def connect(app):
    return storage.connect(app.config["DATABASE"])


def db_call(app, fn, *args, **kwargs):
    """fn(db, ...) on a connection of its own, closed after: a storage call from a test."""
    db = connect(app)
    try:
        return fn(db, *args, **kwargs)
    finally:
        db.close()


def page_text(response) -> str:
    return response.get_data(as_text=True)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def make_trainer(app, username: str, password: str = PASSWORD) -> int:
    db = connect(app)
    try:
        return storage.create_trainer(db, username, generate_password_hash(password, method=FAST_HASH))
    finally:
        db.close()


def make_team(app, trainer_id: int, name: str) -> dict:
    db = connect(app)
    try:
        return storage.create_team(db, trainer_id, name)
    finally:
        db.close()


def make_api_token(app, trainer_id: int, label: str = "") -> tuple[int, str]:
    """(token id, the token in plain text): only its hash is stored."""
    db = connect(app)
    try:
        return storage.create_api_token(db, trainer_id, label)
    finally:
        db.close()


def add_result(app, q, team_id: int, name: str, ka: int, kr: int, *, employee_id=None,
               created_at=None, duration=None, lang="zh") -> dict:
    """Store one scored response for a team member straight through storage. The same name
    (or employee id) again is a retake of that member, as if proven by their result link."""
    answers = axis_answers(q, ka, kr)
    db = connect(app)
    try:
        member = storage.Membership(team_id, name, employee_id)
        known = db.execute("SELECT id FROM agents WHERE team_id = ? AND identity = ? ORDER BY id LIMIT 1",
                           [team_id, member.identity]).fetchone()
        return storage.save_response(
            db, questionnaire=q.slug, version=q.version, lang=lang, answers=answers,
            profile=score(q, answers, duration_seconds=duration), duration_seconds=duration,
            member=storage.Membership(team_id, name, employee_id, agent_id=known[0] if known else None),
            created_at=created_at,
        )
    finally:
        db.close()


def add_known_members(app, q, team_id: int) -> None:
    for name, ka, kr in KNOWN:
        add_result(app, q, team_id, name, ka, kr)


def login(client, username: str, password: str = PASSWORD):
    html = client.get("/trainer/login").get_data(as_text=True)
    return client.post(
        "/trainer/login",
        data={"csrf_token": csrf_token(html), "username": username, "password": password},
    )


def signed_in_client(app, username: str = "trainer-a", password: str = PASSWORD, lang: str | None = "en"):
    """A new client of `app`, signed in as `username`; pages in `lang` (None: the default language)."""
    client = app.test_client()
    if lang:
        client.get(f"/?lang={lang}")
    assert login(client, username, password).status_code == 302
    return client


def api_submit(client, q, answers, **fields):
    return client.post(RESPONSES_URL, json={"answers": answers, **fields})


def rows(app, sql: str, params=()) -> list[dict]:
    conn = sqlite3.connect(app.config["DATABASE"])
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def count(app, table: str) -> int:
    return rows(app, f"SELECT COUNT(*) AS n FROM {table}")[0]["n"]


def join_and_take(client, q, code: str, name: str, employee_id: str = "", answers=None, headers=None):
    """An agent opens the invite link, gives a name, answers every page. Returns the last response."""
    headers = headers or {}
    html = client.get(f"/join/{code}", headers=headers).get_data(as_text=True)
    joined = client.post(f"/join/{code}", headers=headers,
                         data={"csrf_token": csrf_token(html), "name": name, "employee_id": employee_id})
    assert joined.status_code == 302, joined.get_data(as_text=True)[:500]
    answers = answers or axis_answers(q, 4, 2)
    response = None
    for number, items in enumerate(q.pages, start=1):
        url = f"/q/{q.slug}/{number}"
        page = client.get(url, headers=headers).get_data(as_text=True)
        data = {item.id: str(answers[item.id]) for item in items}
        data["csrf_token"] = csrf_token(page)
        response = client.post(url, data=data, headers=headers)
        assert response.status_code == 302, (number, response.status_code)
    assert "/r/" in response.headers["Location"]
    return response


# --- reading pages --------------------------------------------------------------


class _Tables(HTMLParser):
    """Every <table>: its class and its rows as lists of cell texts (th and td)."""

    def __init__(self):
        super().__init__()
        self.tables: list[tuple[str, list[list[str]], list[list[str]]]] = []
        self._stack: list = []
        self._cell: list[str] | None = None
        self._section = "body"

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._stack.append((attrs.get("class", ""), [], []))
        elif not self._stack:
            return
        elif tag == "thead":
            self._section = "head"
        elif tag == "tbody":
            self._section = "body"
        elif tag == "tr":
            self._stack[-1][1 if self._section == "head" else 2].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if not self._stack:
            return
        if tag in ("td", "th") and self._cell is not None:
            rows = self._stack[-1][1 if self._section == "head" else 2]
            rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "thead":
            self._section = "body"
        elif tag == "table":
            self.tables.append(self._stack.pop())

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table(html: str, css_class: str) -> tuple[list[str], list[list[str]]]:
    """(header cells, body rows) of the first table whose class list has css_class."""
    parser = _Tables()
    parser.feed(html)
    for classes, head, body in parser.tables:
        if css_class in classes.split():
            return (head[0] if head else []), body
    raise AssertionError(f"no table with class {css_class!r}")


def tables_with_header(html: str, first_header: str) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return [body for _c, head, body in parser.tables if head and head[0] and head[0][0] == first_header]


def figure(html: str, name: str) -> dict:
    match = _re.search(rf'<script type="application/json" id="fig-{name}">(.*?)</script>', html, _re.S)
    assert match, f"no figure {name}"
    return _json.loads(match.group(1))


def coverage_cards(html: str) -> dict[str, str]:
    """Style -> the HTML of its coverage card."""
    return dict(_re.findall(r'<article class="customer-card style-(\w+)">(.*?)</article>', html, _re.S))


# ---------------------------------------------------------------------------
# A tiny TOML writer, enough for questionnaire files: tables, arrays of tables
# at the top level, inline tables inside lists.
# ---------------------------------------------------------------------------

def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(type(v))


def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k, ensure_ascii=False)


def _table(path: list[str], data: dict, out: list[str]) -> None:
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict) and not _is_table_array(v)}
    if path and (scalars or not data):
        out.append(f"\n[{'.'.join(_key(p) for p in path)}]")
    for k, v in scalars.items():
        out.append(f"{_key(k)} = {_value(v)}")
    for k, v in data.items():
        if isinstance(v, dict):
            _table(path + [k], v, out)
        elif _is_table_array(v):
            for entry in v:
                out.append(f"\n[[{'.'.join(_key(p) for p in path + [k])}]]")
                for ek, ev in entry.items():
                    out.append(f"{_key(ek)} = {_value(ev)}")


def _is_table_array(v) -> bool:
    # Only [[items]] is written as an array of tables; other lists stay inline.
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v) and getattr(v, "as_tables", False)


class TableArray(list):
    as_tables = True


def dump_toml(data: dict) -> str:
    data = dict(data)
    if isinstance(data.get("items"), list):  # a hostile mutant may have made it anything else
        data["items"] = TableArray(data["items"])
    out: list[str] = []
    _table([], data, out)
    return "\n".join(out) + "\n"
