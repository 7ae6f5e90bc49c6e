"""How others see me in a real browser, both languages, on a 360 px phone: the agent makes
four colleague links and a lead link from the (cached) result page, colleagues show who
they are (their own result link) and answer on their phones, the page shows progress at two answers and both dots, the gap in words and
versatility at three; the trainer sees the same on the member's page."""

from __future__ import annotations

import pytest

from assessment.questionnaire import load_all
from conftest import QUESTIONNAIRES
from helpers import add_result, make_team, make_trainer, PASSWORD

pytestmark = pytest.mark.browser


def answer_observer(page, base: str, link: str, lang: str, value_of, own_result: str, shot: str | None = None) -> None:
    """A colleague on their own phone: shows who they are (their own result link), then answers."""
    page.goto(f"{link}?lang={lang}")
    page.fill("#result_link", own_result)
    if shot:
        page.screenshot(path=shot, full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("button.primary")
    page.click("button.primary")
    while "/rate/" in page.url and not page.url.endswith("/rate/done"):
        for fieldset in page.query_selector_all("fieldset.item"):
            item_id = fieldset.get_attribute("id").removeprefix("item-")
            page.check(f"input[name='{item_id}'][value='{value_of(item_id)}']")
        page.click("button.primary")
        page.wait_for_load_state()
    assert page.url.endswith("/rate/done")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.parametrize("lang, two, three, gap_text", [
    ("en", "2 of 5 answered", "3 of 5 answered", "Others see you as more direct than you see yourself."),
    ("zh", "已答2份，共邀请5人", "已答3份，共邀请5人", "在别人眼里，你比你自己认为的更直接、更有主导性。"),
])
def test_invite_rate_and_see_how_others_see_you(app, live_server, page, browser, questionnaire, lang, two, three,
                                                gap_text):
    observer = load_all(QUESTIONNAIRES)["communication-style-observer"]
    trainer = make_trainer(app, "trainer-a")
    team = make_team(app, trainer, "Team A")
    ann = add_result(app, questionnaire, team["id"], "Ann 安", 2, 4)  # self 25 / 75
    colleagues = [add_result(app, questionnaire, team["id"], f"Colleague {n}", 4, 2)["token"] for n in range(3)]
    base = live_server.url
    result_url = f"{base}/r/{ann['token']}?lang={lang}"

    page.goto(result_url)
    page.wait_for_selector("#others[data-loaded=true]")
    links = []
    for relation in ["peer"] * 4 + ["lead"]:
        page.select_option("#relation", relation)
        page.click("[data-others-form] button[type=submit]")
        page.locator(".rate-links li").nth(len(links)).wait_for()
        links.append(page.locator(".rate-links input").nth(len(links)).input_value())
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    keyed = {"assertiveness": 4, "responsiveness": 4, "versatility": 2}  # others 75 / 75, versatility 25
    value_of = lambda item_id: next(  # noqa: E731
        keyed[i.axis] if i.keyed == "plus" else 6 - keyed[i.axis] for i in observer.items if i.id == item_id)
    for n, link in enumerate(links[:3]):
        phone = browser.new_context(viewport={"width": 360, "height": 780}).new_page()
        answer_observer(phone, base, link, lang, value_of, f"{base}/r/{colleagues[n]}",
                        shot=f"/tmp/rate-who-{lang}.png" if n == 0 else None)
        phone.context.close()
        if n == 1:
            page.goto(result_url)
            page.wait_for_selector("#others[data-loaded=true]")
            text = page.inner_text("#others")
            assert two in text and gap_text not in text
            assert page.query_selector("#others [data-figure]") is None

    page.goto(result_url)
    page.wait_for_selector("#others [data-drawn=true]")
    text = page.inner_text("#others")
    assert three in text and gap_text in text
    assert page.locator("#others .big-number").inner_text() == "25"
    assert page.locator("#others ol.practices li").count() == 3
    labels = page.evaluate("JSON.parse(document.querySelector('#others script[type=\"application/json\"]')"
                           ".textContent).data[0].text")
    assert len(labels) == 2  # two labelled dots: self and others
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=f"/tmp/others-browser-{lang}.png", full_page=True)
    assert page.js_errors == []

    # The trainer sees the same on the member's page.
    desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    desk.goto(f"{base}/trainer/login?lang={lang}")
    desk.fill("#username", "trainer-a")
    desk.fill("#password", PASSWORD)
    desk.click("button[type=submit]")
    desk.goto(f"{base}/trainer/agents/{ann['agent_id']}?lang={lang}")
    desk.wait_for_selector("#others [data-drawn=true]")
    member = desk.inner_text("#others")
    assert three in member and gap_text in member
    desk.context.close()
