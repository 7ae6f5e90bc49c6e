"""The observed style from an agent's calls, the centre's own reference, and the team's call figures."""

from __future__ import annotations

import math
import statistics
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from assessment.caller import load_caller_content
from assessment.calls import (
    API_FIGURES,
    MIN_CALLS,
    Finding,
    Metrics,
    analyse,
    load_call_lexicon,
    observe,
    parse,
    reference_from,
    team_figures,
)
from assessment.calls.observed import call_figures
from assessment.calls.sample import sample_call
from assessment.model import STYLES

QUESTIONNAIRES = Path(__file__).resolve().parent.parent / "questionnaires"
REFERENCE = tomllib.loads((QUESTIONNAIRES / "calls" / "reference.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def lexicon():
    return load_call_lexicon(QUESTIONNAIRES, load_caller_content(QUESTIONNAIRES / "caller"))


def metrics(**values) -> Metrics:
    """A timed Chinese call near the reference everywhere, with the given figures changed."""
    base = dict(talk_share=0.6, pace=280.0, pace_unit="chars/min", longest_monologue_s=40.0, interruptions=1,
                silences=0, longest_silence_s=0.0, response_gap_s=1.0, questions=20, open_questions=10,
                closed_questions=10, empathy=8, banned=0, lang="zh", timed=True, agent_segments=100,
                call_seconds=600.0, feeling_words=6, exclamations=4, small_talk=2, plain_segments=80)
    base.update(values)
    return Metrics(**base)


# A clearly assertive and a clearly reserved way of talking; a warm and a matter-of-fact one.
ASSERTIVE = dict(talk_share=0.85, pace=360.0, longest_monologue_s=110.0, interruptions=6, questions=3,
                 open_questions=1, closed_questions=2)
RESERVED = dict(talk_share=0.40, pace=220.0, longest_monologue_s=12.0, interruptions=0, questions=45,
                open_questions=25, closed_questions=20)
WARM = dict(empathy=25, feeling_words=20, exclamations=15, small_talk=10, plain_segments=45)
FACTUAL = dict(empathy=0, feeling_words=0, exclamations=0, small_talk=0, plain_segments=100)
QUADRANTS = {
    "driver": {**ASSERTIVE, **FACTUAL},
    "expressive": {**ASSERTIVE, **WARM},
    "amiable": {**RESERVED, **WARM},
    "analytical": {**RESERVED, **FACTUAL},
}


@pytest.mark.parametrize("style", STYLES)
def test_an_agent_clearly_in_one_quadrant_comes_out_in_it(lexicon, style):
    calls = [metrics(**QUADRANTS[style], call_seconds=500.0 + 60 * i) for i in range(MIN_CALLS)]
    seen = observe(calls, lexicon.reference)
    assert seen.style == style
    high_a = style in ("driver", "expressive")
    high_r = style in ("expressive", "amiable")
    assert (seen.axes["assertiveness"] > 60) == high_a and (seen.axes["assertiveness"] < 40) == (not high_a)
    assert (seen.axes["responsiveness"] > 60) == high_r and (seen.axes["responsiveness"] < 40) == (not high_r)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("style", STYLES)
def test_generated_calls_of_a_style_come_out_in_its_quadrant(lexicon, style, lang):
    calls = [analyse(parse(sample_call(seed=f"{style}-{lang}-{i}", minutes=4, lang=lang, style=style)), lexicon).metrics
             for i in range(MIN_CALLS)]
    assert observe(calls, lexicon.reference).style == style


def test_fewer_than_5_timed_calls_show_no_position_and_say_how_many_more(lexicon):
    untimed = replace(metrics(), timed=False, talk_share=None, pace=None)
    for n in range(MIN_CALLS):
        seen = observe([metrics()] * n + [untimed] * 3, lexicon.reference)
        assert (seen.calls, seen.timed_calls, seen.needed) == (n + 3, n, MIN_CALLS - n)
        assert seen.axes is None and seen.style is None
    seen = observe([metrics()] * MIN_CALLS, lexicon.reference)
    assert seen.needed == 0 and seen.axes is not None
    assert seen.as_dict() == {"calls": 5, "timed_calls": 5, "needed": 0, "axes": seen.axes, "style": seen.style}


def test_the_formula_as_documented(lexicon):
    """z per figure against reference.toml, cut to [-3, 3], mean over calls, weighted, 50 + 20 z."""
    fig = REFERENCE["figures"]
    weights = REFERENCE["axes"]
    a = metrics(talk_share=0.72, pace=300.0, longest_monologue_s=65.0, interruptions=2, call_seconds=600.0,
                questions=10, agent_segments=100, empathy=20, feeling_words=3, exclamations=0, small_talk=0,
                plain_segments=70)
    b = replace(a, talk_share=0.5, pace=500.0)  # pace 4.9 SD above: cut to 3

    def z(name, value):
        return max(-3, min(3, (value - fig[name]["mean"]) / fig[name]["sd"]))

    per_call = []
    for m in (a, b):
        per_call.append({
            "talk_share": z("talk_share", m.talk_share), "pace": z("pace_zh", m.pace),
            "longest_monologue_s": z("longest_monologue_s", m.longest_monologue_s),
            "interruption_rate": z("interruption_rate", m.interruptions / (m.call_seconds / 300)),
            "question_share": z("question_share", m.questions / m.agent_segments),
            "empathy_share": z("empathy_share", m.empathy / m.agent_segments),
            "feeling_share": z("feeling_share", m.feeling_words / m.agent_segments),
            "exclamation_share": z("exclamation_share", m.exclamations / m.agent_segments),
            "small_talk_share": z("small_talk_share", m.small_talk / m.agent_segments),
            "plain_share": z("plain_share", m.plain_segments / m.agent_segments),
        })
    calls = [a, a, a, b, b]
    expected = {}
    for axis, w in weights.items():
        zs = {n: statistics.fmean(per_call[0 if m is a else 1][n] for m in calls) for n in w}
        axis_z = sum(w[n] * zs[n] for n in w) / sum(abs(v) for v in w.values())
        expected[axis] = round(max(0, min(100, 50 + 20 * axis_z)), 1)
    assert observe(calls, lexicon.reference).axes == expected


def test_a_figure_no_call_could_measure_drops_out_and_the_rest_are_reweighted(lexicon):
    full = [metrics(**QUADRANTS["driver"])] * MIN_CALLS
    without = [replace(m, interruptions=None) for m in full]
    seen = observe(without, lexicon.reference)
    assert "interruption_rate" not in seen.z
    # The four remaining assertiveness figures, each weighted 1 / 4.
    assert seen.axes["assertiveness"] == round(min(100, 50 + 20 * sum(
        seen.z[n] * w for n, w in (("talk_share", 1), ("pace", 1), ("longest_monologue_s", 1), ("question_share", -1))
    ) / 4), 1)


def test_english_pace_is_read_against_the_english_reference(lexicon):
    zh = metrics(pace=280.0)
    en = metrics(pace=280.0, lang="en", pace_unit="words/min")
    assert call_figures(zh)["pace_zh"] == 280.0 and "pace_en" in call_figures(en)
    fast_en = observe([en] * MIN_CALLS, lexicon.reference)
    sd = REFERENCE["figures"]["pace_en"]["sd"]
    assert fast_en.z["pace"] == pytest.approx(min(3, (280 - 170) / sd), abs=0.01)


def test_the_centre_reference_needs_200_timed_calls(lexicon):
    calls = [metrics(talk_share=0.5 + (i % 10) / 100, pace=250.0 + i % 7) for i in range(199)]
    assert reference_from(calls, lexicon.reference) is None
    calls.append(metrics(talk_share=0.55, pace=253.0))
    calls += [replace(metrics(), timed=False)] * 50  # untimed calls do not count
    own = reference_from(calls, lexicon.reference)
    assert own.calls == 200
    shares = [m.talk_share for m in calls if m.timed]
    assert own.figures["talk_share"].mean == pytest.approx(statistics.fmean(shares), abs=1e-4)
    assert own.figures["talk_share"].sd == pytest.approx(statistics.stdev(shares), abs=1e-4)
    # No English calls here: English pace keeps the file's value; the weights stay.
    assert own.figures["pace_en"] == lexicon.reference.figures["pace_en"]
    assert own.weights == lexicon.reference.weights
    # Every call the same: no spread, the file's value stays.
    assert own.figures["small_talk_share"] == lexicon.reference.figures["small_talk_share"]


def test_team_figures_per_member_and_over_members_means():
    per_member = {
        1: [metrics(talk_share=0.5, empathy=2), metrics(talk_share=0.7, empathy=4)],
        2: [metrics(talk_share=0.8, empathy=9, interruptions=None)],
        3: [],
    }
    banned = [Finding("banned", 1, "我不知道啊", "我帮您查一下。", "我不知道")] * 3 + [
        Finding("banned", 2, "不归我们管", "我帮您转给负责的同事处理。", "不归我们管"),
        {"kind": "banned", "label": "不归我们管", "instead": "我帮您转给负责的同事处理。"},
        Finding("empathy", 2, "抱歉", None, "apology"),
    ]
    team = team_figures(per_member, banned)
    by_id = {m.agent_id: m for m in team.members}
    assert by_id[1].calls == 2 and by_id[1].metrics["talk_share"] == pytest.approx(0.6)
    assert by_id[1].metrics["empathy"] == pytest.approx(3.0)
    assert by_id[2].metrics["interruptions"] is None
    assert by_id[3].calls == 0 and by_id[3].metrics["talk_share"] is None
    share = team.metrics["talk_share"]
    assert share.n == 2 and share.mean == pytest.approx(0.7)
    assert share.sd == pytest.approx(statistics.stdev([0.6, 0.8]))
    assert share.cv == pytest.approx(statistics.stdev([0.6, 0.8]) / 0.7)
    assert team.metrics["interruptions"].n == 1 and team.metrics["interruptions"].sd is None
    body = team.as_dict()
    assert body["banned"] == [
        {"phrase": "我不知道", "instead": "我帮您查一下。", "count": 3},
        {"phrase": "不归我们管", "instead": "我帮您转给负责的同事处理。", "count": 2},
    ]
    assert set(body["metrics"]) == set(API_FIGURES) - {"pace_unit"}
    assert body["pace_unit"] == "chars/min"
    assert body["metrics"]["talk_share"] == {"n": 2, "mean": 0.7, "sd": round(statistics.stdev([0.6, 0.8]), 3),
                                            "cv": round(statistics.stdev([0.6, 0.8]) / 0.7, 3)}


def test_team_pace_averages_the_main_language_only():
    team = team_figures({1: [metrics(pace=300.0), metrics(pace=260.0),
                             metrics(pace=150.0, lang="en", pace_unit="words/min")]})
    assert team.pace_unit == "chars/min"
    assert team.members[0].metrics["pace"] == pytest.approx(280.0)


def test_reference_file_states_a_source_for_every_figure():
    for name, entry in REFERENCE["figures"].items():
        assert entry["source"].strip(), name
        assert entry["sd"] > 0 and math.isfinite(entry["mean"])
    assert REFERENCE["figures"]["pace_zh"]["mean"] == 280 and REFERENCE["figures"]["pace_en"]["mean"] == 170
