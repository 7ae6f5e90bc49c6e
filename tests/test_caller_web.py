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
    import re

    def brand(lang):
        header = page_text(client.get(f"/?lang={lang}")).split("<header", 1)[1].split("</nav>", 1)[0]
        link = header.split('<a class="brand"', 1)[1].split("</a>", 1)[0]
        return re.sub(r"<[^>]+>", "", link.split(">", 1)[1]).split(), link

    shown, link = brand("zh")
    assert shown == ["知己"] and 'aria-label="知己"' in link
    shown, link = brand("en")
    assert shown == ["知己", "Zhiji"] and 'aria-label="Zhiji"' in link
