"""The demo team's dashboard in headless Chromium, as a new trainer would first see it."""

from __future__ import annotations

import pytest

from assessment import demo, storage

pytestmark = pytest.mark.browser


def _no_horizontal_scroll(page) -> tuple[int, int]:
    return page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")


def test_demo_dashboard_draws_every_chart_on_a_phone(app, live_server, page, tmp_path):
    db = storage.connect(app.config["DATABASE"])
    try:
        team = demo.seed_team(db, app.extensions["questionnaires"], members=18, seed=11)
        with storage.LatestResults(db, storage.Scope((team["id"],))) as latest:
            agent_id = latest.members("results", True, limit=1)[0]["id"]
    finally:
        db.close()

    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/trainer/login?lang=en")
    page.fill("input[name=username]", demo.DEMO_USERNAME)
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/trainer/")
    page.click(f"a[href='/trainer/teams/{team['id']}']")
    page.wait_for_url(f"{live_server.url}/trainer/teams/{team['id']}")

    figures = page.locator("[data-figure]")
    assert figures.count() == 3  # style mix, team radar, member map
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-figure]')].every(el => el.dataset.drawn === 'true')"
    )
    # Plotly really drew: each chart holds an SVG with marks in it.
    assert page.locator("[data-figure] svg.main-svg").count() >= 3
    assert page.locator("#chart-map .scatterlayer .point").count() == 18
    assert page.locator("table.members tbody tr").count() == 18
    scroll_width, width = _no_horizontal_scroll(page)
    assert width == 360
    assert scroll_width <= width, f"the dashboard scrolls sideways: {scroll_width}px > {width}px"
    page.screenshot(path=str(tmp_path / "dashboard-360.png"), full_page=True)

    # The member detail a trainer clicks through to: trend and radar drawn too.
    page.goto(f"{live_server.url}/trainer/agents/{agent_id}")
    page.wait_for_function(
        "() => { const f = [...document.querySelectorAll('[data-figure]')];"
        " return f.length === 2 && f.every(el => el.dataset.drawn === 'true'); }"
    )
    scroll_width, width = _no_horizontal_scroll(page)
    assert scroll_width <= width, f"the agent page scrolls sideways: {scroll_width}px > {width}px"
    page.screenshot(path=str(tmp_path / "agent-360.png"), full_page=True)

    assert page.js_errors == []
