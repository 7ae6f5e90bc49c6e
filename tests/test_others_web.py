"""How others see me, the pages: links from the result page, the rater's paged form (draft
kept, single use), the others' view with its threshold, the trainer's member page, rating and
team page, access control, both languages."""

from __future__ import annotations

import re

import pytest

from assessment.questionnaire import load_all
from conftest import QUESTIONNAIRES
from helpers import (
    add_result, count, csrf_token, make_team, make_trainer, page_text, rows,
    signed_in_client,
)
from conftest import checked_answers, form_state
from test_others_api import rating

OBSERVER = "communication-style-observer"


@pytest.fixture(scope="module")
def observer():
    return load_all(QUESTIONNAIRES)[OBSERVER]


@pytest.fixture
def world(app, questionnaire):
    a = make_trainer(app, "trainer-a")
    make_trainer(app, "trainer-b")
    team = make_team(app, a, "Team A")
    ann = add_result(app, questionnaire, team["id"], "Ann 安", 4, 2)  # self 75 / 25
    # Ann's colleagues: a peer proves they are one with their own result link.
    peers = [add_result(app, questionnaire, team["id"], f"Colleague {n}", 2, 4)["token"] for n in range(1, 6)]
    return {"team": team, "ann": ann, "peers": peers}


def make_link(client, token: str, relation: str = "peer") -> str:
    """Through the page's form, as an agent without JS would."""
    html = page_text(client.get(f"/r/{token}/others"))
    response = client.post(f"/r/{token}/others/links", data={"csrf_token": csrf_token(html), "relation": relation})
    assert response.status_code == 302
    link_id = int(re.search(r"new=(\d+)", response.headers["Location"]).group(1))
    return rows(client.application, "SELECT token FROM rater_links WHERE id = ?", [link_id])[0]["token"]


def prove(client, link: str, rater: str):
    """A colleague shows who they are: the link of their own result, pasted on the rating page."""
    html = page_text(client.get(f"/rate/{link}"))
    proved = client.post(f"/rate/{link}", data={"csrf_token": csrf_token(html),
                                                "result_link": f"http://localhost/r/{rater}?lang=zh"})
    assert proved.status_code == 302, page_text(proved)[:300]


def rate_through_pages(client, observer, link: str, answers: dict, lead: dict | None = None,
                       rater: str | None = None):
    """A rater opens the link (a colleague proves who they are with `rater`, their own result
    token; a lead gives a role), answers each page. Returns the last response."""
    if rater is not None:
        prove(client, link, rater)
    html = page_text(client.get(f"/rate/{link}"))
    data = {"csrf_token": csrf_token(html), **(lead or {})}
    assert client.post(f"/rate/{link}", data=data).status_code == 302
    response = None
    for number, items in enumerate(observer.pages, start=1):
        page = page_text(client.get(f"/rate/{link}/{number}"))
        form = {item.id: str(answers[item.id]) for item in items}
        form["csrf_token"] = csrf_token(page)
        response = client.post(f"/rate/{link}/{number}", data=form)
        assert response.status_code == 302, (number, response.status_code)
    return response


def test_the_cached_result_page_only_carries_a_placeholder(client, world):
    token = world["ann"]["token"]
    html = page_text(client.get(f"/r/{token}?lang=en"))
    assert f'data-others-src="/r/{token}/others?part=1"' in html
    assert f'href="/r/{token}/others"' in html  # works without JS
    assert 'name="csrf_token"' not in html  # nothing per visitor in a cached page
    assert html.index('id="others"') < html.index("Keep this result")


def test_an_agent_makes_links_and_sees_no_answered_state(app, client, world, observer):
    token = world["ann"]["token"]
    client.get("/?lang=en")
    links = [make_link(client, token) for _ in range(2)] + [make_link(client, token, "lead")]
    html = page_text(client.get(f"/r/{token}/others"))
    for link in links:
        assert f"/rate/{link}" in html
    assert html.count("Colleague</span>") == 2 and html.count("Lead (named)</span>") == 1
    assert "0 of 3 answered" in html
    rate_through_pages(app.test_client(), observer, links[0], rating(observer, 4, 4, 4), rater=world["peers"][0])
    after = page_text(client.get(f"/r/{token}/others"))
    assert "1 of 3 answered" in after
    # The list looks the same whether or not a link was used: nothing marks which one answered.
    strip = lambda h: re.sub(r"\d+ of \d+ answered|<progress[^>]*>|csrf_token\" type=\"hidden\" value=\"[^\"]+", "", h)
    assert strip(html) == strip(after)


def test_the_fragment_is_what_the_script_loads(client, world):
    token = world["ann"]["token"]
    response = client.get(f"/r/{token}/others?part=1&lang=en")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = page_text(response)
    assert "<html" not in html and "Ask for ratings" in html
    posted = client.post(f"/r/{token}/others/links", data={"csrf_token": csrf_token(html), "relation": "peer"},
                         headers={"X-Requested-With": "fetch"})
    assert posted.status_code == 201 and 'class="new"' in page_text(posted)


def test_creating_a_link_needs_the_form_token_and_a_relation(client, world):
    token = world["ann"]["token"]
    assert client.post(f"/r/{token}/others/links", data={"relation": "peer"}).status_code == 400
    html = page_text(client.get(f"/r/{token}/others"))
    assert client.post(f"/r/{token}/others/links", data={"csrf_token": csrf_token(html),
                                                         "relation": "boss"}).status_code == 400
    assert count(client.application, "rater_links") == 0


def test_a_result_that_is_not_valid_has_no_others_page(app, client, questionnaire, world):
    answers = {item.id: 3 for item in questionnaire.items}  # straight-lined: not valid
    assert client.get(f"/r/{world['ann']['token']}/others").status_code == 200  # a valid one
    from helpers import connect
    from assessment import storage
    from assessment.scoring import score
    db = connect(app)
    try:
        bad = storage.save_response(db, questionnaire=questionnaire.slug, version=questionnaire.version, lang="en",
                                    answers=answers, profile=score(questionnaire, answers))
    finally:
        db.close()
    assert not bad["valid"]
    assert client.get(f"/r/{bad['token']}/others").status_code == 404


def test_the_rater_journey_keeps_the_draft_and_works_once(app, client, world, observer):
    link = make_link(client, world["ann"]["token"])
    rater = app.test_client()
    who = page_text(rater.get(f"/rate/{link}?lang=en"))
    assert "paste the link of your own result" in who  # a colleague shows who they are first
    prove(rater, link, world["peers"][0])
    intro = page_text(rater.get(f"/rate/{link}?lang=en"))
    assert "How does Ann 安 communicate?" in intro
    assert "at least two other colleagues" in intro
    text = re.sub(r"<[^>]+>", " ", intro)  # the words on the page (a token in a URL may hold any digits)
    assert "driver" not in text.lower() and "75" not in text  # never the agent's result (75 / 25, driver)
    answers = rating(observer, 4, 2, 5)
    # Page 1 answered, then a reload: the answers are still checked.
    page = page_text(rater.get(f"/rate/{link}/1"))
    form = {item.id: str(answers[item.id]) for item in observer.pages[0]}
    assert rater.post(f"/rate/{link}/1", data={**form, "csrf_token": csrf_token(page)}).status_code == 302
    assert checked_answers(page_text(rater.get(f"/rate/{link}/1"))) == {k: int(v) for k, v in form.items()}
    # A page sent with a gap names the missing statement and keeps the rest.
    page2 = page_text(rater.get(f"/rate/{link}/2"))
    partial = {item.id: str(answers[item.id]) for item in observer.pages[1][1:]}
    missing = rater.post(f"/rate/{link}/2", data={**partial, "csrf_token": csrf_token(page2)})
    assert missing.status_code == 400 and observer.pages[1][0].text.en in page_text(missing)
    done = rate_through_pages(rater, observer, link, answers)
    assert done.headers["Location"].endswith("/rate/done")
    assert "Thank you" in page_text(rater.get("/rate/done?lang=en"))
    stored = rows(app, "SELECT relation, assertiveness, responsiveness, versatility, lang, rater_role "
                       "FROM rater_links WHERE token = ?", [link])
    assert stored == [{"relation": "peer", "assertiveness": 75.0, "responsiveness": 25.0, "versatility": 100.0,
                       "lang": "en", "rater_role": None}]
    # Used: the rater alone is told they rated; anyone else sees the page an unused link shows.
    again = rater.get(f"/rate/{link}?lang=en")
    assert again.status_code == 409 and "You have already rated Ann 安" in page_text(again)
    other = app.test_client().get(f"/rate/{link}?lang=en")
    assert other.status_code == 200 and page_text(other).replace(csrf_token(page_text(other)), "") == \
        who.replace(csrf_token(who), "")
    late = rater.post(f"/rate/{link}/3", data={"csrf_token": csrf_token(intro)})
    assert late.status_code in (302, 400, 409)
    assert count(app, "rater_links WHERE answered_at IS NOT NULL") == 1
    # The rater's own back button: the thank-you page again, nothing stored twice.
    assert rater.get(f"/rate/{link}/3").headers["Location"].endswith("/rate/done")


def test_a_lead_form_says_it_is_not_anonymous_and_takes_a_role(app, client, world, observer):
    link = make_link(client, world["ann"]["token"], "lead")
    rater = app.test_client()
    intro = page_text(rater.get(f"/rate/{link}?lang=zh"))
    assert "不是匿名的" in intro
    bad = rater.post(f"/rate/{link}", data={"csrf_token": csrf_token(intro), "role": "ceo"})
    assert bad.status_code == 400
    rate_through_pages(rater, observer, link, rating(observer, 2, 2, 2), lead={"role": "qc", "name": "王芳"})
    html = page_text(client.get(f"/r/{world['ann']['token']}/others?lang=zh"))
    assert "质检：王芳" in html and "上级的评价（实名）" in html


def test_the_view_appears_at_three_peers_in_both_languages(app, client, world, observer):
    token = world["ann"]["token"]
    links = [make_link(client, token) for _ in range(4)]
    for link, rater in zip(links[:2], world["peers"]):
        rate_through_pages(app.test_client(), observer, link, rating(observer, 5, 5, 2), rater=rater)
    html = page_text(client.get(f"/r/{token}/others?lang=en"))
    assert "2 of 4 answered" in html and "at least 3 colleagues" in html
    assert "data-figure" not in html and "Versatility" not in html  # progress only
    rate_through_pages(app.test_client(), observer, links[2], rating(observer, 5, 5, 2), rater=world["peers"][2])
    html = page_text(client.get(f"/r/{token}/others?lang=en"))
    assert "3 of 4 answered" in html
    assert "You (self)" in html and "Others (3)" in html  # two labelled dots
    assert "Others see you as more direct than you see yourself." in html  # +25 assertiveness
    assert "Others see you as warmer and more open with your feelings than you see yourself." in html
    assert "<span class=\"big-number\">25</span>" in html and "Low" in html
    assert html.count("<li><strong>") == 3  # three practices
    zh = page_text(client.get(f"/r/{token}/others?lang=zh"))
    assert "已答3份，共邀请4人" in zh and "在别人眼里，你比你自己认为的更直接、更有主导性。" in zh


def test_the_trainer_sees_the_member_view_rates_and_reads_the_team(app, client, world, observer):
    token = world["ann"]["token"]
    agent_id = world["ann"]["agent_id"]
    trainer = signed_in_client(app, "trainer-a")
    member = page_text(trainer.get(f"/trainer/agents/{agent_id}"))
    assert "How others see Ann 安" in member and "Nobody has rated this member yet." in member
    assert f"/trainer/agents/{agent_id}/rate" in member
    # The trainer's own rating, through the pages.
    for number, items in enumerate(observer.pages, start=1):
        page = page_text(trainer.get(f"/trainer/agents/{agent_id}/rate/{number}"))
        form = {item.id: str(rating(observer, 3, 3, 4)[item.id]) for item in items}
        response = trainer.post(f"/trainer/agents/{agent_id}/rate/{number}", data={**form, "csrf_token": csrf_token(page)})
        assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/trainer/agents/{agent_id}#others")
    member = page_text(trainer.get(f"/trainer/agents/{agent_id}"))
    assert "Trainer: trainer-a" in member and "Versatility" in member
    team = page_text(trainer.get(f"/trainer/teams/{world['team']['id']}"))
    assert f"/trainer/teams/{world['team']['id']}/others" in team
    page = page_text(trainer.get(f"/trainer/teams/{world['team']['id']}/others"))
    assert "No member has enough colleagues" in page and "Not enough colleagues" in page
    for rater in world["peers"][:3]:
        rate_through_pages(app.test_client(), observer, make_link(client, token), rating(observer, 2, 4, 5),
                           rater=rater)
    page = page_text(trainer.get(f"/trainer/teams/{world['team']['id']}/others"))
    assert "<span class=\"big-number\">100</span>" in page  # the team's average versatility
    # One member with a view: the figure, no band for the team, and a caution saying why.
    assert re.search(r'big-number">100</span><span class="hint"> / 100</span></p>', page)
    assert "Too few members for a team verdict" in page
    assert "Ann 安" in page and "71 points apart" in page  # hypot(-50, +50) = 70.7


@pytest.mark.parametrize("url", ["/trainer/teams/{team}/others", "/trainer/agents/{agent}/rate",
                                 "/trainer/agents/{agent}/rate/1"])
def test_trainer_pages_are_for_the_teams_trainer_only(app, world, url):
    url = url.format(team=world["team"]["id"], agent=world["ann"]["agent_id"])
    assert app.test_client().get(url).status_code == 302  # to sign-in
    assert signed_in_client(app, "trainer-b").get(url).status_code == 404
    assert signed_in_client(app, "trainer-a").get(url).status_code in (200, 302)


def test_another_trainer_cannot_rate_a_member(app, world, observer):
    other = signed_in_client(app, "trainer-b")
    page = page_text(other.get("/trainer/"))
    form = {item.id: "3" for item in observer.pages[-1]}
    response = other.post(f"/trainer/agents/{world['ann']['agent_id']}/rate/{len(observer.pages)}",
                          data={**form, "csrf_token": csrf_token(page)})
    assert response.status_code == 404
    assert count(app, "rater_links") == 0


def test_the_member_page_of_another_trainer_shows_nothing_of_the_ratings(app, client, world, observer):
    assert signed_in_client(app, "trainer-b").get(f"/trainer/agents/{world['ann']['agent_id']}").status_code == 404


@pytest.mark.parametrize("value, shown", [(3.4, "+3"), (-3.6, "-4"), (0.3, "0"), (-0.4, "0"), (0, "0")])
def test_gaps_show_as_whole_signed_points_and_none_as_0(app, value, shown):
    assert app.jinja_env.filters["signed"](value) == shown


# --- can't say on the paged form ----------------------------------------------------------


def _with_cant_say(observer, answers: dict, scale: str, count: int) -> dict:
    """Form values: the first `count` items of the scale answered "x" (can't say)."""
    ids = [i.id for i in observer.items if i.axis == scale][:count]
    return {k: ("x" if k in ids else str(v)) for k, v in answers.items()}


@pytest.mark.parametrize("lang, label", [("en", "Can't say"), ("zh", "无法判断")])
def test_every_statement_offers_cant_say_as_a_labelled_radio(app, client, world, observer, lang, label):
    link = make_link(client, world["ann"]["token"])
    rater = app.test_client()
    prove(rater, link, world["peers"][0])
    html = page_text(rater.get(f"/rate/{link}/1?lang={lang}"))
    for item in observer.pages[0]:
        radio = re.search(rf'<label class="likert-option cant-say">\s*<input[^>]*name="{item.id}"[^>]*value="x"[^>]*>'
                          rf'\s*<span class="likert-label">([^<]+)</span>', html)
        assert radio and radio.group(1).replace("&#39;", "'") == label, item.id
        assert 'type="radio"' in radio.group(0)
    # The self questionnaire offers no such answer.
    assert "cant-say" not in page_text(client.get("/q/communication-style/1"))


def test_cant_say_is_kept_across_pages_and_scored_over_the_answered(app, client, world, observer):
    link = make_link(client, world["ann"]["token"])
    rater = app.test_client()
    prove(rater, link, world["peers"][0])
    form = _with_cant_say(observer, rating(observer, 4, 2, 5), "versatility", 4)
    first = {item.id: form[item.id] for item in observer.pages[0]}
    html = page_text(rater.get(f"/rate/{link}/1"))
    assert rater.post(f"/rate/{link}/1", data={**first, "csrf_token": csrf_token(html)}).status_code == 302
    # Back on page 1: a can't-say is still checked, as every other answer.
    back = page_text(rater.get(f"/rate/{link}/1"))
    checked = set(re.findall(r'<input[^>]*checked[^>]*>', back))
    for item in observer.pages[0]:
        assert any(f'name="{item.id}"' in tag and f'value="{first[item.id]}"' in tag for tag in checked), item.id
    done = rate_through_pages(rater, observer, link, form)
    assert done.headers["Location"].endswith("/rate/done")
    stored = rows(app, "SELECT assertiveness, responsiveness, versatility FROM rater_links WHERE token = ?", [link])
    assert stored == [{"assertiveness": 75.0, "responsiveness": 25.0, "versatility": 100.0}]


@pytest.mark.parametrize("lang, heading, line", [
    ("en", "Too many statements answered “Can't say”", "Versatility: 3 of 8 answered, at least 4 needed."),
    ("zh", "选“无法判断”的描述太多了", "灵活度：8条中答了3条，至少需要4条。"),
])
def test_too_many_cant_say_on_a_scale_is_refused_naming_it_and_keeps_every_answer(
        app, client, world, observer, lang, heading, line):
    link = make_link(client, world["ann"]["token"])
    rater = app.test_client()
    prove(rater, link, world["peers"][0])
    page_text(rater.get(f"/rate/{link}?lang={lang}"))
    form = _with_cant_say(observer, rating(observer, 4, 2, 5), "versatility", 5)
    pages = observer.pages
    for number, items in enumerate(pages[:-1], start=1):
        html = page_text(rater.get(f"/rate/{link}/{number}"))
        data = {item.id: form[item.id] for item in items}
        assert rater.post(f"/rate/{link}/{number}", data={**data, "csrf_token": csrf_token(html)}).status_code == 302
    last = len(pages)
    html = page_text(rater.get(f"/rate/{link}/{last}"))
    data = {item.id: form[item.id] for item in pages[-1]}
    refused = rater.post(f"/rate/{link}/{last}", data={**data, "csrf_token": csrf_token(html)})
    assert refused.status_code == 400
    text = page_text(refused).replace("&#39;", "'")
    assert heading in text and line in text
    # Each can't-say statement of the scale is linked, on its page.
    for item in observer.items:
        if item.axis == "versatility" and form[item.id] == "x":
            page = next(n for n, items in enumerate(pages, start=1) if item in items)
            assert f'href="/rate/{link}/{page}#item-{item.id}"' in text
    assert rows(app, "SELECT answered_at FROM rater_links") == [{"answered_at": None}]
    # Every answer given is kept: the pages show them, and changing one can't-say sends the rating.
    for number, items in enumerate(pages, start=1):  # can't-say ("x") answers too
        shown = form_state(page_text(rater.get(f"/rate/{link}/{number}"))).checked
        assert shown == {item.id: form[item.id] for item in items}, number
    first_x = next(i for i in observer.items if i.axis == "versatility" and form[i.id] == "x")
    page = next(n for n, items in enumerate(pages, start=1) if first_x in items)
    html = page_text(rater.get(f"/rate/{link}/{page}"))
    data = {item.id: form[item.id] for item in pages[page - 1]} | {first_x.id: "5" if first_x.keyed == "plus" else "1"}
    rater.post(f"/rate/{link}/{page}", data={**data, "csrf_token": csrf_token(html)})
    for number in range(page + 1, last + 1):
        html = page_text(rater.get(f"/rate/{link}/{number}"))
        data = {item.id: form[item.id] for item in pages[number - 1]}
        response = rater.post(f"/rate/{link}/{number}", data={**data, "csrf_token": csrf_token(html)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/rate/done")
    assert rows(app, "SELECT versatility FROM rater_links") == [{"versatility": 100.0}]


def test_the_invite_summary_ends_its_sentence_in_both_languages(client, world):
    token = world["ann"]["token"]
    client.get("/?lang=en")
    make_link(client, token)
    en = page_text(client.get(f"/r/{token}/others?lang=en"))
    assert re.search(r"<strong>0 of 1 answered\.</strong> Colleagues' answers are shown together", en)
    zh = page_text(client.get(f"/r/{token}/others?lang=zh"))
    assert "<strong>已答0份，共邀请1人。</strong>" in zh
