"""Measuring honestly: the claims of scoring version 2, shown by simulation and by hand.

The simulated respondents follow assessment/simulation.py (two normal latent traits, a
mild yes-saying tendency, normal item noise, answers rounded to the scale; a retake is
the same person with fresh noise; careless respondents answer at random). The same
figures, on a larger sample, are printed by `python -m benchmarks.psychometrics`.
"""

from __future__ import annotations

import json
import math
import random
import re

import pytest

from assessment import simulation, storage
from assessment.model import AXES, STYLE_POLES
from assessment.questionnaire import load_versions
from assessment.scoring import SCORING_VERSION, score
from conftest import QUESTIONNAIRES
from helpers import PASSWORD, add_result, api_submit, connect, make_team, make_trainer, rows, signed_in_client

API = "/api/v1"


@pytest.fixture(scope="module")
def figures(questionnaire):
    return simulation.figures(questionnaire, n=3000, seed=11)


# --- the simulation -------------------------------------------------------------------

def test_each_axis_is_reliable_and_the_declared_figures_match_the_simulation(questionnaire, figures):
    for axis in AXES:
        declared = questionnaire.reliability[axis]
        assert figures.alpha[axis] >= 0.75, axis
        assert abs(figures.alpha[axis] - declared.alpha) <= 0.03, axis
        assert abs(figures.score_sd[axis] - declared.sd) <= 1.5, axis


def test_careless_answers_are_flagged_contradictory_and_honest_ones_rarely(figures):
    rates = figures.flag_rates
    assert rates["careless"]["contradictory"] >= 0.6  # most random sheets
    assert rates["honest"]["contradictory"] <= 0.03  # honest people with a mild yes-saying tendency
    assert rates["yes_sayers"]["contradictory"] <= 0.03  # yes-saying is not contradiction
    assert rates["honest"]["invalid"] == 0


def test_confidence_is_calibrated(figures):
    """Among people told c, about c keep their style on a retake."""
    checked = [(told, kept, n) for _lo, _hi, told, kept, n in figures.calibration if n >= 150]
    assert len(checked) >= 5
    for told, kept, n in checked:
        # three binomial standard errors of the band's share, plus 0.02 for the rounding of answers
        tolerance = 3 * math.sqrt(told * (1 - told) / n) + 0.02
        assert abs(told - kept) <= tolerance, (told, kept, n)


def test_the_tie_rule_favours_neither_side(figures):
    for axis, counts in figures.ties.items():
        high = sum(n for style, n in counts.items() if STYLE_POLES[style][axis] > 0)
        total = sum(counts.values())
        assert total >= 60, axis
        assert 0.38 <= high / total <= 0.62, (axis, counts)


def test_a_balanced_axis_is_named_and_the_same_sheet_always_gets_the_same_style(questionnaire):
    rng = random.Random(5)
    found = 0
    while found < 20:
        sheet = simulation.answer_sheet(questionnaire, simulation.person(rng), rng)
        profile = score(questionnaire, sheet)
        if profile.balanced != ("assertiveness",):
            continue
        found += 1
        assert "assertiveness" in profile.balanced
        assert score(questionnaire, dict(reversed(sheet.items()))) == profile
        # The secondary style is across the balanced axis.
        assert STYLE_POLES[profile.secondary_style]["assertiveness"] != STYLE_POLES[profile.style]["assertiveness"]


# --- answer sheets that describe no one -------------------------------------------------

def _sheet(q, values) -> dict[str, int]:
    values = list(values)
    return {item.id: values[n % len(values)] for n, item in enumerate(q.items)}


@pytest.mark.parametrize("pattern, flag", [
    ([3], "straight_lining"), ([1], "straight_lining"), ([5], "straight_lining"),
    ([1, 5], "patterned"), ([5, 1], "patterned"), ([2, 4], "patterned"), ([1, 3, 5], "patterned"),
])
def test_sheets_that_describe_no_one_get_no_style(questionnaire, pattern, flag):
    profile = score(questionnaire, _sheet(questionnaire, pattern))
    assert not profile.valid and profile.style is None and profile.secondary_style is None
    assert profile.confidence is None and profile.clarity is None
    assert flag in profile.flags


def test_a_consistent_extreme_person_is_valid_even_when_the_item_order_repeats(questionnaire):
    """Keyed answers all at the pole repeat whenever the items' order does; that is a person."""
    sheet = {i.id: 5 if (i.keyed == "plus") == (i.axis == "assertiveness") else 1 for i in questionnaire.items}
    profile = score(questionnaire, sheet)
    assert profile.valid and profile.style == "driver" and profile.confidence > 0.9


def test_sheets_that_describe_no_one_are_stored_but_kept_out_of_team_figures(app, questionnaire, trainer):
    team = make_team(app, trainer, "T")
    add_result(app, questionnaire, team["id"], "Real", 4, 2)
    add_result(app, questionnaire, team["id"], "Blank", 3, 3)  # all 3s
    add_result(app, questionnaire, team["id"], "Real", 3, 3)  # a later blank sheet: the earlier one counts
    db = connect(app)
    try:
        with storage.LatestResults(db, storage.Scope((team["id"],))) as latest:
            agg = latest.aggregates()
            names = [m["name"] for m in latest.members()]
    finally:
        db.close()
    assert (agg.members, agg.responses, agg.set_aside) == (1, 1, 2)
    assert names == ["Real"] and agg.style_counts["driver"] == 1
    assert len(rows(app, "SELECT id FROM responses")) == 3


# --- the API's profile ------------------------------------------------------------------

def test_the_api_answers_all_3s_with_no_style(client, questionnaire):
    body = api_submit(client, questionnaire, {i.id: 3 for i in questionnaire.items}).get_json()
    assert body["valid"] is False and body["style"] is None and body["secondary_style"] is None
    assert body["confidence"] is None and "straight_lining" in body["flags"] and body["percentiles"] is None


def test_the_api_gives_confidence_and_balanced(client, questionnaire):
    from conftest import style_answers
    body = api_submit(client, questionnaire, style_answers(questionnaire, "analytical", 2)).get_json()
    assert body["valid"] is True and body["style"] == "analytical"
    assert 0.9 <= body["confidence"] <= 1 and body["clarity"] == "clear" and body["balanced"] == []


# --- local norms ------------------------------------------------------------------------

def _store(app, q, sheets):
    db = connect(app)
    try:
        for sheet in sheets:
            storage.save_response(db, questionnaire=q.slug, version=q.version, lang="en", answers=sheet,
                                  profile=score(q, sheet))
    finally:
        db.close()


def test_percentiles_start_at_200_earlier_valid_results_and_count_ties_as_half(app, client, questionnaire):
    rng = random.Random(3)
    sheets = [simulation.answer_sheet(questionnaire, simulation.person(rng), rng) for _ in range(199)]
    _store(app, questionnaire, sheets + [{i.id: 3 for i in questionnaire.items}] * 5)  # blank sheets never count
    probe = simulation.answer_sheet(questionnaire, simulation.person(rng), rng)
    assert api_submit(client, questionnaire, probe).get_json()["percentiles"] is None  # 199 earlier
    body = api_submit(client, questionnaire, probe).get_json()  # 200 earlier: the probe itself is one
    earlier = [score(questionnaire, s).axes for s in sheets] + [score(questionnaire, probe).axes]
    for axis in AXES:
        mine = body["axes"][axis]
        below = sum(a[axis] < mine for a in earlier)
        equal = sum(a[axis] == mine for a in earlier)
        assert body["percentiles"][axis] == round(100 * (below + equal / 2) / 200)
    stored = rows(app, "SELECT percentiles FROM responses ORDER BY id DESC LIMIT 1")[0]
    assert json.loads(stored["percentiles"]) == body["percentiles"]


def test_the_result_page_says_where_an_agent_stands_among_agents_here(app, client, questionnaire):
    rng = random.Random(4)
    _store(app, questionnaire, [simulation.answer_sheet(questionnaire, simulation.person(rng), rng) for _ in range(200)])
    body = api_submit(client, questionnaire, simulation.answer_sheet(questionnaire, simulation.person(rng), rng),
                      lang="en").get_json()
    html = client.get(body["result_url"].replace("http://localhost", "")).get_data(as_text=True)
    expected = (f"more assertive than {body['percentiles']['assertiveness']}% of them, "
                f"and more responsive than {body['percentiles']['responsiveness']}%")
    assert expected in html


# --- live reliability -------------------------------------------------------------------

def _alpha(matrix):
    """Cronbach's alpha written out again, as a check on psychometrics.cronbach_alpha."""
    k = len(matrix[0])
    def var(xs):
        m = sum(xs) / len(xs)
        return sum((x - m) ** 2 for x in xs) / (len(xs) - 1)
    return k / (k - 1) * (1 - sum(var([r[j] for r in matrix]) for j in range(k)) / var([sum(r) for r in matrix]))


def _team_with_members(app, q, trainer_id, n, seed=9, name="Rel"):
    team = make_team(app, trainer_id, name)
    rng = random.Random(seed)
    db = connect(app)
    try:
        for k in range(n):
            sheet = simulation.answer_sheet(q, simulation.person(rng), rng)
            storage.save_response(db, questionnaire=q.slug, version=q.version, lang="en", answers=sheet,
                                  profile=score(q, sheet), member=storage.Membership(team["id"], f"Agent {k}"))
    finally:
        db.close()
    return team


def test_psychometrics_endpoint_gives_alpha_and_item_figures(app, questionnaire, trainer, api_token):
    team = _team_with_members(app, questionnaire, trainer, 40)
    response = app.test_client().get(f"{API}/questionnaires/{questionnaire.slug}/psychometrics?team={team['id']}",
                                     headers={"Authorization": f"Bearer {api_token}"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["n"], body["version"]) == (40, questionnaire.version)
    sheets = [json.loads(r["answers"]) for r in rows(app, "SELECT answers FROM responses")]
    for axis, ids in questionnaire.axis_items.items():
        keyed = [[s[i] if questionnaire.item(i).keyed == "plus" else 6 - s[i] for i in ids] for s in sheets]
        figures = body["axes"][axis]
        assert figures["alpha"] == pytest.approx(_alpha(keyed), abs=0.001)
        low, high = figures["alpha_ci"]
        assert low < figures["alpha"] < high
        assert [i["id"] for i in figures["items"]] == list(ids)
        first = figures["items"][0]
        assert first["alpha_if_deleted"] == pytest.approx(_alpha([r[1:] for r in keyed]), abs=0.001)


def test_psychometrics_below_ten_people_has_no_figures(app, questionnaire, trainer, api_token):
    _team_with_members(app, questionnaire, trainer, 9)
    body = app.test_client().get(f"{API}/questionnaires/{questionnaire.slug}/psychometrics",
                                 headers={"Authorization": f"Bearer {api_token}"}).get_json()
    assert body["n"] == 9
    for figures in body["axes"].values():
        assert figures["alpha"] is None and figures["alpha_ci"] is None and figures["mean"] is None
        assert all(i["item_total"] is None for i in figures["items"])


def test_psychometrics_access(app, questionnaire, trainer, api_token):
    other = make_trainer(app, "trainer-b", PASSWORD)
    theirs = _team_with_members(app, questionnaire, other, 12, name="Theirs")
    auth = {"Authorization": f"Bearer {api_token}"}
    client = app.test_client()
    url = f"{API}/questionnaires/{questionnaire.slug}/psychometrics"
    assert client.get(url).status_code == 401
    assert client.get(f"{url}?team={theirs['id']}", headers=auth).status_code == 404
    assert client.get(url, headers=auth).get_json()["n"] == 0  # their members are not mine
    bad = client.get(f"{url}?team=abc", headers=auth)
    assert bad.status_code == 400 and bad.get_json()["details"] == {"team": "must be the id of one of your teams"}
    assert client.get(f"{API}/questionnaires/no-such/psychometrics", headers=auth).status_code == 404
    # A signed-in trainer's browser session works here too.
    assert signed_in_client(app).get(url).status_code == 200


@pytest.mark.parametrize("lang, words", [("en", "Reliability (Cronbach's alpha)"), ("zh", "信度（克龙巴赫α系数）")])
def test_the_psychometrics_page_reads_plainly(app, questionnaire, trainer, lang, words):
    team = _team_with_members(app, questionnaire, trainer, 30)
    html = signed_in_client(app, lang=lang).get(f"/trainer/psychometrics?team={team['id']}").get_data(as_text=True)
    assert words in html
    assert re.search(r"0\.\d\d", html)
    assert questionnaire.items[0].text.get(lang) in html


def test_the_psychometrics_command_prints_the_whole_database(app, questionnaire, trainer):
    _team_with_members(app, questionnaire, trainer, 15)
    result = app.test_cli_runner().invoke(args=["psychometrics", questionnaire.slug])
    assert result.exit_code == 0, result.output
    assert f"{questionnaire.slug} version {questionnaire.version}: 15 people" in result.output
    assert re.search(r"assertiveness: alpha 0\.\d+ \(95% 0\.\d+ to 0\.\d+\)", result.output)
    assert app.test_cli_runner().invoke(args=["psychometrics", "nope"]).exit_code != 0


# --- rescoring and earlier versions ----------------------------------------------------------

def test_rescore_recomputes_stored_profiles_in_one_go(app, questionnaire, trainer):
    team = make_team(app, trainer, "T")
    add_result(app, questionnaire, team["id"], "A", 4, 2)
    add_result(app, questionnaire, team["id"], "B", 2, 4)
    conn_rows = rows(app, "SELECT id, style FROM responses ORDER BY id")
    db = connect(app)
    try:  # as an older scoring might have stored them
        with storage.write_transaction(db):
            db.execute("UPDATE responses SET style = 'expressive', scoring_version = 1")
    finally:
        db.close()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["rescore", "--dry-run"])
    assert dry.exit_code == 0 and "2 profiles would change, 2 of them in style" in dry.output
    assert {r["style"] for r in rows(app, "SELECT style FROM responses")} == {"expressive"}
    done = runner.invoke(args=["rescore"])
    assert done.exit_code == 0 and "2 profiles changed, 2 of them in style" in done.output
    after = rows(app, "SELECT id, style, scoring_version FROM responses ORDER BY id")
    assert [(r["id"], r["style"]) for r in after] == [(r["id"], r["style"]) for r in conn_rows]
    assert {r["scoring_version"] for r in after} == {SCORING_VERSION}
    assert "0 profiles changed" in runner.invoke(args=["rescore"]).output


def _archived(app, version: int):
    """An earlier version as the app loaded it from questionnaires/archive."""
    versions = load_versions(QUESTIONNAIRES, app.extensions["questionnaires"])
    assert versions == app.extensions["questionnaire_versions"]
    return versions[("communication-style", version)]


def _driver_sheet(q) -> dict[str, int]:
    return {i.id: (5 if i.keyed == "plus" else 1) if i.axis == "assertiveness" else (1 if i.keyed == "plus" else 5)
            for i in q.items}


def _store_archived(app, q) -> dict:
    sheet = _driver_sheet(q)
    db = connect(app)
    try:
        return storage.save_response(db, questionnaire=q.slug, version=q.version, lang="en", answers=sheet,
                                     profile=score(q, sheet))
    finally:
        db.close()


def test_a_result_given_under_version_1_shows_as_it_was(app, client):
    v1 = _archived(app, 1)
    row = _store_archived(app, v1)
    html = client.get(f"/r/{row['token']}?lang=en").get_data(as_text=True)
    assert "Driver" in html
    tip = v1.tips[("driver", "amiable")]
    assert tip.dial_up[0].en in html.replace("&#39;", "'").replace("&#34;", '"')
    assert "Say on the call" not in html  # version 1 tips had no lines to say


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_result_given_under_version_2_shows_its_own_items_and_scale(app, client, questionnaire, lang):
    v2 = _archived(app, 2)
    assert v2.version == 2 and questionnaire.version == 3
    row = _store_archived(app, v2)
    html = client.get(f"/r/{row['token']}?lang={lang}").get_data(as_text=True).replace("&#39;", "'")
    assert ("Driver" if lang == "en" else "支配型") in html
    # Its lines to say are shown (with the compliance fixes both versions share).
    say = v2.tips[("driver", "amiable")].say[1].get(lang)
    assert say == questionnaire.tips[("driver", "amiable")].say[1].get(lang) and say in html
    # Its items and their scale stay those of version 2.
    assert v2.item("a11").text.en == "When the customer goes quiet on the line, I carry on with the next step."
    assert [label.zh for label in v2.scale.labels][2] == "一般"


def test_rescore_leaves_results_of_archived_versions_as_they_were(app, questionnaire, trainer):
    """A scoring change reaches results of the current version only: a result given under
    version 1 or 2 keeps the profile, style and scoring version it was stored with."""
    old = [_store_archived(app, _archived(app, version)) for version in (1, 2)]
    team = make_team(app, trainer, "T")
    add_result(app, questionnaire, team["id"], "Now", 4, 2)
    db = connect(app)
    try:  # as an older scoring might have stored all three
        with storage.write_transaction(db):
            db.execute("UPDATE responses SET style = 'expressive', scoring_version = 1")
    finally:
        db.close()
    before = rows(app, "SELECT * FROM responses WHERE id IN (?, ?) ORDER BY id", [old[0]["id"], old[1]["id"]])
    done = app.test_cli_runner().invoke(args=["rescore"])
    assert done.exit_code == 0, done.output
    assert "1 of 3 results scored again" in done.output and "1 profiles changed, 1 of them in style" in done.output
    assert "2 results left as stored" in done.output
    after = rows(app, "SELECT * FROM responses ORDER BY id")
    assert after[:2] == before  # every column, profile and scoring version included
    assert (after[2]["questionnaire_version"], after[2]["style"]) == (3, "driver")
    assert after[2]["scoring_version"] == SCORING_VERSION


# --- the tips agents say on a call ------------------------------------------------------------

EMPATHY = ("理解", "明白", "抱歉", "不好意思", "着急", "担心", "understand", "sorry", "appreciate")
BANNED = ("想好了再打给我", "提高语调", "窝火", "扭转过来", "把好消息大声说出来", "够您做决定了吗", "说不准")


def _spoken_length(text: str) -> int:
    return sum(1 for ch in text if not re.match(r"[\s，。？！、：；“”‘’（）…—,.?!:;'\"()-]", ch))


def test_every_tip_has_lines_to_say_that_fit_a_live_call(questionnaire):
    for (agent, customer), tip in questionnaire.tips.items():
        where = f"{agent}.{customer}"
        assert len(tip.say) >= 2, where
        assert tip.avoid is not None and tip.instead is not None, where
        for line in (*tip.say, tip.instead):
            assert _spoken_length(line.zh) <= 30, (where, line.zh)
            assert len(line.en.split()) <= 20, (where, line.en)
            assert "但" not in line.zh and not re.search(r"\bbut\b", line.en, re.I), (where, line)
        assert len(tip.dial_up) <= 2 and len(tip.dial_down) <= 2, where


def test_no_empathy_line_is_followed_by_but_and_no_banned_phrase_anywhere(questionnaire):
    text = (QUESTIONNAIRES / "communication-style.toml").read_text(encoding="utf-8")
    for phrase in BANNED:
        assert phrase not in text, phrase
    for (agent, customer), tip in questionnaire.tips.items():
        for line in (*tip.say, tip.instead, tip.summary):
            for word in EMPATHY:
                if word in line.zh:
                    assert not re.search(word + r"[^。！？]*但", line.zh), line.zh
                if word in line.en.lower():
                    assert not re.search(word + r"[^.!?]*\bbut\b", line.en, re.I), line.en


def test_version_3_items_are_mostly_about_calls_with_balanced_keying(questionnaire):
    assert questionnaire.version == 3
    assert sum(i.about == "call" for i in questionnaire.items) >= 24
    for axis, ids in questionnaire.axis_items.items():
        assert len(ids) >= 16
        minus = sum(questionnaire.item(i).keyed == "minus" for i in ids)
        assert minus == len(ids) // 2, axis
    # The middle label says what the English says ("Somewhat like me"), not a neutral 一般.
    assert [label.zh for label in questionnaire.scale.labels] == ["完全不符合", "不太符合", "有些符合", "比较符合", "完全符合"]
    assert [label.en for label in questionnaire.scale.labels] == [
        "Not like me at all", "Not much like me", "Somewhat like me", "Quite like me", "Very like me"]


# What QC drills into every agent, or marks down: an item with such a pole measures
# training, not style (everyone answers it alike). Each entry is a wording that marked
# such an item in version 2.
DRILLED = {
    "silence on the line": ("沉默", "goes quiet"),
    "verbal nods": ("哎呀", "react out loud"),
    "feelings in the voice": ("情绪", "feelings come through", "feelings out of my voice"),
    "only the facts": ("只讲", "只谈", "stick to the"),
    "outbound calls only": ("外呼", "outbound"),
    "speaking up in meetings": ("短会", "huddle"),
    "laughing on a recorded call": ("跟着一起笑", "laugh along"),
    "which fix a complaint gets (policy)": ("投诉的客户自己提出", "complaining customer suggests"),
}


def test_no_version_3_item_has_a_drilled_or_marked_down_pole(questionnaire):
    for item in questionnaire.items:
        for what, markers in DRILLED.items():
            for marker in markers:
                assert marker not in item.text.zh and marker.lower() not in item.text.en.lower(), (item.id, what)


def test_confidence_words_on_the_result_page(client, questionnaire):
    from conftest import style_answers
    body = api_submit(client, questionnaire, style_answers(questionnaire, "amiable", 2), lang="en").get_json()
    html = client.get(body["result_url"].replace("http://localhost", "")).get_data(as_text=True)
    figure = min(math.floor(body["confidence"] * 100 + 0.5), 95)
    assert f"{figure}%" in html and "in 10" not in html


def test_the_profile_a_write_returns_is_the_one_read_back(app, questionnaire):
    rng = random.Random(8)
    _store(app, questionnaire, [simulation.answer_sheet(questionnaire, simulation.person(rng), rng) for _ in range(200)])
    sheet = simulation.answer_sheet(questionnaire, simulation.person(rng), rng)
    db = connect(app)
    try:
        row = storage.save_response(db, questionnaire=questionnaire.slug, version=questionnaire.version, lang="en",
                                    answers=sheet, profile=score(questionnaire, sheet))
        assert row["profile"].percentiles is not None
        assert storage.response_by_token(db, row["token"])["profile"] == row["profile"]
    finally:
        db.close()
