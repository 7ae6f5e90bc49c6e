"""The calls charts as the dicts plotly draws: who speaks when, and a team's figures by month."""

from __future__ import annotations

from assessment import charts

SIDES = {"agent": "Agent", "customer": "Customer"}


def test_the_timeline_has_a_bar_per_segment_on_its_sides_row():
    segments = [
        {"speaker": "agent", "start": 0.0, "end": 4.0, "text": "a"},
        {"speaker": "customer", "start": 3.0, "end": 9.5, "text": "b"},  # overlaps the agent
        {"speaker": "agent", "start": 10.0, "end": 10.0, "text": "c"},  # zero length: still a sliver
    ]
    fig = charts.call_timeline(segments, SIDES, "Seconds")
    customer, agent = fig["data"]
    assert (agent["y"], agent["base"], agent["x"]) == (["Agent", "Agent"], [0.0, 10.0], [4.0, 0.05])
    assert (customer["y"], customer["base"], customer["x"]) == (["Customer"], [3.0], [6.5])
    assert customer["marker"]["pattern"]["shape"] == "/" and agent["marker"]["pattern"]["shape"] == ""
    assert fig["layout"]["yaxis"]["categoryarray"] == ["Customer", "Agent"]  # the agent's row on top
    assert fig["layout"]["xaxis"]["title"]["text"] == "Seconds"


def test_the_trend_draws_talk_share_in_percent_and_counts_on_the_second_axis():
    points = [{"period": "2026-01", "talk_share": 0.5, "questions": 2.0},
              {"period": "2026-02", "talk_share": None, "questions": 3.5}]
    fig = charts.call_trend(points, {"talk_share": "Talk share (%)", "questions": "Questions a call"})
    share, questions = fig["data"]
    assert (share["x"], share["y"], share["yaxis"]) == (["2026-01", "2026-02"], [50.0, None], "y")
    assert (questions["y"], questions["yaxis"]) == ([2.0, 3.5], "y2")
    assert share["marker"]["symbol"] != questions["marker"]["symbol"]  # told apart without colour
