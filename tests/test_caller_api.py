"""Read the caller, the API: every response checked against the served OpenAPI document."""

from __future__ import annotations

import pytest

from assessment.model import STYLES
from helpers import add_result, count, make_api_token, make_team, make_trainer, rows
from documented import bearer, documented_client

API = "/api/v1"



@pytest.fixture
def client(app):
    return documented_client(app)


@pytest.fixture
def content(app):
    return app.extensions["caller"]


def test_cues_list_every_cue_with_one_option_per_pole_and_the_moods(client, content):
    body = client.get(f"{API}/caller-cues").get_json()
    assert [c["id"] for c in body["cues"]] == [c.id for c in content.cues]
    for cue in body["cues"]:
        assert sorted(o["pole"] for o in cue["options"]) == ["high", "low"]
        assert len({o["axis"] for o in cue["options"]}) == 1
    assert [m["id"] for m in body["moods"]] == [m.id for m in content.moods]
    assert set(body["moods"][0]) == {"id", "text"}  # the mood's line comes with a reading


@pytest.mark.parametrize("a, r, style", [("high", "low", "driver"), ("high", "high", "expressive"),
                                          ("low", "high", "amiable"), ("low", "low", "analytical")])
def test_one_cue_per_axis_names_the_quadrant(client, content, a, r, style):
    cues = {}
    for axis, pole in (("assertiveness", a), ("responsiveness", r)):
        cue = content.axis_cues[axis][0]
        cues[cue.id] = next(o.id for o in cue.options if o.pole == pole)
    body = client.post(f"{API}/caller-cues/read", json={"cues": cues}).get_json()
    assert body["customer_type"] == style and body["confidence"] == 0.44
    assert body["opening_line"] == content.types[style].opening.as_dict()
    assert body["mood_line"] is None


def test_the_mood_only_adds_its_line(client, content):
    cues = {"pace": "fast", "tone": "warm", "interrupts": "cuts-in"}
    plain = client.post(f"{API}/caller-cues/read", json={"cues": cues}).get_json()
    for mood in content.moods:
        body = client.post(f"{API}/caller-cues/read", json={"cues": cues, "mood": mood.id}).get_json()
        assert body["mood_line"] == mood.line.as_dict()
        assert {**body, "mood_line": None} == plain


def test_a_result_token_tailors_the_advice_by_its_style(app, client, content, questionnaire, team):
    row = add_result(app, questionnaire, team["id"], "Zhang 张", 2, 5)  # amiable
    body = client.post(f"{API}/caller-cues/read",
                       json={"cues": {"pace": "fast", "tone": "cool"}, "result_token": row["token"],
                             "agent_style": "driver"}).get_json()
    assert body["do"][0] == content.adjustments[("amiable", "driver")].do.as_dict()
    assert body["avoid"][0] == content.adjustments[("amiable", "driver")].avoid.as_dict()


def test_unknown_names_are_each_named_in_one_400(client):
    response = client.post(f"{API}/caller-cues/read", json={
        "cues": {"pace": "sprint", "volume": "loud"}, "mood": "furious", "result_token": "nope"})
    assert response.status_code == 400
    details = response.get_json()["details"]
    assert set(details) == {"cues.pace", "cues.volume", "mood", "result_token"}
    assert "sprint" in details["cues.pace"] and "volume" in details["cues.volume"]


def test_an_unknown_style_is_a_400_naming_it(client):
    response = client.post(f"{API}/caller-cues/read", json={"cues": {}, "agent_style": "boss"})
    assert response.status_code == 400 and "agent_style" in response.get_json()["details"]


def test_unknown_fields_and_wrong_types_are_refused(client):
    response = client.post(f"{API}/caller-cues/read", json={"cues": {"pace": 1}, "extra": True})
    assert response.status_code == 400
    assert set(response.get_json()["details"]) == {"cues.pace", "extra"}


def test_phrases_document(client, content):
    body = client.get(f"{API}/phrases").get_json()
    assert list(body["by_customer_type"]) == list(STYLES)
    assert sum(len(v) for v in body["by_customer_type"].values()) == sum(len(v) for v in content.phrases.values())
    assert len(body["empathy"]) == len(content.empathy) and len(body["replacements"]) == len(content.replacements)


def test_scenarios_carry_no_answer_key(client, content):
    body = client.get(f"{API}/practice/scenarios").get_json()
    assert len(body) == len(content.scenarios)
    for scenario in body:
        assert set(scenario) == {"id", "caller", "replies"}
        assert all(set(r) == {"id", "text"} for r in scenario["replies"])


def test_an_attempt_is_graded_and_stored_for_the_member(app, client, content, questionnaire, team):
    row = add_result(app, questionnaire, team["id"], "Zhao 赵", 4, 2)
    scenario = content.scenarios[0]
    wrong = next(s for s in STYLES if s != scenario.customer_type)
    response = client.post(f"{API}/practice/attempts", json={
        "scenario": scenario.id, "customer_type": wrong, "reply": scenario.best_reply.id,
        "result_token": row["token"]})
    assert response.status_code == 201
    body = response.get_json()
    assert body["type_correct"] is False and body["reply_correct"] is True
    assert body["customer_type"] == scenario.customer_type and body["best_reply"] == scenario.best_reply.id
    stored = rows(app, "SELECT scenario, actual, guessed, type_correct, reply_correct, agent_id, team_id "
                       "FROM practice_attempts")
    assert stored == [{"scenario": scenario.id, "actual": scenario.customer_type, "guessed": wrong,
                       "type_correct": 0, "reply_correct": 1, "agent_id": row["agent_id"], "team_id": team["id"]}]


def test_an_attempt_without_a_token_is_stored_with_no_agent(app, client, content):
    scenario = content.scenarios[1]
    response = client.post(f"{API}/practice/attempts", json={
        "scenario": scenario.id, "customer_type": scenario.customer_type, "reply": scenario.best_reply.id})
    assert response.status_code == 201 and response.get_json()["type_correct"] is True
    assert rows(app, "SELECT agent_id, team_id FROM practice_attempts") == [{"agent_id": None, "team_id": None}]


@pytest.mark.parametrize("body, fields", [
    ({"scenario": "nope", "customer_type": "driver", "reply": "a"}, {"scenario"}),
    ({"scenario": "bill-increase", "customer_type": "driver", "reply": "z"}, {"reply"}),
    ({"scenario": "bill-increase", "customer_type": "boss", "reply": "a"}, {"customer_type"}),
    ({"scenario": "bill-increase", "customer_type": "driver", "reply": "a", "result_token": "x"},
     {"result_token"}),
])
def test_bad_attempts_are_400_naming_the_field_and_store_nothing(app, client, body, fields):
    response = client.post(f"{API}/practice/attempts", json=body)
    assert response.status_code == 400
    assert set(response.get_json()["details"]) == fields
    assert count(app, "practice_attempts") == 0


def test_team_practice_figures_and_access(app, client, content, questionnaire, trainer, team):
    token = make_api_token(app, trainer)[1]
    other = make_trainer(app, "trainer-b")
    theirs = make_team(app, other, "B team")
    member = add_result(app, questionnaire, team["id"], "Qian 钱", 4, 2)
    outsider = add_result(app, questionnaire, theirs["id"], "Sun 孙", 4, 2)
    scenario = next(s for s in content.scenarios if s.customer_type == "amiable")
    for who, guess in ((member, "amiable"), (member, "expressive"), (outsider, "amiable"), (None, "amiable")):
        body = {"scenario": scenario.id, "customer_type": guess, "reply": scenario.best_reply.id}
        if who:
            body["result_token"] = who["token"]
        assert client.post(f"{API}/practice/attempts", json=body).status_code == 201
    response = client.get(f"{API}/teams/{team['id']}/practice", headers=bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    assert body["attempts"] == 2
    assert body["by_customer_type"]["amiable"] == {"attempts": 2, "type_correct": 1, "accuracy": 0.5}
    assert body["by_customer_type"]["driver"] == {"attempts": 0, "type_correct": 0, "accuracy": None}
    assert body["confusion"]["amiable"] == {"driver": 0, "expressive": 1, "amiable": 1, "analytical": 0}
    assert body["members"] == [{"agent_id": member["agent_id"], "name": "Qian 钱", "attempts": 2, "accuracy": 0.5}]
    assert client.get(f"{API}/teams/{theirs['id']}/practice", headers=bearer(token)).status_code == 404
    assert client.get(f"{API}/teams/{team['id']}/practice").status_code == 401
