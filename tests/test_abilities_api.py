"""The seven service abilities over the API: the scorecard, staff and self ratings, a team's
analysis and staff on teams. Every response is checked against the OpenAPI document."""

from __future__ import annotations

from datetime import datetime

import pytest

from assessment import storage
from assessment.model import ABILITIES
from assessment.questionnaire import load_all
from conftest import QUESTIONNAIRES
from helpers import add_result, connect, count, make_api_token, make_team, make_trainer, rows
from documented import documented_client

SCORECARD = load_all(QUESTIONNAIRES)["service-abilities"]
ITEMS = [i.id for i in SCORECARD.items]


def flat(value: int) -> dict[str, int]:
    return {i: value for i in ITEMS}


def by_ability(values: dict[str, int]) -> dict[str, int]:
    """Every behaviour of an ability rated the same: the ability's score is that number."""
    return {i.id: values[i.ability] for i in SCORECARD.items}


@pytest.fixture
def client(app):
    return documented_client(app)


@pytest.fixture
def world(app, questionnaire):
    owner = make_trainer(app, "trainer-a")
    qc = make_trainer(app, "qc-1")
    outsider = make_trainer(app, "outsider")
    db = connect(app)
    try:
        storage.set_role(db, qc, "qc")
    finally:
        db.close()
    team = make_team(app, owner, "Team 一组")
    results = {name: add_result(app, questionnaire, team["id"], name, 4, 2) for name in ("甲", "乙", "丙")}  # valid sheets
    agents = {r["name"]: r["id"] for r in rows(app, "SELECT id, name FROM agents")}
    db = connect(app)
    try:
        storage.add_team_staff(db, team["id"], "qc-1", "qc")
    finally:
        db.close()
    return {
        "team": team["id"], "agents": agents, "results": results,
        "owner": {"Authorization": f"Bearer {make_api_token(app, owner)[1]}"},
        "qc": {"Authorization": f"Bearer {make_api_token(app, qc)[1]}"},
        "outsider": {"Authorization": f"Bearer {make_api_token(app, outsider)[1]}"},
    }


def rate(client, world, name, ratings, period, who="qc", **extra):
    return client.post(f"/api/v1/agents/{world['agents'][name]}/ability-ratings",
                       json={"ratings": ratings, "period": period, **extra}, headers=world[who])


def test_the_scorecard_has_anchors_for_1_3_5_in_both_languages(client):
    body = client.get("/api/v1/questionnaires/service-abilities").get_json()
    assert body["kind"] == "rating" and body["scale"]["min"] == 1 and body["scale"]["max"] == 5
    assert len(body["items"]) == 23
    for item in body["items"]:
        assert item["ability"] in ABILITIES
        assert set(item["anchors"]) == {"1", "3", "5"}
        assert all(text["en"].strip() and text["zh"].strip() for text in item["anchors"].values())
    assert {i["ability"] for i in body["items"]} == set(ABILITIES)


def test_self_questionnaires_keep_their_item_shape(client):
    item = client.get("/api/v1/questionnaires/communication-style").get_json()["items"][0]
    assert set(item) == {"id", "text", "axis", "keyed"}


def test_qc_rates_a_member_and_gets_the_scores(app, client, world):
    values = {"listening": 5, "understanding": 4, "problem_solving": 3, "expression": 2, "emotional_control": 1,
              "learning": 4, "attention_to_detail": 2}
    ratings = by_ability(values)
    ratings["lis4"] = 2  # listening: (2 + 5 + 5) / 3 = 4.0
    response = rate(client, world, "甲", ratings, "2024-03", note="  listened to 5 calls  ")
    assert response.status_code == 201
    body = response.get_json()
    assert body["source"] == "staff" and body["period"] == "2024-03"
    assert body["abilities"] == {**{a: float(v) for a, v in values.items()}, "listening": 4.0}
    assert body["overall"] == round((4 + 4 + 3 + 2 + 1 + 4 + 2) / 7, 2)  # 2.86
    stored = rows(app, "SELECT * FROM ability_ratings")[0]
    assert stored["note"] == "listened to 5 calls" and stored["source"] == "staff" and stored["team_id"] == world["team"]


@pytest.mark.parametrize("ratings, period, named", [
    ({k: v for k, v in flat(3).items() if k != "lis4"}, "2024-03", {"ratings.lis4"}),
    ({**flat(3), "zzz9": 3}, "2024-03", {"ratings.zzz9"}),
    ({**flat(3), "lis5": 6}, "2024-03", {"ratings.lis5"}),
    ({**flat(3), "lis5": 0}, "2024-03", {"ratings.lis5"}),
    ({**flat(3), "und3": "4"}, "2024-03", {"ratings.und3"}),
    ({**flat(3), "und3": 4.0}, "2024-03", {"ratings.und3"}),
    ({**flat(3), "und3": True}, "2024-03", {"ratings.und3"}),
    (flat(3), "2024-13", {"period"}),
    (flat(3), "2024-3", {"period"}),
    (flat(3), "9999-12", {"period"}),
    (flat(3), 202403, {"period"}),
    ({**flat(3), "lis5": 9}, "March", {"ratings.lis5", "period"}),
])
def test_bad_ratings_are_400_naming_each_and_store_nothing(app, client, world, ratings, period, named):
    response = rate(client, world, "甲", ratings, period)
    assert response.status_code == 400
    assert named <= set(response.get_json()["details"])
    assert count(app, "ability_ratings") == 0


def test_a_future_month_in_the_centres_time_zone_is_refused(app, client, world):
    from zoneinfo import ZoneInfo
    now = datetime.now(ZoneInfo(app.config["TIMEZONE"]))
    this = f"{now.year:04d}-{now.month:02d}"
    following = f"{now.year + (now.month == 12):04d}-{now.month % 12 + 1:02d}"
    assert rate(client, world, "甲", flat(3), this).status_code == 201
    response = rate(client, world, "甲", flat(3), following)
    assert response.status_code == 400 and "after the current month" in response.get_json()["details"]["period"]


def test_unknown_fields_and_a_long_note_are_refused(app, client, world):
    assert rate(client, world, "甲", flat(3), "2024-03", score=5).status_code == 400
    assert rate(client, world, "甲", flat(3), "2024-03", note="x" * 1001).status_code == 400
    assert count(app, "ability_ratings") == 0


@pytest.mark.parametrize("who, status", [("outsider", 404), ("owner", 201), ("qc", 201)])
def test_who_may_rate(app, client, world, who, status):
    assert rate(client, world, "乙", flat(4), "2024-03", who=who).status_code == status
    assert count(app, "ability_ratings") == (1 if status == 201 else 0)


def test_anonymous_rating_is_401(app, client, world):
    response = client.post(f"/api/v1/agents/{world['agents']['甲']}/ability-ratings",
                           json={"ratings": flat(3), "period": "2024-03"})
    assert response.status_code == 401 and count(app, "ability_ratings") == 0


def test_the_agent_rates_themself_by_result_token(app, client, world):
    token = world["results"]["丙"]["token"]
    response = client.post(f"/api/v1/results/{token}/ability-ratings", json={"ratings": flat(5), "period": "2024-03"})
    assert response.status_code == 201 and response.get_json()["source"] == "self"
    stored = rows(app, "SELECT * FROM ability_ratings")[0]
    assert stored["agent_id"] == world["agents"]["丙"] and stored["rater_id"] is None
    assert client.post("/api/v1/results/not-a-token/ability-ratings",
                       json={"ratings": flat(5), "period": "2024-03"}).status_code == 404
    bad = client.post(f"/api/v1/results/{token}/ability-ratings", json={"ratings": flat(5), "period": "2024-00"})
    assert bad.status_code == 400 and count(app, "ability_ratings") == 1


def test_team_analysis_arithmetic_over_the_latest_rating_per_month(client, world):
    # January: 甲 2 everywhere, 乙 4 everywhere. February: 甲 first 1 then 3 (the latest counts), 乙 5, 丙 4.
    rate(client, world, "甲", flat(2), "2024-01")
    rate(client, world, "乙", flat(4), "2024-01")
    rate(client, world, "甲", flat(1), "2024-02")
    rate(client, world, "甲", flat(3), "2024-02")
    rate(client, world, "乙", flat(5), "2024-02")
    rate(client, world, "丙", flat(4), "2024-02", who="owner")
    own = client.post(f"/api/v1/results/{world['results']['乙']['token']}/ability-ratings",
                      json={"ratings": by_ability({**{a: 5 for a in ABILITIES}, "learning": 3}), "period": "2024-01"})
    assert own.status_code == 201
    body = client.get(f"/api/v1/teams/{world['team']}/abilities?period=2024-02", headers=world["owner"]).get_json()
    assert body["period"] == "2024-02" and body["n"] == 3
    # 3, 5, 4: mean 4, SD 1, CV 0.25
    assert body["abilities"]["listening"] == {"n": 3, "mean": 4.0, "sd": 1.0, "cv": 0.25}
    assert body["weakest"] == "listening"  # all equal: the first in order
    assert body["trend"] == [
        {"period": "2024-01", "abilities": {a: 3.0 for a in ABILITIES}},
        {"period": "2024-02", "abilities": {a: 4.0 for a in ABILITIES}},
    ]
    members = {m["name"]: m for m in body["members"]}
    assert list(members) == ["丙", "甲", "乙"]  # pinyin: bing, jia, yi
    assert members["乙"]["self"]["learning"] == 3.0
    assert members["乙"]["gap"] == {**{a: 0.0 for a in ABILITIES}, "learning": -2.0}  # self minus staff (5)
    assert members["甲"]["self"] is None and members["甲"]["gap"] is None


def test_team_analysis_of_a_month_without_ratings(client, world):
    body = client.get(f"/api/v1/teams/{world['team']}/abilities?period=2023-06", headers=world["qc"]).get_json()
    assert body["n"] == 0 and body["weakest"] is None and body["trend"] == []
    assert all(s == {"n": 0, "mean": None, "sd": None, "cv": None} for s in body["abilities"].values())
    assert [m["abilities"] for m in body["members"]] == [None, None, None]


@pytest.mark.parametrize("query", ["period=2024-13", "period=next", "period=9999-01"])
def test_team_analysis_bad_period_is_400(client, world, query):
    response = client.get(f"/api/v1/teams/{world['team']}/abilities?{query}", headers=world["owner"])
    assert response.status_code == 400 and "period" in response.get_json()["details"]


def test_team_analysis_is_404_off_the_team(client, world):
    assert client.get(f"/api/v1/teams/{world['team']}/abilities", headers=world["outsider"]).status_code == 404


def test_owner_adds_and_removes_staff(app, client, world):
    url = f"/api/v1/teams/{world['team']}/staff"
    added = client.post(url, json={"username": "OUTSIDER", "role": "trainer"}, headers=world["owner"])
    assert added.status_code == 201 and added.get_json() == {"team_id": world["team"], "username": "outsider",
                                                             "role": "trainer"}
    assert client.get(f"/api/v1/teams/{world['team']}/abilities", headers=world["outsider"]).status_code == 200
    removed = client.delete(f"{url}/outsider", headers=world["owner"])
    assert removed.status_code == 200 and removed.get_json()["removed"] is True
    assert client.get(f"/api/v1/teams/{world['team']}/abilities", headers=world["outsider"]).status_code == 404
    assert client.delete(f"{url}/outsider", headers=world["owner"]).get_json()["removed"] is False
    assert client.delete(f"{url}/nobody-at-all", headers=world["owner"]).status_code == 404


@pytest.mark.parametrize("body, named", [
    ({"username": "nobody", "role": "qc"}, "username"),
    ({"username": "trainer-a", "role": "qc"}, "username"),
    ({"username": "outsider", "role": "admin"}, "role"),
    ({"username": "", "role": "qc"}, "username"),
    ({"username": "outsider"}, "role"),
])
def test_bad_staff_additions_are_400(app, client, world, body, named):
    before = count(app, "team_staff")
    response = client.post(f"/api/v1/teams/{world['team']}/staff", json=body, headers=world["owner"])
    assert response.status_code == 400 and named in response.get_json()["details"]
    assert count(app, "team_staff") == before


def test_qc_cannot_change_the_staff(app, client, world):
    url = f"/api/v1/teams/{world['team']}/staff"
    assert client.post(url, json={"username": "outsider", "role": "qc"}, headers=world["qc"]).status_code == 403
    assert client.delete(f"{url}/qc-1", headers=world["qc"]).status_code == 403
    assert client.post(url, json={"username": "outsider", "role": "qc"}, headers=world["outsider"]).status_code == 404
    assert count(app, "team_staff") == 1
