"""Read the caller, the pages: the identifier as a plain GET form, the phrase bank and its
cards, a practice session kept in the session cookie, and the trainer's practice page."""

from __future__ import annotations

import re

import pytest

from assessment import create_app
from assessment.caller import SESSION_LENGTH
from assessment.model import STYLES
from helpers import (
    SECRET_KEY, add_result, count, csrf_token, make_team, make_trainer, page_text, rows, signed_in_client, table,
)

STEP = re.compile(r'name="step" value="(\d+)"')


def shown_scenario(content, html: str):
    """The scenario whose caller lines the page shows (the page does not name its id)."""
    found = [s for s in content.scenarios if all(line.replace("'", "&#39;") in html for line in s.caller_en)]
    assert len(found) == 1
    return found[0]


@pytest.fixture
def content(app):
    return app.extensions["caller"]


def pole_option(content, cue_id: str, pole: str) -> str:
    return next(o.id for o in content.cue_by_id[cue_id].options if o.pole == pole)


# --- start-up -------------------------------------------------------------------------

def test_a_broken_caller_file_stops_start_up_naming_it(tmp_path):
    import shutil
    from conftest import QUESTIONNAIRES
    from assessment.questionnaire import QuestionnaireError

    qdir = tmp_path / "questionnaires"
    shutil.copytree(QUESTIONNAIRES, qdir)
    cues = qdir / "caller" / "cues.toml"
    cues.write_text(cues.read_text(encoding="utf-8").replace('pole = "low"', 'pole = "high"', 1), encoding="utf-8")
    with pytest.raises(QuestionnaireError) as caught:
        create_app({"TESTING": True, "SECRET_KEY": SECRET_KEY, "DATABASE": str(tmp_path / "db.sqlite3"),
                    "QUESTIONNAIRES": str(qdir)})
    assert "cues.toml: cue 'pace': both options point to the 'high' pole" in str(caught.value)
    assert not (tmp_path / "db.sqlite3").exists()


def test_no_cue_id_collides_with_the_identifiers_other_query_names(content):
    from assessment.web.caller import RESERVED

    assert not RESERVED & set(content.cue_by_id)


# --- the identifier ----------------------------------------------------------------------

def test_identifier_names_a_type_from_one_cue_per_axis_without_script(client, content):
    url = ("/call?lang=en&pace=" + pole_option(content, "pace", "high")
           + "&story-or-facts=" + pole_option(content, "story-or-facts", "low") + "&mood=upset")
    html = page_text(client.get(url))
    assert "<strong>Driver</strong>" in html
    assert content.types["driver"].opening.en.replace("'", "&#39;") in html
    assert content.mood_by_id["upset"].line.en.replace("'", "&#39;") in html
    assert "44%" in html
    # What was tapped stays tapped, and the cues to check next are marked.
    assert re.search(r'name="pace" value="fast" checked', html)
    assert re.search(r'name="mood" value="upset" checked', html)
    assert 'class="cue check-next" id="cue-interrupts"' in html


def test_the_mood_never_changes_the_type_on_the_page(client, content):
    base = "/call/reading?lang=en&pace=measured&tone=warm"
    readings = {m.id: page_text(client.get(f"{base}&mood={m.id}")) for m in content.moods}
    for mood, html in readings.items():
        assert "<strong>Amiable</strong>" in html and "33%" not in html, mood
        assert re.search(r"A first guess · 44%", html), mood
        assert content.mood_by_id[mood].line.en.replace("'", "&#39;") in html


def test_the_agents_own_style_from_their_result_heads_the_lists(app, client, content, questionnaire, team):
    row = add_result(app, questionnaire, team["id"], "Wang 王", 2, 5)  # amiable
    html = page_text(client.get(f"/call?lang=en&r={row['token']}&pace=fast&tone=cool"))
    assert "From your result: Amiable" in html
    cell = content.adjustments[("amiable", "driver")]
    do = re.search(r'<ul class="ticks"><li>(.*?)</li>', html).group(1)
    assert do == cell.do.en
    assert f'name="r" value="{row["token"]}"' in html
    # A chosen style does the same without a result.
    html = page_text(client.get("/call?lang=en&style=analytical&pace=fast&tone=cool"))
    assert re.search(r'<ul class="ticks"><li>(.*?)</li>', html).group(1) == content.adjustments[("analytical", "driver")].do.en


def test_unknown_choices_in_the_address_are_named_and_the_rest_kept(client):
    response = client.get("/call?lang=en&pace=sprint&mood=furious&style=boss&tone=cool&r=nope")
    assert response.status_code == 400
    html = page_text(response)
    assert "“sprint” is not an answer to “Pace”." in html
    assert "“furious” is not a mood this page knows." in html
    assert "“boss” is not one of the four styles." in html
    assert "This result link is not known" in html
    assert 'name="tone" value="cool" checked' in html


def test_a_stale_result_link_alone_is_no_error(client):
    response = client.get("/call?lang=en&r=gone")
    assert response.status_code == 200
    assert "This result link is not known" in page_text(response)


def test_identifier_page_in_chinese(client):
    html = page_text(client.get("/call?lang=zh&pace=fast&story-or-facts=story"))
    assert "识别来电客户" in html and "<strong>表达型</strong>" in html


def test_the_header_links_to_the_identifier_for_everyone(client, signed_in):
    for c in (client, signed_in):
        assert 'href="/call"' in page_text(c.get("/"))


def test_the_result_page_links_to_the_identifier_and_practice_with_its_token(app, client, questionnaire):
    from urllib.parse import urlparse
    from helpers import api_submit, axis_answers
    body = api_submit(client, questionnaire, axis_answers(questionnaire, 4, 2)).get_json()
    token = urlparse(body["result_url"]).path.rsplit("/", 1)[-1]
    html = page_text(client.get(f"/r/{token}?lang=en"))
    assert f'href="/call?r={token}"' in html and f'href="/practice?r={token}"' in html
    assert html.index("Use your style on calls") < html.index("Keep this result")
    assert 'href="/phrases"' in html


@pytest.mark.parametrize("url", ["/", "/call", "/call?pace=fast&tone=cool"])
def test_the_phrase_bank_is_one_tap_from_home_and_the_identifier(client, url):
    for lang in ("en", "zh"):
        html = page_text(client.get(f"{url}{'&' if '?' in url else '?'}lang={lang}"))
        main = html.split('<main id="main"', 1)[1]
        assert 'href="/phrases"' in main, (url, lang)
    assert "话术库" in page_text(client.get("/?lang=zh")).split('<main id="main"', 1)[1]


def test_the_header_carries_one_brand_mark_in_each_language(client):
    def brand(lang):
        header = page_text(client.get(f"/?lang={lang}")).split("<header", 1)[1].split("</nav>", 1)[0]
        link = header.split('<a class="brand"', 1)[1].split("</a>", 1)[0]
        return re.sub(r"<[^>]+>", "", link.split(">", 1)[1]).split(), link

    shown, link = brand("zh")
    assert shown == ["知己"] and 'aria-label="知己"' in link
    shown, link = brand("en")
    assert shown == ["知己", "Zhiji"] and 'aria-label="Zhiji"' in link


# --- the phrase bank -------------------------------------------------------------------

def test_phrase_bank_lists_every_section(client, content):
    html = page_text(client.get("/phrases?lang=en"))
    for style in STYLES:
        assert f'id="type-{style}"' in html and f'href="/phrases/card/{style}"' in html
    assert html.count('class="phrase"') == sum(len(v) for v in content.phrases.values()) + len(content.empathy)
    assert html.count('class="phrase instead"') == len(content.replacements)


@pytest.mark.parametrize("query", ["抱歉", "SORRY"])
def test_phrase_search_works_in_both_languages_without_script(client, content, query):
    html = page_text(client.get("/phrases?lang=en&q=" + query))
    shown = len(re.findall(r'class="phrase(?: instead)?" data-search', html))
    texts = [t for p in (q for v in content.phrases.values() for q in v) for t in (p.situation, p.say, p.why)]
    assert 0 < shown < sum(len(v) for v in content.phrases.values()) + len(content.empathy) + len(content.replacements)
    assert f"Matching entries: {shown}" in html
    for entry in re.findall(r'data-search="([^"]*)"', html):
        assert query.casefold() in entry
    assert texts  # the content has phrases at all


def test_a_search_with_no_match_says_so(client):
    html = page_text(client.get("/phrases?lang=en&q=zzzzqqq"))
    assert "Nothing matches “zzzzqqq”" in html and "Matching entries: 0" in html


@pytest.mark.parametrize("style", STYLES)
def test_each_type_has_a_printable_card_without_navigation(client, content, style):
    html = page_text(client.get(f"/phrases/card/{style}?lang=zh"))
    assert 'class="site-nav"' not in html
    assert content.types[style].opening.zh in html
    for phrase in content.phrases[style]:
        assert phrase.say.zh in html


def test_an_unknown_card_is_404(client):
    assert client.get("/phrases/card/boss").status_code == 404


# --- practice --------------------------------------------------------------------------

def start(client, r=None, lang="en"):
    html = page_text(client.get(f"/practice?lang={lang}" + (f"&r={r}" if r else "")))
    data = {"csrf_token": csrf_token(html)}
    if r:
        data["r"] = r
    assert client.post("/practice/start", data=data).status_code == 302


def answer(client, content, right_type: bool, right_reply: bool):
    html = page_text(client.get("/practice?lang=en"))
    scenario = shown_scenario(content, html)
    assert scenario.id not in html  # the page names a call by its step only
    guessed = scenario.customer_type if right_type else next(s for s in STYLES if s != scenario.customer_type)
    reply = scenario.best_reply.id if right_reply else next(r.id for r in scenario.replies if not r.best)
    response = client.post("/practice/answer", data={"csrf_token": csrf_token(html), "step": STEP.search(html).group(1),
                                                      "customer_type": guessed, "reply": reply})
    assert response.status_code == 302
    return scenario, guessed


def next_call(client):
    html = page_text(client.get("/practice"))
    assert client.post("/practice/next", data={"csrf_token": csrf_token(html)}).status_code == 302


def test_a_session_of_eight_gives_feedback_then_a_score_and_the_types_misread(app, client, content):
    start(client)
    misread = set()
    for n in range(SESSION_LENGTH):
        right = n % 3 != 0
        scenario, guessed = answer(client, content, right_type=right, right_reply=n % 2 == 0)
        feedback = page_text(client.get("/practice"))
        assert f"Call {n + 1} of {SESSION_LENGTH}" in feedback
        assert scenario.type_why.en.replace("“", "").split()[0] in feedback.replace("“", "")
        if not right:
            misread.add(scenario.customer_type)
            assert "not" in feedback and content.types[guessed].name.en in feedback
        # A reload shows the same feedback: nothing is lost and nothing is counted twice.
        assert page_text(client.get("/practice")) == feedback
        next_call(client)
    done = page_text(client.get("/practice"))
    rights = sum(1 for n in range(SESSION_LENGTH) if n % 3 != 0) + sum(1 for n in range(SESSION_LENGTH) if n % 2 == 0)
    assert f"Your score: {rights} of {2 * SESSION_LENGTH}" in done
    for style in misread:
        assert f'href="/phrases/card/{style}"' in done
    stored = rows(app, "SELECT * FROM practice_attempts")
    assert len(stored) == SESSION_LENGTH and all(r["agent_id"] is None and r["team_id"] is None for r in stored)


def test_a_session_covers_the_four_types(client, content):
    start(client)
    seen = []
    for _ in range(SESSION_LENGTH):
        scenario, _guess = answer(client, content, True, True)
        seen.append(scenario.customer_type)
        next_call(client)
    assert sorted(set(seen)) == sorted(STYLES) and len(set(s for s in seen)) == 4


def test_a_missing_choice_is_named_and_the_other_kept(app, client, content):
    start(client)
    html = page_text(client.get("/practice"))
    assert STEP.search(html).group(1) == "1"
    response = client.post("/practice/answer", data={"csrf_token": csrf_token(html), "step": "1",
                                                     "customer_type": "driver"})
    assert response.status_code == 400
    html = page_text(response)
    assert "Choose a reply." in html and 'value="driver" checked' in html
    assert count(app, "practice_attempts") == 0


def test_a_repeated_or_stale_answer_is_not_counted_twice(app, client, content):
    start(client)
    html = page_text(client.get("/practice?lang=en"))
    scenario = shown_scenario(content, html)
    data = {"csrf_token": csrf_token(html), "step": "1", "customer_type": scenario.customer_type,
            "reply": scenario.best_reply.id}
    client.post("/practice/answer", data=data)
    client.post("/practice/answer", data=data)
    assert count(app, "practice_attempts") == 1


def test_a_team_members_attempts_count_for_them(app, client, content, questionnaire, team):
    row = add_result(app, questionnaire, team["id"], "Li 李", 4, 2)
    start(client, r=row["token"])
    answer(client, content, True, True)
    stored = rows(app, "SELECT agent_id, team_id FROM practice_attempts")
    assert stored == [{"agent_id": row["agent_id"], "team_id": team["id"]}]


def test_removing_a_member_removes_their_practice(app, client, content, questionnaire, team, signed_in):
    row = add_result(app, questionnaire, team["id"], "Li 李", 4, 2)
    start(client, r=row["token"])
    answer(client, content, True, True)
    from helpers import connect
    from assessment import storage
    db = connect(app)
    try:
        storage.delete_agent(db, row["agent_id"])
    finally:
        db.close()
    assert count(app, "practice_attempts") == 0


# --- the trainer's page ------------------------------------------------------------------

def add_attempts(app, agent_id, team_id, pairs):
    from helpers import connect
    from assessment import storage
    db = connect(app)
    try:
        for actual, guessed in pairs:
            storage.add_practice_attempt(db, scenario="s", actual=actual, guessed=guessed, reply="a",
                                         type_correct=actual == guessed, reply_correct=False,
                                         agent_id=agent_id, team_id=team_id)
    finally:
        db.close()


def test_trainer_sees_accuracy_by_type_the_confusion_table_and_members(app, signed_in, questionnaire, team):
    a = add_result(app, questionnaire, team["id"], "Amy 艾米", 4, 2)
    b = add_result(app, questionnaire, team["id"], "Bo 波", 2, 5)
    add_attempts(app, a["agent_id"], team["id"], [("driver", "driver"), ("amiable", "expressive"), ("amiable", "amiable")])
    add_attempts(app, b["agent_id"], team["id"], [("amiable", "expressive")])
    add_attempts(app, None, None, [("driver", "amiable")])  # no agent: counts for no team
    html = page_text(signed_in.get(f"/trainer/teams/{team['id']}/practice"))
    head, body = table(html, "practice-by-type")
    assert body[0] == ["Driver", "1", "1", "100%"]
    assert body[2] == ["Amiable", "3", "1", "33%"]
    assert body[3] == ["Analytical", "0", "0", "–"]
    head, body = table(html, "confusion")
    assert head[1:] == ["Driver", "Expressive", "Amiable", "Analytical"]
    assert body[2] == ["Amiable", "0", "2", "1", "0"]
    assert re.search(r'<td class="diagonal">1</td>', html)
    _head, body = table(html, "practice-members")
    assert body == [["Amy 艾米", "3", "67%"], ["Bo 波", "1", "0%"]]
    dash = page_text(signed_in.get(f"/trainer/teams/{team['id']}"))
    assert f'href="/trainer/teams/{team["id"]}/practice"' in dash


def test_trainer_practice_page_access(app, client, signed_in, team):
    other = make_trainer(app, "trainer-b")
    theirs = make_team(app, other, "B team")
    anonymous = client.get(f"/trainer/teams/{team['id']}/practice")
    assert anonymous.status_code == 302 and "/trainer/login" in anonymous.headers["Location"]
    assert signed_in.get(f"/trainer/teams/{theirs['id']}/practice").status_code == 404
    assert signed_in.get("/trainer/teams/99999/practice").status_code == 404
    empty = page_text(signed_in.get(f"/trainer/teams/{team['id']}/practice"))
    assert "No practice yet" in empty


# --- English articles before a style name (issue 19) ------------------------------------

WRONG_ARTICLE = re.compile(r"\b[Aa] (Analytical|Expressive|Amiable)\b|\b[Aa]n Driver\b")


@pytest.mark.parametrize("right", [True, False])
def test_practice_feedback_puts_an_before_a_vowel(client, content, right):
    start(client)
    seen = set()
    for _ in range(SESSION_LENGTH):
        scenario, _guess = answer(client, content, right_type=right, right_reply=False)
        feedback = page_text(client.get("/practice"))
        assert not WRONG_ARTICLE.search(feedback), WRONG_ARTICLE.search(feedback).group(0)
        name = content.types[scenario.customer_type].name.en
        phrase = ("Right: " if right else "This was ") + ("an " if name[0] in "AEIOU" else "a ") + name + " caller"
        assert phrase in feedback
        seen.add(scenario.customer_type)
        next_call(client)
    assert seen == set(STYLES)


@pytest.mark.parametrize("style", STYLES)
def test_the_identifier_names_the_agents_style_with_the_right_article(client, content, style):
    cues = ("pace=" + pole_option(content, "pace", "low")
            + "&story-or-facts=" + pole_option(content, "story-or-facts", "low"))  # an Analytical caller
    html = page_text(client.get(f"/call?lang=en&style={style}&{cues}"))
    assert not WRONG_ARTICLE.search(html), WRONG_ARTICLE.search(html).group(0)
    assert "with an Analytical caller" in html
    zh = page_text(client.get(f"/call?lang=zh&style={style}&{cues}"))
    assert "每个列表的第一条专门针对" in zh and " an " not in zh


# --- the phrase search and the way back from practice (issue 19) -------------------------

@pytest.mark.parametrize("query", ["退款", "refund", "Refund"])
def test_the_phrase_bank_answers_a_search_for_refunds(client, query):
    html = page_text(client.get(f"/phrases?lang=en&q={query}"))
    assert re.search(r'id="phrase-none"[^>]*hidden></p>', html) and re.search(r"Matching entries: [1-9]", html)


def test_a_search_with_no_match_shows_one_message_and_no_empty_sections(client):
    html = page_text(client.get("/phrases?lang=zh&q=zzzzqqq"))
    assert html.count("zzzzqqq”") == 1 and 'id="phrase-none"' in html
    assert "data-section" not in html and 'class="jump' not in html
    found = page_text(client.get("/phrases?lang=en&q=refund"))
    sections = re.findall(r'<section class="phrase-section[^"]*" id="([^"]+)"', found)
    assert sections and all(re.findall(r'id="' + s + r'"[^>]*>.*?class="phrase', found, re.S) for s in sections)
    assert len(sections) < len(STYLES) + 2  # the sections without a refund line are left out
    assert re.search(r'id="phrase-none"[^>]*hidden', found)


def test_the_practice_score_page_leads_back_to_the_agents_result(app, client, content, questionnaire, team):
    row = add_result(app, questionnaire, team["id"], "Wang 王", 2, 5)
    start(client, r=row["token"])
    for _ in range(SESSION_LENGTH):
        answer(client, content, True, True)
        next_call(client)
    done = page_text(client.get("/practice?lang=zh"))
    assert f'href="/r/{row["token"]}">回到我的结果</a>' in done
    anonymous = app.test_client()
    start(anonymous)
    for _ in range(SESSION_LENGTH):
        answer(anonymous, content, True, True)
        next_call(anonymous)
    assert "Back to my result" not in page_text(anonymous.get("/practice?lang=en"))
