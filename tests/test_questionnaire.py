"""The questionnaire loader: the shipped file, and every way a file can be broken."""

from __future__ import annotations

import copy
import re
import shutil
import tomllib

import pytest

from assessment import create_app
from assessment.model import AXES, STYLES
from assessment.questionnaire import QuestionnaireError, load_all, load_questionnaire
from conftest import SHIPPED
from helpers import dump_toml

SHIPPED_DATA = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))




def write_questionnaire(path, data: dict):
    path.write_text(dump_toml(data), encoding="utf-8")
    return path


def shipped_data() -> dict:
    return copy.deepcopy(SHIPPED_DATA)


def item(data: dict, item_id: str) -> dict:
    return next(entry for entry in data["items"] if entry["id"] == item_id)


def test_writer_round_trips_the_shipped_file(tmp_path):
    """The helper must write a file the loader reads exactly like the original."""
    path = write_questionnaire(tmp_path / "copy.toml", shipped_data())
    assert tomllib.loads(path.read_text(encoding="utf-8")) == SHIPPED_DATA
    assert load_questionnaire(path) == load_questionnaire(SHIPPED)


# ---------------------------------------------------------------------------
# The shipped questionnaire
# ---------------------------------------------------------------------------

def test_shipped_questionnaire_has_32_items_16_per_axis(questionnaire):
    assert questionnaire.slug == "communication-style"
    assert len(questionnaire.items) == 32
    for axis in AXES:
        assert sum(1 for i in questionnaire.items if i.axis == axis) == 16
    assert len({i.id for i in questionnaire.items}) == 32


@pytest.mark.parametrize("axis", AXES)
def test_about_half_of_each_axis_is_reverse_keyed(questionnaire, axis):
    items = [i for i in questionnaire.items if i.axis == axis]
    minus = sum(1 for i in items if i.keyed == "minus")
    assert 0.4 <= minus / len(items) <= 0.6, f"{minus} of {len(items)} {axis} items are keyed minus"


def test_every_item_has_a_mirror_on_the_same_axis_keyed_the_other_way(questionnaire):
    by_id = {i.id: i for i in questionnaire.items}
    for i in questionnaire.items:
        assert i.mirror in by_id, f"{i.id} has no mirror"
        twin = by_id[i.mirror]
        assert twin.mirror == i.id
        assert twin.axis == i.axis
        assert {twin.keyed, i.keyed} == {"plus", "minus"}


def test_scale_is_likert_1_to_5_with_labels_in_both_languages(questionnaire):
    scale = questionnaire.scale
    assert (scale.min, scale.max) == (1, 5)
    assert len(scale.labels) == 5
    assert all(label.en.strip() and label.zh.strip() for label in scale.labels)


def test_all_styles_customers_and_16_tip_cells_are_present(questionnaire):
    assert set(questionnaire.styles) == set(STYLES)
    assert set(questionnaire.customers) == set(STYLES)
    assert set(questionnaire.tips) == {(a, c) for a in STYLES for c in STYLES}
    for tip in questionnaire.tips.values():
        assert tip.summary.en and tip.summary.zh
        assert tip.dial_up and tip.dial_down


def test_every_practice_names_a_defined_skill(questionnaire):
    for style in questionnaire.styles.values():
        assert len(style.practices) >= 3, style.key
        for practice in style.practices:
            assert practice.skill in questionnaire.skills, (style.key, practice.skill)


def test_practices_cover_the_soft_skills_the_issue_names(questionnaire):
    used = {p.skill for s in questionnaire.styles.values() for p in s.practices}
    assert {"paraphrasing", "verbal_nods", "sincere_apology", "ownership", "key_question"} <= used


# Negations make a reverse-keyed item a double negative once scored reversed.
EN_NEGATION = re.compile(r"\b(not|never|no|nobody|nothing|none)\b|n't", re.IGNORECASE)
# 不同 ("different") and 不同意 are not negations of the statement.
ZH_NEGATION = re.compile(r"不(?!同)|没|从不|很少|未|别|无")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_item_contains_a_negation(questionnaire, lang):
    pattern = EN_NEGATION if lang == "en" else ZH_NEGATION
    offenders = {i.id: i.text.get(lang) for i in questionnaire.items if pattern.search(i.text.get(lang))}
    assert offenders == {}


@pytest.mark.parametrize(
    "text, lang, negated",
    [
        ("I do not interrupt customers.", "en", True),
        ("I don't interrupt customers.", "en", True),
        ("I never interrupt customers.", "en", True),
        ("I note the customer's number.", "en", False),
        ("我不打断客户。", "zh", True),
        ("我从不打断客户。", "zh", True),
        ("我没有打断客户。", "zh", True),
        ("和同事意见不同时，我先提问。", "zh", False),
    ],
)
def test_negation_detector_itself(text, lang, negated):
    """The check above would be worthless if its patterns never matched."""
    pattern = EN_NEGATION if lang == "en" else ZH_NEGATION
    assert bool(pattern.search(text)) is negated


# ---------------------------------------------------------------------------
# Broken files: each error names the file, the item or section, and the problem
# ---------------------------------------------------------------------------

def _unknown_axis(d):
    item(d, "a03")["axis"] = "dominance"


def _unknown_keying(d):
    item(d, "a03")["keyed"] = "reversed"


def _unknown_style_key(d):
    d["styles"]["supporter"] = copy.deepcopy(d["styles"]["amiable"])


def _duplicate_id(d):
    twin = copy.deepcopy(item(d, "r05"))
    twin["en"], twin["zh"] = "I like new things.", "我喜欢新事物。"
    d["items"].append(twin)


def _item_without_zh(d):
    del item(d, "a03")["zh"]


def _tagline_without_en(d):
    del d["styles"]["amiable"]["tagline"]["en"]


def _max_not_above_min(d):
    d["scale"]["max"] = 1


def _wrong_number_of_labels(d):
    d["scale"]["labels"]["en"] = d["scale"]["labels"]["en"][:4]


def _style_without_content(d):
    del d["styles"]["amiable"]


def _missing_tip_cell(d):
    del d["tips"]["driver"]["analytical"]


def _asymmetric_mirror(d):
    item(d, "a03")["mirror"] = "a06"  # a06 names a05 as its mirror


def _mirror_same_keying(d):
    item(d, "a04")["keyed"] = "plus"  # a03, its twin, is plus too


def _mirror_other_axis(d):
    item(d, "a04")["axis"] = "responsiveness"


def _unknown_practice_skill(d):
    d["styles"]["driver"]["practices"][1]["skill"] = "mind_reading"


def _mirror_missing(d):
    item(d, "a03")["mirror"] = "zz99"


def _customer_need_without_zh(d):
    del d["customers"]["analytical"]["needs"][0]["zh"]


BROKEN = [
    # (id, mutation, where, problem): a single line of the error must hold both.
    ("unknown-axis", _unknown_axis, "item 'a03'", "unknown axis 'dominance'"),
    ("unknown-keying", _unknown_keying, "item 'a03'", "unknown keying 'reversed'"),
    ("unknown-style-key", _unknown_style_key, "'supporter'", "unknown style"),
    ("duplicate-id", _duplicate_id, "item 'r05'", "duplicate"),
    ("item-without-zh", _item_without_zh, "item 'a03'", "missing translation 'zh'"),
    ("tagline-without-en", _tagline_without_en, "style 'amiable': tagline", "missing translation 'en'"),
    ("customer-need-without-zh", _customer_need_without_zh, "customer type 'analytical'", "missing translation 'zh'"),
    ("max-not-above-min", _max_not_above_min, "scale", "must be greater"),
    ("wrong-number-of-labels", _wrong_number_of_labels, "scale", "labels 'en'"),
    ("style-without-content", _style_without_content, "style 'amiable'", "no content"),
    ("missing-tip-cell", _missing_tip_cell, "tip 'driver.analytical'", "no tip"),
    ("asymmetric-mirror", _asymmetric_mirror, "item 'a03'", "does not name 'a03'"),
    ("mirror-same-keying", _mirror_same_keying, "item 'a03'", "keyed the other way"),
    ("mirror-other-axis", _mirror_other_axis, "item 'a03'", "another axis"),
    ("mirror-not-an-item", _mirror_missing, "item 'a03'", "'zz99' is not an item"),
    ("unknown-practice-skill", _unknown_practice_skill, "style 'driver': practices[2]", "unknown skill 'mind_reading'"),
]


def _line_with(message: str, *parts: str) -> str | None:
    return next((line for line in message.splitlines() if all(p in line for p in parts)), None)


@pytest.mark.parametrize("mutate, where, problem", [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_broken_file_is_refused_naming_file_item_and_problem(tmp_path, mutate, where, problem):
    data = shipped_data()
    mutate(data)
    path = write_questionnaire(tmp_path / "broken-one.toml", data)
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    message = str(caught.value)
    assert _line_with(message, "broken-one.toml", where, problem), message


@pytest.mark.parametrize("mutate, where, problem", [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_load_all_refuses_a_directory_with_a_broken_file(tmp_path, mutate, where, problem):
    shutil.copy(SHIPPED, tmp_path / "communication-style.toml")
    data = shipped_data()
    data["slug"] = "second"
    mutate(data)
    write_questionnaire(tmp_path / "second.toml", data)
    with pytest.raises(QuestionnaireError) as caught:
        load_all(tmp_path)
    assert _line_with(str(caught.value), "second.toml", where, problem), str(caught.value)


def test_invalid_toml_syntax_names_the_file_and_the_line(tmp_path):
    text = SHIPPED.read_text(encoding="utf-8").replace('id = "a06"', 'id = "a06', 1)
    path = tmp_path / "typo.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    message = str(caught.value)
    bad_line = text[: text.index('id = "a06')].count("\n") + 1
    assert _line_with(message, "typo.toml", "TOML"), message
    assert re.search(rf"\bline {bad_line}\b", message), message


def test_every_problem_in_a_file_is_reported_at_once(tmp_path):
    data = shipped_data()
    _unknown_axis(data)
    _style_without_content(data)
    _missing_tip_cell(data)
    path = write_questionnaire(tmp_path / "many.toml", data)
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    message = str(caught.value)
    assert _line_with(message, "many.toml", "item 'a03'", "unknown axis")
    assert _line_with(message, "many.toml", "style 'amiable'")
    assert _line_with(message, "many.toml", "tip 'driver.analytical'")


def test_duplicate_slug_across_two_files(tmp_path):
    shutil.copy(SHIPPED, tmp_path / "a-first.toml")
    shutil.copy(SHIPPED, tmp_path / "b-second.toml")
    with pytest.raises(QuestionnaireError) as caught:
        load_all(tmp_path)
    message = str(caught.value)
    assert _line_with(message, "b-second.toml", "communication-style", "already used"), message


def test_empty_directory_is_an_error(tmp_path):
    with pytest.raises(QuestionnaireError) as caught:
        load_all(tmp_path)
    assert "no questionnaire" in str(caught.value)


# ---------------------------------------------------------------------------
# Start-up: broken files stop the app; new files appear without code changes
# ---------------------------------------------------------------------------

def _app_with(monkeypatch, tmp_path, directory):
    monkeypatch.setenv("FLASK_QUESTIONNAIRES", str(directory))
    return create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "DATABASE": str(tmp_path / "startup.sqlite3"),
    })


def test_app_refuses_to_start_with_a_broken_file(monkeypatch, tmp_path):
    qdir = tmp_path / "questionnaires"
    qdir.mkdir()
    shutil.copy(SHIPPED, qdir / "communication-style.toml")  # a good file is not enough
    data = shipped_data()
    data["slug"] = "other"
    _style_without_content(data)
    write_questionnaire(qdir / "other.toml", data)
    with pytest.raises(QuestionnaireError) as caught:
        _app_with(monkeypatch, tmp_path, qdir)
    assert _line_with(str(caught.value), "other.toml", "style 'amiable'", "no content")
    assert not (tmp_path / "startup.sqlite3").exists(), "a refused start must not leave a database behind"


@pytest.fixture
def two_questionnaires(tmp_path):
    qdir = tmp_path / "questionnaires"
    qdir.mkdir()
    shutil.copy(SHIPPED, qdir / "communication-style.toml")
    data = shipped_data()
    data["slug"] = "team-talk"
    data["version"] = 3
    data["title"] = {"en": "Team talk check", "zh": "团队沟通自查"}
    write_questionnaire(qdir / "team-talk.toml", data)
    return qdir


def test_new_questionnaire_file_appears_on_the_index_page(monkeypatch, tmp_path, two_questionnaires):
    app = _app_with(monkeypatch, tmp_path, two_questionnaires)
    client = app.test_client()
    html_en = client.get("/?lang=en").get_data(as_text=True)
    assert "Team talk check" in html_en and "Communication style" in html_en
    assert 'href="/q/team-talk/1?lang=en"' in html_en  # the language asked for goes on
    html_zh = client.get("/?lang=zh").get_data(as_text=True)
    assert "团队沟通自查" in html_zh
    assert client.get("/q/team-talk/1").status_code == 200


def test_new_questionnaire_file_appears_in_the_api(monkeypatch, tmp_path, two_questionnaires):
    app = _app_with(monkeypatch, tmp_path, two_questionnaires)
    client = app.test_client()
    listed = {q["slug"]: q for q in client.get("/api/v1/questionnaires").get_json()}
    assert set(listed) == {"communication-style", "team-talk"}
    assert listed["team-talk"]["version"] == 3
    assert listed["team-talk"]["title"] == {"en": "Team talk check", "zh": "团队沟通自查"}
    detail = client.get("/api/v1/questionnaires/team-talk")
    assert detail.status_code == 200 and len(detail.get_json()["items"]) == 32
