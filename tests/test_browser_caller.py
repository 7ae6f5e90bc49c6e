"""Read the caller in real Chromium: the identifier in three taps on a 360 px phone (and by
keyboard), a practice session of 8, one-page A4 cards, and the trainer's practice page."""

from __future__ import annotations

import re

import pytest

from assessment import storage
from assessment.model import STYLES
from helpers import PASSWORD, add_result, connect, make_team, make_trainer

pytestmark = pytest.mark.browser


def no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, (width, viewport)


@pytest.mark.parametrize("lang, driver, upset", [("zh", "支配型", "添麻烦"), ("en", "Driver", "caused you trouble")])
def test_three_taps_name_the_type_and_give_a_line_and_a_mood_line(live_server, page, lang, driver, upset):
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/call?lang={lang}")
    bar = page.locator(".reading-bar")
    page.locator("label.pole:has(input[value=fast])").click()
    page.locator("label.pole:has(input[value=facts])").click()
    page.locator("label.chip:has(input[value=upset])").click()
    page.wait_for_function("document.querySelector('.reading-bar .mood-line') !== null")
    assert driver in bar.locator(".reading-type").inner_text()
    assert upset in bar.locator(".mood-line").inner_text()
    assert bar.is_visible() and bar.bounding_box()["y"] + bar.bounding_box()["height"] <= 781
    # The address keeps what was tapped: a reload shows the same reading.
    assert "pace=fast" in page.url and "mood=upset" in page.url
    page.reload()
    assert driver in page.locator(".reading-bar .reading-type").inner_text()
    no_horizontal_scroll(page)
    page.screenshot(path=f"/tmp/caller-browser-call-{lang}.png")
    assert page.js_errors == []


def test_every_choice_is_reachable_by_keyboard_with_a_visible_focus(live_server, page):
    page.goto(f"{live_server.url}/call?lang=en")
    page.locator("input[name=mood]").first.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    assert page.locator("input[name=mood]:checked").get_attribute("value") == "upset"
    outline = page.evaluate("getComputedStyle(document.querySelector('label.chip:has(input:focus-visible)')).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("Tab")  # to the first cue's pair
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    assert page.locator("input[name=pace]:checked").get_attribute("value") == "measured"


def test_a_practice_session_of_eight_on_a_phone(live_server, page):
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/practice?lang=zh")
    page.locator("form button.primary").click()
    for n in range(1, 9):
        page.wait_for_selector(".caller-lines")
        assert f"第{n}通" in page.locator(".eyebrow").inner_text()
        page.locator(".type-choices label.pole").nth(n % 4).click()
        page.locator(".reply-choices label.pole").first.click()
        no_horizontal_scroll(page)
        if n == 1:
            page.screenshot(path="/tmp/caller-browser-practice-call.png", full_page=True)
        page.locator(".practice-form button.primary").click()
        page.wait_for_selector(".feedback")
        assert page.locator(".feedback").count() == 2
        if n == 1:
            page.screenshot(path="/tmp/caller-browser-practice-feedback.png", full_page=True)
        page.locator("form button.primary").click()
    heading = page.locator("h1").inner_text()
    assert re.search(r"你的得分：\d+分（满分16分）", heading)
    assert page.locator(".practice-answers tbody tr").count() == 8
    no_horizontal_scroll(page)
    page.screenshot(path="/tmp/caller-browser-practice-done.png", full_page=True)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_phrase_card_prints_on_one_a4_page(live_server, browser, lang):
    context = browser.new_context()
    page = context.new_page()
    try:
        for style in STYLES:
            page.goto(f"{live_server.url}/phrases/card/{style}?lang={lang}")
            pdf = page.pdf(format="A4", prefer_css_page_size=True)
            pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
            assert pages == 1, (style, pages)
    finally:
        context.close()


def test_phrase_search_filters_live_in_both_languages(live_server, page):
    page.goto(f"{live_server.url}/phrases?lang=en")
    total = page.locator("[data-search]").count()
    page.fill("#phrase-q", "抱歉")
    shown = page.locator("[data-search]:visible").count()
    assert 0 < shown < total
    assert f"Matching entries: {shown}" in page.locator("#phrase-count").inner_text()
    no_horizontal_scroll(page)


def test_trainer_sees_accuracy_by_type_and_the_confusion_table(app, live_server, browser, questionnaire):
    trainer = make_trainer(app, "coach")
    team = make_team(app, trainer, "早班 Morning")
    member = add_result(app, questionnaire, team["id"], "李雷", 4, 2)
    db = connect(app)
    try:
        for actual, guessed in (("driver", "driver"), ("amiable", "expressive"), ("analytical", "analytical")):
            storage.add_practice_attempt(db, scenario="s", actual=actual, guessed=guessed, reply="a",
                                         type_correct=actual == guessed, reply_correct=True,
                                         agent_id=member["agent_id"], team_id=team["id"])
    finally:
        db.close()
    for width, name in ((360, "phone"), (1280, "desk")):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        page.goto(f"{live_server.url}/trainer/login?lang=zh")
        page.fill("input[name=username]", "coach")
        page.fill("input[name=password]", PASSWORD)
        page.locator("form button[type=submit]").click()
        page.goto(f"{live_server.url}/trainer/teams/{team['id']}")
        page.locator(f'a[href="/trainer/teams/{team["id"]}/practice"]').click()
        page.wait_for_selector('#chart-practice[data-drawn="true"]', state="attached")
        assert page.evaluate("document.getElementById('chart-practice')._fullData.map(t => t.type)") == ["bar"]
        assert page.locator("table.confusion td.diagonal").count() == 4
        assert "李雷" in page.locator("table.practice-members").inner_text()
        no_horizontal_scroll(page)
        page.screenshot(path=f"/tmp/caller-browser-trainer-{name}.png", full_page=True)
        context.close()
