"""Calls as evidence in a real browser, both languages, on a 390 px phone and a desk: a QC
lead uploads a GBK plain-text call (a file) and a WebVTT call (pasted), reads the review
page with the banned phrase marked and what to say instead, uploads three more (one whose
speakers are labels, picked on the re-shown form), and the member's page shows the third
dot beside self and others; the agent sees the summary on their result page; the team
page shows the month."""

from __future__ import annotations

import pytest

from assessment import storage
from assessment.questionnaire import load_all
from call_samples import PHONE, PLAIN_ZH, RAW_DIGITS, VTT_ZH, WHISPERX, zhiji_json
from conftest import QUESTIONNAIRES
from helpers import PASSWORD, add_result, connect, make_team, make_trainer, rows

pytestmark = pytest.mark.browser

WORDS = {
    "en": {"say_instead": "Say instead", "banned": "Banned phrase", "needed": "more call", "pick": "Which speaker",
           "summary": "From 5 of your calls", "month": "The team's calls in", "calls_dot": "Calls (5)"},
    "zh": {"say_instead": "换成", "banned": "忌语", "needed": "还需要", "pick": "哪位说话人", "summary": "根据你的5通通话",
           "month": "团队通话", "calls_dot": "通话（5）"},
}


def _rated_by_three_colleagues(app, token: str) -> None:
    """Three peer ratings, so the others' dot is shown (its minimum)."""
    observer = load_all(QUESTIONNAIRES)["communication-style-observer"]
    answers = {i.id: 4 if i.keyed == "plus" else 2 for i in observer.items}
    db = connect(app)
    try:
        result = storage.response_by_token(db, token)
        for n in range(3):  # three colleagues, each rating once
            link = storage.create_link(db, result, "peer")
            storage.answer_link(db, link["token"], questionnaire=observer.slug, version=observer.version, lang="zh",
                                answers=answers, scores={"assertiveness": 75.0, "responsiveness": 75.0,
                                                         "versatility": 60.0}, rater_key=f"colleague {n}")
    finally:
        db.close()


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("lang, width", [("zh", 390), ("en", 1280), ("en", 390), ("zh", 1280)])
def test_qc_uploads_reviews_and_the_member_page_shows_three_dots(app, live_server, browser, questionnaire, tmp_path,
                                                                  lang, width):
    words = WORDS[lang]
    owner = make_trainer(app, "trainer-a")
    make_trainer(app, "qc-lead")
    db = connect(app)
    try:
        storage.set_role(db, rows(app, "SELECT id FROM trainers WHERE username = 'qc-lead'")[0]["id"], "qc")
    finally:
        db.close()
    team = make_team(app, owner, "早班 Morning")
    db = connect(app)
    try:
        storage.add_team_staff(db, team["id"], "qc-lead", "qc")
    finally:
        db.close()
    ann = add_result(app, questionnaire, team["id"], "Ann 安", 2, 4, employee_id="E7")  # self 25 / 75
    _rated_by_three_colleagues(app, ann["token"])
    base = live_server.url
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/trainer/login?lang={lang}")
    page.fill("#username", "qc-lead")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    member = f"{base}/trainer/agents/{ann['agent_id']}"

    # 1. A GBK plain-text file, uploaded from the member's page.
    gbk = tmp_path / "E7_0301.txt"
    gbk.write_bytes(PLAIN_ZH.encode("gbk"))
    page.goto(member)
    page.set_input_files("#call-file", str(gbk))
    page.click("form.call-upload button[type=submit]")
    page.wait_for_url("**/trainer/calls/*")
    review = page.url
    banned = page.locator(".seg.has-findings .tag-banned").first
    assert "不归我们管" in banned.inner_text() and words["say_instead"] in banned.inner_text()
    assert "我帮您转给负责的同事处理" in banned.inner_text()
    assert page.locator("mark.found-banned", has_text="不归我们管").count() == 1
    assert PHONE not in page.content() and PHONE[-4:] in page.content()
    _fits(page, width)
    page.screenshot(path=f"/tmp/calls-review-{lang}-{width}.png", full_page=True)

    # 2. A WebVTT call, pasted.
    page.goto(member)
    page.fill("#call-text", VTT_ZH)
    page.click("form.call-upload button[type=submit]")
    page.wait_for_url("**/trainer/calls/*")
    page.wait_for_selector("#chart-timeline[data-drawn=true]")
    assert page.locator(".tag-empathy").count() >= 1

    # 3. Speakers as labels: the form comes back with them to pick from, the text kept.
    page.goto(member)
    page.fill("#call-text", WHISPERX)
    page.click("form.call-upload button[type=submit]")
    page.wait_for_selector("#agent-speaker")
    assert words["pick"] in page.inner_text("#agent-speaker")
    assert "SPEAKER_00" in page.input_value("#call-text")
    _fits(page, width)
    page.screenshot(path=f"/tmp/calls-pick-{lang}-{width}.png", full_page=True)
    page.check("input[name=agent_speaker][value=SPEAKER_00]")
    page.click("form.call-upload button[type=submit]")
    page.wait_for_url("**/trainer/calls/*")

    # Below five calls with timing: no calls dot yet, and how many more.
    page.goto(member)
    assert words["needed"] in page.inner_text("#calls")
    for seed in range(2):
        page.goto(member)
        page.fill("#call-text", zhiji_json("telling", seed=seed))
        page.click("form.call-upload button[type=submit]")
        page.wait_for_url("**/trainer/calls/*")

    page.goto(member)
    page.wait_for_selector("#chart-calls-map[data-drawn=true]")
    labels = page.evaluate("JSON.parse(document.getElementById('fig-calls-map').textContent).data.map(t => t.name)")
    assert len(labels) == 3 and labels[2] == words["calls_dot"]  # self, others, calls: one dot each, in the legend
    assert page.locator("#calls .calls-gaps li").count() == 2
    assert page.locator("#calls table.calls-list tbody tr").count() == 5
    _fits(page, width)
    page.locator("#calls").screenshot(path=f"/tmp/calls-member-{lang}-{width}.png")

    # The team's month.
    page.goto(f"{base}/trainer/teams/{team['id']}/calls")
    assert words["month"] in page.inner_text("h1")
    assert "不归我们管" in page.inner_text("table.team-calls-banned")
    page.wait_for_selector("#chart-calls-trend[data-drawn=true]")
    _fits(page, width)
    page.screenshot(path=f"/tmp/calls-team-{lang}-{width}.png", full_page=True)
    page.goto(review)
    page.emulate_media(media="print")
    page.screenshot(path=f"/tmp/calls-print-{lang}-{width}.png", full_page=True)
    assert errors == []
    page.context.close()

    # The agent, on their (cached) result page: the summary and their dot, never a transcript.
    agent = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    agent.goto(f"{base}/r/{ann['token']}?lang={lang}")
    agent.wait_for_selector("#calls [data-drawn=true]")
    summary = agent.inner_text("#calls")
    assert words["summary"] in summary and "不归我们管" not in summary
    assert all(raw not in agent.content() for raw in RAW_DIGITS)
    _fits(agent, width)
    agent.locator("#calls").screenshot(path=f"/tmp/calls-result-{lang}-{width}.png")
    agent.context.close()
