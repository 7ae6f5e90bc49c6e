"""The seven service abilities in the browser's pages (test client): rating forms with
anchors, the team analysis, the member block, the self-rating, access."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from assessment import storage
from assessment.abilities import load_readings
from assessment.model import ABILITIES
from assessment.questionnaire import load_all
from conftest import QUESTIONNAIRES
from helpers import add_result, connect, csrf_token, figure, make_team, make_trainer, page_text, rows, \
    signed_in_client, table

SCORECARD = load_all(QUESTIONNAIRES)["service-abilities"]


def form_data(value="3", **over):
    return {**{i.id: value for i in SCORECARD.items}, "period": "2024-02", "note": "", **over}


@pytest.fixture
def world(app, questionnaire):
    owner = make_trainer(app, "trainer-a")
    qc = make_trainer(app, "qc-1")
    make_trainer(app, "outsider")
    team = make_team(app, owner, "Team 一组")
    results = {n: add_result(app, questionnaire, team["id"], n, 4, 2) for n in ("Ann", "Bob", "Cat", "Dan", "Eve")}  # valid sheets
    db = connect(app)
    try:
        storage.set_role(db, qc, "qc")
        storage.add_team_staff(db, team["id"], "qc-1", "qc")
    finally:
        db.close()
    agents = {r["name"]: r["id"] for r in rows(app, "SELECT id, name FROM agents")}
    return {"team": team["id"], "agents": agents, "results": results}


def post_rating(client, agent_id, data):
    url = f"/trainer/agents/{agent_id}/abilities/rate"
    token = csrf_token(page_text(client.get(url)))
    return client.post(url, data={"csrf_token": token, **data})


def test_the_form_shows_every_behaviour_with_its_anchors(app, world):
    qc = signed_in_client(app, "qc-1")
    html = page_text(qc.get(f"/trainer/agents/{world['agents']['Ann']}/abilities/rate"))
    for item in SCORECARD.items:
        block = html[html.index(f'id="item-{item.id}"'):]
        block = block[:block.index("</fieldset>")]
        for point in ("1", "3", "5"):
            assert str(escape(item.anchors[point].en)) in block
        assert len(re.findall(rf'name="{item.id}" value="\d"', block)) == 5
    months = re.findall(r'<option value="(\d{4}-\d\d)"', html)
    assert months == sorted(months, reverse=True) and len(months) == 12  # no future month offered


def test_chinese_form(app, world):
    qc = signed_in_client(app, "qc-1", lang="zh")
    html = page_text(qc.get(f"/trainer/agents/{world['agents']['Ann']}/abilities/rate"))
    assert SCORECARD.items[0].anchors["5"].zh in html and "评分月份" in html


def test_missing_and_bad_values_are_named_and_nothing_is_lost(app, world):
    qc = signed_in_client(app, "qc-1")
    data = form_data("4", note="kept note", period="2024-01")
    del data["lis5"]
    data["und3"] = "9"
    response = post_rating(qc, world["agents"]["Ann"], data)
    assert response.status_code == 400
    html = page_text(response)
    assert 'id="err-lis5"' in html and 'id="err-und3"' in html and 'id="err-lis4"' not in html
    assert re.search(r'name="lis4" value="4" checked', html)  # kept
    assert "kept note" in html and '<option value="2024-01" selected>' in html
    assert rows(app, "SELECT * FROM ability_ratings") == []


def test_a_future_month_is_refused(app, world):
    qc = signed_in_client(app, "qc-1")
    response = post_rating(qc, world["agents"]["Ann"], form_data(period="9999-01"))
    assert response.status_code == 400 and 'id="period-error"' in page_text(response)
    assert rows(app, "SELECT * FROM ability_ratings") == []


def test_qc_rates_and_the_member_page_shows_the_abilities(app, world):
    qc = signed_in_client(app, "qc-1")
    response = post_rating(qc, world["agents"]["Ann"], form_data("2", period="2024-01"))
    assert response.status_code == 302
    post_rating(qc, world["agents"]["Ann"], form_data("4", period="2024-02", note="calm on hard calls"))
    stored = rows(app, "SELECT source, rater_id, period, overall, note FROM ability_ratings ORDER BY id")
    assert [(r["period"], r["overall"]) for r in stored] == [("2024-01", 2.0), ("2024-02", 4.0)]
    owner = signed_in_client(app, "trainer-a")
    html = page_text(owner.get(f"/trainer/agents/{world['agents']['Ann']}"))
    head, body = table(html, "member-ability-table")
    assert head[1:3] == ["2024-02", "2024-01"]
    assert body[0][1:3] == ["4.00", "2.00"]
    assert "calm on hard calls" in html and "qc-1" in html
    assert figure(html, "abilities_radar")["data"][-1]["r"][:7] == [4.0] * 7
    assert [t["name"] for t in figure(html, "abilities_trend")["data"]] == [
        "Listening", "Understanding", "Problem solving", "Expression", "Emotional control", "Learning",
        "Attention to detail"]


def _rate_team(app, world):
    """February: Ann and Dan 5 on listening and 1 on learning (3 elsewhere), Bob and Eve 1 on listening and 5
    on learning, Cat 3 everywhere (five rated: enough for a team verdict). January: everybody 2."""
    qc = signed_in_client(app, "qc-1")
    for name in ("Ann", "Bob", "Cat", "Dan", "Eve"):
        post_rating(qc, world["agents"][name], form_data("2", period="2024-01"))
    lis = [i.id for i in SCORECARD.items if i.ability == "listening"]
    lrn = [i.id for i in SCORECARD.items if i.ability == "learning"]
    for name in ("Ann", "Dan"):
        post_rating(qc, world["agents"][name], form_data(**{i: "5" for i in lis}, **{i: "1" for i in lrn}))
    for name in ("Bob", "Eve"):
        post_rating(qc, world["agents"][name], form_data(**{i: "1" for i in lis}, **{i: "5" for i in lrn}))
    post_rating(qc, world["agents"]["Cat"], form_data())


def test_team_analysis_page(app, world):
    _rate_team(app, world)
    client = app.test_client()
    client.get("/?lang=en")
    from helpers import login
    login(client, "trainer-a")
    own = client.post(f"/r/{world['results']['Ann']['token']}/abilities",
                      data={"csrf_token": csrf_token(page_text(client.get(f"/r/{world['results']['Ann']['token']}/abilities"))),
                            **form_data("4")})
    assert own.status_code == 302
    html = page_text(client.get(f"/trainer/teams/{world['team']}/abilities?period=2024-02&x=listening&y=learning"))
    head, body = table(html, "ability-stats")
    stats = {r[0]: r[1:] for r in body}
    assert stats["Listening"][:3] == ["3.00", "2.00", "0.67"]  # 5, 1, 3, 5, 1
    assert stats["Listening"][3] == "Uneven team"
    assert stats["Understanding"][:3] == ["3.00", "0.00", "0.00"]
    assert stats["Understanding"][3] == "Steady"
    assert "Weakest ability: Listening" in html  # all means equal: the first in order
    assert SCORECARD.abilities["listening"].practices[0].en.split(":")[0] in html
    radar = figure(html, "ability-radar")
    assert radar["data"][-1]["r"][:7] == [3.0] * 7
    assert radar["data"][0]["r"][0] == 5.0  # 3 + SD 2 band top on listening
    trend = figure(html, "ability-trend")
    assert trend["data"][0]["x"] == ["2024-01", "2024-02"] and trend["data"][0]["y"] == [2.0, 3.0]
    strong_x = re.search(r'<ul class="strong-x">(.*?)</ul>', html, re.S).group(1)
    strong_y = re.search(r'<ul class="strong-y">(.*?)</ul>', html, re.S).group(1)
    assert "Ann" in strong_x and "Bob" not in strong_x and "Bob" in strong_y
    _head, gaps = table(html, "ability-gaps")
    ann = next(r for r in gaps if r[0] == "Ann")
    assert ann[1] == "-1.00" and ann[6] == "+3.00"  # self 4 - staff 5 listening, 4 - 1 learning
    months = re.findall(r'<option value="(\d{4}-\d\d)"( selected)?>', html)
    assert ("2024-02", " selected") in months and ("2024-01", "") in months


def test_team_page_in_chinese_and_with_bad_choices(app, world):
    _rate_team(app, world)
    owner = signed_in_client(app, "trainer-a", lang="zh")
    html = page_text(owner.get(f"/trainer/teams/{world['team']}/abilities?period=2024-02&x=learning&y=learning"))
    assert "最弱的能力" in html and "请选择两项不同的能力。" in html
    html = page_text(owner.get(f"/trainer/teams/{world['team']}/abilities?period=bogus"))
    assert "请从列表中选择月份。" in html


def test_dashboard_links_to_the_analysis(app, world):
    owner = signed_in_client(app, "trainer-a")
    assert f"/trainer/teams/{world['team']}/abilities" in page_text(owner.get(f"/trainer/teams/{world['team']}"))


@pytest.mark.parametrize("url", ["/trainer/teams/{team}/abilities", "/trainer/agents/{agent}/abilities/rate"])
def test_someone_off_the_team_gets_404(app, world, url):
    outsider = signed_in_client(app, "outsider")
    assert outsider.get(url.format(team=world["team"], agent=world["agents"]["Ann"])).status_code == 404


def test_outsider_cannot_post_a_rating(app, world):
    outsider = signed_in_client(app, "outsider")
    token = csrf_token(page_text(outsider.get("/trainer/")))
    response = outsider.post(f"/trainer/agents/{world['agents']['Ann']}/abilities/rate",
                             data={"csrf_token": token, **form_data()})
    assert response.status_code == 404 and rows(app, "SELECT * FROM ability_ratings") == []


def test_the_result_page_links_to_the_self_rating_and_it_saves(app, world):
    agent = app.test_client()
    token = world["results"]["Bob"]["token"]
    result = page_text(agent.get(f"/r/{token}?lang=en"))
    assert f"/r/{token}/abilities" in result
    page = page_text(agent.get(f"/r/{token}/abilities"))
    assert "team lead can compare" in page and SCORECARD.items[3].anchors["1"].en[:30] in page
    response = agent.post(f"/r/{token}/abilities", data={"csrf_token": csrf_token(page), **form_data("5")})
    assert response.status_code == 302
    stored = rows(app, "SELECT source, agent_id, response_id, overall FROM ability_ratings")
    assert stored == [{"source": "self", "agent_id": world["agents"]["Bob"], "response_id": world["results"]["Bob"]["id"],
                       "overall": 5.0}]
    again = page_text(agent.get(f"/r/{token}/abilities"))
    assert "Your latest self-rating (2024-02)" in again
    assert agent.get("/r/no-such-token/abilities").status_code == 404


# Item ids of scorecard version 1: never reused, so a stored rating's ids say its version.
SCORECARD_V1_IDS = {"lis1", "lis2", "lis3", "und1", "und2", "sol1", "sol2", "sol3", "exp1", "exp2", "exp3",
                    "emo1", "emo2", "emo3", "lrn1", "lrn2", "lrn3", "det1", "det2", "det3"}


def test_scorecard_version_2_reuses_no_item_id_of_version_1():
    assert SCORECARD.version == 2
    assert not SCORECARD_V1_IDS & {i.id for i in SCORECARD.items}


def test_a_rating_given_under_version_1_still_shows_as_it_was(app, world):
    v1_abilities = {"listening": 4.67, "understanding": 3.5, "problem_solving": 2.0, "expression": 3.0,
                    "emotional_control": 4.0, "learning": 3.33, "attention_to_detail": 5.0}
    db = connect(app)
    try:
        storage.save_ability_rating(db, agent_id=world["agents"]["Ann"], team_id=world["team"], source="staff",
                                    period="2023-12", ratings={i: 3 for i in SCORECARD_V1_IDS},
                                    abilities=v1_abilities, overall=3.64)
    finally:
        db.close()
    qc = signed_in_client(app, "qc-1")
    assert post_rating(qc, world["agents"]["Ann"], form_data("4", period="2024-01")).status_code == 302
    html = page_text(signed_in_client(app, "trainer-a").get(f"/trainer/agents/{world['agents']['Ann']}"))
    head, body = table(html, "member-ability-table")
    assert head[1:3] == ["2024-01", "2023-12"]
    assert [row[2] for row in body[:7]] == [f"{v:.2f}" for v in v1_abilities.values()]
    assert [row[1] for row in body[:7]] == ["4.00"] * 7


@pytest.mark.parametrize("lang, verdict, caution", [
    ("en", "Weakest ability", "Too few rated for a team verdict"),
    ("zh", "最弱的能力", "评分人数太少，不足以评价全组"),
])
def test_below_five_rated_members_the_page_gives_figures_and_a_caution_never_a_verdict(app, world, lang, verdict,
                                                                                      caution):
    qc = signed_in_client(app, "qc-1")
    lrn = [i.id for i in SCORECARD.items if i.ability == "learning"]
    for name in ("Ann", "Bob"):  # 2 of 5 rated, both weak on learning: a "team gap" on 2 people
        post_rating(qc, world["agents"][name], form_data("4", **{i: "1" for i in lrn}))
    owner = signed_in_client(app, "trainer-a", lang=lang)
    html = page_text(owner.get(f"/trainer/teams/{world['team']}/abilities?period=2024-02"))
    assert caution in html and verdict + ("：" if lang == "zh" else ":") not in html
    assert 'class="card weakest"' not in html and 'class="card readings"' not in html
    _head, body = table(html, "ability-stats")
    learning = next(r for r in body if r[0] in ("Learning", "学习"))
    assert learning[1:4] == ["1.00", "0.00", "0.00"] and learning[4] == "–"  # the figures, no reading
    readings = load_readings(QUESTIONNAIRES / "service-abilities.toml")
    for key in ("team_gap", "uneven", "strength"):
        assert readings[key].advice.get(lang) not in html
    # The fifth rating turns the verdict on.
    for name in ("Cat", "Dan", "Eve"):
        post_rating(qc, world["agents"][name], form_data("4", **{i: "1" for i in lrn}))
    html = page_text(owner.get(f"/trainer/teams/{world['team']}/abilities?period=2024-02"))
    assert verdict in html and caution not in html and 'class="card weakest"' in html


def test_the_agents_self_rating_page_says_ni_never_nin(app, world):
    """Agent-facing pages use 你, as the result page does; 您 only inside a line said to a customer."""
    token = world["results"]["Ann"]["token"]
    client = app.test_client()
    html = page_text(client.get(f"/r/{token}/abilities?lang=zh"))
    client.post(f"/r/{token}/abilities", data={"csrf_token": csrf_token(html), **form_data("4")})
    for page in (html, page_text(client.get(f"/r/{token}/abilities?lang=zh"))):
        outside_quotes = re.sub(r"“[^”]*”", "", page)
        assert "您" not in outside_quotes and "你" in outside_quotes
