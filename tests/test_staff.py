"""Staff accounts (roles, disabling, admin pages, create-user) and teams shared with staff."""

from __future__ import annotations

import pytest

from assessment import storage
from helpers import (
    db_call,
    PASSWORD, add_result, connect, csrf_token, login, make_api_token, make_team, make_trainer, page_text, rows,
    signed_in_client,
)

NEW_PASSWORD = "a-brand-new-pass-7"



def make_user(app, username: str, role: str) -> int:
    user_id = make_trainer(app, username)
    if role != "trainer":
        db_call(app, storage.set_role, user_id, role)
    return user_id


@pytest.fixture
def crew(app, questionnaire):
    """Owner trainer-a with a team of one member; a QC and a second trainer added to it;
    an admin; and an outsider trainer with a team of their own."""
    a = make_trainer(app, "trainer-a")
    team = make_team(app, a, "Shared team 共享组")
    add_result(app, questionnaire, team["id"], "Member 成员", 4, 2)
    agent = rows(app, "SELECT id FROM agents WHERE team_id = ?", [team["id"]])[0]["id"]
    qc = make_user(app, "qc-1", "qc")
    helper = make_user(app, "trainer-2", "trainer")
    admin = make_user(app, "boss", "admin")
    outsider = make_trainer(app, "outsider")
    own = make_team(app, outsider, "Outsider team")
    db_call(app, storage.add_team_staff, team["id"], "qc-1", "qc")
    db_call(app, storage.add_team_staff, team["id"], "trainer-2", "trainer")
    return {"a": a, "team": team["id"], "agent": agent, "qc": qc, "helper": helper, "admin": admin,
            "outsider": outsider, "own": own["id"]}


# --- storage: who sees which team ------------------------------------------------------------

@pytest.mark.parametrize("who, access", [("a", "owner"), ("qc", "qc"), ("helper", "trainer"), ("admin", "admin"),
                                         ("outsider", None)])
def test_team_for_and_agent_for_say_the_access(app, crew, who, access):
    team = db_call(app, storage.team_for, crew[who], crew["team"])
    agent = db_call(app, storage.agent_for, crew[who], crew["agent"])
    assert (team and team["access"]) == access
    assert (agent and agent["access"]) == access
    listed = {t["id"]: t["access"] for t in db_call(app, storage.teams_for, crew[who])}
    assert listed.get(crew["team"]) == access


def test_an_admin_sees_every_team_and_others_only_theirs(app, crew):
    assert {t["id"] for t in db_call(app, storage.teams_for, crew["admin"])} == {crew["team"], crew["own"]}
    assert {t["id"] for t in db_call(app, storage.teams_for, crew["qc"])} == {crew["team"]}
    assert {t["id"] for t in db_call(app, storage.teams_for, crew["outsider"])} == {crew["own"]}


@pytest.mark.parametrize("username, role, field", [
    ("nobody", "qc", "username"), ("trainer-a", "qc", "username"), ("qc-1", "owner", "role"),
])
def test_adding_staff_refuses_what_cannot_be(app, crew, username, role, field):
    with pytest.raises(storage.StaffError) as caught:
        db_call(app, storage.add_team_staff, crew["team"], username, role)
    assert caught.value.field == field


def test_removing_a_team_takes_its_staff_and_ratings_along(app, crew):
    db_call(app, storage.save_ability_rating, agent_id=crew["agent"], team_id=crew["team"], source="staff",
             period="2024-01", ratings={}, abilities={}, overall=3.0, rater_id=crew["qc"])
    db_call(app, storage.delete_team, crew["team"])
    assert rows(app, "SELECT * FROM team_staff") == []
    assert rows(app, "SELECT * FROM ability_ratings") == []


# --- pages: what each role may do ---------------------------------------------------------

def _post(client, url, data=None, token_page="/trainer/password"):
    token = csrf_token(page_text(client.get(token_page)))
    return client.post(url, data={"csrf_token": token, **(data or {})})


@pytest.mark.parametrize("url", ["/trainer/teams/{team}/settings", "/trainer/teams/{team}/delete",
                                 "/trainer/agents/{agent}/delete"])
def test_qc_cannot_change_or_remove_the_team_or_its_members(app, crew, url):
    qc = signed_in_client(app, "qc-1")
    before = [rows(app, f"SELECT * FROM {t} ORDER BY id") for t in ("teams", "agents", "responses")]
    page = qc.get(url.format(**crew))
    assert page.status_code == 403
    assert "cannot create, change or remove teams or their members" in page_text(page)
    assert _post(qc, url.format(**crew), {"name": "Renamed by QC"}).status_code == 403
    assert [rows(app, f"SELECT * FROM {t} ORDER BY id") for t in ("teams", "agents", "responses")] == before


def test_qc_sees_the_team_without_the_change_buttons(app, crew):
    qc = signed_in_client(app, "qc-1")
    dashboard = page_text(qc.get(f"/trainer/teams/{crew['team']}"))
    assert "Shared team" in dashboard and "/settings" not in dashboard
    member = page_text(qc.get(f"/trainer/agents/{crew['agent']}"))
    assert "/delete" not in member and "Rate abilities" in member
    assert "qc-1 · QC" in member  # the header names the user and their role


@pytest.mark.parametrize("who", ["helper", "admin"])
def test_added_trainers_and_admins_can_rename_the_team(app, crew, who):
    client = signed_in_client(app, {"helper": "trainer-2", "admin": "boss"}[who])
    response = _post(client, f"/trainer/teams/{crew['team']}/settings", {"name": f"Renamed by {who}"},
                     token_page=f"/trainer/teams/{crew['team']}/settings")
    assert response.status_code == 302
    assert rows(app, "SELECT name FROM teams WHERE id = ?", [crew["team"]])[0]["name"] == f"Renamed by {who}"


def test_owner_adds_and_removes_a_colleague_on_the_settings_page(app, crew):
    owner = signed_in_client(app, "trainer-a")
    settings = f"/trainer/teams/{crew['team']}/settings"
    added = _post(owner, f"/trainer/teams/{crew['team']}/staff", {"username": "OUTSIDER", "role": "qc"}, settings)
    assert added.status_code == 302
    assert "outsider" in page_text(owner.get(settings))
    outsider = signed_in_client(app, "outsider")
    assert outsider.get(f"/trainer/teams/{crew['team']}").status_code == 200
    removed = _post(owner, f"/trainer/teams/{crew['team']}/staff/outsider/remove", {}, settings)
    assert removed.status_code == 302
    assert outsider.get(f"/trainer/teams/{crew['team']}").status_code == 404


def test_an_unknown_username_is_named_and_the_form_keeps_it(app, crew):
    owner = signed_in_client(app, "trainer-a")
    settings = f"/trainer/teams/{crew['team']}/settings"
    response = _post(owner, f"/trainer/teams/{crew['team']}/staff", {"username": "ghost-user", "role": "qc"},
                     settings)
    assert response.status_code == 400
    html = page_text(response)
    assert "No staff account has this username." in html and 'value="ghost-user"' in html
    assert len(rows(app, "SELECT * FROM team_staff")) == 2


@pytest.mark.parametrize("who, status", [("qc-1", 403), ("trainer-2", 403), ("outsider", 404)])
def test_only_owner_or_admin_manage_staff(app, crew, who, status):
    client = signed_in_client(app, who)
    before = rows(app, "SELECT * FROM team_staff ORDER BY id")
    assert _post(client, f"/trainer/teams/{crew['team']}/staff", {"username": "outsider", "role": "qc"}).status_code \
        == status
    assert _post(client, f"/trainer/teams/{crew['team']}/staff/qc-1/remove").status_code == status
    assert rows(app, "SELECT * FROM team_staff ORDER BY id") == before


# --- admin pages ----------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["trainer-a", "qc-1"])
@pytest.mark.parametrize("method, url", [("GET", "/admin/"), ("POST", "/admin/users"),
                                         ("GET", "/admin/users/1/password"), ("POST", "/admin/users/1/disable")])
def test_admin_pages_are_404_for_everyone_else(app, crew, who, method, url):
    client = signed_in_client(app, who)
    before = rows(app, "SELECT * FROM trainers ORDER BY id")
    response = client.get(url) if method == "GET" else _post(client, url, {"username": "x", "role": "admin",
                                                                           "password": NEW_PASSWORD})
    assert response.status_code == 404
    assert rows(app, "SELECT * FROM trainers ORDER BY id") == before


def test_anonymous_visitors_are_sent_to_sign_in(app, crew):
    response = app.test_client().get("/admin/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/trainer/login")


def test_admin_creates_a_qc_account_that_can_sign_in(app, crew):
    admin = signed_in_client(app, "boss")
    response = _post(admin, "/admin/users", {"username": "new-qc", "role": "qc", "password": NEW_PASSWORD}, "/admin/")
    assert response.status_code == 302
    assert rows(app, "SELECT role FROM trainers WHERE username = 'new-qc'") == [{"role": "qc"}]
    assert login(app.test_client(), "new-qc", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize("data, message", [
    ({"username": "short-pw", "role": "qc", "password": "x" * 11}, "Use 12 to 128 characters."),
    ({"username": "long-pw", "role": "qc", "password": "x" * 129}, "Use 12 to 128 characters."),
    ({"username": "", "role": "qc", "password": NEW_PASSWORD}, "Enter a username."),
    ({"username": "QC-1", "role": "qc", "password": NEW_PASSWORD}, "An account with this username already exists."),
    ({"username": "bad-role", "role": "owner", "password": NEW_PASSWORD}, "Not a valid choice"),
])
def test_bad_accounts_are_refused_and_named(app, crew, data, message):
    admin = signed_in_client(app, "boss")
    before = rows(app, "SELECT * FROM trainers ORDER BY id")
    response = _post(admin, "/admin/users", data, "/admin/")
    assert response.status_code == 400
    html = page_text(response)
    assert message in html
    if data["username"]:
        assert f'value="{data["username"]}"' in html  # kept on the error
    assert rows(app, "SELECT * FROM trainers ORDER BY id") == before


def test_a_password_reset_ends_that_users_sessions(app, crew):
    qc = signed_in_client(app, "qc-1")
    assert qc.get("/trainer/").status_code == 200
    admin = signed_in_client(app, "boss")
    url = f"/admin/users/{crew['qc']}/password"
    response = _post(admin, url, {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}, url)
    assert response.status_code == 302
    assert qc.get("/trainer/").status_code == 302  # signed out
    assert login(app.test_client(), "qc-1", PASSWORD).status_code != 302
    assert login(app.test_client(), "qc-1", NEW_PASSWORD).status_code == 302


def test_disabling_stops_an_open_session_and_a_token_at_once(app, crew):
    qc = signed_in_client(app, "qc-1")
    _token_id, token = make_api_token(app, crew["qc"])
    bearer = {"Authorization": f"Bearer {token}"}
    assert qc.get(f"/trainer/teams/{crew['team']}").status_code == 200
    assert qc.get("/api/v1/teams", headers=bearer).status_code == 200
    admin = signed_in_client(app, "boss")
    assert _post(admin, f"/admin/users/{crew['qc']}/disable", {}, "/admin/").status_code == 302
    assert qc.get(f"/trainer/teams/{crew['team']}").status_code == 302
    assert app.test_client().get("/api/v1/teams", headers=bearer).status_code == 401
    refused = login(app.test_client(), "qc-1")
    assert refused.status_code == 403 and "该账号已停用" in page_text(refused)  # the default language: zh
    assert _post(admin, f"/admin/users/{crew['qc']}/enable", {}, "/admin/").status_code == 302
    assert app.test_client().get("/api/v1/teams", headers=bearer).status_code == 200
    assert login(app.test_client(), "qc-1").status_code == 302


def test_an_admin_cannot_disable_themself(app, crew):
    admin = signed_in_client(app, "boss")
    _post(admin, f"/admin/users/{crew['admin']}/disable", {}, "/admin/")
    assert rows(app, "SELECT disabled_at FROM trainers WHERE id = ?", [crew["admin"]])[0]["disabled_at"] is None


def test_the_accounts_page_in_chinese(app, crew):
    admin = signed_in_client(app, "boss", lang="zh")
    html = page_text(admin.get("/admin/"))
    assert "员工账号" in html and "质检" in html and "管理员" in html


# --- the command line ------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["admin", "trainer", "qc"])
def test_create_user_with_a_role(app, role):
    result = app.test_cli_runner().invoke(args=["create-user", f"user-{role}", "--password", NEW_PASSWORD,
                                                "--role", role])
    assert result.exit_code == 0, result.output
    assert rows(app, "SELECT role FROM trainers WHERE username = ?", [f"user-{role}"]) == [{"role": role}]


@pytest.mark.parametrize("args, message", [
    (["--password", "short", "--role", "qc"], "12 to 128"),
    (["--password", NEW_PASSWORD, "--role", "boss"], "Invalid value for '--role'"),
])
def test_create_user_refuses_bad_input(app, args, message):
    result = app.test_cli_runner().invoke(args=["create-user", "someone", *args])
    assert result.exit_code != 0 and message in result.output
    assert rows(app, "SELECT * FROM trainers") == []


def test_create_trainer_still_makes_a_trainer(app):
    result = app.test_cli_runner().invoke(args=["create-trainer", "old-style", "--password", NEW_PASSWORD])
    assert result.exit_code == 0
    assert rows(app, "SELECT role FROM trainers") == [{"role": "trainer"}]
