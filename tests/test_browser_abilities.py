"""Staff and the seven service abilities in real Chromium: an admin creates a QC account,
the trainer adds it to a team, the QC rates three members for two months, the trainer
reads the analysis (both languages, phone and desk), a QC cannot remove the team, and
someone off the team gets 404."""

from __future__ import annotations

import random
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from assessment import storage
from assessment.questionnaire import load_all
from conftest import QUESTIONNAIRES
from helpers import PASSWORD, add_result, connect, make_team, make_trainer

pytestmark = pytest.mark.browser

SCORECARD = load_all(QUESTIONNAIRES)["service-abilities"]
QC_PASSWORD = "qc-listens-carefully-1"
SHOTS = "/tmp/abilities-{}.png"


def months(app) -> tuple[str, str]:
    now = datetime.now(ZoneInfo(app.config["TIMEZONE"]))
    before = (now.year - 1, 12) if now.month == 1 else (now.year, now.month - 1)
    return f"{before[0]:04d}-{before[1]:02d}", f"{now.year:04d}-{now.month:02d}"


def sign_in(page, url, username, password=PASSWORD, lang="en"):
    page.context.clear_cookies()
    page.goto(f"{url}/trainer/login?lang={lang}")
    page.fill("#username", username)
    page.fill("#password", password)
    page.locator("form button.primary").click()
    page.wait_for_url(re.compile(r"/trainer/$"))


def charts_drawn(page, count):
    page.wait_for_function(
        "n => { const f = [...document.querySelectorAll('[data-figure]')];"
        " return f.length === n && f.every(el => el.dataset.drawn === 'true'); }", arg=count)
    drawn = page.evaluate("() => [...document.querySelectorAll('[data-figure]')].map(el => "
                          "[JSON.parse(document.getElementById(el.dataset.figure).textContent).data.map(t => t.type),"
                          " el._fullData.map(t => t.type)])")
    for asked, got in drawn:
        assert asked == got


def test_qc_rates_and_the_trainer_reads_the_team(app, live_server, page, questionnaire):
    page.set_default_timeout(15_000)
    url = live_server.url
    owner = make_trainer(app, "trainer-a")
    boss = make_trainer(app, "boss")
    make_trainer(app, "outsider")
    db = connect(app)
    try:
        storage.set_role(db, boss, "admin")
    finally:
        db.close()
    team = make_team(app, owner, "Morning shift 早班")
    for name, (ka, kr) in zip(("Ann 安", "Bob 博", "Cat 凯"), ((2, 5), (4, 2), (3, 4))):
        add_result(app, questionnaire, team["id"], name, ka, kr)

    # An admin creates the QC account in the browser.
    sign_in(page, url, "boss")
    page.goto(f"{url}/admin/")
    page.fill("#username", "qc-lee")
    page.select_option("#role", "qc")
    page.fill("#password", QC_PASSWORD)
    page.locator("form[action='/admin/users'] button").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    assert "qc-lee" in page.locator("table.accounts").inner_text()

    # The trainer adds it to the team.
    sign_in(page, url, "trainer-a")
    page.goto(f"{url}/trainer/teams/{team['id']}/settings")
    page.fill("#staff-username", "qc-lee")
    page.select_option("#staff-role", "qc")
    page.locator(".staff-form button").click()
    page.wait_for_url(re.compile(r"/settings$"))
    assert "qc-lee" in page.locator(".staff-list").inner_text()

    # The QC rates three members for two months, through the form.
    sign_in(page, url, "qc-lee", QC_PASSWORD)
    assert "QC" in page.locator(".who").inner_text()
    rng = random.Random(4)
    earlier, current = months(app)
    agents = [row["id"] for row in storage.team_agents(storage.connect(app.config["DATABASE"]), team["id"])]
    for month in (earlier, current):
        for agent_id in agents:
            page.goto(f"{url}/trainer/agents/{agent_id}/abilities/rate")
            page.select_option("#period", month)
            for item in SCORECARD.items:
                page.locator(f"#item-{item.id} label.likert-option").nth(rng.randint(1, 5) - 1).click()
            page.fill("#note", f"sampled calls {month}")
            page.locator(".rating-form button.primary").click()
            page.wait_for_url(re.compile(rf"/trainer/agents/{agent_id}#abilities$"))
    # The member's page shows their abilities beside the style.
    charts_drawn(page, 4)  # style trend and radar, abilities radar and trend
    page.screenshot(path=SHOTS.format("member-360-en"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # A self-rating for the gaps: the agent from their result page.
    db = connect(app)
    try:
        token = db.execute("SELECT token FROM responses ORDER BY id LIMIT 1").fetchone()[0]
    finally:
        db.close()
    page.context.clear_cookies()
    page.goto(f"{url}/r/{token}?lang=zh")
    page.locator(f"a[href='/r/{token}/abilities']").click()
    for item in SCORECARD.items:
        page.locator(f"#item-{item.id} label.likert-option").nth(4).click()
    page.screenshot(path=SHOTS.format("self-360-zh"), full_page=False)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator(".rating-form button.primary").click()
    page.wait_for_selector("#saved")

    # The trainer reads the analysis, on a phone in Chinese and on a desk in English.
    sign_in(page, url, "trainer-a", lang="zh")
    page.goto(f"{url}/trainer/teams/{team['id']}")
    page.locator(f"a[href='/trainer/teams/{team['id']}/abilities']").click()
    charts_drawn(page, 3)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    text = page.locator("main").inner_text()
    assert "最弱的能力" in text and "变异系数" in text and "自评与评分对比" in text
    assert page.locator("table.ability-stats tbody tr").count() == 7
    assert page.locator("#chart-ability-scatter .scatterlayer .point").count() == 3
    assert page.locator("table.ability-trend tbody tr").count() == 2
    page.screenshot(path=SHOTS.format("team-360-zh"), full_page=True)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{url}/trainer/teams/{team['id']}/abilities?lang=en")
    page.select_option("#x", "learning")
    page.select_option("#y", "listening")
    page.locator(".scatter-form button").click()
    charts_drawn(page, 3)
    assert "Strong on Learning, weak on Listening" in page.locator("main").inner_text()
    gaps = page.locator("table.ability-gaps").inner_text()
    assert re.search(r"[+-]\d\.\d\d", gaps)
    page.screenshot(path=SHOTS.format("team-desk-en"), full_page=True)

    # A QC cannot remove the team; someone off the team gets 404.
    page.set_viewport_size({"width": 360, "height": 780})
    sign_in(page, url, "qc-lee", QC_PASSWORD)
    response = page.goto(f"{url}/trainer/teams/{team['id']}/delete")
    assert response.status == 403
    assert "cannot create, change or remove teams" in page.locator("main").inner_text()
    sign_in(page, url, "outsider")
    for path in (f"/trainer/teams/{team['id']}/abilities", f"/trainer/agents/{agents[0]}/abilities/rate"):
        assert page.goto(url + path).status == 404
    assert page.js_errors == []
