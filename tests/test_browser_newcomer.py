"""What a newcomer trips over (issue 19), in real Chromium on a 360 px phone: answers on
the page in view survive a reload (self questionnaire and observer form), a validation
message goes once its statement is answered, back after finishing leads to the result;
the others' map and the abilities scatter name their dots in a legend whose entries never
overlap; the member table says it scrolls."""

from __future__ import annotations

import re

import pytest

from assessment import demo, storage
from assessment.abilities import score_abilities
from assessment.questionnaire import load_all
from conftest import QUESTIONNAIRES, style_answers
from helpers import add_result, connect, make_team, make_trainer, rows
from test_browser_abilities import charts_drawn, sign_in
from test_browser_others import prove_in_browser

pytestmark = pytest.mark.browser

OBSERVER = load_all(QUESTIONNAIRES)["communication-style-observer"]


def tick(page, answers: dict, ids) -> None:
    for item_id in ids:
        page.locator(f"#item-{item_id} input[value='{answers[item_id]}']").check(force=True)


def checked(page) -> dict[str, str]:
    return page.evaluate("Object.fromEntries([...document.querySelectorAll('input[type=radio]:checked')]"
                         ".map(i => [i.name, i.value]))")


def test_the_questionnaire_keeps_the_page_in_view_across_a_reload_and_finishes_to_the_result(
        app, live_server, page, questionnaire):
    answers = style_answers(questionnaire, "analytical", 2)
    first = [i.id for i in questionnaire.pages[0]]
    page.goto(f"{live_server.url}/q/{questionnaire.slug}/1?lang=zh")
    tick(page, answers, first[:3])
    page.reload()
    assert checked(page) == {i: str(answers[i]) for i in first[:3]}  # nothing sent yet, nothing lost

    # Sent with two left out: both named; answering one takes its message away, then the other.
    tick(page, answers, first[3:-2])
    page.locator("form button.primary").click()
    page.wait_for_selector("#error-summary")
    assert page.locator("fieldset.has-error").count() == 2
    tick(page, answers, first[-2:-1])
    assert page.locator("fieldset.has-error").count() == 1
    assert page.locator(f"#item-{first[-2]} .field-error").count() == 0
    assert page.locator("#error-summary li").count() == 1
    assert "1" in page.locator("#error-summary h2").inner_text()
    tick(page, answers, first[-1:])
    assert page.locator("#error-summary").is_hidden()
    page.reload()  # a reload after the error: the server's answers and the tab's together
    assert checked(page) == {i: str(answers[i]) for i in first}
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path="/tmp/newcomer-take-360-zh.png", full_page=False)
    page.locator("form button.primary").click()
    page.wait_for_url(re.compile(r"/2$"))

    for number in range(2, len(questionnaire.pages) + 1):
        ids = [i.id for i in questionnaire.pages[number - 1]]
        tick(page, answers, ids)
        if number == 2:
            page.reload()
            assert checked(page) == {i: str(answers[i]) for i in ids}
        page.locator("form button.primary").click()
        page.wait_for_load_state()
    assert re.search(r"/r/[\w-]+$", page.url)
    result = page.url
    assert page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('zhiji:answers:')).length") == 0
    page.go_back()
    page.wait_for_load_state()
    assert page.url == result  # back after finishing: the result, not an empty last page
    assert len(rows(app, "SELECT id FROM responses")) == 1


def test_the_observer_form_keeps_the_page_in_view_and_back_after_sending_says_thank_you(
        app, live_server, page, questionnaire):
    team = make_team(app, make_trainer(app, "trainer-a"), "Team A")
    ann = add_result(app, questionnaire, team["id"], "Ann 安", 2, 4)
    colleague = add_result(app, questionnaire, team["id"], "Colleague", 4, 2)["token"]
    db = connect(app)
    try:
        token = storage.create_link(db, ann, "peer")["token"]
    finally:
        db.close()
    answers = {i.id: 4 for i in OBSERVER.items}
    prove_in_browser(page, live_server.url, token, "en", colleague)  # a colleague shows who they are first
    page.locator("button.primary").click()
    page.wait_for_url(re.compile(r"/1$"))
    ids = [i.id for i in OBSERVER.pages[0]]
    tick(page, answers, ids[:4])
    page.reload()
    assert checked(page) == {i: "4" for i in ids[:4]}
    for number in range(1, len(OBSERVER.pages) + 1):
        tick(page, answers, [i.id for i in OBSERVER.pages[number - 1]])
        page.locator("form button.primary").click()
        page.wait_for_load_state()
    assert page.url.endswith("/rate/done")
    page.go_back()
    page.wait_for_load_state()
    assert page.url.endswith("/rate/done") and "already used" not in page.inner_text("main")


def _legend_boxes_apart(page, chart: str) -> None:
    boxes = page.evaluate(f"[...document.querySelectorAll('{chart} .legend .traces')]"
                          ".map(e => {{ const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }})")
    assert len(boxes) >= 2
    for i, a in enumerate(boxes):
        assert a[2] <= 360  # inside the phone's width
        for b in boxes[i + 1:]:
            apart = a[2] <= b[0] + 0.5 or b[2] <= a[0] + 0.5 or a[3] <= b[1] + 0.5 or b[3] <= a[1] + 0.5
            assert apart, (a, b)
    assert page.locator(f"{chart} .scatterlayer .textpoint").count() == 0  # no name printed beside a dot


@pytest.fixture
def seeded(app):
    db = connect(app)
    try:
        team = demo.seed_team(db, app.extensions["questionnaires"], members=12, seed=5, every_page=True,
                              caller=app.extensions["caller"])
    finally:
        db.close()
    return team


def test_the_others_map_and_the_abilities_scatter_name_their_dots_apart_on_a_phone(app, live_server, page, seeded):
    url = live_server.url
    rated = rows(app, "SELECT agent_id FROM rater_links WHERE relation = 'peer' AND answered_at IS NOT NULL "
                      "GROUP BY agent_id HAVING COUNT(*) >= 3")
    token = rows(app, "SELECT token FROM responses WHERE agent_id = ? ORDER BY id DESC LIMIT 1",
                 [rated[0]["agent_id"]])[0]["token"]
    page.goto(f"{url}/r/{token}/others?lang=zh")
    page.wait_for_selector("[data-figure][data-drawn=true]")
    _legend_boxes_apart(page, "#chart-others-agent")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path="/tmp/newcomer-others-360-zh.png", full_page=True)

    # A small team: two members with the same two scores share one dot and one legend entry.
    owner = rows(app, "SELECT id FROM trainers WHERE username = ?", [demo.DEMO_USERNAME])[0]["id"]
    small = make_team(app, owner, "小组 Small")
    scorecard = app.extensions["questionnaires"]["service-abilities"]
    period = rows(app, "SELECT MAX(period) AS p FROM ability_ratings")[0]["p"]
    db = connect(app)
    try:
        for name, value in (("王芳", 4), ("李娜", 4), ("Amy Chen", 2), ("赵磊" * 10, 3)):
            member = add_result(app, app.extensions["questionnaires"]["communication-style"], small["id"], name, 3, 4)
            ratings = {i.id: value for i in scorecard.items}
            scores = score_abilities(scorecard, ratings)
            storage.save_ability_rating(db, agent_id=member["agent_id"], team_id=small["id"], source="staff",
                                        period=period, ratings=ratings, abilities=scores.abilities,
                                        overall=scores.overall, rater_id=owner)
    finally:
        db.close()
    sign_in(page, url, demo.DEMO_USERNAME, demo.DEMO_PASSWORD, lang="zh")
    page.goto(f"{url}/trainer/teams/{small['id']}/abilities?lang=zh&period={period}")
    charts_drawn(page, 3)  # radar, trend (one month) and scatter
    names = page.evaluate("JSON.parse(document.getElementById('fig-ability-scatter').textContent).data"
                          ".map(t => t.name)")
    assert "李娜、王芳" in names and len(names) == 3  # names in pinyin order, as everywhere
    _legend_boxes_apart(page, "#chart-ability-scatter")
    assert "评分人数太少" in page.inner_text("main")  # 4 rated: figures and a caution, no verdict
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path="/tmp/newcomer-abilities-360-zh.png", full_page=True)


def test_phone_tables_fit_or_say_they_scroll_and_the_map_says_tap(app, live_server, page, seeded):
    url = live_server.url
    sign_in(page, url, demo.DEMO_USERNAME, demo.DEMO_PASSWORD, lang="zh")
    page.goto(f"{url}/trainer/teams/{seeded['id']}?lang=zh")
    charts_drawn(page, 3)
    wrap = page.locator("section.card:has(#members) .table-wrap")
    assert "overflows" in wrap.get_attribute("class")
    assert page.locator("section.card:has(#members) .scroll-hint").inner_text().startswith("表格比屏幕宽")
    # Every date whole, never "2026-11-1".
    dates = page.evaluate("[...document.querySelectorAll('table.members td.date')]"
                          ".map(td => [td.textContent.trim(), td.scrollWidth <= td.clientWidth])")
    assert dates and all(re.fullmatch(r"\d{4}-\d\d-\d\d", text) and whole for text, whole in dates)
    assert "点一下某个点" in page.inner_text("main")
    # A hint exactly where a table is wider than the screen, nowhere else.
    assert page.locator(".scroll-hint").count() == page.locator(".table-wrap.overflows").count() >= 1
    assert page.locator(".table-wrap").count() > page.locator(".table-wrap.overflows").count()

    # The leads' table on a member's page fits the phone, 灵活度 included.
    member = rows(app, "SELECT agent_id FROM rater_links WHERE relation = 'peer' AND answered_at IS NOT NULL "
                       "GROUP BY agent_id HAVING COUNT(*) >= 3")[0]["agent_id"]
    db = connect(app)
    try:
        response_id = storage.latest_response_id(db, member)
        storage.save_trainer_rating(db, response_id=response_id, agent_id=member, trainer_id=1,
                                    trainer_name="demo", questionnaire=OBSERVER.slug, version=OBSERVER.version,
                                    lang="zh", answers={i.id: 3 for i in OBSERVER.items},
                                    scores={"assertiveness": 50.0, "responsiveness": 50.0, "versatility": 50.0})
    finally:
        db.close()
    page.goto(f"{url}/trainer/agents/{member}?lang=zh")
    page.wait_for_selector("table.leads")
    leads = page.locator("table.leads").locator("xpath=..")
    assert "overflows" not in (leads.get_attribute("class") or "")
    assert "灵活度" in page.locator("table.leads thead").inner_text()
    box = page.locator("table.leads thead th").last.bounding_box()
    assert box["x"] + box["width"] <= 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_live_phrase_search_shows_one_nothing_found_and_hides_empty_sections(live_server, page):
    page.goto(f"{live_server.url}/phrases?lang=zh")
    page.fill("#phrase-q", "退款")
    assert page.locator("[data-section]:visible").count() == 2  # the two sections with a refund line
    assert page.locator("#phrase-none").is_hidden()
    page.fill("#phrase-q", "zzzq")
    assert page.locator("[data-section]:visible").count() == 0
    assert page.locator("#phrase-none").is_visible() and "“zzzq”" in page.locator("#phrase-none").inner_text()
    assert page.locator(".jump a:visible").count() == 0
    page.fill("#phrase-q", "")
    assert page.locator("#phrase-none").is_hidden() and page.locator("[data-section]:visible").count() >= 6
