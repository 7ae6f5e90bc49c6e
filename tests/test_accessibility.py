"""axe-core over every page, in both languages: no serious or critical violations.

Pages are visited in their interesting states too: a questionnaire page with the
error summary showing, a failed sign-in, an unknown team code, a 404.
"""

from __future__ import annotations

import pytest

from helpers import add_result, make_team, make_trainer, rows

pytestmark = pytest.mark.browser

SERIOUS = {"serious", "critical"}


@pytest.fixture
def seeded(app):
    team = make_team(app, make_trainer(app, "axe", "axe-password"), "Accessible team 无障碍")
    q = app.extensions["questionnaires"]["communication-style"]
    for i, (ka, kr) in enumerate([(4, 2), (2, 5), (5, 4), (1, 2), (3, 3)]):
        add_result(app, q, team["id"], f"成员 {i}", ka, kr)
    agent_id = rows(app, "SELECT MIN(id) AS id FROM agents")[0]["id"]
    token = rows(app, "SELECT token FROM responses ORDER BY id LIMIT 1")[0]["token"]
    return {"team": team, "agent_id": agent_id, "token": token}


def _violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_has_no_serious_violations(live_server, page, seeded, lang):
    base = live_server.url
    team_id = seeded["team"]["id"]
    code = seeded["team"]["invite_code"]
    found: dict[str, list[str]] = {}

    def check(label: str) -> None:
        page.wait_for_load_state("networkidle")
        if page.locator("[data-figure]").count():
            page.wait_for_selector("[data-figure]:not([data-drawn])", state="detached", timeout=10_000)
        problems = _violations(page)
        if problems:
            found[label] = problems

    page.goto(f"{base}/?lang={lang}")
    check("index")
    page.goto(f"{base}/q/communication-style/1")
    check("questionnaire page")
    page.locator("form button.primary").click()
    check("questionnaire page with errors")
    page.goto(f"{base}/r/{seeded['token']}")
    check("result")
    page.goto(f"{base}/join?code=NOPE99")
    check("unknown team code")
    page.goto(f"{base}/join/{code}")
    check("join")
    page.goto(f"{base}/r/not-a-token")
    check("404")
    page.goto(f"{base}/trainer/login")
    page.fill("#username", "axe")
    page.fill("#password", "wrong-password")
    page.locator("form button.primary").click()
    check("failed sign-in")
    page.fill("#username", "axe")
    page.fill("#password", "axe-password")
    page.locator("form button.primary").click()
    page.wait_for_url(f"{base}/trainer/")
    check("trainer home")
    page.goto(f"{base}/trainer/teams/{team_id}")
    check("team dashboard")
    page.goto(f"{base}/trainer/teams/{team_id}?since=2026-13-40")
    check("dashboard with a bad date")
    page.goto(f"{base}/trainer/all")
    check("all teams")
    page.goto(f"{base}/trainer/agents/{seeded['agent_id']}")
    check("agent detail")
    page.goto(f"{base}/trainer/agents/{seeded['agent_id']}/delete")
    check("remove member")
    page.goto(f"{base}/trainer/teams/{team_id}/settings")
    check("team settings")
    page.goto(f"{base}/trainer/teams/{team_id}/delete")
    check("remove team")
    page.goto(f"{base}/trainer/password")
    check("change password")
    page.fill("#current_password", "not-my-password")
    page.fill("#new_password", "short")
    page.locator("form button.primary").click()
    check("change password with errors")

    # calls as evidence: a member's call, its review page, the team's month, the upload form's states
    from call_samples import PLAIN_ZH, WHISPERX

    imported = page.request.post(f"{base}/api/v1/agents/{seeded['agent_id']}/calls",
                                 data={"transcript": PLAIN_ZH.replace("上个月", f"{lang}月")})
    assert imported.status == 201
    page.goto(f"{base}/trainer/calls/{imported.json()['id']}")
    check("call review")
    page.goto(f"{base}/trainer/teams/{team_id}/calls")
    check("team calls")
    page.goto(f"{base}/trainer/agents/{seeded['agent_id']}/calls/new")
    check("upload a call")
    page.fill("#call-text", WHISPERX)
    page.locator("form.call-upload button[type=submit]").click()
    check("upload a call, speaker to pick")

    assert found == {}
    assert page.js_errors == []


def test_charts_have_text_alternatives(live_server, page, seeded):
    """Screen readers get a label on each chart and the same numbers in a table."""
    page.goto(f"{live_server.url}/r/{seeded['token']}?lang=en")
    for name in ("radar", "quadrant"):
        chart = page.locator(f"#chart-{name}")
        assert chart.get_attribute("role") == "img"
        assert "table below" in chart.get_attribute("aria-label")
    tables = page.locator(".chart-card table.data-table")
    assert tables.count() == 2
    assert "Driver" in tables.nth(0).inner_text()
