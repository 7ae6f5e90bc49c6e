"""Issue 18 in a real browser, both languages: a name holding HTML is drawn as text in the
charts (legend, labels, hover), and the new pages (retake from the result link, a
colleague showing who they are, a possible duplicate and its merge, too many wrong codes)
have no serious accessibility violations and fit a 360 px phone."""

from __future__ import annotations

import pytest

from assessment import throttle
from helpers import PASSWORD, add_result, join_and_take, make_team, make_trainer, rows
from test_accessibility import _violations

pytestmark = pytest.mark.browser

HOSTILE = '<a href="https://evil.example/">click</a> & <b>bold</b>'


def _sign_in(page, base: str, lang: str) -> None:
    page.goto(f"{base}/trainer/login?lang={lang}")
    page.fill("#username", "trainer-a")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/trainer/")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_name_holding_html_is_drawn_as_text_in_the_charts(app, live_server, page, questionnaire, lang):
    team = make_team(app, make_trainer(app, "trainer-a"), "Charts")
    add_result(app, questionnaire, team["id"], HOSTILE, 4, 2)
    add_result(app, questionnaire, team["id"], "Bo 波", 2, 4)
    agent_id = rows(app, "SELECT id FROM agents WHERE name = ?", [HOSTILE])[0]["id"]
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, live_server.url, lang)
    for url, where in ((f"/trainer/agents/{agent_id}", "#chart-radar"), (f"/trainer/teams/{team['id']}", "#chart-map")):
        page.goto(f"{live_server.url}{url}")
        page.wait_for_selector(f"{where}[data-drawn=true]")
        plot = page.locator(where)
        assert plot.locator("a").count() == 0 and plot.locator("b").count() == 0, url  # no link, no bold
        if where == "#chart-radar":  # the legend shows the name, literally
            assert HOSTILE in plot.locator(".legend").text_content()
    # The hover label of the map: the name as text.
    page.hover("#chart-map .scatterlayer .point >> nth=0", force=True)
    hover = page.locator("#chart-map .hoverlayer")
    hover.wait_for()
    assert hover.locator("a").count() == 0
    assert page.js_errors == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_new_pages_are_accessible_and_fit_a_phone(app, live_server, page, browser, questionnaire, lang):
    base = live_server.url
    team = make_team(app, make_trainer(app, "trainer-a"), "Team 班组")
    ann = add_result(app, questionnaire, team["id"], "Ann 安", 4, 2)
    join_and_take(app.test_client(), questionnaire, team["invite_code"], "Ann 安")  # a possible duplicate
    duplicate = rows(app, "SELECT id FROM agents WHERE duplicate_of IS NOT NULL")[0]["id"]
    link = app.test_client().post(f"/api/v1/results/{ann['token']}/raters",
                                  json={"relation": "peer"}).get_json()["rate_url"].rsplit("/", 1)[1]
    found = {}

    def check(label: str, url: str, context_page) -> None:
        context_page.goto(f"{base}{url}{'&' if '?' in url else '?'}lang={lang}")
        context_page.wait_for_load_state("networkidle")
        assert context_page.evaluate("document.documentElement.scrollWidth") <= 360, label
        problems = _violations(context_page)
        if problems:
            found[label] = problems

    check("retake from the result link", f"/r/{ann['token']}/retake", page)
    check("a colleague shows who they are", f"/rate/{link}", page)
    for n in range(throttle.MAX_WRONG_CODES):
        app.test_client().get(f"/join?code=WRONG{n:02d}")  # the test client's address is the browser's too
    check("too many wrong codes", "/join?code=ZZZZZZ", page)
    _sign_in(page, base, lang)
    check("a possible duplicate", f"/trainer/agents/{duplicate}", page)
    check("merge", f"/trainer/agents/{duplicate}/merge/{ann['agent_id']}", page)
    check("dashboard", f"/trainer/teams/{team['id']}", page)
    assert found == {}, found
