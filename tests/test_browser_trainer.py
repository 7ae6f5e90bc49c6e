"""The demo team's dashboard in headless Chromium, as a new trainer would first see it."""

from __future__ import annotations

import pytest

from assessment import demo, storage
from assessment.web.trainer import SCATTER_LIMIT

pytestmark = pytest.mark.browser

# plotly.js is a custom bundle with only the trace types the charts use. A type it was
# built without is no error: plotly.js quietly draws it as a scatter. So compare, chart
# by chart, the trace types each figure asks for with the ones plotly.js drew.
_TRACE_TYPES = """() => [...document.querySelectorAll('[data-figure]')].map(el => [
    el.id,
    JSON.parse(document.getElementById(el.dataset.figure).textContent).data.map(t => t.type || 'scatter'),
    (el._fullData || []).map(t => t.type),
])"""



def _sign_in_as_demo(page, live_server) -> None:
    page.goto(f"{live_server.url}/trainer/login?lang=en")
    page.fill("input[name=username]", demo.DEMO_USERNAME)
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/trainer/")

def _no_horizontal_scroll(page) -> tuple[int, int]:
    return page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")


def _console_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


def _charts_drawn_as_asked(page, count: int) -> None:
    page.wait_for_function(
        "n => { const f = [...document.querySelectorAll('[data-figure]')];"
        " return f.length === n && f.every(el => el.dataset.drawn === 'true'); }",
        arg=count,
    )
    for chart, asked, drawn in page.evaluate(_TRACE_TYPES):
        assert drawn == asked, f"{chart}: the figure asks for {asked} traces, plotly.js drew {drawn}"
    # Plotly really drew: each chart holds an SVG.
    assert page.locator("[data-figure] svg.main-svg").count() >= count


def test_demo_dashboard_draws_every_chart_on_a_phone(app, live_server, page, tmp_path):
    db = storage.connect(app.config["DATABASE"])
    try:
        team = demo.seed_team(db, app.extensions["questionnaires"], members=18, seed=11)
        with storage.LatestResults(db, storage.Scope((team["id"],))) as latest:
            agent_id = latest.members("results", True, limit=1)[0]["id"]
    finally:
        db.close()

    page.set_default_timeout(10_000)
    console_errors = _console_errors(page)
    _sign_in_as_demo(page, live_server)
    page.click(f"a[href='/trainer/teams/{team['id']}']")
    page.wait_for_url(f"{live_server.url}/trainer/teams/{team['id']}")

    # Style mix (bar), team radar (scatterpolar), member map (scatter), each with its marks.
    _charts_drawn_as_asked(page, 3)
    assert page.locator("#chart-mix .bars .point").count() == 4
    assert page.locator("#chart-radar .polarlayer .trace").count() == 3  # mean, mean + sd, mean - sd
    assert page.locator("#chart-map .scatterlayer .point").count() == 18
    assert page.locator("table.members tbody tr").count() == 18
    scroll_width, width = _no_horizontal_scroll(page)
    assert width == 360
    assert scroll_width <= width, f"the dashboard scrolls sideways: {scroll_width}px > {width}px"
    page.screenshot(path=str(tmp_path / "dashboard-360.png"), full_page=True)

    # The member detail a trainer clicks through to: trend (scatter) and radar drawn too.
    page.goto(f"{live_server.url}/trainer/agents/{agent_id}")
    _charts_drawn_as_asked(page, 2)
    assert page.locator("#chart-trend .scatterlayer .trace").count() == 2
    assert page.locator("#chart-radar .polarlayer .trace").count() == 2  # the member and the team mean
    scroll_width, width = _no_horizontal_scroll(page)
    assert scroll_width <= width, f"the agent page scrolls sideways: {scroll_width}px > {width}px"
    page.screenshot(path=str(tmp_path / "agent-360.png"), full_page=True)

    assert page.js_errors == []
    assert console_errors == []


def test_a_team_too_large_to_draw_member_by_member_gets_a_density_map(app, live_server, page, tmp_path):
    db = storage.connect(app.config["DATABASE"])
    try:
        team = demo.seed_team(db, app.extensions["questionnaires"], members=SCATTER_LIMIT + 20, seed=3)
    finally:
        db.close()

    page.set_default_timeout(10_000)
    console_errors = _console_errors(page)
    _sign_in_as_demo(page, live_server)
    page.goto(f"{live_server.url}/trainer/teams/{team['id']}")

    _charts_drawn_as_asked(page, 3)
    # The map is a heatmap (drawn as one image) with its colour bar, and no member dots.
    assert page.locator("#chart-map .hm image").count() == 1
    assert page.locator("#chart-map .colorbar").count() == 1
    assert page.locator("#chart-map .scatterlayer .point").count() == 0
    page.screenshot(path=str(tmp_path / "density-360.png"), full_page=True)

    assert page.js_errors == []
    assert console_errors == []
