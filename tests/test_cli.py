"""`flask --app app ...` commands: trainer accounts, API tokens, the demo team."""

from __future__ import annotations

import re

import pytest

from helpers import count, login, rows


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args, input=None):
        return runner.invoke(args=list(args), input=input)

    return invoke


def _signs_in(app, username, password) -> bool:
    return login(app.test_client(), username, password).status_code == 302


def test_create_trainer_with_password_option(app, cli):
    result = cli("create-trainer", "alice", "--password", "long-enough-1")
    assert result.exit_code == 0, result.output
    assert "'alice' created" in result.output
    assert "/trainer/login" in result.output
    stored = rows(app, "SELECT username, password_hash FROM trainers")
    assert [r["username"] for r in stored] == ["alice"]
    assert "long-enough-1" not in stored[0]["password_hash"]
    assert _signs_in(app, "alice", "long-enough-1")
    assert not _signs_in(app, "alice", "long-enough-2")


def test_create_trainer_prompts_for_the_password(app, cli):
    result = cli("create-trainer", "bob", input="typed-secret-9\ntyped-secret-9\n")
    assert result.exit_code == 0, result.output
    assert "Password" in result.output
    assert "typed-secret-9" not in result.output  # hidden input is not echoed
    assert _signs_in(app, "bob", "typed-secret-9")


def test_create_trainer_prompt_confirmation_must_match(app, cli):
    result = cli("create-trainer", "bob", input="typed-secret-9\nsomething-else\n")
    assert result.exit_code != 0
    assert "do not match" in result.output
    assert count(app, "trainers") == 0


@pytest.mark.parametrize("args, message", [
    (("create-trainer", "carol", "--password", "short"), "12 to 128 characters"),
    (("create-trainer", "carol", "--password", ""), "12 to 128 characters"),
    (("create-trainer", "carol", "--password", "eleven-char"), "12 to 128 characters"),
    (("create-trainer", "carol", "--password", "x" * 129), "12 to 128 characters"),
    (("create-trainer", "   ", "--password", "long-enough-1"), "1 to 80 characters"),
    (("create-trainer", "x" * 81, "--password", "long-enough-1"), "1 to 80 characters"),
])
def test_create_trainer_rejects_bad_input(app, cli, args, message):
    result = cli(*args)
    assert result.exit_code != 0
    assert message in result.output
    assert count(app, "trainers") == 0


def test_duplicate_username_is_rejected(app, cli):
    assert cli("create-trainer", "alice", "--password", "long-enough-1").exit_code == 0
    for second in ("alice", "ALICE", " Alice "):
        result = cli("create-trainer", second, "--password", "another-pass-2")
        assert result.exit_code != 0, second
        assert "already exists" in result.output, second
    assert count(app, "trainers") == 1
    assert _signs_in(app, "alice", "long-enough-1")  # the first account is untouched


def _token_from(result) -> str:
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout  # stdout is just the token, for scripts
    return lines[0]


def test_create_token_authenticates_and_revoke_ends_it(app, client, cli):
    cli("create-trainer", "alice", "--password", "long-enough-1")
    result = cli("create-token", "alice", "--label", "reporting")
    assert result.exit_code == 0, result.output
    token = _token_from(result)
    assert re.fullmatch(r"zj_[A-Za-z0-9_-]{30,}", token)
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post("/api/v1/teams", json={"name": "Via token"}, headers=headers)
    assert created.status_code == 201
    assert [t["name"] for t in client.get("/api/v1/teams", headers=headers).get_json()] == ["Via token"]
    assert rows(app, "SELECT label FROM api_tokens") == [{"label": "reporting"}]

    revoked = cli("revoke-token", "alice")
    assert revoked.exit_code == 0
    assert "1 token(s) revoked" in revoked.output
    assert client.get("/api/v1/teams", headers=headers).status_code == 401


def test_revoke_one_token_by_id(app, client, cli):
    cli("create-trainer", "alice", "--password", "long-enough-1")
    first = _token_from(cli("create-token", "alice"))
    second = _token_from(cli("create-token", "alice"))
    first_id = rows(app, "SELECT id FROM api_tokens ORDER BY id")[0]["id"]
    assert "1 token(s) revoked" in cli("revoke-token", "alice", "--id", str(first_id)).output
    assert client.get("/api/v1/teams", headers={"Authorization": f"Bearer {first}"}).status_code == 401
    assert client.get("/api/v1/teams", headers={"Authorization": f"Bearer {second}"}).status_code == 200


@pytest.mark.parametrize("command", ["create-token", "revoke-token"])
def test_token_commands_need_an_existing_trainer(app, cli, command):
    result = cli(command, "nobody")
    assert result.exit_code != 0
    assert "no trainer called 'nobody'" in result.output
    assert count(app, "api_tokens") == 0


def test_seed_demo(app, cli):
    result = cli("seed-demo", "--members", "15", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert "demo / demo-password" in result.output
    assert "/trainer/login" in result.output
    trainers = rows(app, "SELECT id, username, role FROM trainers ORDER BY id")
    assert [(t["username"], t["role"]) for t in trainers] == [("demo", "trainer"), ("demo-admin", "admin"),
                                                               ("demo-qc", "qc")]
    for username in ("demo-admin", "demo-qc"):
        assert f"{username} / demo-password" in result.output
    teams = rows(app, "SELECT id, name, invite_code FROM teams")
    assert len(teams) == 1
    assert teams[0]["invite_code"] in result.output
    agents = rows(app, "SELECT agent_id, COUNT(*) AS n FROM responses WHERE team_id = ? GROUP BY agent_id", [teams[0]["id"]])
    assert len(agents) == 15
    assert any(a["n"] > 1 for a in agents), "some demo agents should have retakes"
    assert count(app, "responses") == sum(a["n"] for a in agents)
    styles = {r["style"] for r in rows(app, "SELECT style FROM responses")}
    assert len(styles) >= 3, "a realistic spread covers several styles"

    client = app.test_client()
    assert login(client, "demo", "demo-password").status_code == 302
    html = client.get(f"/trainer/teams/{teams[0]['id']}?lang=en").get_data(as_text=True)
    assert re.search(r'stat-value">15</span><span class="stat-label">members with a result', html)

    again = cli("seed-demo", "--members", "4")
    assert again.exit_code == 0, again.output
    assert count(app, "trainers") == 3
    assert count(app, "teams") == 2


def test_seed_demo_fills_every_page_a_newcomer_opens(app, cli):
    """Issue 19: after seed-demo no page says "No ... yet": abilities (QC and self-ratings),
    practice, others' views from at least three colleagues, for each signed-in role."""
    assert cli("seed-demo").exit_code == 0
    team = rows(app, "SELECT id FROM teams")[0]["id"]
    owner = app.test_client()
    assert login(owner, "demo", "demo-password").status_code == 302
    abilities = owner.get(f"/trainer/teams/{team}/abilities?lang=en").get_data(as_text=True)
    assert "No staff ratings for this month yet" not in abilities
    assert len(re.findall(r'<tr class="reading-(?!none)', abilities)) == 7  # 5+ rated: every ability read
    assert "Weakest ability" in abilities
    assert re.search(r'<td class="[^"]*">[+-]\d\.\d\d</td>', abilities)  # self-rating against staff's
    practice = owner.get(f"/trainer/teams/{team}/practice?lang=en").get_data(as_text=True)
    assert "No practice yet" not in practice and 'id="fig-' in practice
    others = owner.get(f"/trainer/teams/{team}/others?lang=en").get_data(as_text=True)
    assert "No member has enough colleagues" not in others and "Too few members for a team verdict" not in others
    peers = rows(app, "SELECT agent_id, COUNT(*) AS n FROM rater_links WHERE relation = 'peer' "
                      "AND answered_at IS NOT NULL GROUP BY agent_id")
    assert len(peers) >= 5 and all(p["n"] >= 3 for p in peers)
    member = peers[0]["agent_id"]
    page = owner.get(f"/trainer/agents/{member}?lang=en").get_data(as_text=True)
    assert "Nobody has rated this member yet" not in page and "Versatility" in page
    # The agent's own result page shows the others' view too.
    token = rows(app, "SELECT token FROM responses WHERE agent_id = ? ORDER BY id DESC LIMIT 1", [member])[0]["token"]
    mine = app.test_client().get(f"/r/{token}/others?lang=en").get_data(as_text=True)
    assert 'id="fig-others-agent"' in mine
    # QC sees and rates the team; the admin sees the staff accounts.
    qc = app.test_client()
    assert login(qc, "demo-qc", "demo-password").status_code == 302
    assert qc.get(f"/trainer/teams/{team}/abilities").status_code == 200
    admin = app.test_client()
    assert login(admin, "demo-admin", "demo-password").status_code == 302
    accounts = admin.get("/admin/?lang=en").get_data(as_text=True)
    assert "demo-qc" in accounts and "demo-admin" in accounts
