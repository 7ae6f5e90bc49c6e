"""The seven service abilities: the scorecard file, scoring, checks and a team's numbers."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from assessment import abilities
from assessment.abilities import (
    RatingError,
    ability_readings,
    check_ratings,
    load_readings,
    parse_period,
    radar_band,
    reading,
    scatter_quadrants,
    score_abilities,
    team_analysis,
    team_overall_mean,
    validate_rating,
)
from assessment.model import ABILITIES
from assessment.questionnaire import QuestionnaireError, load_all, load_questionnaire

QUESTIONNAIRES = Path(__file__).resolve().parent.parent / "questionnaires"
SCORECARD = QUESTIONNAIRES / "service-abilities.toml"
TODAY = date(2026, 11, 15)


@pytest.fixture(scope="module")
def q():
    return load_questionnaire(SCORECARD)


def all_ratings(q, value: int = 3) -> dict[str, int]:
    return {item.id: value for item in q.items}


# --- the scorecard file ---------------------------------------------------------------


def test_scorecard_loads_as_a_rating_questionnaire(q):
    assert q.slug == "service-abilities" == abilities.SLUG
    assert q.kind == "rating"
    assert q.version == 2
    assert (q.scale.min, q.scale.max) == (1, 5)
    assert [label.zh for label in q.scale.labels] == ["很弱", "较弱", "达标", "良好", "出色"]


def test_the_app_loads_it_alongside_the_other_questionnaires():
    loaded = load_all(QUESTIONNAIRES)
    assert loaded["service-abilities"].kind == "rating"
    assert "communication-style" in loaded


def test_every_ability_has_at_least_two_behaviours(q):
    assert set(q.ability_items) == set(ABILITIES)
    for ability, ids in q.ability_items.items():
        assert len(ids) >= 2, ability
    assert sum(len(ids) for ids in q.ability_items.values()) == len(q.items)


def test_item_ids_name_their_ability(q):
    prefix = {"listening": "lis", "understanding": "und", "problem_solving": "sol", "expression": "exp",
              "emotional_control": "emo", "learning": "lrn", "attention_to_detail": "det"}
    for item in q.items:
        assert re.fullmatch(prefix[item.ability] + r"[0-9]", item.id), item.id


def test_every_behaviour_has_anchors_1_3_5_in_both_languages(q):
    for item in q.items:
        assert item.text.en.strip() and item.text.zh.strip()
        assert set(item.anchors) == {"1", "3", "5"}, item.id
        texts = [item.anchors[p] for p in ("1", "3", "5")]
        for text in texts:
            assert text.en.strip() and text.zh.strip(), item.id
            assert re.search(r"[\u4e00-\u9fff]", text.zh), item.id  # Chinese really is Chinese
        assert len({t.en for t in texts}) == 3 and len({t.zh for t in texts}) == 3, item.id


def test_every_ability_has_content_and_at_least_three_practices(q):
    assert set(q.abilities) == set(ABILITIES)
    names = {a: q.abilities[a].name.zh for a in ABILITIES}
    assert names == {"listening": "倾听", "understanding": "理解", "problem_solving": "解决", "expression": "表达",
                     "emotional_control": "情绪控制", "learning": "学习", "attention_to_detail": "细节把握"}
    for a in ABILITIES:
        content = q.abilities[a]
        assert content.description.en and content.description.zh
        assert len(content.practices) >= 3, a
        for p in content.practices:
            assert p.en.strip() and p.zh.strip()


def test_no_text_is_duplicated(q):
    texts = [i.text.en for i in q.items] + [p.en for a in q.abilities.values() for p in a.practices]
    assert len(texts) == len(set(texts))


# --- scoring ---------------------------------------------------------------------------


def test_ability_is_the_mean_of_its_behaviours_and_overall_the_mean_of_seven(q):
    ratings = all_ratings(q, 3)
    ratings.update(lis4=5, lis5=4, lis6=4)  # listening: 13 / 3 = 4.333 -> 4.33
    ratings.update(und3=2, und4=5, und5=5)  # understanding: 12 / 3 = 4.0
    ratings.update(sol4=1, sol5=1, sol6=2)  # problem solving: 4 / 3 = 1.333 -> 1.33
    ratings.update(det4=5, det5=5, det6=5)  # attention to detail: 5
    # expression, emotional control and learning stay at 3.
    scores = score_abilities(q, ratings)
    assert scores.abilities == {
        "listening": 4.33, "understanding": 4.0, "problem_solving": 1.33, "expression": 3.0,
        "emotional_control": 3.0, "learning": 3.0, "attention_to_detail": 5.0,
    }
    assert list(scores.abilities) == list(ABILITIES)
    # overall: (13/3 + 4 + 4/3 + 3 + 3 + 3 + 5) / 7 = (17/3 + 18) / 7 = 23.6667 / 7 = 3.381
    assert scores.overall == 3.38
    assert scores.as_dict() == {"abilities": scores.abilities, "overall": 3.38}


def test_all_fives_and_all_ones(q):
    assert score_abilities(q, all_ratings(q, 5)).overall == 5.0
    low = score_abilities(q, all_ratings(q, 1))
    assert set(low.abilities.values()) == {1.0} and low.overall == 1.0


def test_score_refuses_ratings_with_problems(q):
    ratings = all_ratings(q)
    del ratings["lis4"]
    with pytest.raises(RatingError) as info:
        score_abilities(q, ratings)
    assert info.value.details == {"lis4": "missing rating"}


# --- checking ratings --------------------------------------------------------------------


def test_good_ratings_have_no_problems(q):
    assert check_ratings(q, all_ratings(q)) == {}


@pytest.mark.parametrize("value, message", [
    ("4", "must be a whole number from 1 to 5 (got a string)"),
    (True, "must be a whole number from 1 to 5 (got true or false)"),
    (4.0, "must be a whole number from 1 to 5 (got a decimal number)"),
    (None, "must be a whole number from 1 to 5 (got null)"),
    (0, "0 is outside the scale 1 to 5"),
    (6, "6 is outside the scale 1 to 5"),
])
def test_a_bad_value_is_named(q, value, message):
    ratings = all_ratings(q)
    ratings["emo5"] = value
    assert check_ratings(q, ratings) == {"emo5": message}


def test_missing_and_unknown_items_are_named_together(q):
    ratings = all_ratings(q)
    del ratings["det6"], ratings["und3"]
    ratings["xyz9"] = 3
    assert check_ratings(q, ratings) == {"det6": "missing rating", "und3": "missing rating", "xyz9": "unknown item"}


def test_ratings_must_be_an_object(q):
    assert check_ratings(q, [3, 3]) == {"ratings": "must be an object of item ids and whole numbers (got a list)"}


# --- the period ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2026-11", "2026-01", "2025-12", "1999-07"])
def test_good_periods(text):
    assert parse_period(text, TODAY) == text


@pytest.mark.parametrize("text", ["2026-13", "26-11", "2026-00", "2026-1", "2026/11", "2026-11-01", "2026-11\n",
                                  " 2026-11", "", "0000-05", "２０２６-１１"])
def test_malformed_periods(text):
    with pytest.raises(ValueError, match="is not a month written YYYY-MM"):
        parse_period(text, TODAY)


@pytest.mark.parametrize("text", ["2026-12", "2027-01"])
def test_future_periods(text):
    with pytest.raises(ValueError, match=rf"^{text} is after the current month \(2026-11\)$"):
        parse_period(text, TODAY)


def test_a_period_that_is_not_a_string():
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_period(202611, TODAY)


def test_the_month_turns_with_today():
    assert parse_period("2026-12", date(2026, 12, 1)) == "2026-12"
    with pytest.raises(ValueError):
        parse_period("2026-12", date(2026, 11, 30))


def test_validate_rating_names_every_problem_at_once(q):
    ratings = all_ratings(q)
    ratings["lrn4"] = "4"
    with pytest.raises(RatingError) as info:
        validate_rating(q, ratings, "2026-12", TODAY)
    assert set(info.value.details) == {"lrn4", "period"}
    assert "after the current month" in info.value.details["period"]
    month, scores = validate_rating(q, all_ratings(q, 4), "2026-10", TODAY)
    assert month == "2026-10" and scores.overall == 4.0


# --- a team's numbers ----------------------------------------------------------------------

# Three rated members (and one without a staff rating this month), by hand:
#   listening            3, 4, 5        mean 4;      squares 1+0+1 = 2, /2 = 1, sd 1;   cv 1/4 = 0.25
#   understanding        3.5 x 3        mean 3.5;    sd 0;                              cv 0
#   problem_solving      4, 3, 2        mean 3;      sd 1;                              cv 1/3 = 0.33
#   expression           4, 4.5, 5      mean 4.5;    .25+0+.25 = .5, /2 = .25, sd .5;   cv .5/4.5 = 0.11
#   emotional_control    3, 2.5, 3.5    mean 3;      sd .5;                             cv .5/3 = 0.17
#   learning             2, 2.5, 3      mean 2.5;    sd .5;                             cv .5/2.5 = 0.2
#   attention_to_detail  3, 3.5, 5      mean 11.5/3 = 3.8333 -> 3.83;
#                        squares .6944+.1111+1.3611 = 2.1667, /2 = 1.0833, sd 1.0408 -> 1.04;
#                        cv 1.0408/3.8333 = 0.2715 -> 0.27
ZHANG = {"listening": 3, "understanding": 3.5, "problem_solving": 4, "expression": 4,
         "emotional_control": 3, "learning": 2, "attention_to_detail": 3}
LI = {"listening": 4, "understanding": 3.5, "problem_solving": 3, "expression": 4.5,
      "emotional_control": 2.5, "learning": 2.5, "attention_to_detail": 3.5}
CHEN = {"listening": 5, "understanding": 3.5, "problem_solving": 2, "expression": 5,
        "emotional_control": 3.5, "learning": 3, "attention_to_detail": 5}
TEAM = [  # in no particular order
    {"agent_id": 1, "name": "张伟", "abilities": ZHANG},
    {"agent_id": 7, "name": "王芳", "abilities": None},
    {"agent_id": 2, "name": "李娜", "abilities": LI},
    {"agent_id": 3, "name": "陈静", "abilities": CHEN},
]
SELF = {
    1: {a: 4.0 for a in ABILITIES},  # 张伟 rates himself 4 everywhere
    7: {a: 3.0 for a in ABILITIES},  # 王芳 has a self rating but no staff rating
}
HISTORY = [
    ("2026-11", ZHANG), ("2026-09", {a: 2.0 for a in ABILITIES}), ("2026-11", LI),
    ("2026-10", {a: 3.0 for a in ABILITIES}), ("2026-11", CHEN), ("2026-10", {a: 4.0 for a in ABILITIES}),
]


@pytest.fixture(scope="module")
def analysis():
    return team_analysis("2026-11", TEAM, SELF, HISTORY)


def test_team_numbers_match_hand_computation(analysis):
    assert analysis["period"] == "2026-11"
    assert analysis["n"] == 3
    assert analysis["abilities"] == {
        "listening": {"n": 3, "mean": 4.0, "sd": 1.0, "cv": 0.25},
        "understanding": {"n": 3, "mean": 3.5, "sd": 0.0, "cv": 0.0},
        "problem_solving": {"n": 3, "mean": 3.0, "sd": 1.0, "cv": 0.33},
        "expression": {"n": 3, "mean": 4.5, "sd": 0.5, "cv": 0.11},
        "emotional_control": {"n": 3, "mean": 3.0, "sd": 0.5, "cv": 0.17},
        "learning": {"n": 3, "mean": 2.5, "sd": 0.5, "cv": 0.2},
        "attention_to_detail": {"n": 3, "mean": 3.83, "sd": 1.04, "cv": 0.27},
    }
    assert list(analysis["abilities"]) == list(ABILITIES)
    assert analysis["weakest"] == "learning"


def test_trend_is_oldest_first_with_the_team_means_per_month(analysis):
    trend = analysis["trend"]
    assert [t["period"] for t in trend] == ["2026-09", "2026-10", "2026-11"]
    assert trend[0]["abilities"] == {a: 2.0 for a in ABILITIES}
    assert trend[1]["abilities"] == {a: 3.5 for a in ABILITIES}  # (3 + 4) / 2
    assert trend[2]["abilities"] == {a: s["mean"] for a, s in analysis["abilities"].items()}


def test_members_in_pinyin_order_with_self_and_gap(analysis):
    members = analysis["members"]
    assert [m["name"] for m in members] == ["陈静", "李娜", "王芳", "张伟"]  # chen, li, wang, zhang
    by_name = {m["name"]: m for m in members}
    zhang = by_name["张伟"]
    assert zhang["agent_id"] == 1 and zhang["abilities"] == {a: float(v) for a, v in ZHANG.items()}
    assert zhang["self"] == {a: 4.0 for a in ABILITIES}
    # gap = self - staff
    assert zhang["gap"] == {"listening": 1.0, "understanding": 0.5, "problem_solving": 0.0, "expression": 0.0,
                            "emotional_control": 1.0, "learning": 2.0, "attention_to_detail": 1.0}
    wang = by_name["王芳"]  # self rating but no staff rating: no gap
    assert wang["abilities"] is None and wang["self"] == {a: 3.0 for a in ABILITIES} and wang["gap"] is None
    chen = by_name["陈静"]  # staff rating but no self rating: no gap
    assert chen["self"] is None and chen["gap"] is None


def test_gaps_are_rounded():
    staff = {a: 3.33 for a in ABILITIES}
    own = {a: 4.67 for a in ABILITIES}
    result = team_analysis("2026-11", [{"agent_id": 1, "name": "A", "abilities": staff}], {1: own}, [])
    assert result["members"][0]["gap"] == {a: 1.34 for a in ABILITIES}


def test_without_a_sort_key_the_given_order_is_kept():
    result = team_analysis("2026-11", TEAM, SELF, HISTORY, sort_key=None)
    assert [m["agent_id"] for m in result["members"]] == [1, 7, 2, 3]


def test_one_rated_member_has_no_sd_or_cv():
    result = team_analysis("2026-11", [{"agent_id": 1, "name": "A", "abilities": ZHANG}], {}, [])
    assert result["n"] == 1
    assert result["abilities"]["listening"] == {"n": 1, "mean": 3.0, "sd": None, "cv": None}
    assert result["weakest"] == "learning"


def test_no_rated_member_has_no_numbers_and_no_weakest():
    result = team_analysis("2026-11", [{"agent_id": 1, "name": "A", "abilities": None}], {}, [])
    assert result["n"] == 0
    assert result["weakest"] is None
    assert result["trend"] == []
    assert all(s == {"n": 0, "mean": None, "sd": None, "cv": None} for s in result["abilities"].values())
    assert team_overall_mean(result) is None
    assert set(ability_readings(result).values()) == {None}


def test_a_tie_for_weakest_goes_to_the_earlier_ability():
    flat = {a: 4.0 for a in ABILITIES} | {"expression": 2.5, "understanding": 2.5}
    result = team_analysis("2026-11", [{"agent_id": 1, "name": "A", "abilities": flat}], {}, [])
    assert result["weakest"] == "understanding"


# --- reading the numbers -----------------------------------------------------------------


def stat(mean, cv, n=5):
    return {"n": n, "mean": mean, "sd": None if cv is None else round(mean * cv, 2), "cv": cv}


@pytest.mark.parametrize("mean, cv, overall, expected", [
    (3.5, 0.25, 3.5, "uneven"),  # CV at the threshold
    (4.5, 0.30, 3.5, "uneven"),  # a wide spread beats a high mean
    (2.0, 0.40, 3.5, "uneven"),  # ... and a low one: pair, don't retrain all
    (3.5, 0.24, 3.5, "steady"),
    (2.99, 0.24, 3.5, "team_gap"),  # below the standard, not widely spread
    (2.99, 0.05, 3.0, "team_gap"),
    (3.0, 0.20, 3.5, "steady"),  # at the standard
    (4.0, 0.24, 4.0, "strength"),  # strength at its threshold
    (3.99, 0.10, 3.99, "steady"),
    (3.5, 0.14, 4.0, "team_gap"),  # 0.5 below the team's overall, little spread
    (3.5, 0.15, 4.0, "steady"),  # ... with LOW_CV spread it is not
    (3.5, 0.14, 3.99, "steady"),  # ... nor 0.49 below
    (4.0, 0.10, 4.6, "strength"),  # a relative dip above 4 is still a strength
    (2.5, None, 3.5, "team_gap"),  # one rating: no CV, the mean still speaks
    (4.2, None, 3.0, "strength"),
    (3.2, None, 4.0, "steady"),  # no CV: no relative gap
    (None, None, None, None),
])
def test_readings_at_their_thresholds(mean, cv, overall, expected):
    assert reading(stat(mean, cv), overall) == expected


def test_readings_of_the_handmade_team(analysis):
    # overall = (4 + 3.5 + 3 + 4.5 + 3 + 2.5 + 3.83) / 7 = 24.33 / 7 = 3.4757 -> 3.48
    assert team_overall_mean(analysis) == 3.48
    assert ability_readings(analysis) == {
        "listening": "uneven", "understanding": "steady", "problem_solving": "uneven", "expression": "strength",
        "emotional_control": "steady", "learning": "team_gap", "attention_to_detail": "uneven",
    }


def test_reading_texts_load_from_the_scorecard_file():
    texts = load_readings(SCORECARD)
    assert list(texts) == list(abilities.READINGS)
    for r in texts.values():
        for t in (r.label, r.advice):
            assert t.en.strip() and t.zh.strip()
    # The thresholds the texts quote are the ones the code applies.
    assert str(abilities.UNEVEN_CV) in texts["uneven"].advice.en
    assert str(abilities.UNEVEN_CV) in texts["uneven"].advice.zh
    assert f"below {abilities.GAP_MEAN:g}" in texts["team_gap"].advice.en
    assert f"{abilities.RELATIVE_GAP:g} below" in texts["team_gap"].advice.en
    assert f"mean of {abilities.STRENGTH_MEAN:g}" in texts["strength"].advice.en


def test_broken_reading_texts_are_named(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text(
        '[readings.uneven]\nlabel = { en = "Uneven" }\nadvice = { en = "a", zh = "b" }\n'
        '[readings.sideways]\nlabel = { en = "x", zh = "y" }\n',
        encoding="utf-8",
    )
    with pytest.raises(QuestionnaireError) as info:
        load_readings(path)
    problems = info.value.problems
    assert "broken.toml: reading 'uneven': label: missing translation 'zh'" in problems
    assert any("reading 'sideways': unknown reading" in p for p in problems)
    assert "broken.toml: reading 'team_gap': no text for this reading" in problems


# --- radar and scatter ----------------------------------------------------------------------


def test_radar_band_is_one_sd_either_side_kept_on_the_scale(analysis):
    band = radar_band(analysis)
    assert band["abilities"] == list(ABILITIES)
    i = ABILITIES.index("listening")
    assert (band["low"][i], band["mean"][i], band["high"][i]) == (3.0, 4.0, 5.0)
    i = ABILITIES.index("expression")
    assert (band["low"][i], band["high"][i]) == (4.0, 5.0)  # 4.5 + 0.5
    i = ABILITIES.index("attention_to_detail")
    assert (band["low"][i], band["high"][i]) == (2.79, 4.87)
    one = team_analysis("2026-11", [{"agent_id": 1, "name": "A", "abilities": ZHANG}], {}, [])
    assert radar_band(one)["low"] == radar_band(one)["mean"] == radar_band(one)["high"]


def test_scatter_quadrants_find_strong_on_one_weak_on_the_other(analysis):
    result = scatter_quadrants(analysis["members"], "listening", "problem_solving")
    assert (result["x"], result["y"], result["x_mean"], result["y_mean"]) == ("listening", "problem_solving", 4.0, 3.0)
    quadrants = {p["name"]: p["quadrant"] for p in result["points"]}
    # 陈静 5 / 2: strong listener, weak solver; 张伟 3 / 4; 李娜 4 / 3 sits on both means: high, high.
    assert quadrants == {"陈静": "high_low", "李娜": "high_high", "张伟": "low_high"}
    assert result["strong_x_weak_y"] == [{"agent_id": 3, "name": "陈静"}]
    assert result["strong_y_weak_x"] == [{"agent_id": 1, "name": "张伟"}]
    assert "王芳" not in quadrants  # no staff rating, no point


def test_scatter_refuses_unknown_or_identical_abilities(analysis):
    with pytest.raises(ValueError, match="unknown ability"):
        scatter_quadrants(analysis["members"], "listening", "charm")
    with pytest.raises(ValueError, match="two different"):
        scatter_quadrants(analysis["members"], "learning", "learning")


def test_scatter_of_an_empty_team():
    result = scatter_quadrants([], "listening", "learning")
    assert result["x_mean"] is None and result["points"] == [] and result["strong_x_weak_y"] == []
