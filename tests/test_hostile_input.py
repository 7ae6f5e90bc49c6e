"""Hostile input: hypothesis over scoring, the questionnaire loader and the name forms;
hostile JSON bodies for the API; hostile questionnaire files.

Always a clear 4xx (or a clear start-up error naming the file), never a 500, nothing stored.
"""

from __future__ import annotations

import copy
import gzip
import json
import os
import re
import sqlite3
import time
import tomllib
import unicodedata
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from assessment.questionnaire import Questionnaire, QuestionnaireError, load_all, load_questionnaire
from assessment.scoring import AnswerError, check_answers, score
from conftest import SHIPPED
from helpers import (
    RESPONSES_URL,
    SLUG,
    count,
    csrf_token,
    dump_toml,
    make_api_token,
    make_app,
    make_team,
    make_trainer,
    signed_in_client,
)

SHIPPED_BYTES = SHIPPED.read_bytes()
SHIPPED_DATA = tomllib.loads(SHIPPED_BYTES.decode("utf-8"))

FIXTURE_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]


# ---------------------------------------------------------------------------
# Scoring over arbitrary dicts
# ---------------------------------------------------------------------------

ANY_VALUE = st.one_of(st.integers(), st.floats(), st.text(max_size=5), st.booleans(), st.none())


def expected_bad_keys(q, answers: dict) -> set[str]:
    """Written independently of scoring.check_answers: what a correct checker must name."""
    ids = {item.id for item in q.items}
    bad = {i for i in ids if i not in answers}
    for key, value in answers.items():
        if key not in ids:
            bad.add(key)
        elif type(value) is not int or not q.scale.min <= value <= q.scale.max:
            bad.add(key)
    return bad


def _answers_strategy(q):
    ids = [item.id for item in q.items]
    arbitrary = st.dictionaries(st.one_of(st.text(max_size=12), st.sampled_from(ids)), ANY_VALUE, max_size=40)
    # Mostly-valid answers with a few spoiled entries reach the value checks on every item.
    valid = st.fixed_dictionaries({i: st.integers(q.scale.min, q.scale.max) for i in ids})
    spoiled = st.tuples(valid, st.dictionaries(st.sampled_from(ids + ["zz", "", "A01", " a01"]), ANY_VALUE, max_size=4),
                        st.lists(st.sampled_from(ids), max_size=3)).map(
        lambda t: {k: v for k, v in {**t[0], **t[1]}.items() if k not in t[2]})
    return st.one_of(arbitrary, spoiled, valid)


@settings(max_examples=150, suppress_health_check=FIXTURE_OK)
@given(data=st.data())
def test_scoring_arbitrary_answers_raises_only_answer_error_naming_every_bad_key(questionnaire, data):
    q = questionnaire
    answers = data.draw(_answers_strategy(q))
    duration = data.draw(st.one_of(st.none(), st.floats(0, 1e6)))
    bad = expected_bad_keys(q, answers)
    assert set(check_answers(q, answers)) == bad
    try:
        profile = score(q, answers, duration_seconds=duration)
    except AnswerError as exc:
        assert bad, "AnswerError for valid answers"
        assert set(exc.details) == bad
        assert all(isinstance(v, str) and v for v in exc.details.values())
    else:
        assert not bad, f"scored answers with problems: {sorted(bad)}"
        assert 0 <= profile.axes["assertiveness"] <= 100 and 0 <= profile.axes["responsiveness"] <= 100


# ---------------------------------------------------------------------------
# The questionnaire loader over random mutations of the shipped file
# ---------------------------------------------------------------------------



def test_the_toml_writer_round_trips_the_shipped_file():
    assert tomllib.loads(dump_toml(SHIPPED_DATA)) == SHIPPED_DATA


def _locations(node, path=()):
    """Every (path) to a value inside the document: dict keys and list positions."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield path + (k,)
            yield from _locations(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield path + (i,)
            yield from _locations(v, path + (i,))


LOCATIONS = list(_locations(SHIPPED_DATA))
REPLACEMENTS = [0, -1, 7, 2**40, 1.5, True, False, "", " ", "x", "communication-style", "plus", "driver",
                [], [1, "a"], ["x"], [{}], {}, {"en": 1}, {"en": "e", "zh": ""}, {"skill": ["listening"]}]


def _mutate(data: dict, path: tuple, kind: str, replacement) -> dict:
    data = copy.deepcopy(data)
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if kind == "drop":
        del parent[last]
    else:
        parent[last] = replacement
    return data


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("questionnaires")


def assert_clean_questionnaire_error(exc: QuestionnaireError, filename: str) -> None:
    lines = str(exc).splitlines()
    assert lines, "an empty error"
    for line in lines:
        assert line.startswith(f"{filename}: "), f"a problem line that does not name the file: {line[:200]!r}"
        assert len(line) > len(filename) + 2


@settings(max_examples=120, suppress_health_check=FIXTURE_OK)
@given(
    path=st.sampled_from(LOCATIONS),
    kind=st.sampled_from(["drop", "retype"]),
    replacement=st.sampled_from(REPLACEMENTS),
    second=st.one_of(st.none(), st.tuples(st.sampled_from(LOCATIONS), st.sampled_from(REPLACEMENTS))),
)
@example(path=("styles", "driver", "practices", 0, "skill"), kind="retype", replacement=[], second=None)
@example(path=("items", 3, "mirror"), kind="drop", replacement=None, second=None)
@example(path=("scale",), kind="drop", replacement=None, second=None)
def test_mutated_questionnaire_is_loaded_or_refused_with_a_clean_error(scratch, path, kind, replacement, second):
    original = SHIPPED_DATA
    node = original
    for step in path:
        node = node[step]
    if kind == "retype":
        assume(type(replacement) is not type(node))
    mutated = _mutate(original, path, kind, replacement)
    if second is not None:
        try:
            mutated = _mutate(mutated, second[0], "retype", second[1])
        except (KeyError, IndexError, TypeError):
            pass  # the first mutation removed or replaced that place
    target = scratch / "mutant.toml"
    target.write_text(dump_toml(mutated), encoding="utf-8")
    try:
        q = load_questionnaire(target)
    except QuestionnaireError as exc:
        assert_clean_questionnaire_error(exc, "mutant.toml")
    except Exception as exc:  # noqa: BLE001 - the point of the test
        pytest.fail(f"{type(exc).__name__} instead of QuestionnaireError after {kind} at {path}: {exc}")
    else:
        assert isinstance(q, Questionnaire)
        # Whatever loaded must be usable: 32 items scoring cleanly.
        score(q, {item.id: q.scale.min for item in q.items})


@pytest.mark.parametrize("path, replacement", [
    (("styles", "driver", "practices", 0, "skill"), []),
    (("styles", "driver", "practices", 0, "skill"), {}),
    (("styles", "driver", "practices", 0), "listening"),
    (("items", 0, "axis"), []),
    (("items", 0, "keyed"), {}),
    (("items", 0, "mirror"), []),
    (("scale", "labels"), []),
    (("scale", "min"), "1"),
    (("tips", "driver"), []),
    (("skills",), []),
    (("items",), {}),
    (("slug",), ["communication-style"]),
])
def test_specific_wrong_types_are_clean_errors(scratch, path, replacement):
    target = scratch / "typed.toml"
    target.write_text(dump_toml(_mutate(SHIPPED_DATA, path, "retype", replacement)), encoding="utf-8")
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(target)
    assert_clean_questionnaire_error(info.value, "typed.toml")


# ---------------------------------------------------------------------------
# Hostile questionnaire files
# ---------------------------------------------------------------------------

def _many_item_tables(d: Path) -> Path:
    p = d / "huge.toml"
    p.write_bytes(b"[[items]]\n" * 100_000)  # 1 MB: 100,000 empty items, each a problem
    return p


def _five_mb_junk(d: Path) -> Path:
    p = d / "junk.toml"
    p.write_bytes(b"x" * 5_000_000)
    return p


def _five_mb_slug(d: Path) -> Path:
    p = d / "bigslug.toml"
    p.write_bytes(SHIPPED_BYTES.replace(b'slug = "communication-style"', b'slug = "' + b"A" * 5_000_000 + b'"'))
    return p


def _nul_byte(d: Path) -> Path:
    p = d / "nul.toml"
    p.write_bytes(SHIPPED_BYTES.replace(b'slug = "communication-style"', b'slug = "communi\x00cation-style"'))
    return p


def _raw_nul_line(d: Path) -> Path:
    p = d / "nulline.toml"
    p.write_bytes(b"\x00\n" + SHIPPED_BYTES)
    return p


def _invalid_utf8(d: Path) -> Path:
    p = d / "latin1.toml"
    p.write_bytes(SHIPPED_BYTES.replace("沟通风格测评".encode(), "Café".encode("latin-1")))
    return p


def _deep_tables(d: Path) -> Path:
    p = d / "deeptables.toml"
    p.write_bytes(b"[" + b".".join([b"a"] * 20_000) + b"]\nx = 1\n")
    return p


def _deep_arrays(d: Path) -> Path:
    p = d / "deeparrays.toml"
    p.write_bytes(SHIPPED_BYTES + b"\nnested = " + b"[" * 20_000 + b"]" * 20_000 + b"\n")
    return p


def _deep_inline_tables(d: Path) -> Path:
    p = d / "deepinline.toml"
    p.write_bytes(SHIPPED_BYTES + b"\nnested = " + b"{a = " * 5_000 + b"1" + b"}" * 5_000 + b"\n")
    return p


def _symlink_to_passwd(d: Path) -> Path:
    p = d / "passwd.toml"
    os.symlink("/etc/passwd", p)
    return p


def _dangling_symlink(d: Path) -> Path:
    p = d / "dangling.toml"
    os.symlink(d / "does-not-exist", p)
    return p


def _directory(d: Path) -> Path:
    p = d / "folder.toml"
    p.mkdir()
    return p


def _empty(d: Path) -> Path:
    p = d / "empty.toml"
    p.write_bytes(b"")
    return p


def _unreadable(d: Path) -> Path:
    p = d / "secret.toml"
    p.write_bytes(SHIPPED_BYTES)
    p.chmod(0)
    return p


HOSTILE_FILES = {
    "100,000 empty item tables": _many_item_tables,
    "5 MB of junk": _five_mb_junk,
    "5 MB slug": _five_mb_slug,
    "NUL byte in a string": _nul_byte,
    "NUL byte on its own line": _raw_nul_line,
    "invalid UTF-8": _invalid_utf8,
    "20,000 nested table headers": _deep_tables,
    "20,000 nested arrays": _deep_arrays,
    "5,000 nested inline tables": _deep_inline_tables,
    "symlink to /etc/passwd": _symlink_to_passwd,
    "dangling symlink": _dangling_symlink,
    "a directory called *.toml": _directory,
    "empty file": _empty,
}
if os.geteuid() != 0:  # root reads a mode-000 file anyway
    HOSTILE_FILES["unreadable file"] = _unreadable


@pytest.mark.parametrize("name", list(HOSTILE_FILES))
def test_hostile_questionnaire_file_is_a_clean_error_naming_it(tmp_path, name):
    path = HOSTILE_FILES[name](tmp_path)
    started = time.perf_counter()
    with pytest.raises(QuestionnaireError) as info:
        load_all(tmp_path)
    elapsed = time.perf_counter() - started
    assert_clean_questionnaire_error(info.value, path.name)
    assert elapsed < 10, f"{elapsed:.1f} s to refuse one file"
    # A start-up error a person can read: it names the problem, it does not echo megabytes.
    assert len(str(info.value)) < 64 * 1024, f"a {len(str(info.value)):,}-character start-up error"
    assert "root:" not in str(info.value)


@pytest.mark.parametrize("name", ["NUL byte in a string", "symlink to /etc/passwd", "20,000 nested arrays"])
def test_hostile_file_next_to_a_good_one_stops_start_up_naming_it(tmp_path, name):
    directory = tmp_path / "questionnaires"
    directory.mkdir()
    (directory / "communication-style.toml").write_bytes(SHIPPED_BYTES)
    path = HOSTILE_FILES[name](directory)
    with pytest.raises(QuestionnaireError) as info:
        make_app(tmp_path / "db.sqlite3", QUESTIONNAIRES=str(directory))
    assert_clean_questionnaire_error(info.value, path.name)


def test_a_large_but_valid_file_loads_quickly(tmp_path):
    """5 MB of comments around a valid questionnaire is not an attack, just a big file."""
    path = tmp_path / "padded.toml"
    path.write_bytes(SHIPPED_BYTES + (b"# " + b"p" * 98 + b"\n") * 50_000)
    started = time.perf_counter()
    assert load_all(tmp_path)[SLUG].items
    assert time.perf_counter() - started < 5


# ---------------------------------------------------------------------------
# Forms and API with hypothesis names
# ---------------------------------------------------------------------------

def _normalised(text: str) -> str:
    """Runs of whitespace as one space, in Unicode NFC (one name typed two ways is one name)."""
    return unicodedata.normalize("NFC", " ".join(text.split()))


def _acceptable(text: str, limit: int) -> bool:
    """Independent statement of the naming rule: 1..limit characters once whitespace is
    collapsed, and no control, format (RTL override, zero-width), private-use or surrogate characters."""
    name = _normalised(text)
    return 1 <= len(name) <= limit and not any(
        unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") for ch in name)


SPECIALS = ["\u202e", "\u202d", "\u200f", "\u200b", "\u200d", "\u2060", "\ufeff", "\u00ad", "😀", "👩‍👩‍👧",
            "\x00", "\x07", "\t", "\n", "\r\n", " ", "\u3000", "\u00a0", "\u2028", "e\u0301", "\U0010fffd",
            "\ue000", "\uffff", "𝕏", "ﷺ", "<", "&", "'", '"', "%", "+", "=", "张伟", "عربى"]
NAMES = st.one_of(
    st.text(max_size=90),
    st.lists(st.one_of(st.text(max_size=4), st.sampled_from(SPECIALS)), max_size=30).map("".join),
    st.builds(lambda ch, n: ch * n, st.sampled_from(["a", "é", "张", "😀", " ", "\u200b"]), st.integers(70, 10_000)),
)


def _app_with_team(database, team_name: str):
    """An app whose errors come back as responses, with trainer-a, one team and a token."""
    app = make_app(database, PROPAGATE_EXCEPTIONS=False)
    trainer_id = make_trainer(app, "trainer-a")
    team = make_team(app, trainer_id, team_name)
    _tid, token = make_api_token(app, trainer_id)
    return app, team, token


@pytest.fixture(scope="module")
def form_app(tmp_path_factory):
    app, team, token = _app_with_team(tmp_path_factory.mktemp("forms") / "forms.sqlite3", "Hypothesis team")
    trainer = signed_in_client(app, "trainer-a", lang=None)
    agent = app.test_client()
    agent_token = csrf_token(agent.get(f"/join/{team['invite_code']}").get_data(as_text=True))
    trainer_token = csrf_token(trainer.get("/trainer/").get_data(as_text=True))
    return {"app": app, "team": team, "trainer": trainer, "agent": agent, "api_token": token,
            "agent_csrf": agent_token, "trainer_csrf": trainer_token}


def _form_too_big(app, data: dict) -> bool:
    return len(urlencode(data).encode()) > app.config["MAX_CONTENT_LENGTH"]


def _names_the_field(html: str, field: str) -> bool:
    return f'id="{field}-error"' in html and 'aria-invalid="true"' in html


@settings(max_examples=80, suppress_health_check=FIXTURE_OK)
@given(name=NAMES, employee_id=st.one_of(st.just(""), NAMES))
@example(name="Ana\u202egnp.exe", employee_id="")
@example(name="\u200b", employee_id="")
@example(name="Ana\u200bLee", employee_id="E\u200d1")
@example(name="😀" * 10_000, employee_id="")
@example(name="n" * 10_000, employee_id="")
@example(name="  Ana \t  Lee  ", employee_id=" 42 ")
@example(name="👩‍👩‍👧 张伟", employee_id="")
def test_join_form_accepts_exactly_the_valid_names_and_never_500s(form_app, name, employee_id):
    app, client = form_app["app"], form_app["agent"]
    code = form_app["team"]["invite_code"]
    data = {"csrf_token": form_app["agent_csrf"], "name": name, "employee_id": employee_id}
    response = client.post(f"/join/{code}", data=data)
    if _form_too_big(app, data):
        assert response.status_code == 413
        return
    html = response.get_data(as_text=True)
    name_ok = _acceptable(name, 80)
    id_ok = _normalised(employee_id) == "" or _acceptable(employee_id, 40)
    if name_ok and id_ok:
        assert response.status_code == 302, html[:400]
        with client.session_transaction() as s:
            member = s.pop("member")
        assert member["name"] == _normalised(name)
        assert member["employee_id"] == (_normalised(employee_id) or None)
    else:
        assert response.status_code == 400, (response.status_code, name[:40], employee_id[:40])
        if not name_ok:
            assert _names_the_field(html, "name")
        if not id_ok:
            assert _names_the_field(html, "employee_id")
        with client.session_transaction() as s:
            assert "member" not in s


@settings(max_examples=80, suppress_health_check=FIXTURE_OK)
@given(name=NAMES)
@example(name="Team\u202e")
@example(name="t" * 10_000)
@example(name="早班 🌅")
def test_team_form_accepts_exactly_the_valid_names_and_never_500s(form_app, name):
    app, client = form_app["app"], form_app["trainer"]
    before = count(app, "teams")
    data = {"csrf_token": form_app["trainer_csrf"], "name": name}
    response = client.post("/trainer/teams", data=data)
    if _form_too_big(app, data):
        assert response.status_code == 413
        assert count(app, "teams") == before
        return
    if _acceptable(name, 80):
        assert response.status_code == 302, response.get_data(as_text=True)[:400]
        conn = sqlite3.connect(app.config["DATABASE"])
        try:
            stored = conn.execute("SELECT name FROM teams ORDER BY id DESC LIMIT 1").fetchone()[0]
        finally:
            conn.close()
        assert stored == _normalised(name)
        client.get(response.headers["Location"])  # read the flash message so it does not pile up
    else:
        assert response.status_code == 400
        assert _names_the_field(response.get_data(as_text=True), "name")
        assert count(app, "teams") == before


@settings(max_examples=60, suppress_health_check=FIXTURE_OK)
@given(name=NAMES)
def test_api_team_and_member_names_follow_the_same_rule(form_app, questionnaire, name):
    app = form_app["app"]
    client = app.test_client()
    auth = {"Authorization": f"Bearer {form_app['api_token']}"}
    before = {t: count(app, t) for t in ("teams", "agents", "responses")}
    body = json.dumps({"name": name}, ensure_ascii=False).encode()
    response = client.post("/api/v1/teams", data=body, content_type="application/json", headers=auth)
    too_big = len(body) > app.config["MAX_CONTENT_LENGTH"]
    assert response.status_code != 500
    assert response.mimetype == "application/json"
    if too_big:
        assert response.status_code == 413
    elif _acceptable(name, 80):
        assert response.status_code == 201
        assert response.get_json()["name"] == _normalised(name)
    else:
        assert response.status_code == 400
        assert "name" in response.get_json()["details"]
        assert count(app, "teams") == before["teams"]

    answers = {item.id: 3 for item in questionnaire.items}
    body = json.dumps({"answers": answers, "invite_code": form_app["team"]["invite_code"], "name": name},
                      ensure_ascii=False).encode()
    response = client.post(RESPONSES_URL, data=body, content_type="application/json")
    assert response.status_code != 500
    if len(body) > app.config["MAX_CONTENT_LENGTH"]:
        assert response.status_code == 413
    elif _acceptable(name, 80):
        assert response.status_code == 201
    else:
        assert response.status_code == 400
        assert "name" in response.get_json()["details"]
        assert count(app, "responses") == before["responses"]
        assert count(app, "agents") == before["agents"]


# ---------------------------------------------------------------------------
# Hostile API bodies
# ---------------------------------------------------------------------------

@pytest.fixture
def api_app(tmp_path):
    app, team, token = _app_with_team(tmp_path / "api.sqlite3", "Team")
    app.config["_team"], app.config["_token"] = team, token
    return app


def _valid(q) -> dict:
    return {item.id: 3 for item in q.items}


def _body(q, **changes) -> str:
    body = {"answers": _valid(q)}
    body.update(changes)
    return json.dumps(body)


def _answers_raw(q, fragment: str) -> str:
    """The valid body with a raw JSON fragment spliced into the answers object."""
    return _body(q).replace('"answers": {', '"answers": {' + fragment + ", ", 1)


def _stored(app) -> dict:
    return {t: count(app, t) for t in ("responses", "agents", "teams")}


# (body builder, extra headers, expected status)
HOSTILE_BODIES = {
    "deeply nested arrays": (lambda q: "[" * 30_000 + "]" * 30_000, {}, 400),
    "deeply nested objects": (lambda q: '{"a":' * 10_000 + "1" + "}" * 10_000, {}, 400),
    "deep nesting inside answers": (lambda q: _answers_raw(q, '"deep": ' + "[" * 20_000 + "]" * 20_000), {}, 400),
    "deep nesting as an answer": (lambda q: _body(q).replace('"a01": 3', '"a01": ' + "[" * 20_000 + "]" * 20_000), {}, 400),
    "10k-character item id": (lambda q: _answers_raw(q, json.dumps("x" * 10_000) + ": 3"), {}, 400),
    "10k-character answer": (lambda q: _body(q).replace('"a01": 3', '"a01": ' + json.dumps("3" * 10_000)), {}, 400),
    "duplicate top-level keys": (lambda q: _body(q)[:-1] + ', "answers": {}}', {}, 400),
    "duplicate item ids": (lambda q: _answers_raw(q, '"a01": 5'), {}, 400),
    "duplicate keys, different case": (lambda q: _answers_raw(q, '"A01": 5'), {}, 400),
    "1e309 as an answer": (lambda q: _body(q).replace('"a01": 3', '"a01": 1e309'), {}, 400),
    "-1e309 as duration": (lambda q: _body(q)[:-1] + ', "duration_seconds": -1e309}', {}, 400),
    "1e309 as duration": (lambda q: _body(q)[:-1] + ', "duration_seconds": 1e309}', {}, 400),
    "4000-digit answer": (lambda q: _body(q).replace('"a01": 3', '"a01": ' + "9" * 4000), {}, 400),
    "5000-digit answer": (lambda q: _body(q).replace('"a01": 3', '"a01": ' + "9" * 5000), {}, 400),
    "-0 as an answer": (lambda q: _body(q).replace('"a01": 3', '"a01": -0'), {}, 400),
    "-0.0 as an answer": (lambda q: _body(q).replace('"a01": 3', '"a01": -0.0'), {}, 400),
    "3.0 as an answer": (lambda q: _body(q).replace('"a01": 3', '"a01": 3.0'), {}, 400),
    "3e0 as an answer": (lambda q: _body(q).replace('"a01": 3', '"a01": 3e0'), {}, 400),
    "true as an answer": (lambda q: _body(q).replace('"a01": 3', '"a01": true'), {}, 400),
    '"3" as an answer': (lambda q: _body(q).replace('"a01": 3', '"a01": "3"'), {}, 400),
    '"NaN" as an answer': (lambda q: _body(q).replace('"a01": 3', '"a01": "NaN"'), {}, 400),
    "NaN literal": (lambda q: _body(q).replace('"a01": 3', '"a01": NaN'), {}, 400),
    "Infinity literal": (lambda q: _body(q).replace('"a01": 3', '"a01": Infinity'), {}, 400),
    "-Infinity duration": (lambda q: _body(q)[:-1] + ', "duration_seconds": -Infinity}', {}, 400),
    "NaN duration": (lambda q: _body(q)[:-1] + ', "duration_seconds": NaN}', {}, 400),
    "lone surrogate item id": (lambda q: _answers_raw(q, '"\\ud800": 3'), {}, 400),
    "lone low surrogate item id": (lambda q: _answers_raw(q, '"\\udfff": 3'), {}, 400),
    "reversed surrogate pair id": (lambda q: _answers_raw(q, '"\\udc00\\ud800": 3'), {}, 400),
    "lone surrogate unknown field": (lambda q: _body(q)[:-1] + ', "\\ud800": 1}', {}, 400),
    "lone surrogate name": (lambda q: _body(q, invite_code="AAAAAA")[:-1] + ', "name": "\\ud800"}', {}, 400),
    "lone surrogate employee id": (lambda q: _body(q, name="Ana")[:-1] + ', "employee_id": "x\\ud800"}', {}, 400),
    "lone surrogate invite code": (lambda q: _body(q, name="Ana")[:-1] + ', "invite_code": "\\ud800"}', {}, 400),
    "lone surrogate lang": (lambda q: _body(q)[:-1] + ', "lang": "\\ud800"}', {}, 400),
    "lone surrogate duplicate keys": (lambda q: _body(q)[:-1] + ', "\\ud800": 1, "\\ud800": 2}', {}, 400),
    "invalid UTF-8": (lambda q: _answers_raw(q, '"\xff": 3').encode("latin-1", "replace"), {}, 400),
    "BOM before junk": (lambda q: b"\xef\xbb\xbf" + b"{nope", {}, 400),
    "gzip bomb": (lambda q: gzip.compress(b" " * 20_000_000), {"Content-Encoding": "gzip"}, None),
    "gzip of a valid body": (lambda q: gzip.compress(_body(q).encode()), {"Content-Encoding": "gzip"}, None),
    "empty body": (lambda q: b"", {}, 400),
    "whitespace body": (lambda q: b" \n\t ", {}, 400),
    "null": (lambda q: "null", {}, 400),
    "array": (lambda q: "[]", {}, 400),
    "string": (lambda q: '"answers"', {}, 400),
    "number": (lambda q: "1", {}, 400),
    "answers as a list": (lambda q: json.dumps({"answers": list(_valid(q).items())}), {}, 400),
    "answers as null": (lambda q: '{"answers": null}', {}, 400),
    "client sends a score": (lambda q: _body(q, style="driver", scores={"driver": 100}), {}, 400),
    "name as a number": (lambda q: _body(q, invite_code="AAAAAA", name=7), {}, 400),
    "name as an object": (lambda q: _body(q, invite_code="AAAAAA", name={"$ne": ""}), {}, 400),
    "invite code as a list": (lambda q: _body(q, invite_code=["A"], name="Ana"), {}, 400),
    "employee id too long": (lambda q: _body(q, name="Ana", employee_id="9" * 41), {}, 400),
    "lang as a list": (lambda q: _body(q, lang=["zh"]), {}, 400),
    "lang null": (lambda q: _body(q, lang=None), {}, 400),
    "negative duration": (lambda q: _body(q, duration_seconds=-1), {}, 400),
    "boolean duration": (lambda q: _body(q, duration_seconds=True), {}, 400),
    "string duration": (lambda q: _body(q, duration_seconds="60"), {}, 400),
    "over 64 KiB": (lambda q: _body(q, name="x" * 70_000), {}, 413),
    "trailing garbage": (lambda q: _body(q) + "x", {}, 400),
    "two documents": (lambda q: _body(q) + _body(q), {}, 400),
}


@pytest.mark.parametrize("name", list(HOSTILE_BODIES))
def test_hostile_api_body_is_a_clear_4xx_and_stores_nothing(api_app, questionnaire, name):
    build, headers, expected = HOSTILE_BODIES[name]
    raw = build(questionnaire)
    raw = raw.replace("AAAAAA", api_app.config["_team"]["invite_code"]) if isinstance(raw, str) else raw
    before = _stored(api_app)
    response = api_app.test_client().post(RESPONSES_URL, data=raw, content_type="application/json", headers=headers)
    assert response.status_code != 500, f"{name}: 500"
    if expected is None:
        assert 400 <= response.status_code < 500, (name, response.status_code)
    else:
        assert response.status_code == expected, (name, response.status_code, response.get_data(as_text=True)[:200])
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error", "details"} and body["error"]
    assert _stored(api_app) == before


def test_a_bom_before_a_valid_body_is_refused_as_malformed_json_naming_the_bom(api_app, questionnaire):
    # RFC 8259 section 8.1: a JSON text must not begin with a byte order mark.
    before = _stored(api_app)
    response = api_app.test_client().post(RESPONSES_URL, data=b"\xef\xbb\xbf" + _body(questionnaire).encode(),
                                          content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error", "details"} and body["error"] == "Malformed JSON"
    assert re.search(r"\bBOM\b|byte order mark", str(body["details"]), re.IGNORECASE), body["details"]
    assert _stored(api_app) == before


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_a_body_in_another_encoding_than_utf8_is_refused(api_app, questionnaire, encoding):
    before = _stored(api_app)
    response = api_app.test_client().post(RESPONSES_URL, data=_body(questionnaire).encode(encoding),
                                          content_type="application/json")
    assert response.status_code == 400
    # With a byte order mark (utf-16, utf-32) the bytes are not UTF-8; without one (utf-16-le)
    # they decode, to text full of NUL characters that is not JSON.
    assert response.get_json()["error"] == "Malformed JSON"
    if encoding != "utf-16-le":
        assert response.get_json()["details"] == "the body is not valid UTF-8"
    assert _stored(api_app) == before


@pytest.mark.parametrize("content_type", [
    None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
    "application/jsonx", "text/json", "application/json-patch+json",
])
def test_api_refuses_non_json_content_types(api_app, questionnaire, content_type):
    before = _stored(api_app)
    kwargs = {"content_type": content_type} if content_type else {}
    response = api_app.test_client().post(RESPONSES_URL, data=_body(questionnaire), **kwargs)
    assert response.status_code == 415
    assert response.get_json()["error"]
    assert _stored(api_app) == before


@pytest.mark.parametrize("name, body", [
    ("lone surrogate team name", '{"name": "\\ud800"}'),
    ("surrogate key", '{"\\ud800": "x"}'),
    ("duplicate name", '{"name": "a", "name": "b"}'),
    ("deep", '{"name": ' + "[" * 20_000 + "]" * 20_000 + "}"),
    ("NaN", '{"name": NaN}'),
    ("number", '{"name": 1e309}'),
    ("10k name", json.dumps({"name": "n" * 10_000})),
    ("RTL override", json.dumps({"name": "abc\u202egpj.exe"})),
    ("zero-width only", json.dumps({"name": "\u200b\u200b"})),
])
def test_hostile_team_bodies_are_4xx_and_store_nothing(api_app, name, body):
    before = _stored(api_app)
    response = api_app.test_client().post("/api/v1/teams", data=body, content_type="application/json",
                                          headers={"Authorization": f"Bearer {api_app.config['_token']}"})
    assert response.status_code != 500, name
    assert 400 <= response.status_code < 500, (name, response.status_code)
    assert response.get_json()["error"]
    assert _stored(api_app) == before


@pytest.mark.parametrize("path, status", [
    # Not an id the routes accept (too large, negative, not an integer): no such URL.
    ("/api/v1/teams/99999999999999999999999999/summary", 404),
    ("/api/v1/teams/-1/summary", 404),
    ("/api/v1/teams/1e3/summary", 404),
    ("/api/v1/teams/%F0%9F%98%80/summary", 404),
    ("/api/v1/teams/%ED%A0%80/summary", 404),  # half a UTF-16 pair, as UTF-8: not even valid UTF-8
    ("/api/v1/teams/0/responses", 404),  # a well-formed id no team has
    ("/api/v1/questionnaires/%ED%A0%80", 404),
    ("/api/v1/questionnaires/" + "x" * 10_000, 404),
    ("/r/%ED%A0%80", 404),
    ("/join/%ED%A0%80", 404),
    ("/join?code=%ED%A0%80", 400),  # the typed code is refused on the form, by name
    ("/trainer/login?next=%ED%A0%80", 200),  # next only matters after signing in
    ("/?lang=%ED%A0%80", 200),  # an unknown language: the default one
])
def test_hostile_urls_get_an_exact_status_and_the_right_kind_of_body(api_app, path, status):
    """The API answers with its JSON error; the pages for people with an HTML page."""
    api = path.startswith("/api/")
    headers = {"Authorization": f"Bearer {api_app.config['_token']}"} if api else {}
    response = api_app.test_client().get(path, headers=headers)
    assert response.status_code == status, (path[:80], response.status_code)
    if api:
        assert response.mimetype == "application/json"
        assert set(response.get_json()) == {"error", "details"}
    else:
        assert response.mimetype == "text/html"
        assert response.get_data(as_text=True).lstrip().lower().startswith("<!doctype html>")
