"""Coaching content (the 4 x 4 customer grid) and the plotly figure builders."""

from __future__ import annotations

import json
import math

import pytest

from assessment import charts, content
from assessment.model import STYLES

NAMES = {"driver": "Driver", "expressive": "Expressive", "amiable": "Amiable", "analytical": "Analytical"}
AXIS_TITLES = {"assertiveness": "Assertiveness", "responsiveness": "Responsiveness"}


# ---------------------------------------------------------------------------
# content
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("agent_style", STYLES)
def test_customer_guides_cover_the_four_types_in_order_with_matching_tips(questionnaire, agent_style):
    guides = content.customer_guides(questionnaire, agent_style)
    assert [g.customer.key for g in guides] == list(STYLES)
    for guide in guides:
        assert guide.tip.agent_style == agent_style
        assert guide.tip.customer_type == guide.customer.key
        assert guide.tip == questionnaire.tips[(agent_style, guide.customer.key)]
        assert guide.customer == questionnaire.customers[guide.customer.key]
        assert guide.same_style is (guide.customer.key == agent_style)
        assert guide.customer.recognise and guide.customer.needs


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("customer", STYLES)
def test_tips_differ_by_agent_style(questionnaire, customer, lang):
    """The same customer type gets different advice for each agent style."""
    summaries = [content.customer_guides(questionnaire, a)[STYLES.index(customer)].tip.summary.get(lang) for a in STYLES]
    assert len(set(summaries)) == 4
    dial_ups = [tuple(t.get(lang) for t in questionnaire.tips[(a, customer)].dial_up) for a in STYLES]
    assert len(set(dial_ups)) == 4


@pytest.mark.parametrize("style", STYLES)
def test_coaching_is_the_style_own_content(questionnaire, style):
    coaching = content.coaching(questionnaire, style)
    assert coaching.key == style
    assert coaching.strengths and coaching.blind_spots and len(coaching.practices) >= 3


def test_coaching_differs_between_styles(questionnaire):
    for lang in ("en", "zh"):
        descriptions = {content.coaching(questionnaire, s).description.get(lang) for s in STYLES}
        assert len(descriptions) == 4


# ---------------------------------------------------------------------------
# charts.radar
# ---------------------------------------------------------------------------

SCORES = [
    {"driver": 80, "expressive": 50, "amiable": 20, "analytical": 50},
    {"driver": 12.5, "expressive": 99.9, "amiable": 87.5, "analytical": 0.1},
    {"analytical": 10, "amiable": 30, "expressive": 90, "driver": 70},  # insertion order must not matter
]


@pytest.mark.parametrize("scores", SCORES)
def test_radar_trace_holds_the_scores_in_style_order_as_a_closed_loop(scores):
    fig = charts.radar([{"name": "You", "scores": scores}], NAMES)
    assert len(fig["data"]) == 1
    trace = fig["data"][0]
    assert trace["type"] == "scatterpolar"
    expected = [scores[s] for s in STYLES]
    assert trace["r"] == expected + expected[:1]
    assert trace["theta"] == [NAMES[s] for s in STYLES] + [NAMES[STYLES[0]]]
    assert fig["layout"]["polar"]["radialaxis"]["range"] == [0, 100]


def test_radar_uses_translated_style_names():
    zh = {"driver": "支配型", "expressive": "表达型", "amiable": "和蔼型", "analytical": "分析型"}
    fig = charts.radar([{"name": "你", "scores": SCORES[0]}], zh)
    assert fig["data"][0]["theta"][:4] == ["支配型", "表达型", "和蔼型", "分析型"]


@pytest.mark.parametrize(
    "scores, spread, upper, lower",
    [
        (
            {"driver": 60, "expressive": 40, "amiable": 50, "analytical": 70},
            {"driver": 10, "expressive": 5, "amiable": 0, "analytical": 20},
            [70, 45, 50, 90],
            [50, 35, 50, 50],
        ),
        # The band is clipped to the 0-100 scale.
        (
            {"driver": 95, "expressive": 5, "amiable": 50, "analytical": 50},
            {"driver": 10, "expressive": 10, "amiable": 60, "analytical": 1},
            [100, 15, 100, 51],
            [85, 0, 0, 49],
        ),
    ],
)
def test_radar_with_spread_adds_band_traces(scores, spread, upper, lower):
    fig = charts.radar([{"name": "Team", "scores": scores, "spread": spread}], NAMES)
    assert len(fig["data"]) == 3
    assert all(t["type"] == "scatterpolar" for t in fig["data"])
    band_rs = sorted((t["r"] for t in fig["data"][:2]), key=sum)
    assert band_rs == [lower + lower[:1], upper + upper[:1]]
    main = fig["data"][-1]
    assert main["r"][:4] == [scores[s] for s in STYLES]


def test_radar_with_two_series_shows_a_legend():
    one = charts.radar([{"name": "You", "scores": SCORES[0]}], NAMES)
    two = charts.radar([{"name": "You", "scores": SCORES[0]}, {"name": "Team", "scores": SCORES[1]}], NAMES)
    assert one["layout"]["showlegend"] is False
    assert two["layout"]["showlegend"] is True
    assert [t["name"] for t in two["data"]] == ["You", "Team"]
    assert two["data"][1]["r"][:4] == [SCORES[1][s] for s in STYLES]


# ---------------------------------------------------------------------------
# charts.quadrant
# ---------------------------------------------------------------------------

def point(a, r, style="driver", label="You"):
    return {"assertiveness": a, "responsiveness": r, "label": label, "style": style}


@pytest.mark.parametrize("a, r", [(50, 50), (80.5, 20.3), (0, 100), (100, 0), (37.5, 62.5)])
def test_quadrant_puts_the_point_at_its_axes(a, r):
    fig = charts.quadrant([point(a, r)], NAMES, AXIS_TITLES)
    trace = fig["data"][0]
    assert trace["x"] == [a] and trace["y"] == [r]
    assert trace["text"] == ["You"]
    assert fig["layout"]["xaxis"]["range"] == [0, 100]
    assert fig["layout"]["yaxis"]["range"] == [0, 100]
    assert fig["layout"]["xaxis"]["title"]["text"] == "Assertiveness"
    assert fig["layout"]["yaxis"]["title"]["text"] == "Responsiveness"


def test_quadrant_labels_every_style_quadrant():
    fig = charts.quadrant([point(60, 60)], NAMES, AXIS_TITLES)
    labels = {a["text"]: (a["x"], a["y"]) for a in fig["layout"]["annotations"]}
    assert set(labels) == set(NAMES.values())
    # Each label sits in its own quadrant: driver high assertiveness / low responsiveness, etc.
    assert labels["Driver"][0] > 50 > labels["Driver"][1]
    assert labels["Expressive"][0] > 50 and labels["Expressive"][1] > 50
    assert labels["Amiable"][0] < 50 < labels["Amiable"][1]
    assert labels["Analytical"][0] < 50 and labels["Analytical"][1] < 50


def test_quadrant_sets_a_chinese_y_title_upright_top_to_bottom():
    fig = charts.quadrant([point(60, 60)], NAMES, {"assertiveness": "果断性", "responsiveness": "情感表露"})
    layout = fig["layout"]
    assert layout["xaxis"]["title"]["text"] == "果断性"
    assert layout["yaxis"]["title"]["text"] == ""  # not plotly's title, which lies on its side
    [title] = [a for a in layout["annotations"] if a["text"] not in NAMES.values()]
    assert title["text"] == "情<br>感<br>表<br>露"
    assert title.get("textangle", 0) == 0
    assert title["xref"] == "paper" and title["x"] == 0 and title["xanchor"] == "right"


@pytest.mark.parametrize(
    "n, threshold, trace_type",
    [
        (1, 2000, "scatter"),
        (50, 2000, "scatter"),
        (2000, 2000, "scatter"),
        (2001, 2000, "scattergl"),
        (5000, 2000, "scattergl"),
        (11, 10, "scattergl"),
        (10, 10, "scatter"),
    ],
)
def test_quadrant_switches_to_webgl_for_large_inputs(n, threshold, trace_type):
    points = [point((i * 7) % 101, (i * 13) % 101, STYLES[i % 4], f"agent {i}") for i in range(n)]
    fig = charts.quadrant(points, NAMES, AXIS_TITLES, webgl_above=threshold)
    trace = fig["data"][0]
    assert trace["type"] == trace_type
    assert len(trace["x"]) == len(trace["y"]) == n


def test_quadrant_default_threshold_keeps_a_team_in_svg_and_a_large_org_in_webgl():
    small = charts.quadrant([point(50, 50)] * 300, NAMES, AXIS_TITLES)
    large = charts.quadrant([point(50, 50)] * 20000, NAMES, AXIS_TITLES)
    assert small["data"][0]["type"] == "scatter"
    assert large["data"][0]["type"] == "scattergl"


def _finite_numbers(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _finite_numbers(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _finite_numbers(v)
    elif isinstance(obj, float):
        yield obj


@pytest.mark.parametrize(
    "build",
    [
        lambda: charts.radar([{"name": "You", "scores": SCORES[1]}], NAMES),
        lambda: charts.radar([{"name": "T", "scores": SCORES[0], "spread": dict.fromkeys(STYLES, 5.5)}], NAMES),
        lambda: charts.quadrant([point(12.5, 87.5, "amiable", "你")], NAMES, AXIS_TITLES),
        lambda: charts.quadrant([point(i % 100, 50, "driver") for i in range(3000)], NAMES, AXIS_TITLES),
    ],
    ids=["radar", "radar-spread", "quadrant", "quadrant-webgl"],
)
def test_figures_are_strict_json(build):
    fig = build()
    text = json.dumps(fig, allow_nan=False, ensure_ascii=False)
    assert json.loads(text) == fig
    assert set(fig) >= {"data", "layout"}
    assert all(math.isfinite(v) for v in _finite_numbers(fig))


def test_trend_dates_read_the_same_in_both_languages():
    """The trend's dates are ISO in Chinese and English alike: ticks as 2026-08-23 (never
    plotly's English "Aug 23"), hover labels as 2026-08-23 09:15, only the axis titles differ."""
    rows = [{"created_at": "2026-08-23 09:15", "assertiveness": 58.0, "responsiveness": 44.0},
            {"created_at": "2026-09-20 14:00", "assertiveness": 70.0, "responsiveness": 44.0}]
    zh_titles = {"assertiveness": "自信度", "responsiveness": "回应度"}
    figures = {lang: charts.trend(rows, titles) for lang, titles in (("en", AXIS_TITLES), ("zh", zh_titles))}
    for lang, titles in (("en", AXIS_TITLES), ("zh", zh_titles)):
        fig = figures[lang]
        assert fig["layout"]["xaxis"] == {"type": "date", "fixedrange": True, "tickformat": "%Y-%m-%d",
                                          "nticks": 4, "tickfont": {"size": 11}}, lang
        assert [(t["x"], t["hovertemplate"]) for t in fig["data"]] == [
            (["2026-08-23 09:15", "2026-09-20 14:00"], f"{titles[axis]}: %{{y:.0f}}<br>%{{x|%Y-%m-%d %H:%M}}<extra></extra>")
            for axis in ("assertiveness", "responsiveness")
        ], lang



# --- how sure a style is, in words (issue 19) ------------------------------------------

@pytest.mark.parametrize("confidence, flags, band, percent, over", [
    (0.996, (), "very_likely", 95, True),
    (0.93, (), "very_likely", 93, False),
    (0.9, (), "very_likely", 90, False),
    (0.82, (), "likely", 82, False),
    (0.7, (), "likely", 70, False),
    (0.55, (), "uncertain", 55, False),
    (0.99, ("contradictory",), "uncertain", 95, True),
])
def test_confidence_is_a_band_with_a_figure_never_certainty(confidence, flags, band, percent, over):
    from assessment.content import confidence_band
    sure = confidence_band(confidence, flags)
    assert (sure.band, sure.percent, sure.over, sure.flagged) == (band, percent, over, bool(flags))


# --- named dots: a legend, never labels that overlap (issue 19) --------------------------

def test_self_and_others_on_one_spot_are_two_legend_entries_not_overlapping_labels():
    from assessment.charts import others_quadrant
    points = [{"assertiveness": 62, "responsiveness": 40, "label": "你（自评）", "style": "driver"},
              {"assertiveness": 63, "responsiveness": 41, "label": "他人（3人）", "style": "driver"}]
    fig = others_quadrant(points, NAMES, AXIS_TITLES)
    assert [t["name"] for t in fig["data"]] == ["你（自评）", "他人（3人）"]
    assert all(t["mode"] == "markers" and "textposition" not in t for t in fig["data"])  # nothing beside a dot
    assert len({t["marker"]["symbol"] for t in fig["data"]}) == 2  # told apart by shape, colour kept
    assert fig["layout"]["showlegend"] is True and fig["layout"]["legend"]["orientation"] == "h"


def test_members_with_one_score_share_a_dot_and_a_legend_name():
    from assessment.ability_report import scatter
    from assessment.abilities import scatter_quadrants
    members = [{"agent_id": i, "name": n, "abilities": {"listening": x, "learning": y}}
               for i, (n, x, y) in enumerate([("王芳", 3.5, 4.0), ("李娜", 3.5, 4.0), ("Amy Chen", 2.0, 3.0),
                                              ("A" * 80, 4.5, 2.0)])]
    fig = scatter(scatter_quadrants(members, "listening", "learning"), {"listening": "倾听", "learning": "学习"}, "、")
    names = [t["name"] for t in fig["data"]]
    assert names[0] == "王芳、李娜" and names[1] == "Amy Chen" and len(names) == 3
    assert names[2].endswith("…") and len(names[2]) <= 24
    assert fig["data"][2]["text"] == ["A" * 80]  # the whole name on hover
    assert all(t["mode"] == "markers" for t in fig["data"]) and fig["layout"]["showlegend"]


def test_a_large_team_scatter_names_nobody_on_the_chart():
    from assessment.ability_report import LABELLED_POINTS, scatter
    from assessment.abilities import scatter_quadrants
    members = [{"agent_id": i, "name": f"m{i}", "abilities": {"listening": 1 + i * 0.2, "learning": 3.0}}
               for i in range(LABELLED_POINTS + 1)]
    fig = scatter(scatter_quadrants(members, "listening", "learning"), {"listening": "L", "learning": "R"})
    assert len(fig["data"]) == 1 and fig["data"][0]["mode"] == "markers" and not fig["layout"]["showlegend"]
