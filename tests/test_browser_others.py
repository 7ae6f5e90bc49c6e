"""How others see me in a real browser, both languages, on a 360 px phone: the agent makes
four colleague links and a lead link from the (cached) result page, colleagues show who
they are (their own result link) and answer on their phones, the page shows progress at two answers and both dots, the gap in words and
versatility at three; the trainer sees the same on the member's page."""

from __future__ import annotations

import re

import pytest

from assessment.questionnaire import load_all
from conftest import QUESTIONNAIRES
from helpers import add_result, make_team, make_trainer, PASSWORD

pytestmark = pytest.mark.browser


def prove_in_browser(page, base: str, link: str, lang: str, own_result: str, shot: str | None = None) -> None:
    """A colleague opens a rating link and shows who they are: pastes the link of their own
    result in the same team, and lands on the (now proven) start page."""
    page.goto(f"{base}/rate/{link}?lang={lang}")
    page.fill("#result_link", f"{base}/r/{own_result}")
    if shot:
        page.screenshot(path=shot, full_page=True)
    page.click("button.primary")
    page.wait_for_url(re.compile(rf"/rate/{re.escape(link)}$"))
    assert page.locator("#result_link").count() == 0  # proven: the start button, no proof form


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
                           ".textContent).data.map(t => t.name)")
    assert len(labels) == 2  # two named dots: self and others, in the legend
    assert page.locator("#others .legend .traces").count() == 2
    assert page.locator("#others .scatterlayer .textpoint").count() == 0  # no label printed beside a dot
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


@pytest.mark.parametrize("lang, cant_say, refused, scale_line", [
    ("en", "Can't say", "Too many statements answered “Can't say”", "Responsiveness: 3 of 8 answered, at least 4 needed."),
    ("zh", "无法判断", "选“无法判断”的描述太多了", "情感表露：8条中答了3条，至少需要4条。"),
])
def test_a_colleague_answers_cant_say_on_a_390_px_phone(app, live_server, browser, questionnaire, lang, cant_say,
                                                       refused, scale_line):
    """Can't say is a real, labelled radio on every statement; it survives going back a page; too
    many on one scale are refused naming the scale, with every answer kept; then the rating goes."""
    from assessment import storage
    from helpers import connect, rows

    observer = load_all(QUESTIONNAIRES)["communication-style-observer"]
    trainer = make_trainer(app, "trainer-a")
    team = make_team(app, trainer, "Team A")
    ann = add_result(app, questionnaire, team["id"], "Ann 安", 2, 4)
    colleague = add_result(app, questionnaire, team["id"], "Colleague 同事", 4, 2)["token"]
    db = connect(app)
    try:
        link = storage.create_link(db, ann, "peer")["token"]
    finally:
        db.close()
    resp = [i.id for i in observer.items if i.axis == "responsiveness"]
    unsure = set(resp[:5])  # 3 of 8 responsiveness statements answered: too few

    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    errors = []
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    prove_in_browser(phone, live_server.url, link, lang, colleague, shot=f"/tmp/observer-proof-{lang}.png")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.click("button.primary")
    shot = 0
    while "/rate/done" not in phone.url:
        for fieldset in phone.query_selector_all("fieldset.item"):
            item_id = fieldset.get_attribute("id").removeprefix("item-")
            # Every statement offers can't say, as a radio its label names.
            radio = phone.get_by_role("group", name=re.compile(re.escape(observer.item(item_id).text.get(lang)))) \
                .get_by_role("radio", name=cant_say)
            assert radio.count() == 1
            if item_id in unsure:
                radio.check()
            else:
                item = observer.item(item_id)
                phone.check(f"input[name='{item_id}'][value='{4 if item.keyed == 'plus' else 2}']")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        if shot == 0:
            phone.screenshot(path=f"/tmp/observer-cant-say-{lang}.png", full_page=True)
            # Back from page 2 keeps page 1's can't-say answers checked.
            phone.click("button.primary")
            phone.click("button[name=back]")
            for item_id in unsure & {i.id for i in observer.pages[0]}:
                assert phone.is_checked(f"input[name='{item_id}'][value='x']")
        shot += 1
        phone.click("button.primary")
        phone.wait_for_load_state()
        if phone.locator("#too-few").count():
            break
    # Refused: the scale is named, the can't-say statements linked; nothing stored.
    summary = phone.inner_text("#too-few")
    assert refused in summary and scale_line in summary
    assert phone.locator("#too-few a").count() == 5
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=f"/tmp/observer-too-few-{lang}.png", full_page=True)
    assert rows(app, "SELECT answered_at FROM rater_links") == [{"answered_at": None}]
    # Follow the first link, answer that statement after all, and send from the last page.
    phone.locator("#too-few a").first.click()
    phone.wait_for_load_state()
    first = resp[0]
    item = observer.item(first)
    phone.check(f"input[name='{first}'][value='{4 if item.keyed == 'plus' else 2}']")
    while "/rate/done" not in phone.url:
        phone.click("button.primary")
        phone.wait_for_load_state()
    stored = rows(app, "SELECT answers, responsiveness FROM rater_links WHERE token = ?", [link])[0]
    assert stored["responsiveness"] == 75.0  # the 4 answered, keyed 4
    assert stored["answers"].count("null") == 4
    assert errors == []
    phone.context.close()
