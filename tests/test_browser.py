"""One agent, in Chinese, on a 360 px phone, in real Chromium: questionnaire -> drawn charts."""

from __future__ import annotations

import re

import pytest

from conftest import style_answers

pytestmark = pytest.mark.browser

CJK = re.compile(r"[\u4e00-\u9fff]")


def choose(page, item_id: str, value: int) -> None:
    """Pick an answer the way a user does: by its visible label."""
    page.locator(f"#item-{item_id} label.likert-option").nth(value - 1).click()


def test_agent_takes_the_questionnaire_in_chinese_and_sees_drawn_charts(live_server, page, questionnaire, tmp_path):
    page.set_default_timeout(10_000)
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    answers = style_answers(questionnaire, "expressive", 2)
    pages = questionnaire.pages

    page.goto(live_server.url + "/?lang=zh")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.locator(f'a[href="/q/{questionnaire.slug}/1?lang=zh"]').click()  # the language asked for goes on
    page.wait_for_url(re.compile(rf"/q/{questionnaire.slug}/1\?lang=zh$"))

    for number, items in enumerate(pages, start=1):
        skipped = items[-1].id if number == 1 else None
        for i, item in enumerate(items):
            if item.id == skipped:
                continue
            if number == 1 and i == 0:
                # Keyboard: focus the first option, then move with the arrow keys to the answer.
                page.locator(f"#item-{item.id} input[type=radio]").first.focus()
                page.keyboard.press("Space")
                for _ in range(answers[item.id] - 1):
                    page.keyboard.press("ArrowRight")
                checked = page.locator(f"#item-{item.id} input[type=radio]:checked")
                assert checked.get_attribute("value") == str(answers[item.id])
            else:
                choose(page, item.id, answers[item.id])
        page.locator("form button.primary").click()

        if skipped:
            # The validation error: a Chinese summary pointing at the unanswered statement.
            summary = page.locator(".error-summary")
            summary.wait_for(state="visible")
            assert CJK.search(summary.inner_text())
            link = summary.locator(f'a[href="#item-{skipped}"]')
            assert link.is_visible()
            assert page.locator(f"#item-{items[0].id} input:checked").get_attribute("value") == str(answers[items[0].id])
            link.click()
            choose(page, skipped, answers[skipped])
            page.locator("form button.primary").click()

        if number < len(pages):
            page.wait_for_url(re.compile(rf"/q/{questionnaire.slug}/{number + 1}$"))

    # The page with the unanswered statement came back 400 on purpose, which Chromium logs
    # as an error: count console errors from the result page on.
    console_errors.clear()
    page.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]{20,}$"))
    page.wait_for_selector('#chart-radar[data-drawn="true"]', state="attached")
    page.wait_for_selector('#chart-quadrant[data-drawn="true"]', state="attached")
    assert page.locator("#chart-radar svg path").count() > 0
    assert page.locator("#chart-quadrant svg").count() > 0
    # plotly.js is a custom bundle: a trace type left out of it is quietly drawn as a plain
    # scatter, so check the types plotly.js drew, and their marks.
    drawn = page.evaluate(
        "() => ['radar', 'quadrant'].map(n => document.getElementById('chart-' + n)._fullData.map(t => t.type))"
    )
    assert drawn == [["scatterpolar"], ["scatter"]]
    assert page.locator("#chart-radar .polarlayer .trace .point").count() == 5  # four spokes, closed
    assert page.locator("#chart-quadrant .scatterlayer .point").count() == 1

    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    body = page.locator("main").inner_text()
    assert questionnaire.styles["expressive"].name.zh in body
    assert len(CJK.findall(body)) > 200
    assert page.locator(".customer-card").count() == 4

    page.screenshot(path=str(tmp_path / "result-360.png"), full_page=True)
    assert (tmp_path / "result-360.png").stat().st_size > 0
    assert page.js_errors == []
    assert console_errors == []
