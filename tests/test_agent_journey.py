"""The agent journey in the browser's shoes (Flask test client): language, pages, errors, result."""

from __future__ import annotations

import json
import re
import warnings

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.support import Translations
from markupsafe import escape

from assessment.model import STYLES
from conftest import (
    ROOT,
    checked_answers,
    csrf_token,
    form_state,
    page_url,
    post_page,
    response_rows,
    style_answers,
    take_questionnaire,
)

PO = ROOT / "assessment" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _catalog():
    with PO.open("rb") as fh:
        return read_po(fh, locale="zh")


CATALOG = _catalog()


def zh(msgid: str) -> str:
    """The Chinese translation of a UI string, straight from the catalog."""
    message = CATALOG.get(msgid)
    assert message is not None and message.string, f"no zh translation for {msgid!r}"
    return message.string if isinstance(message.string, str) else message.string[0]


def html_of(response) -> str:
    return response.get_data(as_text=True)


def shown(text: str, html: str) -> bool:
    """The text appears on the page (as the template escapes it)."""
    return str(escape(text)) in html


def summary_links(html: str) -> list[str]:
    match = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    return re.findall(r'href="#([^"]+)"', match.group(0)) if match else []


@pytest.fixture
def answers(questionnaire):
    return style_answers(questionnaire, "analytical", 2)


# ---------------------------------------------------------------------------
# Language
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "headers, query, lang",
    [
        ({}, "", "zh"),  # nothing asked: Chinese is the default
        (ZH, "", "zh"),
        ({"Accept-Language": "zh"}, "", "zh"),
        (EN, "", "en"),
        ({"Accept-Language": "fr-FR,fr;q=0.9"}, "", "zh"),
        ({"Accept-Language": "fr-FR,en;q=0.5"}, "", "en"),
        (ZH, "?lang=en", "en"),
        (EN, "?lang=zh", "zh"),
        (EN, "?lang=xx", "en"),  # an unknown choice is ignored
    ],
)
def test_index_language(client, questionnaire, headers, query, lang):
    response = client.get("/" + query, headers=headers)
    assert response.status_code == 200
    html = html_of(response)
    assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}"' in html
    heading = "What is your communication style?"
    if lang == "zh":
        assert zh(heading) in html and heading not in html
        assert questionnaire.title.zh in html
        assert f">{zh('Start')}<" in html
    else:
        assert heading in html and zh(heading) not in html
        assert questionnaire.title.en in html
        assert ">Start<" in html


def test_language_choice_is_remembered(client):
    client.get("/?lang=en", headers=ZH)
    html = html_of(client.get("/", headers=ZH))
    assert '<html lang="en"' in html
    client.get("/?lang=zh", headers=EN)
    assert '<html lang="zh-CN"' in html_of(client.get("/", headers=EN))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_question_page_is_fully_in_one_language(client, questionnaire, lang):
    html = html_of(client.get(page_url(questionnaire.slug, 1) + f"?lang={lang}"))
    for item in questionnaire.pages[0]:
        assert shown(item.text.get(lang), html)
        assert not shown(item.text.get("en" if lang == "zh" else "zh"), html)
    for label in questionnaire.scale.labels:
        assert label.get(lang) in html
    next_label = "Next" if lang == "en" else zh("Next")
    assert f">{next_label}</button>" in html


# ---------------------------------------------------------------------------
# The whole questionnaire, page by page
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_whole_questionnaire_leads_to_the_result_page(client, app, questionnaire, style, lang):
    answers = style_answers(questionnaire, style, 2)
    client.get(f"/?lang={lang}")
    last = take_questionnaire(client, questionnaire, answers)
    location = last.headers["Location"]
    assert re.fullmatch(r"/r/[A-Za-z0-9_-]+", location), location

    result = client.get(location)
    assert result.status_code == 200
    html = html_of(result)
    content = questionnaire.styles[style]
    assert shown(content.name.get(lang), html)
    assert shown(content.description.get(lang), html)
    ids = form_state(html).ids
    assert {f"customer-{c}" for c in STYLES} <= ids
    for c in STYLES:
        assert shown(questionnaire.tips[(style, c)].summary.get(lang), html)
    for practice in content.practices:
        assert shown(practice.text.get(lang), html)
        assert shown(questionnaire.skills[practice.skill].get(lang), html)

    row = response_rows(app)[-1]
    figures = {}
    for name in ("radar", "quadrant"):
        island = re.search(rf'<script type="application/json" id="fig-{name}">(.*?)</script>', html, re.S)
        assert island, f"no JSON island for the {name} chart"
        figures[name] = json.loads(island.group(1))
        assert f'data-figure="fig-{name}"' in html
    radar = figures["radar"]["data"][0]
    assert radar["type"] == "scatterpolar"
    assert radar["r"][:4] == pytest.approx([row[s] for s in STYLES])
    quadrant = figures["quadrant"]["data"][0]
    assert quadrant["x"] == pytest.approx([row["assertiveness"]])
    assert quadrant["y"] == pytest.approx([row["responsiveness"]])
    assert row["style"] == style


def test_result_page_follows_the_reader_language(client, questionnaire, answers):
    client.get("/?lang=zh")
    location = take_questionnaire(client, questionnaire, answers).headers["Location"]
    html = html_of(client.get(location + "?lang=en"))
    assert questionnaire.styles["analytical"].name.en in html
    assert '<html lang="en"' in html


def test_a_cached_result_page_shows_the_address_it_was_reached_at(app, client, questionnaire, answers):
    """Result pages are cached; the link box must still name the host, scheme and path prefix in use."""
    path = take_questionnaire(client, questionnaire, answers).headers["Location"]
    token = path.rsplit("/", 1)[-1]
    for base in ("http://localhost", "https://zhiji.example", "http://localhost/prefix", "http://localhost"):
        for lang, marker in (("zh", "保存这份结果"), ("en", "Keep this result")):
            html = html_of(app.test_client().get(f"{path}?lang={lang}", base_url=base))
            assert f"{base}/r/{token}" in html, (base, lang)
            assert marker in html


def test_progress_indicator_counts_answers(client, questionnaire, answers):
    html = html_of(client.get(page_url(questionnaire.slug, 1)))
    assert re.search(r'<progress[^>]*value="0"', html)
    post_page(client, questionnaire, 1, answers)
    html = html_of(client.get(page_url(questionnaire.slug, 2)))
    done = len(questionnaire.pages[0])
    assert re.search(rf'<progress[^>]*max="{len(questionnaire.items)}"', html)
    assert re.search(rf'<progress[^>]*value="{done}"', html)


def test_page_numbers_outside_the_questionnaire_are_404(client, questionnaire):
    assert client.get(page_url(questionnaire.slug, 0)).status_code == 404
    assert client.get(page_url(questionnaire.slug, len(questionnaire.pages) + 1)).status_code == 404
    assert client.get(page_url("no-such-questionnaire", 1)).status_code == 404


# ---------------------------------------------------------------------------
# Validation errors keep what was entered
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dropped", [("a01",), ("r04", "a12")])
def test_missing_answer_is_pointed_out_and_the_rest_kept(client, questionnaire, answers, dropped):
    page_items = [i.id for i in questionnaire.pages[0]]
    assert set(dropped) <= set(page_items)
    response = post_page(client, questionnaire, 1, answers, drop=dropped, headers=EN)
    assert response.status_code == 400
    html = html_of(response)
    assert summary_links(html) == [f"item-{d}" for d in dropped]
    state = form_state(html)
    for d in dropped:
        assert f"item-{d}" in state.ids  # the link's target exists
        assert re.search(rf'<fieldset class="item has-error" id="item-{d}"', html)
        assert shown(questionnaire.item(d).text.en, html)
    kept = {k: v for k, v in answers.items() if k in page_items and k not in dropped}
    assert checked_answers(html) == kept


def test_error_summary_is_translated(client, questionnaire, answers):
    response = post_page(client, questionnaire, 1, answers, drop=("a06",), headers=ZH)
    html = html_of(response)
    assert response.status_code == 400
    assert summary_links(html) == ["item-a06"]
    assert zh("Please choose an answer for this statement.") in html
    assert shown(questionnaire.item("a06").text.zh, html)


def test_reload_after_a_partial_post_shows_the_saved_answers(client, questionnaire, answers):
    page_items = [i.id for i in questionnaire.pages[0]]
    post_page(client, questionnaire, 1, answers, drop=("a03",))
    response = client.get(page_url(questionnaire.slug, 1))
    assert response.status_code == 200
    html = html_of(response)
    assert checked_answers(html) == {k: answers[k] for k in page_items if k != "a03"}
    assert summary_links(html) == []  # a fresh look at the page, not an error


def test_back_button_keeps_answers_on_both_pages(client, questionnaire, answers):
    page1 = {i.id: answers[i.id] for i in questionnaire.pages[0]}
    page2 = {i.id: answers[i.id] for i in questionnaire.pages[1]}
    assert post_page(client, questionnaire, 1, answers).status_code == 302
    partial = list(page2)[:3]
    back = post_page(client, questionnaire, 2, answers, drop=list(page2)[3:], extra={"back": "1"})
    assert back.status_code == 302
    assert back.headers["Location"] == page_url(questionnaire.slug, 1)
    assert checked_answers(html_of(client.get(page_url(questionnaire.slug, 1)))) == page1
    assert checked_answers(html_of(client.get(page_url(questionnaire.slug, 2)))) == {k: page2[k] for k in partial}


def test_finishing_with_an_earlier_page_incomplete_goes_back_to_it(client, app, questionnaire, answers):
    pages = len(questionnaire.pages)
    assert post_page(client, questionnaire, 1, answers).status_code == 302
    gap = questionnaire.pages[1][2].id
    assert post_page(client, questionnaire, 2, answers, drop=(gap,)).status_code == 400
    for page in range(3, pages):
        assert post_page(client, questionnaire, page, answers).status_code == 302
    last = post_page(client, questionnaire, pages, answers, headers=EN)
    assert last.status_code == 302
    assert last.headers["Location"] == page_url(questionnaire.slug, 2)
    html = html_of(client.get(page_url(questionnaire.slug, 2), headers=EN))
    assert "Some statements on this page still need an answer." in html
    assert gap not in checked_answers(html)
    assert response_rows(app) == []


def test_result_is_stored_once_and_the_draft_cleared(client, app, questionnaire, answers):
    take_questionnaire(client, questionnaire, answers)
    assert len(response_rows(app)) == 1
    html = html_of(client.get(page_url(questionnaire.slug, 1)))
    assert checked_answers(html) == {}  # taking it again starts afresh


# ---------------------------------------------------------------------------
# Bad form posts store nothing
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_post_without_a_valid_csrf_token_is_rejected_and_stores_nothing(client, app, questionnaire, answers, token):
    client.get(page_url(questionnaire.slug, 1))
    data = {i.id: str(answers[i.id]) for i in questionnaire.pages[0]}
    if token is not None:
        data["csrf_token"] = token
    response = client.post(page_url(questionnaire.slug, 1), data=data)
    assert response.status_code == 400
    assert checked_answers(html_of(client.get(page_url(questionnaire.slug, 1)))) == {}
    assert response_rows(app) == []


def test_last_page_without_csrf_token_stores_no_result(client, app, questionnaire, answers):
    pages = len(questionnaire.pages)
    for page in range(1, pages):
        assert post_page(client, questionnaire, page, answers).status_code == 302
    response = post_page(client, questionnaire, pages, answers, token=False)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert response_rows(app) == []


def test_post_from_another_session_is_rejected(app, questionnaire, answers):
    """A token lifted from one browser does not work in another."""
    first, second = app.test_client(), app.test_client()
    token = csrf_token(html_of(first.get(page_url(questionnaire.slug, 1))))
    second.get(page_url(questionnaire.slug, 1))
    data = {i.id: str(answers[i.id]) for i in questionnaire.pages[0]} | {"csrf_token": token}
    assert second.post(page_url(questionnaire.slug, 1), data=data).status_code == 400


@pytest.mark.parametrize("bad", ["9", "0", "6", "-1", "3.5", "abc", "", "3; drop table"])
def test_out_of_range_value_gets_an_error_and_is_not_saved(client, questionnaire, answers, bad):
    response = post_page(client, questionnaire, 1, answers, extra={"a01": bad})
    assert response.status_code == 400
    html = html_of(response)
    assert "item-a01" in summary_links(html)
    assert re.search(r'<fieldset class="item has-error" id="item-a01"', html)
    saved = checked_answers(html_of(client.get(page_url(questionnaire.slug, 1))))
    assert "a01" not in saved
    assert saved == {i.id: answers[i.id] for i in questionnaire.pages[0] if i.id != "a01"}


def test_answer_for_an_item_of_another_page_is_ignored(client, questionnaire, answers):
    other = questionnaire.pages[1][0].id
    post_page(client, questionnaire, 1, answers, extra={other: "5"})
    assert other not in checked_answers(html_of(client.get(page_url(questionnaire.slug, 2))))


# ---------------------------------------------------------------------------
# The result URL
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("token", ["nope", "A" * 24, "0" * 200])
def test_unknown_result_token_is_a_404_html_page(client, token):
    response = client.get(f"/r/{token}", headers=EN)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Page not found" in html_of(response)
    zh_html = html_of(client.get(f"/r/{token}", headers=ZH))
    assert zh("Page not found") in zh_html


def test_result_tokens_are_long_and_random(app, questionnaire, answers):
    tokens = []
    for _ in range(2):
        client = app.test_client()
        location = take_questionnaire(client, questionnaire, answers).headers["Location"]
        tokens.append(location.rsplit("/", 1)[1])
    assert tokens[0] != tokens[1]
    for token in tokens:
        assert len(token) >= 20
        assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    rows = response_rows(app)
    assert [r["token"] for r in rows] == tokens
    assert rows[0]["id"] != rows[1]["id"]


def test_stored_row_keeps_raw_answers_slug_and_version(client, app, questionnaire):
    answers = style_answers(questionnaire, "expressive", 1)
    answers["a01"] = 5  # not the pattern: raw answers, not derived values, are kept
    client.get("/?lang=en")
    take_questionnaire(client, questionnaire, answers)
    (row,) = response_rows(app)
    assert json.loads(row["answers"]) == answers
    assert row["questionnaire"] == questionnaire.slug
    assert row["questionnaire_version"] == questionnaire.version
    assert row["lang"] == "en"


SAME_ANSWER = ("Almost every statement got the same answer. The statements point in opposite directions on "
               "purpose, so the same answer everywhere cannot describe how anyone communicates.")


@pytest.mark.parametrize("value", [1, 3, 5])
def test_the_same_answer_throughout_gets_an_explanation_and_a_retake_not_a_style(client, questionnaire, value):
    answers = {i.id: value for i in questionnaire.items}
    location = take_questionnaire(client, questionnaire, answers, headers=EN).headers["Location"]
    html = html_of(client.get(location, headers=EN))
    assert "These answers do not describe a style" in html and SAME_ANSWER in html
    assert f'href="/q/{questionnaire.slug}/1"' in html  # take it again
    assert "chart-radar" not in html and "Your strengths" not in html
    zh_html = html_of(client.get(location + "?lang=zh"))
    assert zh(SAME_ANSWER) in zh_html and zh("These answers do not describe a style") in zh_html


def test_consistent_answers_get_no_straight_lining_warning(client, questionnaire, answers):
    location = take_questionnaire(client, questionnaire, answers, headers=EN).headers["Location"]
    html = html_of(client.get(location, headers=EN))
    assert "Almost every statement got the same answer" not in html and "Your strengths" in html


# ---------------------------------------------------------------------------
# Translations and deprecations
# ---------------------------------------------------------------------------

KEYWORDS = {"_": None, "_l": None, "lazy_gettext": None, "gettext": None, "ngettext": (1, 2)}


def extracted_msgids() -> dict:
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.setdefault(message, f"{filename}:{lineno}")
    return found


def test_extraction_finds_the_ui_strings():
    msgids = extracted_msgids()
    assert "What is your communication style?" in msgids
    assert "Please choose an answer for this statement." in msgids  # from a lazy_gettext in Python
    assert ("%(num)s statement needs an answer", "%(num)s statements need an answer") in msgids


def test_every_ui_string_has_a_chinese_translation():
    untranslated = []
    for msgid, where in extracted_msgids().items():
        message = CATALOG.get(msgid)
        strings = [] if message is None else (list(message.string) if isinstance(message.string, tuple) else [message.string])
        if message is None or message.fuzzy or not strings or not all(s.strip() for s in strings):
            untranslated.append(f"{where}: {msgid!r}")
    assert untranslated == []


def test_compiled_catalog_matches_the_po_file():
    """The app reads messages.mo: a translation only in the .po never reaches a user."""
    with MO.open("rb") as fh:
        compiled = Translations(fh)
    stale = [
        m.id for m in CATALOG
        if m.id and m.string and not m.fuzzy and isinstance(m.id, str) and compiled.gettext(m.id) != m.string
    ]
    assert stale == []


def test_question_page_renders_without_deprecation_warnings(app, questionnaire):
    """Library deprecations turn into breakage on the next upgrade (WTForms 3.4 here)."""
    client = app.test_client()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        response = client.get(page_url(questionnaire.slug, 1))
    assert response.status_code == 200


def test_a_draft_from_an_older_version_does_not_break_finishing(app, client, questionnaire):
    """An answer to an item the questionnaire no longer has is dropped, not scored."""
    client.get("/q/communication-style/1")
    with client.session_transaction() as s:
        s["drafts"] = {"communication-style": {"retired-item": 3}}
    response = take_questionnaire(client, questionnaire, style_answers(questionnaire, "amiable"))
    assert response.status_code == 302 and "/r/" in response.headers["Location"]
    assert "retired-item" not in response_rows(app)[-1]["answers"]


def test_the_language_switch_keeps_what_the_address_says(client):
    html = client.get("/call?pace=fast&mood=upset&lang=en").get_data(as_text=True)
    assert 'href="/call?pace=fast&amp;mood=upset&amp;lang=zh"' in html


# ---------------------------------------------------------------------------
# Wording a newcomer meets on the result page (issue 19)
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("style", STYLES)
def test_the_customer_types_heading_takes_the_right_article(client, questionnaire, style):
    client.get("/?lang=en")
    html = html_of(client.get(take_questionnaire(client, questionnaire, style_answers(questionnaire, style, 2))
                              .headers["Location"]))
    name = questionnaire.styles[style].name.en
    article = "an" if name[0] in "AEIOU" else "a"
    assert f"Handling the four customer types, as {article} {name}" in html
    assert not re.search(r"\ba (Analytical|Expressive|Amiable)\b", html)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_strong_result_says_very_likely_with_a_figure_never_certainty(client, questionnaire, lang):
    from helpers import api_submit
    body = api_submit(client, questionnaire, style_answers(questionnaire, "driver", 2), lang=lang).get_json()
    assert body["flags"] == [] and body["confidence"] > 0.95
    html = html_of(client.get(body["result_url"].replace("http://localhost", "").split("?")[0] + f"?lang={lang}"))
    sentence = re.search(r'<p class="confidence confidence-(\w+)">\s*(.*?)\s*</p>', html, re.S)
    assert sentence and sentence.group(1) == "very_likely"
    assert "10 in 10" not in html and "10人中有10人" not in html and "100%" not in html
    if lang == "en":
        assert "Very likely the same style on a retake" in sentence.group(2) and "over 95%" in sentence.group(2)
    else:
        assert "极有可能" in sentence.group(2) and "超过95%" in sentence.group(2)


def test_a_flagged_result_is_never_called_likely_above_its_caution(client, questionnaire):
    answers = {item.id: 5 for item in questionnaire.items}  # yes to everything: acquiescence
    answers.update({item.id: 4 for item in questionnaire.items[::3]})
    client.get("/?lang=en")
    html = html_of(client.get(take_questionnaire(client, questionnaire, answers).headers["Location"]))
    assert "Read this result with care" in html
    assert re.search(r'<p class="confidence confidence-(\w+)">', html).group(1) == "uncertain"
    assert "Very likely" not in html and "Uncertain: the answers call for care" in html


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_language_asked_for_goes_on_with_the_questionnaire_link(client, questionnaire, lang):
    html = html_of(client.get(f"/?lang={lang}"))
    assert f'href="/q/{questionnaire.slug}/1?lang={lang}"' in html
    location = take_questionnaire(client, questionnaire, style_answers(questionnaire, "amiable", 2)).headers["Location"]
    result = html_of(client.get(f"{location}?lang={lang}"))
    assert f'href="/q/{questionnaire.slug}/1?lang={lang}"' in result  # "Take it again"
    # A fresh browser following that link gets the page in that language.
    fresh = html_of(client.application.test_client().get(f"/q/{questionnaire.slug}/1?lang={lang}"))
    assert f'<html lang="{"en" if lang == "en" else "zh-CN"}">' in fresh


@pytest.mark.parametrize("lang, words", [
    ("en", ("What you sent is longer than this site accepts", "Back to the form")),
    ("zh", ("提交的内容太长", "回到表单")),
])
def test_a_ten_thousand_character_name_gets_a_page_that_says_what_to_do(app, client, lang, words):
    from helpers import make_team, make_trainer
    team = make_team(app, make_trainer(app, "t1"), "Team")
    url = f"/join/{team['invite_code']}"
    html = html_of(client.get(f"{url}?lang={lang}"))
    response = client.post(url, data={"csrf_token": csrf_token(html), "name": "王" * 10_000})
    assert response.status_code == 413
    page = html_of(response)
    assert all(w in page for w in words) and f'href="{url}"' in page
    assert response_rows(app) == []


# ---------------------------------------------------------------------------
# After finishing: back and a resend go to the result (issue 19)
# ---------------------------------------------------------------------------

def test_back_after_finishing_goes_to_the_result_and_a_resend_stores_nothing_more(client, app, questionnaire,
                                                                                   answers):
    pages = len(questionnaire.pages)
    location = take_questionnaire(client, questionnaire, answers).headers["Location"]
    for page in range(2, pages + 1):
        back = client.get(page_url(questionnaire.slug, page))
        assert back.status_code == 302 and back.headers["Location"] == location
    # The last page as the browser kept it, sent again: the result, never page 1 with an error.
    html = html_of(client.get(page_url(questionnaire.slug, 1)))  # any form of the session has its token
    resend = client.post(page_url(questionnaire.slug, pages), data={
        "csrf_token": csrf_token(html), **{i.id: str(answers[i.id]) for i in questionnaire.pages[-1]}})
    assert resend.status_code == 302 and resend.headers["Location"] == location
    assert len(response_rows(app)) == 1
    # Page 1 opened afresh is a retake, and it works as before.
    assert checked_answers(html_of(client.get(page_url(questionnaire.slug, 1)))) == {}
    second = take_questionnaire(client, questionnaire, answers).headers["Location"]
    assert second != location and len(response_rows(app)) == 2


def test_a_page_of_the_form_carries_its_key_for_the_browser_and_the_keeping_script(client, questionnaire):
    html = html_of(client.get(page_url(questionnaire.slug, 1)))
    assert re.search(r'<form [^>]*data-keep="q:communication-style:\d+" data-last="false"', html)
    assert re.search(r'<script src="/static/answers\.js\?v=\w+" defer>', html)
