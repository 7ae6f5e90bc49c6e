"""How others see me, the API: rating links, rating once, the others' view, the team, trainer
ratings; threshold, single use, access control and the arithmetic. Every API response is
checked against the served OpenAPI document (documented.DocumentedClient)."""

from __future__ import annotations

import threading

import pytest

from assessment import storage
from assessment.questionnaire import load_all
from conftest import QUESTIONNAIRES
from helpers import add_result, api_submit, axis_answers, connect, count, make_api_token, make_team, make_trainer, rows
from documented import bearer, documented_client

OBSERVER = "communication-style-observer"


@pytest.fixture(scope="module")
def observer():
    return load_all(QUESTIONNAIRES)[OBSERVER]


def rating(q, ka: int, kr: int, kv: int) -> dict[str, int]:
    """Observer answers whose keyed value is ka / kr / kv on each item of the axis:
    the scores are exactly (k - 1) * 25."""
    keyed = {"assertiveness": ka, "responsiveness": kr, "versatility": kv}
    return {i.id: keyed[i.axis] if i.keyed == "plus" else q.scale.min + q.scale.max - keyed[i.axis] for i in q.items}



@pytest.fixture
def client(app):
    return documented_client(app)


@pytest.fixture
def world(app, questionnaire):
    """Trainer A's team with Ann (self 75 / 25, driver); trainer B; a private result."""
    a = make_trainer(app, "trainer-a")
    b = make_trainer(app, "trainer-b")
    team = make_team(app, a, "Team A")
    ann = add_result(app, questionnaire, team["id"], "Ann 安", 4, 2)
    team_b = make_team(app, b, "Team B")
    bob = add_result(app, questionnaire, team_b["id"], "Bob", 2, 4)
    # Ann's colleagues: each proves who they are with their own result token.
    peers = [add_result(app, questionnaire, team["id"], f"Colleague {n}", 2, 4)["token"] for n in range(1, 8)]
    bobs_peer = add_result(app, questionnaire, team_b["id"], "Bob's colleague", 4, 2)["token"]
    return {"a": a, "b": b, "team": team, "ann": ann, "team_b": team_b, "bob": bob, "peers": peers,
            "bobs_peer": bobs_peer, "token_a": make_api_token(app, a)[1], "token_b": make_api_token(app, b)[1]}


def make_link(client, result_token: str, relation: str = "peer") -> str:
    response = client.post(f"/api/v1/results/{result_token}/raters", json={"relation": relation})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["relation"] == relation and isinstance(body["id"], int)
    return body["rate_url"].rsplit("/", 1)[1]


def rate(client, link: str, answers: dict, rater: str | None = None, **fields):
    """POST a rating; a colleague's (peer) rating carries the rater's own result token."""
    body = {"answers": answers, **fields}
    if rater is not None:
        body["rater"] = rater
    return client.post(f"/api/v1/rate/{link}", json=body)


def others(client, result_token: str) -> dict:
    response = client.get(f"/api/v1/results/{result_token}/others?lang=en")  # a lead's role in English
    assert response.status_code == 200
    return response.get_json()


def test_a_rater_sees_whose_style_and_the_form_but_never_the_result(client, world, observer):
    link = make_link(client, world["ann"]["token"])
    body = client.get(f"/api/v1/rate/{link}").get_json()
    assert body["about"] == "Ann 安"
    assert body["relation"] == "peer"
    assert body["questionnaire"]["slug"] == OBSERVER
    assert {i["axis"] for i in body["questionnaire"]["items"]} == {"assertiveness", "responsiveness", "versatility"}
    assert len(body["questionnaire"]["items"]) == len(observer.items)
    text = str(body)
    assert "driver" not in text and "75.0" not in text  # nothing of Ann's own result


def test_outside_a_team_only_leads_rate(client, questionnaire):
    private = api_submit(client, questionnaire, axis_answers(questionnaire, 4, 2), lang="en").get_json()
    token = private["result_url"].split("/r/")[1].split("?")[0]
    refused = client.post(f"/api/v1/results/{token}/raters", json={"relation": "peer"})
    assert refused.status_code == 400 and "relation" in refused.get_json()["details"]
    link = make_link(client, token, "lead")
    assert client.get(f"/api/v1/rate/{link}?lang=en").get_json()["about"] == "a colleague"
    assert client.get(f"/api/v1/rate/{link}?lang=zh").get_json()["about"] == "一位同事"


def test_peers_show_only_as_a_mean_of_three_and_leads_apart(client, world, observer):
    token = world["ann"]["token"]
    peers = [make_link(client, token) for _ in range(4)]
    lead = make_link(client, token, "lead")
    view = others(client, token)
    assert (view["invited"], view["answered"], view["min_raters"]) == (5, 0, 3)
    assert view["self"] == {"axes": {"assertiveness": 75.0, "responsiveness": 25.0}, "style": "driver"}
    assert view["others"] is None and view["gap"] is None and view["leads"] == []

    # Two peers and a lead: still no peer figures, the lead is shown apart with its role.
    for link, answers, rater in ((peers[0], rating(observer, 5, 5, 5), world["peers"][0]),
                                 (peers[1], rating(observer, 4, 4, 3), world["peers"][1])):
        response = rate(client, link, answers, rater, lang="zh")
        assert response.status_code == 201
        assert set(response.get_json()) == {"relation", "answered_at"}  # no profile comes back
    assert client.post(f"/api/v1/rate/{lead}", json={"answers": rating(observer, 2, 2, 2), "lang": "en",
                                                     "role": "qc", "name": "Wang 王"}).status_code == 201
    view = others(client, token)
    assert (view["invited"], view["answered"]) == (5, 3)
    assert view["others"] is None and view["gap"] is None
    assert view["leads"] == [{"rater": "QC: Wang 王", "axes": {"assertiveness": 25.0, "responsiveness": 25.0},
                              "versatility": 25.0, "style": "analytical"}]

    # The third peer: the mean of the three, its style at the mean, the gap others - self.
    assert rate(client, peers[2], rating(observer, 3, 2, 1), world["peers"][2], lang="en").status_code == 201
    view = others(client, token)
    # assertiveness (100 + 75 + 50) / 3 = 75, responsiveness (100 + 75 + 25) / 3 = 66.7,
    # versatility (100 + 50 + 0) / 3 = 50
    assert view["others"] == {"n": 3, "received": 3, "next_update": 6,
                              "axes": {"assertiveness": 75.0, "responsiveness": 66.7},
                              "versatility": 50.0, "style": "expressive"}
    assert view["gap"] == {"assertiveness": 0.0, "responsiveness": 41.7}
    assert (view["invited"], view["answered"]) == (5, 4)
    assert len(view["leads"]) == 1


def test_each_colleague_rates_a_member_once(client, world, observer):
    link, other_link = make_link(client, world["ann"]["token"]), make_link(client, world["ann"]["token"])
    answers = rating(observer, 4, 4, 4)
    assert rate(client, link, answers, world["peers"][0], lang="en").status_code == 201
    for again in (link, other_link):  # the same colleague, through any link of the member
        response = rate(client, again, rating(observer, 1, 1, 1), world["peers"][0], lang="en")
        assert response.status_code == 409 and "rater" in response.get_json()["details"]
    stored = rows(client.application, "SELECT assertiveness, versatility FROM rater_links WHERE answered_at IS NOT NULL")
    assert stored == [{"assertiveness": 75.0, "versatility": 75.0}]


def test_two_submits_at_once_store_exactly_one(app, world, observer):
    """Storage level, two connections: the conditional UPDATE lets exactly one through."""
    db = connect(app)
    try:
        link = storage.create_link(db, world["ann"], "peer")
    finally:
        db.close()
    outcomes, barrier = [], threading.Barrier(2)

    def submit(value: int):
        conn = connect(app)
        try:
            barrier.wait()
            storage.answer_link(conn, link["token"], questionnaire=OBSERVER, version=1, lang="en",
                                answers={"x": value}, scores={"assertiveness": value, "responsiveness": value,
                                                              "versatility": value}, rater_key="the same colleague")
            outcomes.append("stored")
        except storage.AlreadyAnswered:
            outcomes.append("409")
        finally:
            conn.close()

    threads = [threading.Thread(target=submit, args=(v,)) for v in (10, 90)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["409", "stored"]
    assert count(app, "rater_links") == 1


def test_bad_answers_are_named_and_store_nothing(client, world, observer):
    link = make_link(client, world["ann"]["token"])
    answers = rating(observer, 4, 4, 4)
    first, second = list(answers)[:2]
    del answers[first]
    answers[second] = 9
    answers["zz"] = 3
    response = rate(client, link, answers, world["peers"][0], lang="en")
    assert response.status_code == 400
    details = response.get_json()["details"]
    assert {f"answers.{first}", f"answers.{second}", "answers.zz"} <= set(details)
    bad_lang = rate(client, link, rating(observer, 4, 4, 4), world["peers"][0], lang="fr")
    assert bad_lang.status_code == 400 and "lang" in bad_lang.get_json()["details"]
    assert rows(client.application, "SELECT answered_at FROM rater_links") == [{"answered_at": None}]


def test_a_peer_link_takes_no_role_or_name(client, world, observer):
    link = make_link(client, world["ann"]["token"])
    response = rate(client, link, rating(observer, 4, 4, 4), world["peers"][0], role="qc", name="Me")
    assert response.status_code == 400
    assert set(response.get_json()["details"]) == {"role", "name"}


def test_unknown_tokens_are_404(client, world, observer):
    assert client.post("/api/v1/results/nope/raters", json={"relation": "peer"}).status_code == 404
    assert client.get("/api/v1/results/nope/others").status_code == 404
    assert client.get("/api/v1/rate/nope").status_code == 404
    assert client.post("/api/v1/rate/nope", json={"answers": rating(observer, 3, 3, 3)}).status_code == 404


def test_relation_must_be_peer_or_lead(client, world):
    response = client.post(f"/api/v1/results/{world['ann']['token']}/raters", json={"relation": "boss"})
    assert response.status_code == 400 and "relation" in response.get_json()["details"]
    assert client.post(f"/api/v1/results/{world['ann']['token']}/raters", json={}).status_code == 400
    assert count(client.application, "rater_links") == 0


def test_at_most_twenty_links_per_result(client, world):
    token = world["ann"]["token"]
    for _ in range(storage.MAX_LINKS):
        make_link(client, token)
    response = client.post(f"/api/v1/results/{token}/raters", json={"relation": "lead"})
    assert response.status_code == 409
    assert "20" in response.get_json()["details"]["relation"]
    assert count(client.application, "rater_links") == storage.MAX_LINKS


def test_a_retake_keeps_a_members_ratings(client, app, world, questionnaire, observer):
    token = world["ann"]["token"]
    for rater in world["peers"][:3]:
        assert rate(client, make_link(client, token), rating(observer, 5, 5, 5), rater).status_code == 201
    retake = add_result(app, questionnaire, world["team"]["id"], "Ann 安", 2, 4)  # now 25 / 75, amiable
    for result in (token, retake["token"]):  # either of her result links shows the member's view
        view = others(client, result)
        assert view["others"]["n"] == 3
        assert view["self"] == {"axes": {"assertiveness": 25.0, "responsiveness": 75.0}, "style": "amiable"}
        assert view["gap"] == {"assertiveness": 75.0, "responsiveness": 25.0}


def test_outside_a_team_the_ratings_belong_to_the_result(client, questionnaire, observer):
    first = api_submit(client, questionnaire, axis_answers(questionnaire, 4, 2)).get_json()
    second = api_submit(client, questionnaire, axis_answers(questionnaire, 4, 2)).get_json()
    t1, t2 = (r["result_url"].split("/r/")[1].split("?")[0] for r in (first, second))
    link = make_link(client, t1, "lead")
    client.post(f"/api/v1/rate/{link}", json={"answers": rating(observer, 3, 3, 3)})
    assert (others(client, t1)["invited"], others(client, t1)["answered"]) == (1, 1)
    assert (others(client, t2)["invited"], others(client, t2)["answered"]) == (0, 0)


def test_team_others_for_the_trainer_only(client, world, observer):
    token = world["ann"]["token"]
    for kv, rater in zip((5, 4, 3), world["peers"]):
        rate(client, make_link(client, token), rating(observer, 4, 2, kv), rater)
    two = make_link(client, world["bob"]["token"])
    rate(client, two, rating(observer, 1, 1, 1), world["bobs_peer"])

    response = client.get(f"/api/v1/teams/{world['team']['id']}/others", headers=bearer(world["token_a"]))
    assert response.status_code == 200
    ann = next(m for m in response.get_json() if m["name"] == "Ann 安")
    assert ann["agent_id"] == world["ann"]["agent_id"]
    ann = next(m for m in response.get_json() if m["name"] == "Ann 安")
    assert ann["others"] == {"n": 3, "received": 3, "next_update": 6,
                             "axes": {"assertiveness": 75.0, "responsiveness": 25.0},
                             "versatility": 75.0, "style": "driver"}
    assert ann["gap"] == {"assertiveness": 0.0, "responsiveness": 0.0}

    # Bob's team (one answered peer): below the threshold nothing but counts.
    bob = next(m for m in client.get(f"/api/v1/teams/{world['team_b']['id']}/others",
                                     headers=bearer(world["token_b"])).get_json() if m["name"] == "Bob")
    assert (bob["invited"], bob["answered"], bob["others"], bob["gap"]) == (1, 1, None, None)

    # Another trainer's team: 404; nobody signed in: 401.
    assert client.get(f"/api/v1/teams/{world['team_b']['id']}/others",
                      headers=bearer(world["token_a"])).status_code == 404
    assert client.get(f"/api/v1/teams/{world['team']['id']}/others").status_code == 401


def test_a_trainer_rates_a_member_as_a_named_lead(client, world, observer):
    agent_id = world["ann"]["agent_id"]
    url = f"/api/v1/agents/{agent_id}/ratings"
    response = client.post(url, json={"answers": rating(observer, 3, 3, 3), "lang": "en"},
                           headers=bearer(world["token_a"]))
    assert response.status_code == 201 and response.get_json()["relation"] == "lead"
    # A second rating by the same trainer replaces the first.
    client.post(url, json={"answers": rating(observer, 5, 1, 4), "lang": "en"}, headers=bearer(world["token_a"]))
    view = others(client, world["ann"]["token"])
    assert view["leads"] == [{"rater": "Trainer: trainer-a", "axes": {"assertiveness": 100.0, "responsiveness": 0.0},
                              "versatility": 75.0, "style": "driver"}]
    assert view["others"] is None  # a lead never makes the peer mean appear

    # Access: another trainer 404, anonymous 401, bad answers 400; nothing stored.
    before = count(client.application, "rater_links")
    assert client.post(url, json={"answers": rating(observer, 3, 3, 3)},
                       headers=bearer(world["token_b"])).status_code == 404
    assert client.post(url, json={"answers": rating(observer, 3, 3, 3)}).status_code == 401
    assert client.post(url, json={"answers": {"a01": 3}}, headers=bearer(world["token_a"])).status_code == 400
    assert client.post("/api/v1/agents/999/ratings", json={"answers": rating(observer, 3, 3, 3)},
                       headers=bearer(world["token_a"])).status_code == 404
    assert count(client.application, "rater_links") == before


def test_removing_a_member_removes_their_ratings(app, client, world, observer):
    rate(client, make_link(client, world["ann"]["token"]), rating(observer, 3, 3, 3), world["peers"][0])
    db = connect(app)
    try:
        storage.delete_agent(db, world["ann"]["agent_id"])
    finally:
        db.close()
    assert count(app, "rater_links") == 0


def test_no_endpoint_shows_a_single_peer(client, world, observer):
    """With three distinct peer ratings, no figure of any one of them appears anywhere."""
    token = world["ann"]["token"]
    links = [make_link(client, token) for _ in range(3)]
    for link, (ka, kr, kv), rater in zip(links, ((5, 1, 2), (1, 5, 4), (3, 3, 3)), world["peers"]):
        rate(client, link, rating(observer, ka, kr, kv), rater)
    bodies = [client.get(f"/api/v1/results/{token}/others").get_data(as_text=True),
              client.get(f"/api/v1/teams/{world['team']['id']}/others",
                         headers=bearer(world["token_a"])).get_data(as_text=True)]
    bodies += [client.get(f"/api/v1/rate/{link}").get_data(as_text=True) for link in links]
    # Peers scored assertiveness 100 / 0 / 50 and responsiveness 0 / 100 / 50; the mean is 50 / 50,
    # self 75 / 25, the gap -25 / +25: a 100 or a 0 could only be one peer's own score.
    for body in bodies:
        assert "100.0" not in body and ":0.0" not in body, body


# --- can't say: null in the API ------------------------------------------------------------


def cant_say(q, answers: dict, scale: str, count: int) -> dict:
    """The first `count` items of a scale answered null ("can't say")."""
    ids = [i.id for i in q.items if i.axis == scale][:count]
    return {**answers, **{i: None for i in ids}}


def test_the_form_offers_cant_say_and_says_how_many_answers_a_scale_needs(client, world, observer):
    link = make_link(client, world["ann"]["token"])
    form = client.get(f"/api/v1/rate/{link}").get_json()["questionnaire"]
    assert form["version"] == 2
    assert form["cant_say"] == {"en": "Can't say", "zh": "无法判断"}
    assert form["min_answered"] == {"assertiveness": 4, "responsiveness": 4, "versatility": 4}


def test_null_is_cant_say_and_the_scores_use_the_answered_items(client, world, observer):
    """Documented: the served OpenAPI document says answers may be null, and the 201 matches it."""
    spec = client.get("/api/v1/openapi.json").get_json()
    answers_schema = spec["components"]["schemas"]["RatingIn"]["properties"]["answers"]
    assert {"type": "null"} in answers_schema["additionalProperties"]["anyOf"]
    assert "null" in answers_schema["description"] and "can't say" in answers_schema["description"]

    link = make_link(client, world["ann"]["token"])
    answers = rating(observer, 5, 4, 3)  # 100 / 75 / 50
    for scale in ("assertiveness", "responsiveness", "versatility"):
        answers = cant_say(observer, answers, scale, 4)  # half of every scale: still enough
    response = client.post(f"/api/v1/rate/{link}", json={"answers": answers, "lang": "zh", "rater": world["peers"][0]})
    assert response.status_code == 201, response.get_json()
    stored = rows(client.application, "SELECT answers, assertiveness, responsiveness, versatility "
                                      "FROM rater_links WHERE token = ?", [link])[0]
    assert (stored["assertiveness"], stored["responsiveness"], stored["versatility"]) == (100.0, 75.0, 50.0)
    import json
    assert sum(v is None for v in json.loads(stored["answers"]).values()) == 12  # kept as given


@pytest.mark.parametrize("scale", ["assertiveness", "responsiveness", "versatility"])
def test_a_scale_with_fewer_than_half_answered_is_a_400_naming_it(client, world, observer, scale):
    link = make_link(client, world["ann"]["token"])
    answers = cant_say(observer, rating(observer, 4, 4, 4), scale, 5)
    response = client.post(f"/api/v1/rate/{link}", json={"answers": answers, "lang": "en", "rater": world["peers"][0]})
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "Too many can't-say answers"
    assert body["details"] == {scale: f"3 of its 8 statements answered (5 can't say); answer at least 4 to rate {scale}"}
    assert rows(client.application, "SELECT answered_at FROM rater_links") == [{"answered_at": None}]
    # The link still works: the same rater sends enough answers.
    assert client.post(f"/api/v1/rate/{link}", json={"answers": cant_say(observer, rating(observer, 4, 4, 4), scale, 4),
                                                       "lang": "en", "rater": world["peers"][0]}).status_code == 201


def test_a_trainers_rating_takes_null_too_and_the_same_rule(client, world, observer):
    url = f"/api/v1/agents/{world['ann']['agent_id']}/ratings"
    auth = bearer(world["token_a"])
    short = cant_say(observer, rating(observer, 3, 3, 3), "versatility", 8)
    response = client.post(url, json={"answers": short}, headers=auth)
    assert response.status_code == 400 and set(response.get_json()["details"]) == {"versatility"}
    enough = cant_say(observer, rating(observer, 5, 1, 4), "versatility", 2)
    assert client.post(url, json={"answers": enough, "lang": "en"}, headers=auth).status_code == 201
    assert others(client, world["ann"]["token"])["leads"][0]["versatility"] == 75.0


def test_null_is_the_only_way_to_say_cant_say(client, world, observer):
    link = make_link(client, world["ann"]["token"])
    answers = {**rating(observer, 4, 4, 4), "a01": "x", "a02": 0}
    response = client.post(f"/api/v1/rate/{link}", json={"answers": answers, "rater": world["peers"][0]})
    assert response.status_code == 400
    details = response.get_json()["details"]
    assert set(details) == {"answers.a01", "answers.a02"}
    assert details["answers.a02"] == "0 is outside the scale 1 to 5"


def test_ratings_given_under_version_1_keep_counting_as_they_were(app, client, world, observer):
    """Version 1 of the observer form is archived; its stored ratings keep their scores."""
    assert app.extensions["questionnaire_versions"][(OBSERVER, 1)].scale.cant_say is None
    token = world["ann"]["token"]
    db = connect(app)
    try:
        for value in (100.0, 50.0):
            link = storage.create_link(db, world["ann"], "peer")
            storage.answer_link(db, link["token"], questionnaire=OBSERVER, version=1, lang="en",
                                answers={"a01": 5}, scores={"assertiveness": value, "responsiveness": value,
                                                            "versatility": value}, rater_key=f"colleague {value}")
    finally:
        db.close()
    assert client.post(f"/api/v1/rate/{make_link(client, token)}",
                       json={"answers": rating(observer, 1, 1, 1), "rater": world["peers"][0]}).status_code == 201  # v2: 0
    view = others(client, token)
    assert view["others"]["n"] == 3
    assert view["others"]["axes"] == {"assertiveness": 50.0, "responsiveness": 50.0}  # (100 + 50 + 0) / 3
