"""How others see me: the observer form, scoring one rater, the anonymous others' view,
gap words, versatility bands and practices, the team summary, and the coaching content."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from assessment.model import AXES, VERSATILITY
from assessment.others import (
    BANDS,
    CLOSE_GAP_BELOW,
    MIN_RATERS,
    PRACTICES_SHOWN,
    Rating,
    RaterScores,
    TeamMember,
    gap_direction,
    gap_words,
    load_coaching,
    others_view,
    TooFewAnswered,
    min_answered,
    score_rating,
    team_others,
    versatility_band,
    versatility_practices,
)
from assessment.questionnaire import ABOUT, QuestionnaireError, load_all, load_questionnaire
from assessment.scoring import AnswerError, profile_from_axes

ROOT = Path(__file__).resolve().parent.parent
QUESTIONNAIRES = ROOT / "questionnaires"
OBSERVER_FILE = QUESTIONNAIRES / "communication-style-observer.toml"
COACHING_DIR = QUESTIONNAIRES / "others"
COACHING_FILE = COACHING_DIR / "coaching.toml"
SCALES = AXES + (VERSATILITY,)


@pytest.fixture(scope="module")
def q():
    return load_questionnaire(OBSERVER_FILE)


@pytest.fixture(scope="module")
def content():
    return load_coaching(COACHING_DIR)


# --- the observer form ---------------------------------------------------------------


def test_observer_form_is_found_by_the_app_loader():
    q = load_all(QUESTIONNAIRES)["communication-style-observer"]
    assert q.kind == "observer"
    assert q.version == 2
    assert [label.zh for label in q.scale.labels] == ["完全不符合", "不太符合", "有些符合", "比较符合", "完全符合"]
    assert q.scale.labels[2].en == "Somewhat like them"
    assert (q.scale.cant_say.en, q.scale.cant_say.zh) == ("Can't say", "无法判断")
    assert q.scale.labels[0].en == "Not like them at all"
    assert q.scale.labels[-1].en == "Very like them"


def test_at_least_8_items_per_scale_half_of_them_reverse_keyed(q):
    for scale in SCALES:
        items = [i for i in q.items if i.axis == scale]
        assert len(items) >= 8, scale
        minus = sum(i.keyed == "minus" for i in items)
        assert minus == len(items) / 2, scale


def test_mirrors_are_opposite_keyed_on_the_same_axis(q):
    pairs = q.mirror_pairs
    # every assertiveness and responsiveness item has its opposite
    mirrored = {item_id for pair in pairs for item_id in pair}
    assert all(i.id in mirrored for i in q.items if i.axis in AXES)
    for a, b in pairs:
        first, second = q.item(a), q.item(b)
        assert first.axis == second.axis
        assert {first.keyed, second.keyed} == {"plus", "minus"}
        assert first.about == second.about


def test_items_say_where_they_are_observed_and_pages_mix_the_scales(q):
    assert all(i.about in ABOUT for i in q.items)
    assert {i.about for i in q.items if i.axis in AXES} == set(ABOUT)
    for page in q.pages:
        assert {i.axis for i in page} == set(SCALES)


def test_items_are_third_person_gender_neutral_and_unique(q):
    for item in q.items:
        assert not re.search(r"\b(I|me|my|mine|myself|he|she|his|her|him)\b", item.text.en, re.I), item.id
        assert not re.search(r"[我他她]", item.text.zh), item.id
    assert len({i.text.en for i in q.items}) == len(q.items)
    assert len({i.text.zh for i in q.items}) == len(q.items)


def test_reverse_keyed_items_are_written_without_negations(q):
    for item in q.items:
        if item.keyed == "minus":
            negation = r"\b(not|no|never|nothing|don't|doesn't|won't|can't)\b|n't\b"
            assert not re.search(negation, item.text.en, re.I), item.id
            assert not re.search(r"[不没别未无勿莫]", item.text.zh), item.id


# --- scoring one rater -----------------------------------------------------------------


def _answers(q, plus: int, minus: int, only: str | None = None, rest: int = 3) -> dict[str, int]:
    return {
        i.id: (plus if i.keyed == "plus" else minus) if only in (None, i.axis) else rest
        for i in q.items
    }


def test_all_fives_with_balanced_keying_sit_at_the_middle(q):
    scores = score_rating(q, {i.id: 5 for i in q.items})
    assert scores.axes == {"assertiveness": 50.0, "responsiveness": 50.0}
    assert scores.versatility == 50.0


def test_agreeing_with_one_pole_reaches_the_ends(q):
    high = score_rating(q, _answers(q, plus=5, minus=1))
    assert high.axes == {"assertiveness": 100.0, "responsiveness": 100.0} and high.versatility == 100.0
    low = score_rating(q, _answers(q, plus=1, minus=5))
    assert low.axes == {"assertiveness": 0.0, "responsiveness": 0.0} and low.versatility == 0.0


def test_each_scale_is_scored_from_its_own_items(q):
    answers = _answers(q, plus=4, minus=2, only="assertiveness")  # keyed 4 everywhere: 75
    for item in q.items:
        if item.axis == VERSATILITY:
            answers[item.id] = 5 if item.keyed == "plus" else 2  # keyed 5 and 4: mean 4.5 -> 87.5
    scores = score_rating(q, answers)
    assert scores.axes == {"assertiveness": 75.0, "responsiveness": 50.0}
    assert scores.versatility == 87.5


def test_one_answer_moves_the_mean_by_an_eighth(q):
    answers = {i.id: 3 for i in q.items}
    answers["a01"] = 5  # plus-keyed: the assertiveness mean is 3.25 -> 56.25
    answers["v02"] = 1  # minus-keyed: keyed 5, the versatility mean is 3.25 -> 56.25
    scores = score_rating(q, answers)
    assert scores.axes["assertiveness"] == pytest.approx(56.25, abs=0.05)
    assert scores.axes["responsiveness"] == 50.0
    assert scores.versatility == pytest.approx(56.25, abs=0.05)
    assert isinstance(scores, RaterScores)
    assert scores.as_dict()["versatility"] == scores.versatility


def test_bad_answers_are_named_item_by_item(q):
    answers = {i.id: 3 for i in q.items}
    del answers["a01"]
    answers.update({"r01": 0, "r02": 6, "v01": "3", "v02": 3.0, "v03": True, "zz9": 3})
    with pytest.raises(AnswerError) as caught:
        score_rating(q, answers)
    details = caught.value.details
    assert details["a01"] == "missing answer"
    assert "outside the scale" in details["r01"] and "outside the scale" in details["r02"]
    for item_id in ("v01", "v02", "v03"):
        assert "whole number" in details[item_id]
    assert details["zz9"] == "unknown item"
    assert set(details) == {"a01", "r01", "r02", "v01", "v02", "v03", "zz9"}


def test_only_an_observer_form_scores_a_rating():
    self_form = load_all(QUESTIONNAIRES)["communication-style"]
    with pytest.raises(ValueError):
        score_rating(self_form, {i.id: 3 for i in self_form.items})


# --- can't say -------------------------------------------------------------------------


def _cant_say_on(q, scale: str, count: int, answers: dict) -> dict:
    """The first `count` items of a scale answered "can't say" (None)."""
    ids = [i.id for i in q.items if i.axis == scale][:count]
    return {**answers, **{i: None for i in ids}}


def test_every_scale_needs_half_its_items_answered(q):
    assert min_answered(q) == {"assertiveness": 4, "responsiveness": 4, "versatility": 4}


def test_cant_say_answers_are_left_out_of_the_mean(q):
    answers = _answers(q, plus=4, minus=2)  # keyed 4 everywhere: 75 on every scale
    for item in q.items:
        if item.axis == "responsiveness":
            answers[item.id] = 5 if item.keyed == "plus" else 1  # keyed 5: 100
    # Can't say on four responsiveness items: the other four still give 100, not a mean with gaps as 3s.
    scores = score_rating(q, _cant_say_on(q, "responsiveness", 4, answers))
    assert scores.axes == {"assertiveness": 75.0, "responsiveness": 100.0} and scores.versatility == 75.0
    # One answered item moves the mean of the answered ones: on versatility, 5 answered of 8.
    mixed = _cant_say_on(q, VERSATILITY, 3, answers)
    last = [i for i in q.items if i.axis == VERSATILITY][-1]
    mixed[last.id] = 5 if last.keyed == "minus" else 1  # keyed 1: (4 * 4 + 1) / 5 = 3.4 -> 60
    assert score_rating(q, mixed).versatility == 60.0


@pytest.mark.parametrize("scale", SCALES)
def test_a_scale_with_fewer_than_half_answered_is_refused_by_name(q, scale):
    answers = _answers(q, plus=4, minus=2)
    assert score_rating(q, _cant_say_on(q, scale, 4, answers))  # 4 of 8 answered: enough
    with pytest.raises(TooFewAnswered) as caught:
        score_rating(q, _cant_say_on(q, scale, 5, answers))  # 3 of 8: too few
    assert set(caught.value.details) == {scale}
    assert caught.value.details[scale] == f"3 of its 8 statements answered (5 can't say); answer at least 4 to rate {scale}"
    assert isinstance(caught.value, AnswerError)


def test_every_scale_short_of_answers_is_named_at_once(q):
    answers = {i.id: None for i in q.items}
    with pytest.raises(TooFewAnswered) as caught:
        score_rating(q, answers)
    assert set(caught.value.details) == set(SCALES)


def test_cant_say_is_an_answer_only_where_the_form_offers_it(q):
    self_form = load_all(QUESTIONNAIRES)["communication-style"]
    assert self_form.scale.cant_say is None
    from assessment.scoring import check_answers
    answers = {i.id: 3 for i in self_form.items} | {"a01": None}
    assert check_answers(self_form, answers) == {"a01": "must be a whole number from 1 to 5"}
    assert check_answers(q, {i.id: None for i in q.items}) == {}
    bad = check_answers(q, {**{i.id: 3 for i in q.items}, "a01": "x"})
    assert bad == {"a01": "must be a whole number from 1 to 5 or null (can't say)"}


def test_only_an_observer_form_may_offer_cant_say(tmp_path):
    data = tomllib.loads((QUESTIONNAIRES / "communication-style.toml").read_text(encoding="utf-8"))
    data["scale"]["cant_say"] = {"en": "Can't say", "zh": "无法判断"}
    path = tmp_path / "self.toml"
    from helpers import dump_toml
    path.write_text(dump_toml(data), encoding="utf-8")
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    assert "self.toml: scale: 'cant_say' is only for observer forms (this one is kind 'self')" in str(caught.value)
    observer = tomllib.loads(OBSERVER_FILE.read_text(encoding="utf-8"))
    observer["scale"]["cant_say"] = {"en": "Can't say"}
    path = tmp_path / "observer.toml"
    path.write_text(dump_toml(observer), encoding="utf-8")
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    assert "observer.toml: scale: cant_say: missing translation 'zh'" in str(caught.value)


# --- the others' view ------------------------------------------------------------------


def peer(a: float, r: float, v: float, label: str = "") -> Rating:
    return Rating("peer", label, {"assertiveness": a, "responsiveness": r}, v)


def lead(a: float, r: float, v: float, label: str = "Team lead") -> Rating:
    return Rating("lead", label, {"assertiveness": a, "responsiveness": r}, v)


SELF = {"assertiveness": 60.0, "responsiveness": 40.0}


def test_the_view_has_exactly_the_api_shape():
    view = others_view(SELF, "driver", [peer(70, 30, 50), peer(80, 40, 60), peer(90, 50, 70), lead(20, 80, 90)], 6)
    assert set(view) == {"invited", "answered", "min_raters", "self", "others", "leads", "gap"}
    assert (view["invited"], view["answered"], view["min_raters"]) == (6, 4, 3)
    assert view["self"] == {"axes": SELF, "style": "driver"}
    assert set(view["others"]) == {"n", "received", "next_update", "axes", "versatility", "style"}
    assert set(view["others"]["axes"]) == set(AXES)
    assert [set(entry) for entry in view["leads"]] == [{"rater", "axes", "versatility", "style"}]
    assert set(view["gap"]) == set(AXES)
    json.dumps(view)  # plain JSON


def test_two_peers_show_no_others():
    view = others_view(SELF, "driver", [peer(70, 30, 50), peer(80, 40, 60)], 5)
    assert view["others"] is None
    assert view["gap"] is None
    assert (view["invited"], view["answered"]) == (5, 2)
    assert MIN_RATERS == 3


def test_three_peers_show_the_mean():
    view = others_view(SELF, "driver", [peer(70, 30, 50), peer(80, 45, 61), peer(91, 50, 70)], 3)
    others = view["others"]
    assert others["n"] == 3
    assert others["axes"] == {"assertiveness": 80.3, "responsiveness": 41.7}
    assert others["versatility"] == 60.3
    assert others["style"] == "driver"
    assert view["gap"] == {"assertiveness": 20.3, "responsiveness": 1.7}


@pytest.mark.parametrize("answered, used, next_update", [
    (3, 3, 6), (4, 3, 6), (5, 3, 6), (6, 6, 9), (7, 6, 9), (8, 6, 9), (9, 9, 12), (10, 9, 12),
])
def test_peers_count_in_whole_groups_of_three_in_answer_order(answered, used, next_update):
    peers = [peer(10 + 9 * k, 90 - 7 * k, 5 + 11 * k) for k in range(answered)]
    others = others_view(SELF, "driver", peers, answered)["others"]
    assert (others["n"], others["received"], others["next_update"]) == (used, answered, next_update)
    first = peers[:used]
    assert others["axes"]["assertiveness"] == round(sum(p.axes["assertiveness"] for p in first) / used, 1)
    assert others["versatility"] == round(sum(p.versatility for p in first) / used, 1)


def test_one_more_peer_never_moves_a_figure_between_multiples_of_three():
    """The differencing attack: view after each answer; only a whole new group moves the figures."""
    peers = [peer(10 + 13 * k % 80, 20 + 17 * k % 70, 30 + 7 * k % 60) for k in range(12)]
    figures = []
    for n in range(3, 13):
        view = others_view(SELF, "driver", peers[:n], n)
        figures.append((view["others"]["axes"], view["others"]["versatility"], view["gap"]))
    for n, (before, after) in enumerate(zip(figures, figures[1:]), start=4):
        assert (before == after) == (n % 3 != 0), n


def test_the_style_of_the_mean_follows_the_self_form_rule():
    # exactly the centre: the tie rule of assessment.scoring (50 counts as high)
    view = others_view(None, None, [peer(40, 60, 50), peer(50, 50, 50), peer(60, 40, 50)], 3)
    assert view["others"]["axes"] == {"assertiveness": 50.0, "responsiveness": 50.0}
    assert view["others"]["style"] == profile_from_axes({"assertiveness": 50.0, "responsiveness": 50.0}).style
    view = others_view(None, None, [peer(20, 70, 50), peer(30, 80, 50), peer(40, 90, 50)], 3)
    assert view["others"]["style"] == "amiable"


def test_leads_never_enter_the_peer_mean():
    peers = [peer(70, 30, 50), peer(80, 40, 60), peer(90, 50, 70)]
    alone = others_view(SELF, "driver", peers, 4)["others"]
    with_leads = others_view(SELF, "driver", peers + [lead(0, 100, 0), lead(100, 0, 100, "QC")], 6)
    assert with_leads["others"] == alone
    assert with_leads["answered"] == 5
    assert with_leads["leads"] == [
        {"rater": "Team lead", "axes": {"assertiveness": 0.0, "responsiveness": 100.0}, "versatility": 0.0, "style": "amiable"},
        {"rater": "QC", "axes": {"assertiveness": 100.0, "responsiveness": 0.0}, "versatility": 100.0, "style": "driver"},
    ]


def test_a_lead_alone_or_with_two_peers_never_shows_others():
    assert others_view(SELF, "driver", [lead(70, 30, 50)], 1)["others"] is None
    view = others_view(SELF, "driver", [lead(70, 30, 50), lead(60, 30, 50), peer(1, 2, 3), peer(4, 5, 6)], 4)
    assert view["others"] is None and view["gap"] is None
    assert len(view["leads"]) == 2


def test_gap_is_others_minus_self():
    view = others_view({"assertiveness": 72.5, "responsiveness": 31.3}, "driver",
                       [peer(50, 50, 50), peer(60, 40, 50), peer(40, 60, 50)], 3)
    assert view["gap"] == {"assertiveness": -22.5, "responsiveness": 18.7}


def test_without_a_self_result_there_is_no_gap():
    view = others_view(None, None, [peer(50, 50, 50)] * 3, 3)
    assert view["self"] == {"axes": None, "style": None}
    assert view["others"] is not None and view["gap"] is None


def test_a_missing_self_style_is_worked_out_from_the_axes():
    assert others_view(SELF, None, [], 0)["self"]["style"] == "driver"


def _numbers(value) -> list[float]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [float(value)]
    return []


def test_no_single_peer_can_be_read_from_the_view():
    peers = [peer(13.1, 27.3, 61.9, "Wang Fang"), peer(88.4, 71.2, 33.3, "Li Lei"),
             peer(42.7, 55.6, 97.8, "Zhao Min"), peer(64.4, 19.9, 20.2, "Chen Jie")]
    view = others_view(SELF, "driver", peers, 7)
    text = json.dumps(view, ensure_ascii=False)
    for p in peers:
        assert p.rater_label not in text
        for value in (*p.axes.values(), p.versatility):
            assert float(value) not in _numbers(view), value
    # the only peer figures are the counts and the means over the first whole group of three
    others = view["others"]
    assert (others["n"], others["received"], others["next_update"]) == (3, 4, 6)
    assert others["axes"] == {"assertiveness": 48.1, "responsiveness": 51.4}
    assert others["versatility"] == 64.3
    peer_numbers = _numbers(view["others"]) + _numbers(view["gap"])
    expected = [3.0, 4.0, 6.0, 48.1, 51.4, 64.3, round(48.1 - 60.0, 1), round(51.4 - 40.0, 1)]
    assert sorted(peer_numbers) == sorted(expected)
    assert view["leads"] == []
    assert "peer" not in text and "relation" not in text


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        Rating("colleague", "", {"assertiveness": 1, "responsiveness": 2}, 3)
    with pytest.raises(ValueError):
        Rating("lead", " ", {"assertiveness": 1, "responsiveness": 2}, 3)
    with pytest.raises(ValueError):
        Rating("peer", "", {"assertiveness": 1}, 3)
    with pytest.raises(ValueError):
        Rating("peer", "", {"assertiveness": 1, "responsiveness": float("nan")}, 3)
    with pytest.raises(ValueError):
        others_view(SELF, "driver", [peer(1, 2, 3)] * 3, 2)  # more answered than invited
    with pytest.raises(ValueError):
        others_view(SELF, "boss", [], 0)


def test_a_rating_is_made_from_rater_scores(q):
    scores = score_rating(q, _answers(q, plus=5, minus=1))
    rating = Rating.of("lead", "Team lead", scores)
    assert rating.axes == scores.axes and rating.versatility == 100.0


# --- versatility bands, gap words and practices ------------------------------------------


@pytest.mark.parametrize("score, band", [
    (0, "low"), (39.9, "low"), (40, "moderate"), (40.0, "moderate"), (64.9, "moderate"),
    (65, "high"), (65.0, "high"), (100, "high"),
])
def test_versatility_bands_at_the_boundaries(score, band):
    assert versatility_band(score) == band


@pytest.mark.parametrize("bad", [None, "50", True, float("nan")])
def test_versatility_band_needs_a_number(bad):
    with pytest.raises(ValueError):
        versatility_band(bad)


@pytest.mark.parametrize("gap, direction", [
    (0, "close"), (9.9, "close"), (-9.9, "close"), (CLOSE_GAP_BELOW, "higher"), (35, "higher"),
    (-CLOSE_GAP_BELOW, "lower"), (-35, "lower"),
])
def test_gap_direction(gap, direction):
    assert gap_direction(gap) == direction


def test_gap_words_pick_the_right_direction(content):
    words = gap_words({"assertiveness": 15.0, "responsiveness": -12.0}, content, "en")
    assert [(w["axis"], w["direction"], w["gap"]) for w in words] == [
        ("assertiveness", "higher", 15.0), ("responsiveness", "lower", -12.0)]
    assert words[0]["text"] == "Others see you as more direct than you see yourself."
    assert "reserved" in words[1]["text"]
    assert words[0]["coaching"] == [line.en for line in content.gaps[("assertiveness", "higher")].coaching]
    assert len(words[0]["coaching"]) == 2
    zh = gap_words({"assertiveness": -10.0, "responsiveness": 3.0}, content, "zh")
    assert zh[0]["text"] == content.gaps[("assertiveness", "lower")].text.zh
    assert zh[1]["direction"] == "close"
    assert zh[1]["text"] == content.gaps[("responsiveness", "close")].text.zh
    assert set(words[0]) == {"axis", "direction", "gap", "text", "coaching"}


def test_gap_words_without_a_gap(content):
    assert gap_words(None, content, "zh") == []
    with pytest.raises(ValueError):
        gap_words({"assertiveness": 1.0, "responsiveness": 1.0}, content, "fr")


def test_three_practices_by_band_or_score(content):
    for band in BANDS:
        practices = versatility_practices(content, band)
        assert len(practices) == PRACTICES_SHOWN == 3
        assert {p.band for p in practices} == {band}
    assert versatility_practices(content, 30.0) == versatility_practices(content, "low")
    assert versatility_practices(content, 64.9) == versatility_practices(content, "moderate")
    assert versatility_practices(content, 65) == versatility_practices(content, "high")
    with pytest.raises(ValueError):
        versatility_practices(content, "medium")


# --- the team -------------------------------------------------------------------------------


def test_team_summary_counts_only_members_past_the_threshold():
    three = lambda a, r, v: [peer(a, r, v)] * 3  # noqa: E731
    members = [
        TeamMember("ann", {"assertiveness": 50, "responsiveness": 50}, None, three(60, 50, 40), 4),  # distance 10
        TeamMember("bo", {"assertiveness": 70, "responsiveness": 30}, "driver", three(50, 45, 80) + [lead(0, 0, 0)], 5),  # 25
        TeamMember("cy", {"assertiveness": 0, "responsiveness": 0}, "analytical", [peer(100, 100, 100)] * 2, 6),  # below 3
        TeamMember("di", None, None, three(50, 50, 60), 3),  # no self result
        TeamMember("ed", {"assertiveness": 50, "responsiveness": 50}, None, [], 3),  # nobody answered
    ]
    team = team_others(members)
    entries = {e["member"]: e for e in team["members"]}
    assert [e["member"] for e in team["members"]] == ["ann", "bo", "cy", "di", "ed"]
    assert entries["ann"]["distance"] == 10.0
    assert entries["bo"]["distance"] == 25.0
    assert entries["cy"]["others"] is None and entries["cy"]["distance"] is None
    assert entries["di"]["others"]["versatility"] == 60.0 and entries["di"]["distance"] is None
    assert entries["ed"]["others"] is None
    assert team["rated"] == 3
    assert team["versatility"] == 60.0  # (40 + 80 + 60) / 3: leads and the 2-peer member left out
    assert team["versatility_band"] == "moderate"
    assert team["differs_most"] == {"member": "bo", "distance": 25.0, "gap": {"assertiveness": -20.0, "responsiveness": 15.0}}
    for e in team["members"]:
        assert set(e) == {"member", "invited", "answered", "min_raters", "self", "others", "leads", "gap", "distance"}


def test_team_ties_and_an_unrated_team():
    same = [peer(60, 50, 50)] * 3
    members = [TeamMember(i, {"assertiveness": 50, "responsiveness": 50}, None, same, 3) for i in (7, 3)]
    assert team_others(members)["differs_most"]["member"] == 7  # ties: the first given
    empty = team_others([TeamMember(1, None, None, [peer(1, 1, 1)], 1)])
    assert empty == {"members": empty["members"], "rated": 0, "versatility": None,
                     "versatility_band": None, "differs_most": None}
    assert team_others([])["members"] == []


# --- the coaching content -----------------------------------------------------------------


def _texts(value):
    """Every {en, zh} pair in the raw file."""
    if isinstance(value, dict):
        if "en" in value or "zh" in value:
            yield value
        else:
            for v in value.values():
                yield from _texts(v)
    elif isinstance(value, list):
        for v in value:
            yield from _texts(v)


def test_every_text_has_both_languages():
    raw = tomllib.loads(COACHING_FILE.read_text(encoding="utf-8"))
    pairs = list(_texts(raw))
    assert len(pairs) >= 40
    for pair in pairs:
        assert set(pair) == {"en", "zh"}
        assert pair["en"].strip() and pair["zh"].strip()
        assert re.search(r"[\u4e00-\u9fff]", pair["zh"]) and not re.search(r"[\u4e00-\u9fff]", pair["en"])


def test_content_covers_every_axis_direction_and_band(content):
    for axis in AXES:
        for direction in ("higher", "lower"):
            assert len(content.gaps[(axis, direction)].coaching) == 2
        assert len(content.gaps[(axis, "close")].coaching) >= 1
    assert set(content.bands) == set(BANDS)
    assert len(content.practices) >= 6
    assert len({p.id for p in content.practices}) == len(content.practices)


def test_coaching_lines_are_short(content):
    for words in content.gaps.values():
        for line in (words.text, *words.coaching):
            assert len(line.zh) <= 40, line.zh
            assert len(line.en.split()) <= 25, line.en


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = COACHING_FILE.read_text(encoding="utf-8")
    assert old in text
    folder = tmp_path / "others"
    folder.mkdir()
    (folder / "coaching.toml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize("old, new, message", [
    ('{ en = "Callers may feel steered before they feel heard. Let them finish, then propose.", zh',
     '{ en = "Callers may feel steered before they feel heard. Let them finish, then propose.", fr',
     "others/coaching.toml: gaps.assertiveness.higher: coaching[1]: missing translation 'zh'"),
    ("Let them finish, then propose.", "Let them finish, then propose, and " + "then wait " * 10 + ".",
     "others/coaching.toml: gaps.assertiveness.higher: coaching[1]: 'en' is"),
    ("[gaps.responsiveness.close]", "[gaps.responsiveness.near]",
     "others/coaching.toml: gaps.responsiveness: unknown direction 'near'"),
    ("[bands.high]", "[bands.top]", "others/coaching.toml: band 'high': no content for this band"),
    ('band = "high"\nname = { en = "Switch approach"', 'band = "top"\nname = { en = "Switch approach"',
     "others/coaching.toml: practice 'switch-approach': unknown band 'top'"),
    ('id = "next-need"', 'id = "read-the-caller"', "others/coaching.toml: practice 'read-the-caller': duplicate id"),
    ("先接情绪", "Feelings", "others/coaching.toml: practice 'feelings-first': name: 'zh' has no Chinese characters"),
])
def test_a_broken_coaching_file_names_file_entry_and_problem(tmp_path, old, new, message):
    folder = _broken(tmp_path, old, new)
    with pytest.raises(QuestionnaireError) as caught:
        load_coaching(folder)
    assert any(p.startswith(message) for p in caught.value.problems), caught.value.problems


def test_a_missing_coaching_file(tmp_path):
    with pytest.raises(QuestionnaireError) as caught:
        load_coaching(tmp_path)
    assert "coaching.toml: missing file" in str(caught.value)


def test_loads_from_the_file_path_too(content):
    assert load_coaching(COACHING_FILE) == content
