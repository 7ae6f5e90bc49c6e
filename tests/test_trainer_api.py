"""The trainer API for integrations: teams, summaries, responses; tokens; agents joining by code."""

from __future__ import annotations

import re

import pytest

from assessment import schemas, storage
from assessment.collation import sort_key
from assessment.model import AXES, STYLES
from assessment.web.common import EXPORT_FIELDS
from helpers import (
    KNOWN,
    KNOWN_SCALES,
    KNOWN_STYLE_COUNTS,
    add_known_members,
    add_result,
    api_submit,
    axis_answers,
    connect,
    count,
    login,
    make_team,
    make_trainer,
    rows,
)
from documented import bearer, documented_client

EXPORT_KEYS = [
    "id", "created_at", "team", "name", "employee_id", "style", "secondary_style", "clarity",
    "assertiveness", "responsiveness", "driver", "expressive", "amiable", "analytical",
    "flags", "questionnaire", "questionnaire_version", "lang", "agent_id", "scoring_version", "valid", "confidence",
]


def _token(app, trainer_id: int, label: str = "") -> tuple[int, str]:
    db = connect(app)
    try:
        return storage.create_api_token(db, trainer_id, label)
    finally:
        db.close()


def _revoke(app, trainer_id: int, token_id: int | None = None) -> int:
    db = connect(app)
    try:
        return storage.revoke_api_tokens(db, trainer_id, token_id)
    finally:
        db.close()



@pytest.fixture
def client(app):
    """Every API response of these tests is checked against /api/v1/openapi.json (see test_api)."""
    return documented_client(app)


@pytest.fixture
def setup(app, questionnaire):
    """Trainer A (with a token) owning a team of the three KNOWN members, one with a retake;
    trainer B (with a token) owning a team of their own."""
    a = make_trainer(app, "trainer-a")
    b = make_trainer(app, "trainer-b")
    team = make_team(app, a, "Known team 已知")
    add_result(app, questionnaire, team["id"], KNOWN[0][0], 5, 1, created_at="2024-01-01T09:00:00+00:00")
    add_known_members(app, questionnaire, team["id"])
    empty = make_team(app, a, "Empty team")
    team_b = make_team(app, b, "B team")
    add_result(app, questionnaire, team_b["id"], "B member", 1, 1)
    token_id, token = _token(app, a, "tests")
    _b_id, token_b = _token(app, b)
    return {"a": a, "b": b, "team": team, "empty": empty, "team_b": team_b,
            "token": token, "token_id": token_id, "token_b": token_b}


# --- the endpoints ----------------------------------------------------------------------

def test_list_my_teams(client, setup):
    response = client.get("/api/v1/teams", headers=bearer(setup["token"]))
    assert response.status_code == 200
    assert response.get_json() == [
        {"id": setup["empty"]["id"], "name": "Empty team", "invite_code": setup["empty"]["invite_code"], "member_count": 0},
        {"id": setup["team"]["id"], "name": "Known team 已知", "invite_code": setup["team"]["invite_code"], "member_count": 3},
    ]
    other = client.get("/api/v1/teams", headers=bearer(setup["token_b"])).get_json()
    assert [t["name"] for t in other] == ["B team"]


def test_create_team(app, client, setup):
    response = client.post("/api/v1/teams", json={"name": "  API   team 接口 "}, headers=bearer(setup["token"]))
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"id", "name", "invite_code", "invite_url"}
    assert body["name"] == "API team 接口"
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{6}", body["invite_code"])
    assert body["invite_url"] == f"http://localhost/join/{body['invite_code']}"
    assert client.get(body["invite_url"]).status_code == 200
    mine = client.get("/api/v1/teams", headers=bearer(setup["token"])).get_json()
    assert {"id": body["id"], "name": "API team 接口", "invite_code": body["invite_code"], "member_count": 0} in mine
    assert rows(app, "SELECT trainer_id FROM teams WHERE id = ?", [body["id"]]) == [{"trainer_id": setup["a"]}]


@pytest.mark.parametrize("body, field", [
    ({}, "name"),
    ({"name": None}, "name"),
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 81}, "name"),
    ({"name": 42}, "name"),
    ({"name": ["team"]}, "name"),
    ({"name": "bad\u202eteam"}, "name"),
    ({"name": "zero\u200bwidth"}, "name"),
    ({"name": "Fine", "colour": "red"}, "colour"),
    ({"name": "Fine", "trainer_id": 2}, "trainer_id"),
])
def test_create_team_rejects_bad_input(app, client, setup, body, field):
    before = count(app, "teams")
    response = client.post("/api/v1/teams", json=body, headers=bearer(setup["token"]))
    assert response.status_code == 400
    error = response.get_json()
    assert set(error) == {"error", "details"}
    assert field in error["details"]
    assert count(app, "teams") == before


@pytest.mark.parametrize("data, content_type, status", [
    ('{"name": "x"', "application/json", 400),
    ('["x"]', "application/json", 400),
    ('{"name": "a", "name": "b"}', "application/json", 400),
    ("name=x", "application/x-www-form-urlencoded", 415),
])
def test_create_team_rejects_malformed_bodies(app, client, setup, data, content_type, status):
    before = count(app, "teams")
    response = client.post("/api/v1/teams", data=data, content_type=content_type, headers=bearer(setup["token"]))
    assert response.status_code == status
    assert "error" in response.get_json()
    assert count(app, "teams") == before


def test_summary_matches_hand_computation(client, setup):
    response = client.get(f"/api/v1/teams/{setup['team']['id']}/summary", headers=bearer(setup["token"]))
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == setup["team"]["id"] and body["name"] == "Known team 已知"
    assert body["members"] == 3
    assert body["responses"] == 4  # the retake is a response, not a member
    assert body["style_counts"] == KNOWN_STYLE_COUNTS
    assert list(body["style_counts"]) == list(STYLES)
    assert set(body["scales"]) == set(KNOWN_SCALES)
    for scale, (mean, sd, cv) in KNOWN_SCALES.items():
        assert body["scales"][scale] == {"mean": mean, "sd": sd, "cv": cv}, scale
    # 甲 first answered as a Driver (5, 1), then retook as an Amiable
    assert body["style_changes"] == {"retakers": 1, "changed": 1,
                                     "moves": [{"from": "driver", "to": "amiable", "members": 1}]}


def test_summary_of_an_empty_team(client, setup):
    body = client.get(f"/api/v1/teams/{setup['empty']['id']}/summary", headers=bearer(setup["token"])).get_json()
    assert (body["members"], body["responses"]) == (0, 0)
    assert body["style_counts"] == {s: 0 for s in STYLES}
    assert all(v == {"mean": None, "sd": None, "cv": None} for v in body["scales"].values())
    assert body["style_changes"] == {"retakers": 0, "changed": 0, "moves": []}


def test_responses_lists_every_response(client, setup):
    response = client.get(f"/api/v1/teams/{setup['team']['id']}/responses", headers=bearer(setup["token"]))
    assert response.status_code == 200
    body = response.get_json()
    assert len(body) == 4
    assert all(list(r) == EXPORT_KEYS for r in body)
    assert [r["name"] for r in body].count(KNOWN[0][0]) == 2
    assert {r["team"] for r in body} == {"Known team 已知"}
    assert {r["name"] for r in body} == {name for name, _ka, _kr in KNOWN}
    first = body[0]
    assert (first["style"], first["assertiveness"], first["responsiveness"]) == ("driver", 100.0, 0.0)
    assert isinstance(first["flags"], list)


def test_responses_follow_the_export_columns():
    assert tuple(schemas.TeamResponse.model_fields) == EXPORT_FIELDS == tuple(EXPORT_KEYS)


# --- members --------------------------------------------------------------------------------

LATEST_KEYS = ["id", "created_at", "questionnaire", "questionnaire_version", "scoring_version"]


def _members(client, setup, team="team", token="token"):
    response = client.get(f"/api/v1/teams/{setup[team]['id']}/members", headers=bearer(setup[token]))
    assert response.status_code == 200
    return response.get_json()


def test_members_lists_each_member_with_their_latest_result(app, client, questionnaire, setup):
    body = _members(client, setup)
    assert [m["name"] for m in body] == sorted((name for name, _ka, _kr in KNOWN), key=sort_key)  # pinyin order
    assert all(set(m) == {"id", "name", "employee_id", "results", "latest", "possible_duplicate_of"} for m in body)
    by_name = {m["name"]: m for m in body}
    assert {name: m["results"] for name, m in by_name.items()} == {KNOWN[0][0]: 2, KNOWN[1][0]: 1, KNOWN[2][0]: 1}
    stored = {r["id"]: r for r in rows(app, "SELECT * FROM responses")}
    for name, ka, kr in KNOWN:
        member = by_name[name]
        latest = member["latest"]
        # the newest of the member's results, with the profile stored with it
        newest = max((r for r in stored.values() if r["agent_id"] == member["id"]), key=lambda r: (r["created_at"], r["id"]))
        profile = storage.profile_of(newest).as_dict()
        assert latest == {**{k: newest[k] for k in LATEST_KEYS}, **profile}
        assert latest["axes"] == {"assertiveness": (ka - 1) * 25.0, "responsiveness": (kr - 1) * 25.0}
        assert list(latest["scores"]) == list(STYLES)
        assert (latest["questionnaire"], latest["questionnaire_version"]) == (questionnaire.slug, questionnaire.version)
        assert member["employee_id"] is None
    # 甲 answered as a Driver on 2024-01-01, then as an Amiable: the latest is the retake
    assert by_name[KNOWN[0][0]]["latest"]["style"] == "amiable"
    assert rows(app, "SELECT agent_id FROM responses WHERE id = ?", [by_name[KNOWN[0][0]]["latest"]["id"]]) == [
        {"agent_id": by_name[KNOWN[0][0]]["id"]}]


def test_member_ids_are_the_agent_ids_of_responses_and_trainer_pages(client, setup):
    members = _members(client, setup)
    responses = client.get(f"/api/v1/teams/{setup['team']['id']}/responses", headers=bearer(setup["token"])).get_json()
    ids = {m["name"]: m["id"] for m in members}
    assert all(r["agent_id"] == ids[r["name"]] for r in responses)
    assert {r["agent_id"] for r in responses} == set(ids.values())
    login(client, "trainer-a")
    for name, member_id in ids.items():
        page = client.get(f"/trainer/agents/{member_id}")
        assert page.status_code == 200 and name in page.get_data(as_text=True)


def test_members_of_an_empty_team(client, setup):
    assert _members(client, setup, team="empty") == []


def test_a_member_without_results_has_latest_null(app, client, setup):
    """Agents are created with their first result, so this takes a row written by hand
    (as a member left by older data would be): the API still answers, with null."""
    db = connect(app)
    try:
        db.execute("INSERT INTO agents (team_id, name, employee_id, identity, created_at, sort_key) "
                   "VALUES (?, 'Zed', 'E9', 'employee:e9', '2024-01-01T00:00:00+00:00', 'zed')", [setup["team"]["id"]])
        db.conn.commit()
    finally:
        db.close()
    (zed,) = [m for m in _members(client, setup) if m["name"] == "Zed"]
    assert (zed["results"], zed["latest"], zed["employee_id"]) == (0, None, "E9")


def test_a_members_latest_follows_a_new_result(app, client, questionnaire, setup):
    before = {m["name"]: m for m in _members(client, setup)}
    name = KNOWN[2][0]
    row = add_result(app, questionnaire, setup["team"]["id"], name, 1, 1)
    after = {m["name"]: m for m in _members(client, setup)}
    assert after[name]["id"] == before[name]["id"]
    assert after[name]["results"] == before[name]["results"] + 1
    assert after[name]["latest"]["id"] == row["id"] and after[name]["latest"]["style"] == "analytical"
    assert after[name]["latest"]["axes"] == {a: 0.0 for a in AXES}


# --- authentication and ownership --------------------------------------------------------

TEAM_ENDPOINTS = [
    ("GET", "/api/v1/teams"),
    ("POST", "/api/v1/teams"),
    ("GET", "/api/v1/teams/{team}/summary"),
    ("GET", "/api/v1/teams/{team}/members"),
    ("GET", "/api/v1/teams/{team}/responses"),
    # the seven service abilities, staff on teams (more in test_abilities_api.py)
    ("GET", "/api/v1/teams/{team}/abilities"),
    ("POST", "/api/v1/teams/{team}/staff"),
    ("DELETE", "/api/v1/teams/{team}/staff/trainer-b"),
    # read the caller
    ("GET", "/api/v1/teams/{team}/practice"),
    # how others see me
    ("GET", "/api/v1/teams/{team}/others"),
    # calls as evidence
    ("GET", "/api/v1/teams/{team}/calls"),
]
OWNED_ENDPOINTS = [e for e in TEAM_ENDPOINTS if "{team}" in e[1]]


def _call(client, method, path, setup, headers=None):
    url = path.format(team=setup["team"]["id"])
    if method == "POST":
        body = {"username": "trainer-b", "role": "qc"} if url.endswith("/staff") else {"name": "Intruder team"}
        return client.post(url, json=body, headers=headers or {})
    if method == "DELETE":
        return client.delete(url, headers=headers or {})
    return client.get(url, headers=headers or {})


def _headers(kind, app, setup):
    if kind == "no token":
        return {}
    if kind == "wrong token":
        return bearer("zj_" + "x" * 43)
    if kind == "other scheme":
        return {"Authorization": f"Token {setup['token']}"}
    if kind == "empty bearer":
        return {"Authorization": "Bearer "}
    if kind == "revoked token":
        assert _revoke(app, setup["a"]) == 1
        return bearer(setup["token"])
    raise AssertionError(kind)


@pytest.mark.parametrize("method, path", TEAM_ENDPOINTS)
def test_unauthenticated_calls_get_401_json(app, client, setup, method, path):
    teams_before = count(app, "teams")
    # "revoked token" last: it revokes trainer A's token for good.
    for kind in ("no token", "wrong token", "other scheme", "empty bearer", "revoked token"):
        response = _call(client, method, path, setup, _headers(kind, app, setup))
        assert response.status_code == 401, kind
        assert response.mimetype == "application/json", kind
        assert set(response.get_json()) == {"error", "details"}, kind
        text = response.get_data(as_text=True)
        assert "Known team" not in text and KNOWN[0][0] not in text, kind
        assert count(app, "teams") == teams_before, kind


@pytest.mark.parametrize("method, path", OWNED_ENDPOINTS)
def test_another_trainers_team_is_404_json(client, setup, method, path):
    response = _call(client, method, path, setup, bearer(setup["token_b"]))
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]
    text = response.get_data(as_text=True)
    assert "Known team" not in text and KNOWN[0][0] not in text


@pytest.mark.parametrize("method, path", OWNED_ENDPOINTS)
def test_unknown_team_is_404_json(client, setup, method, path):
    response = _call(client, method, path, {**setup, "team": {"id": 99999}}, bearer(setup["token"]))
    assert response.status_code == 404
    assert response.get_json()["error"]


@pytest.mark.parametrize("method, path", OWNED_ENDPOINTS)
def test_an_agent_who_joined_the_team_sees_nothing(app, setup, method, path):
    from conftest import csrf_token

    agent = app.test_client()
    code = setup["team"]["invite_code"]
    html = agent.get(f"/join/{code}").get_data(as_text=True)
    agent.post(f"/join/{code}", data={"csrf_token": csrf_token(html), "name": "Curious"})
    assert _call(agent, method, path, setup).status_code == 401


@pytest.mark.parametrize("method, path", TEAM_ENDPOINTS)
def test_the_browser_session_works_too(app, client, setup, method, path):
    assert login(client, "trainer-a").status_code == 302
    response = _call(client, method, path, setup)
    assert response.status_code == (201 if method == "POST" else 200)


def test_browser_session_sees_only_own_teams(client, setup):
    login(client, "trainer-b")
    assert [t["name"] for t in client.get("/api/v1/teams").get_json()] == ["B team"]
    assert client.get(f"/api/v1/teams/{setup['team']['id']}/summary").status_code == 404


def test_revoking_one_token_keeps_the_others(app, client, setup):
    second_id, second = _token(app, setup["a"], "second")
    assert _revoke(app, setup["a"], setup["token_id"]) == 1
    assert client.get("/api/v1/teams", headers=bearer(setup["token"])).status_code == 401
    assert client.get("/api/v1/teams", headers=bearer(second)).status_code == 200
    # B's tokens are untouched by A's revocation.
    assert client.get("/api/v1/teams", headers=bearer(setup["token_b"])).status_code == 200


def test_tokens_are_stored_hashed(app, setup):
    stored = rows(app, "SELECT * FROM api_tokens")
    assert len(stored) == 2
    for token in (setup["token"], setup["token_b"]):
        assert token.startswith("zj_") and len(token) > 30
        for row in stored:
            assert all(token not in str(v) for v in row.values())
    assert all(re.fullmatch(r"[0-9a-f]{64}", row["token_hash"]) for row in stored)


# --- agents submitting into a team ----------------------------------------------------------

def test_agent_submits_into_a_team_by_code(app, client, questionnaire, setup):
    code = setup["empty"]["invite_code"]
    typed = f" {code[:3].lower()} {code[3:].lower()} "
    response = api_submit(client, questionnaire, axis_answers(questionnaire, 4, 2),
                          invite_code=typed, name="  Amy   Chen ", employee_id="E42", lang="en")
    assert response.status_code == 201
    assert client.get(response.get_json()["result_url"]).status_code == 200
    assert rows(app, "SELECT team_id, name, employee_id FROM agents WHERE team_id = ?", [setup["empty"]["id"]]) == [
        {"team_id": setup["empty"]["id"], "name": "Amy Chen", "employee_id": "E42"}]
    first_token = response.get_json()["result_url"].split("/r/")[1].split("?")[0]
    again = api_submit(client, questionnaire, axis_answers(questionnaire, 2, 5),
                       invite_code=code, name="Amy C.", employee_id="e42", result_token=first_token)
    assert again.status_code == 201  # a retake, proven by her own earlier result
    summary = client.get(f"/api/v1/teams/{setup['empty']['id']}/summary", headers=bearer(setup["token"])).get_json()
    assert (summary["members"], summary["responses"]) == (1, 2)
    assert summary["style_counts"]["amiable"] == 1


@pytest.mark.parametrize("fields, named", [
    ({"invite_code": "ZZ0ZZ1", "name": "Amy"}, "invite_code"),     # no team has it (0 and 1 are never used)
    ({"invite_code": "", "name": "Amy"}, "invite_code"),
    ({"invite_code": 123456, "name": "Amy"}, "invite_code"),
    ({"name": "Amy"}, "invite_code"),
    ({"invite_code": "{code}"}, "name"),
    ({"invite_code": "{code}", "name": ""}, "name"),
    ({"invite_code": "{code}", "name": "   "}, "name"),
    ({"invite_code": "{code}", "name": "x" * 81}, "name"),
    ({"invite_code": "{code}", "name": "a\u202eb"}, "name"),
    ({"invite_code": "{code}", "name": "Amy", "employee_id": "x" * 41}, "employee_id"),
    ({"invite_code": "{code}", "name": "Amy", "employee_id": 7}, "employee_id"),
    ({"invite_code": "{code}", "name": "Amy", "team_id": 1}, "team_id"),
])
def test_bad_membership_is_4xx_json_and_stores_nothing(app, client, questionnaire, setup, fields, named):
    before = (count(app, "responses"), count(app, "agents"))
    fields = {k: (v.format(code=setup["team"]["invite_code"]) if isinstance(v, str) else v) for k, v in fields.items()}
    response = api_submit(client, questionnaire, axis_answers(questionnaire, 4, 2), **fields)
    assert 400 <= response.status_code < 500
    body = response.get_json()
    assert named in body["details"]
    assert (count(app, "responses"), count(app, "agents")) == before


# --- the OpenAPI document ---------------------------------------------------------------------

def test_openapi_documents_joining_a_team_from_a_response(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schema = spec["components"]["schemas"]["ResponseIn"]
    # The schema forbids additional properties, so the team fields must be listed.
    assert {"invite_code", "name", "employee_id"} <= set(schema["properties"])


def test_every_team_endpoint_is_in_the_access_table(app):
    """A new /api/v1/teams route without an access-control test fails here."""
    adapter = app.url_map.bind("localhost")
    covered = {(adapter.match(p.format(team=1), m)[0], m) for m, p in TEAM_ENDPOINTS}
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/teams")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes and not routes - covered, sorted(routes - covered)



def test_out_of_range_team_id_is_404_json(app, client, setup):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # see the status an integrator would get
    response = client.get(f"/api/v1/teams/{10 ** 22}/summary", headers=bearer(setup["token"]))
    assert response.status_code == 404
    assert response.get_json()["error"]
