"""The trainer workspace through the browser's eyes (Flask test client):
sign-in, teams and invitations, dashboards, agent detail, exports and access control."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from markupsafe import escape

from assessment.model import STYLES
from call_samples import add_call
from conftest import csrf_token, style_answers
from helpers import (
    KNOWN,
    add_known_members,
    add_result,
    api_submit,
    axis_answers,
    count,
    coverage_cards,
    figure,
    join_and_take,
    login,
    make_team,
    make_trainer,
    page_text,
    rows,
    table,
    tables_with_header,
)

EN = {"Accept-Language": "en-GB,en;q=0.9"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN_NAMES = {"driver": "Driver", "expressive": "Expressive", "amiable": "Amiable", "analytical": "Analytical"}
EXPORT_HEADER = [
    "id", "created_at", "team", "name", "employee_id", "style", "secondary_style", "clarity",
    "assertiveness", "responsiveness", "driver", "expressive", "amiable", "analytical",
    "flags", "questionnaire", "questionnaire_version", "lang", "agent_id", "scoring_version", "valid", "confidence",
]


# trainer, signed_in (trainer-a, pages in English) and team ("Morning shift 早班") come from conftest.py.


def _session(client) -> dict:
    with client.session_transaction() as s:
        return dict(s)


# --- sign-in and sign-out --------------------------------------------------------

@pytest.mark.parametrize("headers, query, html_lang, heading, button, label", [
    (ZH, "", "zh-CN", "培训师登录", "登录", "用户名"),
    (EN, "", "en", "Trainer sign-in", "Sign in", "Username"),
    (ZH, "?lang=en", "en", "Trainer sign-in", "Sign in", "Username"),
    (EN, "?lang=zh", "zh-CN", "培训师登录", "登录", "用户名"),
])
def test_login_page_in_both_languages(client, headers, query, html_lang, heading, button, label):
    response = client.get("/trainer/login" + query, headers=headers)
    html = page_text(response)
    assert response.status_code == 200
    assert f'<html lang="{html_lang}">' in html
    assert f"<h1>{heading}</h1>" in html
    assert f">{button}</button>" in html
    assert f">{label}</label>" in html
    assert 'name="password"' in html and 'type="password"' in html


@pytest.mark.parametrize("username, password, message", [
    ("trainer-a", "wrong-password", "That username and password do not match."),
    ("trainer-a", "Correct-horse-1", "That username and password do not match."),
    ("nobody", "correct-horse-1", "That username and password do not match."),
    ("trainer-a", "", "Enter your password."),
    ("", "correct-horse-1", "Enter your username."),
])
def test_wrong_credentials_show_an_error_and_start_no_session(client, trainer, username, password, message):
    client.get("/?lang=en")
    response = login(client, username, password)
    assert response.status_code == 400
    assert message in page_text(response)
    assert "_user_id" not in _session(client)
    assert client.get("/trainer/").status_code == 302


def test_wrong_password_error_in_chinese(client, trainer):
    client.get("/?lang=zh")
    response = login(client, "trainer-a", "wrong-password")
    assert response.status_code == 400
    assert "用户名和密码不匹配。" in page_text(response)


def test_login_is_case_insensitive_for_username_and_opens_the_workspace(client, trainer):
    response = login(client, "  TRAINER-A ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/trainer/"
    assert client.get("/trainer/").status_code == 200
    # Signed in, the login page sends the trainer on to their teams.
    assert client.get("/trainer/login").headers["Location"] == "/trainer/"


def test_login_starts_a_fresh_session_keeping_only_the_language(client, trainer):
    client.get("/?lang=en")
    with client.session_transaction() as s:
        s["planted"] = "set before sign-in"
        s["member"] = {"team_id": 1, "team_name": "x", "name": "someone", "employee_id": None}
    assert login(client, "trainer-a").status_code == 302
    after = _session(client)
    # Only the language survives; Flask-Login's own "_" keys are the new session.
    assert {k for k in after if not k.startswith("_")} == {"lang"}
    assert after["lang"] == "en"
    assert after["_user_id"].split(":")[0] == str(trainer)  # "<id>:<session epoch>"
    assert "My teams" in page_text(client.get("/trainer/"))


@pytest.mark.parametrize("next_url, lands_on", [
    ("/trainer/all", "/trainer/all"),
    ("/trainer/teams/1?sort=date", "/trainer/teams/1?sort=date"),
    ("//evil.example/x", "/trainer/"),
    ("https://evil.example/", "/trainer/"),
    ("/\\evil.example", "/trainer/"),
    ("/\t/evil.example", "/trainer/"),   # browsers drop the tab: //evil.example
    ("/\n/evil.example", "/trainer/"),
])
def test_login_returns_to_a_local_page_only(app, client, trainer, next_url, lands_on):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # see the status a browser would get
    html = page_text(client.get("/trainer/login", query_string={"next": next_url}))
    response = client.post("/trainer/login", query_string={"next": next_url},
                           data={"csrf_token": csrf_token(html), "username": "trainer-a", "password": "correct-horse-1"})
    assert response.status_code == 302
    assert response.headers["Location"] == lands_on


def test_anonymous_page_remembers_where_to_return(client, trainer, team):
    response = client.get(f"/trainer/teams/{team['id']}?sort=date")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/trainer/login?next=")
    html = page_text(client.get(response.headers["Location"]))
    back = client.post(response.headers["Location"],
                       data={"csrf_token": csrf_token(html), "username": "trainer-a", "password": "correct-horse-1"})
    assert back.headers["Location"] == f"/trainer/teams/{team['id']}?sort=date"


def test_logout_needs_post_with_csrf_and_ends_access(signed_in):
    client = signed_in
    assert client.get("/trainer/logout").status_code == 405
    assert client.post("/trainer/logout").status_code == 400  # no CSRF token: still signed in
    html = page_text(client.get("/trainer/"))
    assert "_user_id" in _session(client)
    response = client.post("/trainer/logout", data={"csrf_token": csrf_token(html)})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/trainer/login")
    assert "You are signed out." in page_text(client.get(response.headers["Location"]))
    assert "_user_id" not in _session(client)
    assert _session(client).get("lang") == "en"
    assert client.get("/trainer/").status_code == 302
    assert client.get("/trainer/all/export.csv").status_code == 302


# --- teams ---------------------------------------------------------------------------

def _create_team(client, name):
    html = page_text(client.get("/trainer/"))
    return client.post("/trainer/teams", data={"csrf_token": csrf_token(html), "name": name})


@pytest.mark.parametrize("typed, stored", [
    ("Morning shift", "Morning shift"),
    ("  晚班   二组 ", "晚班 二组"),
    ("x" * 80, "x" * 80),
    ("R&D <夜班>", "R&D <夜班>"),
])
def test_create_team_through_the_form(app, signed_in, typed, stored):
    response = _create_team(signed_in, typed)
    assert response.status_code == 302
    teams = rows(app, "SELECT * FROM teams")
    assert [t["name"] for t in teams] == [stored]
    assert response.headers["Location"] == f"/trainer/teams/{teams[0]['id']}"
    code = teams[0]["invite_code"]
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{6}", code)
    html = page_text(signed_in.get(response.headers["Location"]))
    assert str(escape(stored)) in html
    assert code in html
    assert f"/join/{code}" in html  # the invite link to share
    home = page_text(signed_in.get("/trainer/"))
    assert str(escape(stored)) in home and code in home


@pytest.mark.parametrize("name, message", [
    ("", "Give the team a name."),
    ("   ", "Use 1 to 80 characters."),
    ("x" * 81, "Use 1 to 80 characters."),
    ("Team \u202eevil", "Use letters, digits and ordinary punctuation only."),
    ("Team\u200bname", "Use letters, digits and ordinary punctuation only."),
    ("Tab\x07bell", "Use letters, digits and ordinary punctuation only."),
])
def test_create_team_rejects_bad_names(app, signed_in, name, message):
    response = _create_team(signed_in, name)
    assert response.status_code == 400
    html = page_text(response)
    assert re.search(r'<p class="field-error" id="name-error">' + re.escape(message) + "</p>", html)
    assert 'aria-invalid="true"' in html
    assert count(app, "teams") == 0


def test_create_team_without_csrf_token_is_refused(app, signed_in):
    assert signed_in.post("/trainer/teams", data={"name": "Sneaky"}).status_code == 400
    assert count(app, "teams") == 0


# --- invitations and agents joining ---------------------------------------------------

def test_invite_link_shows_the_team(client, app, trainer):
    team = make_team(app, trainer, "R&D <夜班>")
    response = client.get(f"/join/{team['invite_code']}", headers=EN)
    assert response.status_code == 200
    html = page_text(response)
    assert "R&amp;D &lt;夜班&gt;" in html and "<夜班>" not in html
    assert 'name="name"' in html and 'name="employee_id"' in html


# 0 and 1 are not in the code alphabet, so no team can ever have this code.
@pytest.mark.parametrize("headers, message", [
    (EN, "No team has the code ZZ0ZZ1. Check it with your trainer."),
    (ZH, "没有团队使用代码 ZZ0ZZ1，请向培训师核对。"),
])
def test_unknown_invite_code_is_404_with_a_clear_message(client, app, trainer, headers, message):
    make_team(app, trainer, "Some team")
    response = client.get("/join/ZZ0ZZ1", headers=headers)
    assert response.status_code == 404
    assert message in page_text(response)


@pytest.mark.parametrize("typed", [
    lambda c: c.lower(),
    lambda c: f"{c[:3].lower()} {c[3:].lower()}",
    lambda c: f"  {c[:2]}-{c[2:4]} {c[4:].lower()} ",
])
def test_typed_code_finds_the_team(client, team, typed):
    response = client.get("/join", query_string={"code": typed(team["invite_code"])})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/join/{team['invite_code']}"
    assert "Morning shift 早班" in page_text(client.get(response.headers["Location"]))


def test_typed_unknown_code_explains(client, team):
    response = client.get("/join", query_string={"code": "zz 01 zz"}, headers=EN)
    assert response.status_code == 400
    assert "No team has the code" in page_text(response)


def test_join_requires_a_name(client, team, app):
    code = team["invite_code"]
    html = page_text(client.get(f"/join/{code}", headers=EN))
    response = client.post(f"/join/{code}", headers=EN, data={"csrf_token": csrf_token(html), "name": "  "})
    assert response.status_code == 400
    assert "member" not in _session(client)


def test_three_agents_join_and_the_dashboard_shows_them(app, questionnaire, team, signed_in):
    code = team["invite_code"]
    agents = [
        ("张伟", "E001", "driver", ZH),
        ("Amy Chen", "", "amiable", EN),
        ("Kevin Wu", "E003", "analytical", EN),
    ]
    for name, employee_id, style, headers in agents:
        agent_client = app.test_client()
        done = join_and_take(agent_client, questionnaire, code, name, employee_id,
                             style_answers(questionnaire, style), headers)
        # The agent keeps a private result link of their own.
        assert agent_client.get(done.headers["Location"], headers=headers).status_code == 200
    stored = rows(app, "SELECT agents.name, responses.lang, responses.style FROM responses "
                       "JOIN agents ON agents.id = responses.agent_id ORDER BY responses.id")
    assert stored == [
        {"name": "张伟", "lang": "zh", "style": "driver"},
        {"name": "Amy Chen", "lang": "en", "style": "amiable"},
        {"name": "Kevin Wu", "lang": "en", "style": "analytical"},
    ]
    html = page_text(signed_in.get(f"/trainer/teams/{team['id']}"))
    _head, members = table(html, "members")
    assert [m[0] for m in members] == ["Amy Chen", "Kevin Wu E003", "张伟 E001"]  # with employee ids
    _head, mix = table(html, "data-table")
    assert {r[0]: r[1] for r in mix} == {"Driver": "1", "Expressive": "0", "Amiable": "1", "Analytical": "1"}
    assert sorted(figure(html, "map")["data"][0]["text"]) == sorted(["张伟", "Amy Chen", "Kevin Wu"])


def test_member_banner_while_taking_and_cleared_after(app, questionnaire, team):
    client = app.test_client()
    html = page_text(client.get(f"/join/{team['invite_code']}", headers=EN))
    client.post(f"/join/{team['invite_code']}", headers=EN,
                data={"csrf_token": csrf_token(html), "name": "Grace Lin", "employee_id": ""})
    page = page_text(client.get(f"/q/{questionnaire.slug}/1", headers=EN))
    assert "member-banner" in page
    assert "Taking it for team Morning shift 早班 as Grace Lin." in page
    join_and_take(client, questionnaire, team["invite_code"], "Grace Lin", headers=EN)
    assert "member" not in _session(client)
    assert "member-banner" not in page_text(client.get(f"/q/{questionnaire.slug}/1", headers=EN))
    # The next person at the same desk is not filed under Grace's name.
    answers = axis_answers(questionnaire, 2, 2)
    for number, items in enumerate(questionnaire.pages, start=1):
        url = f"/q/{questionnaire.slug}/{number}"
        token = csrf_token(page_text(client.get(url)))
        client.post(url, data={**{i.id: str(answers[i.id]) for i in items}, "csrf_token": token})
    assert [r["team_id"] for r in rows(app, "SELECT team_id FROM responses ORDER BY id")] == [team["id"], None]


def test_leaving_the_team_before_answering(app, team):
    client = app.test_client()
    html = page_text(client.get(f"/join/{team['invite_code']}"))
    client.post(f"/join/{team['invite_code']}", data={"csrf_token": csrf_token(html), "name": "Wrong Person"})
    assert "member" in _session(client)
    page = page_text(client.get("/q/communication-style/1"))
    client.post("/join/leave", data={"csrf_token": csrf_token(page)})
    assert "member" not in _session(client)


@pytest.mark.parametrize("first, second, agents, latest_name", [
    (("Wang Fang", "E100"), ("王芳", "E100"), 1, "王芳"),          # same employee id, new name
    (("Wang Fang", "e100"), ("Wang Fang", " E100 "), 1, "Wang Fang"),  # employee id case and spaces
    (("Li Lei", ""), ("  li   LEI ", ""), 1, "li LEI"),          # same name, other case and spacing
    (("Li Lei", "E1"), ("Li Lei", "E2"), 2, None),              # two people with one name
    (("Li Lei", ""), ("Li Mei", ""), 2, None),
])
def test_retakes_form_a_history(app, questionnaire, team, signed_in, first, second, agents, latest_name):
    """Retakes on the same phone: its member key proves the person, the name or employee id says which."""
    phone = app.test_client()
    for (name, employee_id), (ka, kr) in zip((first, second), ((4, 2), (2, 5))):
        join_and_take(phone, questionnaire, team["invite_code"], name, employee_id,
                      axis_answers(questionnaire, ka, kr), EN)
    stored = rows(app, "SELECT id, name FROM agents")
    assert len(stored) == agents
    assert count(app, "responses") == 2
    if agents == 1:
        agent = stored[0]
        assert agent["name"] == latest_name
        html = page_text(signed_in.get(f"/trainer/agents/{agent['id']}"))
        every = tables_with_header(html, "Date")
        assert len(every) == 1 and len(every[0]) == 2
        assert [r[1] for r in every[0]] == ["Amiable", "Driver"]  # newest first
        _head, members = table(page_text(signed_in.get(f"/trainer/teams/{team['id']}")), "members")
        assert len(members) == 1
        assert members[0][1] == "Amiable was Driver"  # latest style, and the one before
        assert members[0][3] == "2"  # results


# --- dashboard ---------------------------------------------------------------------------

def test_dashboard_numbers_match_hand_computation(app, questionnaire, team, signed_in):
    # 甲 retook: only the latest (KNOWN) result counts for the numbers.
    add_result(app, questionnaire, team["id"], KNOWN[0][0], 5, 1, created_at="2024-01-01T09:00:00+00:00")
    add_known_members(app, questionnaire, team["id"])
    html = page_text(signed_in.get(f"/trainer/teams/{team['id']}"))
    assert re.search(r'stat-value">3</span><span class="stat-label">members with a result', html)
    assert re.search(r'stat-value">4</span><span class="stat-label">results, retakes included', html)
    _head, numbers = table(html, "numbers")
    assert numbers == [
        # scale, mean, SD, CV: worked out by hand in helpers.KNOWN_SCALES
        ["Assertiveness", "50.0", "25.0", "0.50"],
        ["Responsiveness", "66.7", "38.2", "0.57"],
        ["Driver", "41.7", "31.5", "0.75"],
        ["Expressive", "58.3", "7.2", "0.12"],
        ["Amiable", "58.3", "31.5", "0.54"],
        ["Analytical", "41.7", "7.2", "0.17"],
    ]
    _head, mix = table(html, "data-table")
    assert mix == [["Driver", "1", "33.3%"], ["Expressive", "1", "33.3%"], ["Amiable", "1", "33.3%"], ["Analytical", "0", "0.0%"]]
    for name, _ka, _kr in KNOWN:
        assert name in html
    scatter = figure(html, "map")["data"][0]
    points = dict(zip(scatter["text"], zip(scatter["x"], scatter["y"])))
    assert points == {"甲 Amiable": (25.0, 100.0), "乙 Expressive": (50.0, 75.0), "丙 Driver": (75.0, 25.0)}
    radar = figure(html, "radar")["data"][-1]
    assert radar["r"][:4] == pytest.approx([41.667, 58.333, 58.333, 41.667], abs=1e-3)


def test_coverage_cards_mark_thin_customer_types(app, questionnaire, team, signed_in):
    add_known_members(app, questionnaire, team["id"])
    cards = coverage_cards(page_text(signed_in.get(f"/trainer/teams/{team['id']}")))
    assert set(cards) == set(STYLES)
    # affinity >= 60: Driver 丙 (75); Expressive 甲, 乙 (62.5); Amiable 甲 (87.5), 乙 (62.5); Analytical nobody
    # Three members: the counts, and no verdict on the team (fewer than five).
    assert not any('badge thin' in card or 'class="advice"' in card for card in cards.values())
    assert "Only 3 members have a result: too few to call any type thin" in page_text(
        signed_in.get(f"/trainer/teams/{team['id']}"))
    assert "1 member fits" in cards["driver"] and "丙 Driver" in cards["driver"]
    assert "2 members fit" in cards["amiable"]
    assert cards["amiable"].index("甲 Amiable") < cards["amiable"].index("乙 Expressive")  # best fit first
    assert "0 members fit" in cards["analytical"]
    # Five members: thin types are named, with what to practise.
    add_result(app, questionnaire, team["id"], "丁 Expressive", 3, 4)
    add_result(app, questionnaire, team["id"], "戊 Expressive", 3, 4)
    html = page_text(signed_in.get(f"/trainer/teams/{team['id']}"))
    cards = coverage_cards(html)
    thin = {s: 'badge thin' in card for s, card in cards.items()}
    assert thin == {"driver": True, "expressive": False, "amiable": False, "analytical": True}
    assert 'class="advice"' in cards["analytical"] and 'class="advice"' not in cards["amiable"]
    assert "too few to call any type thin" not in html


def test_dashboard_and_agent_detail_in_chinese(app, questionnaire, team, signed_in):
    add_known_members(app, questionnaire, team["id"])
    html = page_text(signed_in.get(f"/trainer/teams/{team['id']}?lang=zh"))
    assert '<html lang="zh-CN">' in html
    for text in ("团队看板", "风格分布", "统计数据", "客户类型覆盖情况", "薄弱"):
        assert text in html, text
    _head, mix = table(html, "data-table")
    assert [r[0] for r in mix] == ["支配型", "表达型", "和蔼型", "分析型"]
    # Chinese punctuation between names and after labels: 2 位成员适合：甲、乙
    amiable = re.sub(r"<[^>]+>", "", coverage_cards(html)["amiable"])
    assert re.search(r"2 位成员适合：甲 Amiable、乙 Expressive", amiable), amiable
    agent_id = rows(app, "SELECT id FROM agents ORDER BY id")[0]["id"]
    detail = page_text(signed_in.get(f"/trainer/agents/{agent_id}"))
    assert "全部测评结果" in detail and "和蔼型" in detail
    english = re.sub(r"<[^>]+>", "", coverage_cards(page_text(signed_in.get(f"/trainer/teams/{team['id']}?lang=en")))["amiable"])
    assert "2 members fit: 甲 Amiable, 乙 Expressive" in english


def test_what_changed_shows_each_move_and_marks_the_member(app, questionnaire, team, signed_in):
    # (2, 2) analytical, (2, 5) amiable, (4, 2) driver, (4, 4) expressive
    for name, takes in {"Ana": [(2, 2), (2, 5)], "Bo": [(4, 2), (4, 2)], "Cy": [(4, 4)],
                        "Di": [(4, 4), (4, 2), (2, 5)]}.items():
        for ka, kr in takes:
            add_result(app, questionnaire, team["id"], name, ka, kr)
    html = page_text(signed_in.get(f"/trainer/teams/{team['id']}"))
    assert "3 members have taken it more than once. 2 of them now show a different style from their previous result." in html
    _head, moves = table(html, "moves")
    assert moves == [["Driver", "→ Amiable", "1"], ["Analytical", "→ Amiable", "1"]]
    _head, members = table(html, "members")
    style_cells = {row[0]: row[1] for row in members}
    assert style_cells == {"Ana": "Amiable was Analytical", "Bo": "Driver", "Cy": "Expressive", "Di": "Amiable was Driver"}

    zh = page_text(signed_in.get(f"/trainer/teams/{team['id']}?lang=zh"))
    assert "有 3 位成员测评过不止一次。其中 2 位的最新风格与上一次不同。" in zh
    assert "之前：分析型" in zh


def test_what_changed_before_anyone_retakes(app, questionnaire, team, signed_in):
    add_result(app, questionnaire, team["id"], "Solo", 4, 2)
    html = page_text(signed_in.get(f"/trainer/teams/{team['id']}"))
    assert "No retakes yet." in html and 'class="data-table moves"' not in html


def test_empty_dashboard_invites_sharing(signed_in, team):
    response = signed_in.get(f"/trainer/teams/{team['id']}")
    assert response.status_code == 200
    html = page_text(response)
    assert "No results in this period yet." in html
    assert team["invite_code"] in html


@pytest.fixture
def dated_team(app, questionnaire, team):
    """Four members with distinct names, styles, latest dates and result counts."""
    plan = [
        # name, (ka, kr) of latest, latest date, number of results
        ("anna", (2, 5), "2024-03-01", 3),   # amiable
        ("Bao", (4, 2), "2024-02-01", 1),    # driver
        ("Chen", (4, 4), "2024-01-15", 2),   # expressive
        ("dai", (2, 2), "2024-04-01", 4),    # analytical
    ]
    for name, (ka, kr), date, results in plan:
        for n in range(results - 1):
            add_result(app, questionnaire, team["id"], name, 3, 4, created_at=f"2023-1{n}-01T08:00:00+00:00")
        add_result(app, questionnaire, team["id"], name, ka, kr, created_at=f"{date}T08:00:00+00:00")
    return team


def _member_names(html):
    _head, body = table(html, "members")
    return [r[0] for r in body]


@pytest.mark.parametrize("sort, direction, order", [
    ("name", "asc", ["anna", "Bao", "Chen", "dai"]),
    ("name", "desc", ["dai", "Chen", "Bao", "anna"]),
    # in the order the whole app lists styles, whatever the language: Driver, Expressive, Amiable, Analytical
    ("style", "asc", ["Bao", "Chen", "anna", "dai"]),
    ("style", "desc", ["dai", "anna", "Chen", "Bao"]),
    ("date", "asc", ["Chen", "Bao", "anna", "dai"]),
    ("date", "desc", ["dai", "anna", "Bao", "Chen"]),
    ("results", "asc", ["Bao", "Chen", "anna", "dai"]),
    ("results", "desc", ["dai", "anna", "Chen", "Bao"]),
    ("nonsense", "asc", ["anna", "Bao", "Chen", "dai"]),  # unknown sort falls back to name
])
def test_member_table_sorts(signed_in, dated_team, sort, direction, order):
    response = signed_in.get(f"/trainer/teams/{dated_team['id']}?sort={sort}&dir={direction}")
    assert response.status_code == 200
    html = page_text(response)
    assert _member_names(html) == order
    head, body = table(html, "members")
    assert [r[3] for r in body] == [{"anna": "3", "Bao": "1", "Chen": "2", "dai": "4"}[n] for n in order]


def test_sort_links_toggle_direction(signed_in, dated_team):
    html = page_text(signed_in.get(f"/trainer/teams/{dated_team['id']}?sort=date&dir=asc"))
    assert 'aria-sort="ascending"' in html
    # The column's own link (the language switch keeps the address's sort too, with lang=).
    link = re.search(r'<th[^>]*>\s*<a href="([^"]*sort=date[^"]*)"', html).group(1).replace("&amp;", "&")
    assert "dir=desc" in link
    assert _member_names(page_text(signed_in.get(link))) == ["dai", "anna", "Bao", "Chen"]


@pytest.mark.parametrize("query, members", [
    ("since=2024-02-01&until=2024-03-01", ["anna", "Bao"]),
    ("since=2024-03-01", ["anna", "dai"]),
    ("until=2024-01-31", ["anna", "Chen", "dai"]),  # their latest results in the window: 2023 and January
    ("since=2025-01-01", []),
])
def test_date_filter_narrows_the_dashboard(signed_in, dated_team, query, members):
    html = page_text(signed_in.get(f"/trainer/teams/{dated_team['id']}?{query}"))
    if members:
        assert _member_names(html) == members
    else:
        assert "No results in this period yet." in html


@pytest.mark.parametrize("query, message", [
    ("since=2024-13-01", "Not a valid date value."),
    ("since=yesterday", "Not a valid date value."),
    ("until=2024-02-30", "Not a valid date value."),
    ("since=2024-03-01&until=2024-02-01", "The end date must not be before the start date."),
])
def test_an_invalid_date_filter_is_named_and_the_dashboard_shows_everyone(signed_in, dated_team, query, message):
    for url in (f"/trainer/teams/{dated_team['id']}?{query}", f"/trainer/all?{query}"):
        response = signed_in.get(url)
        assert response.status_code == 200, url  # the page itself is fine: only the filter is refused
        html = page_text(response)
        assert re.search(r'<p class="field-error"[^>]*>' + re.escape(message) + "</p>", html), url
        assert _member_names(html) == ["anna", "Bao", "Chen", "dai"], url  # unfiltered


@pytest.mark.parametrize("query", [
    "since=2024-13-01", "since=yesterday", "until=2024-02-30", "since=2024-03-01&until=2024-02-01",
])
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_export_with_an_invalid_date_filter_is_the_whole_unfiltered_export(signed_in, dated_team, query, fmt):
    # As on the dashboard, an invalid filter is dropped; a download has no room to say so.
    url = f"/trainer/teams/{dated_team['id']}/export.{fmt}"
    unfiltered, response = signed_in.get(url), signed_in.get(f"{url}?{query}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == unfiltered.headers["Content-Type"]
    assert response.headers["Content-Disposition"] == f'attachment; filename="zhiji-team-{dated_team["id"]}.{fmt}"'
    assert response.get_data() == unfiltered.get_data()
    records = json.loads(response.get_data()) if fmt == "json" else _csv(response)[1:]
    assert len(records) == 10  # every result of the four members, whatever its date


def test_pagination_beyond_fifty_members(app, questionnaire, team, signed_in):
    names = [f"Agent {n:03d}" for n in range(53)]
    for name in names:
        add_result(app, questionnaire, team["id"], name, 4, 2)
    first = page_text(signed_in.get(f"/trainer/teams/{team['id']}"))
    assert "Page 1 of 2" in first
    page_one = _member_names(first)
    assert page_one == names[:50]
    nxt = re.search(r'<a href="([^"]*page=2[^"]*)">Next</a>', first)
    assert nxt
    second = page_text(signed_in.get(nxt.group(1).replace("&amp;", "&")))
    assert "Page 2 of 2" in second
    assert _member_names(second) == names[50:]
    assert "Previous" in second
    desc = _member_names(page_text(signed_in.get(f"/trainer/teams/{team['id']}?sort=name&dir=desc&page=2")))
    assert desc == list(reversed(names))[50:]
    for page in ("0", "-3", "abc"):
        response = signed_in.get(f"/trainer/teams/{team['id']}?page={page}")
        assert response.status_code == 200
        assert _member_names(page_text(response)) == names[:50]
    assert signed_in.get(f"/trainer/teams/{team['id']}?page=9").status_code == 200


def test_names_sort_in_pinyin_order_among_latin_names(app, questionnaire, team, signed_in):
    """As a phone's contact list: 陈 chen, 郭 guo, 李 li, 张 zhang, with Latin names among them."""
    for name in ["张伟", "Anna", "李娜", "bob", "王芳", "陈静", "郭超", "Grace Lin", "Élodie"]:
        add_result(app, questionnaire, team["id"], name, 4, 2)
    expected = ["Anna", "bob", "陈静", "Élodie", "Grace Lin", "郭超", "李娜", "王芳", "张伟"]
    assert _member_names(page_text(signed_in.get(f"/trainer/teams/{team['id']}?sort=name"))) == expected
    assert _member_names(page_text(signed_in.get(f"/trainer/teams/{team['id']}?sort=name&dir=desc"))) == expected[::-1]
    # the same style sorts its members by name too
    assert _member_names(page_text(signed_in.get(f"/trainer/teams/{team['id']}?sort=style"))) == expected


def test_teams_list_in_pinyin_order(app, trainer, signed_in):
    for name in ["早班 Morning", "Beta team", "晚班 Evening"]:
        make_team(app, trainer, name)
    html = page_text(signed_in.get("/trainer/"))
    positions = [html.index(name) for name in ("Beta team", "晚班 Evening", "早班 Morning")]  # b, wan, zao
    assert positions == sorted(positions)


def test_all_teams_dashboard_combines_my_teams(app, questionnaire, trainer, team, signed_in):
    evening = make_team(app, trainer, "Evening shift")
    add_result(app, questionnaire, team["id"], "Morning person", 4, 2)
    add_result(app, questionnaire, evening["id"], "Evening person", 2, 5)
    html = page_text(signed_in.get("/trainer/all?sort=team"))
    head, body = table(html, "members")
    assert head[1].startswith("Team")
    assert [(r[0], r[1]) for r in body] == [("Evening person", "Evening shift"), ("Morning person", "Morning shift 早班")]
    assert "All my teams: 2 teams" in html


@pytest.mark.parametrize("lang, text", [("en", "All my teams: 1 team"), ("zh", "我的全部班组：共1个")])
def test_all_teams_with_one_team_says_one_team(app, questionnaire, team, signed_in, lang, text):
    add_result(app, questionnaire, team["id"], "Morning person", 4, 2)
    html = page_text(signed_in.get(f"/trainer/all?lang={lang}"))
    assert text in html and "1 teams" not in html


def test_the_psychometrics_team_picker_is_a_styled_field(app, team, signed_in):
    html = page_text(signed_in.get("/trainer/psychometrics?lang=zh"))
    assert re.search(r'<form method="get" class="filters card team-picker">\s*<div class="field">\s*'
                     r'<label for="team">[^<]+</label>\s*<select id="team"', html)


# --- agent detail ------------------------------------------------------------------------

def test_agent_detail_shows_every_result_and_both_charts(app, questionnaire, team, signed_in):
    dates = ["2024-01-10", "2024-02-10", "2024-03-10"]
    for date, (ka, kr) in zip(dates, [(5, 1), (4, 2), (2, 5)]):
        add_result(app, questionnaire, team["id"], "Coached", ka, kr, employee_id="E9",
                   created_at=f"{date}T09:00:00+00:00")
    add_result(app, questionnaire, team["id"], "Teammate", 4, 4)
    agent_id = rows(app, "SELECT id FROM agents WHERE name = 'Coached'")[0]["id"]
    html = page_text(signed_in.get(f"/trainer/agents/{agent_id}"))
    every = tables_with_header(html, "Date")
    assert len(every) == 1
    assert every[0] == [
        ["2024-03-10", "Amiable", "25", "100", ""],
        ["2024-02-10", "Driver", "75", "25", ""],
        ["2024-01-10", "Driver", "100", "0", ""],
    ]
    trend = figure(html, "trend")
    assert [t["y"] for t in trend["data"]] == [[100.0, 75.0, 25.0], [0.0, 25.0, 100.0]]
    assert [t["x"][0][:10] for t in trend["data"]] == ["2024-01-10", "2024-01-10"]
    radar = figure(html, "radar")
    # The agent's latest affinities and the team mean of the two members' latest results.
    assert radar["data"][0]["r"][:4] == [12.5, 62.5, 87.5, 37.5]
    assert radar["data"][1]["r"][:4] == pytest.approx([(12.5 + 50) / 2, (62.5 + 75) / 2, (87.5 + 50) / 2, (37.5 + 25) / 2])
    assert "E9" in html and "Morning shift 早班" in html


# --- export -----------------------------------------------------------------------------------

@pytest.fixture
def exported_team(app, questionnaire, team):
    add_result(app, questionnaire, team["id"], "张伟", 5, 1, created_at="2024-01-01T09:00:00+00:00")
    add_result(app, questionnaire, team["id"], "张伟", 4, 2, created_at="2024-02-01T09:00:00+00:00")
    add_result(app, questionnaire, team["id"], "Amy Chen", 2, 5, created_at="2024-02-02T09:00:00+00:00", duration=5)
    add_result(app, questionnaire, team["id"], "李秀英", 3, 4, created_at="2024-03-01T09:00:00+00:00")
    return team


def _csv(response):
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), body[:10]
    text = body.decode("utf-8")[1:]
    return list(csv.reader(io.StringIO(text)))


def test_csv_export_is_excel_friendly_utf8(signed_in, exported_team):
    response = signed_in.get(f"/trainer/teams/{exported_team['id']}/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "charset=utf-8" in response.headers["Content-Type"]
    assert response.headers["Content-Disposition"].startswith("attachment;")
    table_rows = _csv(response)
    assert table_rows[0] == EXPORT_HEADER
    records = [dict(zip(table_rows[0], r)) for r in table_rows[1:]]
    assert [r["name"] for r in records] == ["张伟", "张伟", "Amy Chen", "李秀英"]  # one row per response
    assert {r["team"] for r in records} == {"Morning shift 早班"}
    assert [r["style"] for r in records] == ["driver", "driver", "amiable", "expressive"]
    assert [float(r["assertiveness"]) for r in records] == [100.0, 75.0, 25.0, 50.0]
    assert [float(r["amiable"]) for r in records] == [0.0, 25.0, 87.5, 62.5]
    assert records[2]["flags"] == "too_fast"
    assert records[0]["created_at"].startswith("2024-01-01")


def test_json_export_has_the_same_rows(signed_in, exported_team):
    as_csv = _csv(signed_in.get(f"/trainer/teams/{exported_team['id']}/export.csv"))
    response = signed_in.get(f"/trainer/teams/{exported_team['id']}/export.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    records = json.loads(response.get_data(as_text=True))
    assert "张伟" in response.get_data(as_text=True)  # readable, not \\u escapes
    assert [list(r) for r in records] == [EXPORT_HEADER] * 4
    assert [[str(r["id"]), r["name"], r["style"]] for r in records] == [[r[0], r[3], r[5]] for r in as_csv[1:]]
    assert records[2]["flags"] == ["too_fast"]
    assert records[1]["assertiveness"] == 75.0


@pytest.mark.parametrize("query, names", [
    ("since=2024-02-01", ["张伟", "Amy Chen", "李秀英"]),
    ("since=2024-02-01&until=2024-02-02", ["张伟", "Amy Chen"]),
])
def test_export_follows_the_date_filter(signed_in, exported_team, query, names):
    table_rows = _csv(signed_in.get(f"/trainer/teams/{exported_team['id']}/export.csv?{query}"))
    assert [r[3] for r in table_rows[1:]] == names
    records = json.loads(signed_in.get(f"/trainer/teams/{exported_team['id']}/export.json?{query}").get_data())
    assert [r["name"] for r in records] == names


@pytest.mark.parametrize("name", ["=HYPERLINK(1)", "+1+1", "-2+3", "@SUM(1)"])
def test_csv_defuses_formula_names(app, questionnaire, team, signed_in, name):
    response = api_submit(app.test_client(), questionnaire, axis_answers(questionnaire, 4, 2),
                          invite_code=team["invite_code"], name=name, employee_id="=1+2")
    assert response.status_code == 201, response.get_json()
    table_rows = _csv(signed_in.get(f"/trainer/teams/{team['id']}/export.csv"))
    record = dict(zip(table_rows[0], table_rows[1]))
    assert record["name"] == "'" + name
    assert record["employee_id"] == "'=1+2"
    # JSON is data, not a spreadsheet: the name stays as given.
    assert json.loads(signed_in.get(f"/trainer/teams/{team['id']}/export.json").get_data())[0]["name"] == name


def test_csv_defuses_formula_team_names(app, questionnaire, trainer, signed_in):
    team = make_team(app, trainer, "=cmd|' /C calc'!A0")
    add_result(app, questionnaire, team["id"], "Someone", 4, 2)
    table_rows = _csv(signed_in.get(f"/trainer/teams/{team['id']}/export.csv"))
    assert dict(zip(table_rows[0], table_rows[1]))["team"] == "'=cmd|' /C calc'!A0"


def test_all_teams_export_has_every_team(app, questionnaire, trainer, team, signed_in):
    evening = make_team(app, trainer, "Evening shift")
    add_result(app, questionnaire, team["id"], "Morning person", 4, 2)
    add_result(app, questionnaire, evening["id"], "Evening person", 2, 5)
    table_rows = _csv(signed_in.get("/trainer/all/export.csv"))
    assert sorted((r[2], r[3]) for r in table_rows[1:]) == [("Evening shift", "Evening person"), ("Morning shift 早班", "Morning person")]


def test_unknown_export_format_is_404(signed_in, team):
    assert signed_in.get(f"/trainer/teams/{team['id']}/export.xlsx").status_code == 404
    assert signed_in.get("/trainer/all/export.xml").status_code == 404


# --- access control -------------------------------------------------------------------------

# Every trainer route: (method, path). {team} and {agent} belong to trainer A.
TRAINER_ROUTES = [
    ("GET", "/trainer/"),
    ("GET", "/trainer/all"),
    ("GET", "/trainer/teams/{team}"),
    ("GET", "/trainer/teams/{team}?sort=date&dir=desc&since=2000-01-01"),
    ("GET", "/trainer/agents/{agent}"),
    ("GET", "/trainer/teams/{team}/export.csv"),
    ("GET", "/trainer/teams/{team}/export.json"),
    ("GET", "/trainer/all/export.csv"),
    ("GET", "/trainer/all/export.json"),
    ("POST", "/trainer/teams"),
    ("POST", "/trainer/logout"),
    ("GET", "/trainer/password"),
    ("POST", "/trainer/password"),
    ("GET", "/trainer/agents/{agent}/delete"),
    ("POST", "/trainer/agents/{agent}/delete"),
    ("GET", "/trainer/teams/{team}/settings"),
    ("POST", "/trainer/teams/{team}/settings"),
    ("GET", "/trainer/teams/{team}/delete"),
    ("POST", "/trainer/teams/{team}/delete"),
    # the seven service abilities, staff on teams
    ("GET", "/trainer/agents/{agent}/abilities/rate"),
    ("POST", "/trainer/agents/{agent}/abilities/rate"),
    ("GET", "/trainer/teams/{team}/abilities"),
    ("GET", "/trainer/teams/{team}/abilities?period=2024-01&x=listening&y=learning"),
    ("POST", "/trainer/teams/{team}/staff"),
    ("POST", "/trainer/teams/{team}/staff/trainer-b/remove"),
    # how others see me
    ("GET", "/trainer/agents/{agent}/rate"),
    ("GET", "/trainer/agents/{agent}/rate/1"),
    ("POST", "/trainer/agents/{agent}/rate/3"),
    ("GET", "/trainer/teams/{team}/others"),
    # read the caller
    ("GET", "/trainer/teams/{team}/practice"),
    ("GET", "/trainer/psychometrics"),
    ("GET", "/trainer/psychometrics?team={team}"),
    # exports of abilities, practice and others' figures (issue 19)
    ("GET", "/trainer/teams/{team}/abilities/export.csv"),
    ("GET", "/trainer/teams/{team}/abilities/export.json"),
    ("GET", "/trainer/teams/{team}/practice/export.csv?header=zh"),
    ("GET", "/trainer/teams/{team}/others/export.csv"),
    ("GET", "/trainer/teams/{team}/others/export.json"),
    # members: merging a possible duplicate
    ("GET", "/trainer/agents/{agent}/merge/{agent}"),
    ("POST", "/trainer/agents/{agent}/merge/{agent}"),
]
TRAINER_ROUTES += [  # calls as evidence
    ("GET", "/trainer/agents/{agent}/calls/new"),
    ("POST", "/trainer/agents/{agent}/calls"),
    ("GET", "/trainer/calls/{call}"),
    ("GET", "/trainer/calls/{call}/delete"),
    ("POST", "/trainer/calls/{call}/delete"),
    ("GET", "/trainer/teams/{team}/calls"),
    ("GET", "/trainer/teams/{team}/calls?period=2024-01"),
]
# Routes of another trainer's things: 404 for trainer B.
OWNED_ROUTES = [r for r in TRAINER_ROUTES if "{" in r[1]]
PUBLIC_TRAINER_ENDPOINTS = {("auth.login", "GET"), ("auth.login", "POST")}

SECRET_TEAM = "Secret squad 机密组"
SECRET_MEMBER = "Hidden agent 隐身人"


@pytest.fixture
def world(app, questionnaire):
    """Trainer A with a team and a member; trainer B with a team of their own."""
    a = make_trainer(app, "trainer-a")
    b = make_trainer(app, "trainer-b")
    team_a = make_team(app, a, SECRET_TEAM)
    add_result(app, questionnaire, team_a["id"], SECRET_MEMBER, 4, 2, employee_id="SECRET-ID")
    team_b = make_team(app, b, "B's own team")
    add_result(app, questionnaire, team_b["id"], "B's member", 2, 5)
    agent_a = rows(app, "SELECT id FROM agents WHERE team_id = ?", [team_a["id"]])[0]["id"]
    call_a = add_call(app, agent_a, team_a["id"], "坐席：您好，机密组为您服务，请问有什么可以帮您？\n客户：我想查一下话费。")
    return {"team": team_a["id"], "agent": agent_a, "code": team_a["invite_code"], "team_b": team_b["id"],
            "call": call_a}


def _request(client, method, path, world, token_page="/trainer/login"):
    url = path.format(**world)
    if method == "GET":
        return client.get(url)
    token = csrf_token(page_text(client.get(token_page)))
    return client.post(url, data={"csrf_token": token, "name": "Created by intruder"})


def _everything(app) -> list:
    """What an outsider must not be able to change: every team, member and result."""
    return [rows(app, f"SELECT * FROM {t} ORDER BY id") for t in ("teams", "agents", "responses", "calls")]


def _assert_no_team_data(body: str):
    for secret in (SECRET_TEAM, SECRET_MEMBER, "SECRET-ID"):
        assert secret not in body


@pytest.mark.parametrize("method, path", TRAINER_ROUTES)
def test_outsiders_are_sent_to_sign_in(app, questionnaire, world, method, path):
    """Anonymous visitors, and agents who joined the team, get the sign-in page and no team data."""
    anonymous = app.test_client()
    agent = app.test_client()
    html = page_text(agent.get(f"/join/{world['code']}"))
    agent.post(f"/join/{world['code']}", data={"csrf_token": csrf_token(html), "name": "Curious agent"})
    for who, client, token_page in (("anonymous", anonymous, "/trainer/login"),
                                    ("agent of the team", agent, "/q/communication-style/1")):
        before = _everything(app)
        response = _request(client, method, path, world, token_page)
        assert response.status_code == 302, who
        assert response.headers["Location"].startswith("/trainer/login"), who
        _assert_no_team_data(page_text(response))
        assert _everything(app) == before, who


@pytest.mark.parametrize("method, path", OWNED_ROUTES)
def test_another_trainer_gets_404(app, world, method, path):
    client = app.test_client()
    assert login(client, "trainer-b").status_code == 302
    before = _everything(app)
    response = _request(client, method, path, world, token_page="/trainer/password")
    assert response.status_code == 404
    assert _everything(app) == before
    _assert_no_team_data(page_text(response))


@pytest.mark.parametrize("path", ["/trainer/", "/trainer/all", "/trainer/all?sort=team",
                                  "/trainer/all/export.csv", "/trainer/all/export.json"])
def test_another_trainers_overview_never_shows_my_members(app, world, path):
    client = app.test_client()
    login(client, "trainer-b")
    response = client.get(path)
    assert response.status_code == 200
    body = response.get_data().decode("utf-8-sig")
    _assert_no_team_data(body)
    assert "B's" in body or "B&#39;s" in body  # and B does see their own


def test_another_trainers_all_dashboard_counts_only_their_members(app, world):
    client = app.test_client()
    login(client, "trainer-b")
    html = page_text(client.get("/trainer/all"))
    assert re.search(r'stat-value">1</span><span class="stat-label">', html)


def test_own_unknown_team_and_agent_are_404(signed_in):
    for url in ("/trainer/teams/9999", "/trainer/agents/9999", "/trainer/teams/9999/export.csv"):
        assert signed_in.get(url).status_code == 404


def test_every_trainer_route_is_in_the_access_table(app):
    """Adding a /trainer route without an access-control test fails here."""
    adapter = app.url_map.bind("localhost")
    world = {"team": 1, "agent": 1, "call": 1}
    covered = set()
    for method, path in TRAINER_ROUTES:
        endpoint, _args = adapter.match(path.format(**world).split("?")[0], method)
        covered.add((endpoint, method))
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules() if rule.rule.startswith("/trainer")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes, "no /trainer routes found"
    missing = routes - covered - PUBLIC_TRAINER_ENDPOINTS
    assert not missing, f"trainer routes without an access-control test: {sorted(missing)}"


@pytest.mark.parametrize("url, status", [
    ("/trainer/teams/{team}?page=100000000000000000000", 200),  # a mistyped page number
    ("/trainer/teams/99999999999999999999999", 404),
    ("/trainer/agents/99999999999999999999999", 404),
])
def test_out_of_range_numbers_are_not_server_errors(app, signed_in, team, url, status):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # see the status a browser would get
    assert signed_in.get(url.format(team=team["id"])).status_code == status


# --- removing a member ---------------------------------------------------------------

def test_removing_a_member_takes_their_results_and_links_with_them(app, client, questionnaire, team, signed_in):
    for ka, kr in ((4, 2), (2, 5)):
        add_result(app, questionnaire, team["id"], "Leaver 离职", ka, kr)
    stayer = add_result(app, questionnaire, team["id"], "Stayer", 2, 2)
    leaver = rows(app, "SELECT id FROM agents WHERE name = 'Leaver 离职'")[0]["id"]
    tokens = [r["token"] for r in rows(app, "SELECT token FROM responses WHERE agent_id = ?", [leaver])]
    anonymous = app.test_client()
    for token in tokens:  # seen once, so the page sits in the cache
        assert anonymous.get(f"/r/{token}").status_code == 200

    page = page_text(signed_in.get(f"/trainer/agents/{leaver}/delete"))
    assert "Leaver 离职 and all 2 of their results will be removed from Morning shift 早班 for good." in page
    assert rows(app, "SELECT COUNT(*) AS n FROM responses WHERE agent_id = ?", [leaver])[0]["n"] == 2  # a GET removes nothing

    token = csrf_token(page)
    response = signed_in.post(f"/trainer/agents/{leaver}/delete", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == f"/trainer/teams/{team['id']}"
    dashboard = page_text(signed_in.get(response.headers["Location"]))
    assert "Removed Leaver 离职 and 2 results." in dashboard
    assert "Leaver" not in page_text(signed_in.get(f"/trainer/teams/{team['id']}"))
    assert rows(app, "SELECT COUNT(*) AS n FROM agents WHERE id = ?", [leaver])[0]["n"] == 0
    assert count(app, "responses") == 1
    for token in tokens:
        assert anonymous.get(f"/r/{token}").status_code == 404
    assert anonymous.get(f"/r/{stayer['token']}").status_code == 200
    assert signed_in.get(f"/trainer/agents/{leaver}").status_code == 404
    export = signed_in.get(f"/trainer/teams/{team['id']}/export.csv").get_data().decode("utf-8-sig")
    assert "Leaver" not in export and "Stayer" in export


def test_removing_needs_the_form_token(app, questionnaire, team, signed_in):
    add_result(app, questionnaire, team["id"], "Kept", 4, 2)
    agent = rows(app, "SELECT id FROM agents")[0]["id"]
    assert signed_in.post(f"/trainer/agents/{agent}/delete").status_code == 400
    assert count(app, "agents") == 1 and count(app, "responses") == 1


# --- team settings: rename, remove ------------------------------------------------------

def test_renaming_a_team_changes_every_page_and_its_place_in_the_list(app, trainer, team, signed_in):
    make_team(app, trainer, "Noon shift")
    page = page_text(signed_in.get(f"/trainer/teams/{team['id']}/settings"))
    assert 'value="Morning shift 早班"' in page
    response = signed_in.post(f"/trainer/teams/{team['id']}/settings",
                              data={"csrf_token": csrf_token(page), "name": "  Zao ban 早班  "})
    assert response.status_code == 302 and response.headers["Location"] == f"/trainer/teams/{team['id']}"
    assert "The team is now called “Zao ban 早班”." in page_text(signed_in.get(response.headers["Location"]))
    home = page_text(signed_in.get("/trainer/"))
    assert home.index("Noon shift") < home.index("Zao ban 早班")  # n before z: the sort key moved too
    assert rows(app, "SELECT name, sort_key FROM teams WHERE id = ?", [team["id"]]) == [
        {"name": "Zao ban 早班", "sort_key": "zao ban zao ban"}]


@pytest.mark.parametrize("name, message", [("", "Give the team a name."), ("x" * 81, "1 to 80")])
def test_a_bad_team_name_is_refused_and_changes_nothing(app, team, signed_in, name, message):
    page = page_text(signed_in.get(f"/trainer/teams/{team['id']}/settings"))
    response = signed_in.post(f"/trainer/teams/{team['id']}/settings", data={"csrf_token": csrf_token(page), "name": name})
    assert response.status_code == 400
    assert 'class="field-error"' in page_text(response) and 'aria-invalid="true"' in page_text(response)
    assert rows(app, "SELECT name FROM teams WHERE id = ?", [team["id"]]) == [{"name": "Morning shift 早班"}]


def test_removing_a_team_removes_its_members_results_links_and_code(app, questionnaire, trainer, team, signed_in):
    add_result(app, questionnaire, team["id"], "Ana", 4, 2)
    gone = add_result(app, questionnaire, team["id"], "Bo", 2, 5)
    other = make_team(app, trainer, "Other team")
    kept = add_result(app, questionnaire, other["id"], "Cy", 2, 2)
    anonymous = app.test_client()
    assert anonymous.get(f"/r/{gone['token']}").status_code == 200  # cached from here on

    page = page_text(signed_in.get(f"/trainer/teams/{team['id']}/delete"))
    assert "Morning shift 早班 will be removed for good, with 2 members and all their results." in page
    response = signed_in.post(f"/trainer/teams/{team['id']}/delete", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302 and response.headers["Location"] == "/trainer/"
    assert "Removed Morning shift 早班 and 2 results." in page_text(signed_in.get("/trainer/"))

    assert rows(app, "SELECT name FROM teams") == [{"name": "Other team"}]
    assert [r["name"] for r in rows(app, "SELECT name FROM agents")] == ["Cy"]
    assert count(app, "responses") == 1
    assert anonymous.get(f"/r/{gone['token']}").status_code == 404
    assert anonymous.get(f"/r/{kept['token']}").status_code == 200
    assert anonymous.get(f"/join/{team['invite_code']}").status_code == 404
    assert signed_in.get(f"/trainer/teams/{team['id']}").status_code == 404
    response = api_submit(anonymous, questionnaire, axis_answers(questionnaire, 3, 3),
                          invite_code=team["invite_code"], name="Late")
    assert response.status_code == 400 and "invite_code" in response.get_json()["details"]


def test_an_agent_whose_team_is_removed_mid_questionnaire_keeps_their_result(app, questionnaire, team, signed_in):
    from conftest import take_questionnaire

    agent = app.test_client()
    html = page_text(agent.get(f"/join/{team['invite_code']}?lang=zh"))
    agent.post(f"/join/{team['invite_code']}", data={"csrf_token": csrf_token(html), "name": "Mid-way"})
    page = page_text(signed_in.get(f"/trainer/teams/{team['id']}/delete"))
    assert signed_in.post(f"/trainer/teams/{team['id']}/delete", data={"csrf_token": csrf_token(page)}).status_code == 302

    last = take_questionnaire(agent, questionnaire, style_answers(questionnaire, "amiable"))
    result = agent.get(last.headers["Location"])
    assert result.status_code == 200
    assert "你加入的团队已不存在，所以这份结果只保存给你自己看。" in page_text(result)
    assert rows(app, "SELECT team_id, agent_id, style FROM responses") == [
        {"team_id": None, "agent_id": None, "style": "amiable"}]

