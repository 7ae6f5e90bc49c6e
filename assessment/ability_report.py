"""The seven service abilities as pages and the API show them: a team's analysis put
together from stored ratings, and the figure dicts (plotly) of the team and member
pages. Pure: no Flask, no storage; labels come in translated.

Which ratings count (abilities.team_analysis does the arithmetic):

* staff: each member's latest staff rating in the chosen month;
* self (for the gaps): each member's latest self-rating in that month or before it;
* trend: each member's latest staff rating per month, up to the chosen month.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from . import abilities
from .charts import CONFIG, is_cjk, layout, one_trace_per_dot, plain_text, upright_title, with_legend_above
from .model import ABILITIES

LABELLED_POINTS = 5
ABILITY_COLOURS = ("#2c3e50", "#d35400", "#1e8449", "#8e44ad", "#c0392b", "#2471a3", "#b7950b")


def team_analysis(period: str, agents: Sequence[Mapping], staff_rows: Sequence[Mapping],
                  self_rows: Sequence[Mapping]) -> dict:
    """The body of GET /api/v1/teams/<id>/abilities.

    agents: the team's members {"id", "name"}; staff_rows / self_rows: each member's
    latest rating of that source per month {"agent_id", "period", "abilities"}."""
    latest_staff = {r["agent_id"]: r["abilities"] for r in staff_rows if r["period"] == period}
    own: dict[int, Mapping] = {}
    for r in sorted(self_rows, key=lambda r: r["period"]):
        if r["period"] <= period:
            own[r["agent_id"]] = r["abilities"]
    members = [{"agent_id": a["id"], "name": a["name"], "abilities": latest_staff.get(a["id"])} for a in agents]
    history = [(r["period"], r["abilities"]) for r in staff_rows if r["period"] <= period]
    return abilities.team_analysis(period, members, own, history)


def months_to_pick(rated: Sequence[str], current: str) -> list[str]:
    """Months with ratings plus the current one, newest first."""
    return sorted(set(rated) | {current}, reverse=True)


def _closed(values: list) -> list:
    return values + values[:1]


def radar(band: Mapping, names: Mapping[str, str], mean_label: str, band_label: str,
          other: Sequence[float | None] | None = None, other_label: str = "") -> dict:
    """The seven means on seven spokes (1-5), with a band of one SD (abilities.radar_band);
    `other` adds a second line (a previous month, say)."""
    theta = _closed([names[a] for a in ABILITIES])
    traces = []
    if any(v is not None for v in band["high"]) and band["high"] != band["low"]:
        traces.append({"type": "scatterpolar", "r": _closed(list(band["high"])), "theta": theta, "name": band_label,
                       "mode": "lines", "fill": "toself", "line": {"color": "#2471a3", "width": 0},
                       "opacity": 0.2, "hoverinfo": "skip"})
        traces.append({"type": "scatterpolar", "r": _closed(list(band["low"])), "theta": theta, "name": band_label,
                       "mode": "lines", "line": {"color": "#2471a3", "width": 1, "dash": "dot"}, "hoverinfo": "skip",
                       "showlegend": False})
    if other is not None:
        traces.append({"type": "scatterpolar", "r": _closed(list(other)), "theta": theta, "name": other_label,
                       "mode": "lines+markers", "line": {"color": "#999999", "width": 2, "dash": "dash"},
                       "hovertemplate": "%{theta}: %{r:.2f}<extra></extra>"})
    traces.append({"type": "scatterpolar", "r": _closed(list(band["mean"])), "theta": theta, "name": mean_label,
                   "mode": "lines+markers", "fill": "toself", "line": {"color": "#2c3e50", "width": 2.5},
                   "hovertemplate": "%{theta}: %{r:.2f}<extra></extra>"})
    return {
        "data": traces,
        "layout": layout(
            margin={"l": 70, "r": 70, "t": 30, "b": 30}, showlegend=True, legend={"orientation": "h", "y": -0.15},
            polar={"radialaxis": {"range": [0, 5], "tickvals": [1, 2, 3, 4, 5], "angle": 90, "tickfont": {"size": 10}},
                   "angularaxis": {"direction": "clockwise", "rotation": 90}, "bgcolor": "rgba(0,0,0,0)"},
        ),
        "config": CONFIG,
    }


def trend(points: Sequence[Mapping], names: Mapping[str, str]) -> dict:
    """One line per ability over the months: points are {"period", "abilities": {ability: value}}."""
    periods = [p["period"] for p in points]
    traces = [
        {"type": "scatter", "mode": "lines+markers", "name": names[a], "x": periods,
         "y": [p["abilities"].get(a) for p in points], "connectgaps": True,
         "line": {"color": colour, "width": 2}, "hovertemplate": names[a] + " %{x}: %{y:.2f}<extra></extra>"}
        for a, colour in zip(ABILITIES, ABILITY_COLOURS)
    ]
    return {
        "data": traces,
        "layout": layout(
            showlegend=True, legend={"orientation": "h", "y": -0.2}, margin={"l": 35, "r": 15, "t": 10, "b": 40},
            yaxis={"range": [0.8, 5.2], "fixedrange": True, "tickvals": [1, 2, 3, 4, 5]},
            # Months as written (YYYY-MM), the same in both languages.
            xaxis={"type": "category", "fixedrange": True, "tickfont": {"size": 11}},
        ),
        "config": CONFIG,
    }


def scatter(quadrants: Mapping, names: Mapping[str, str], joiner: str = ", ") -> dict:
    """Members on two abilities, the team means as quadrant lines (abilities.scatter_quadrants).

    Members with the same two scores share one dot, named together ("Ann, Bob"; joiner
    is the language's list separator). Up to LABELLED_POINTS dots are named in a legend,
    one shape each (charts.one_trace_per_dot): names beside the dots would overlap on a
    phone. Beyond that the dots go unnamed, and the lists under the chart name them."""
    x, y = quadrants["x"], quadrants["y"]
    points = _same_place_together(quadrants["points"], joiner)
    colours = {"high_low": "#d35400", "low_high": "#8e44ad", "high_high": "#1e8449", "low_low": "#c0392b"}
    shapes = []
    if quadrants["x_mean"] is not None:
        shapes = [
            {"type": "line", "x0": quadrants["x_mean"], "x1": quadrants["x_mean"], "y0": 0.8, "y1": 5.2,
             "line": {"color": "#999", "width": 1, "dash": "dash"}},
            {"type": "line", "x0": 0.8, "x1": 5.2, "y0": quadrants["y_mean"], "y1": quadrants["y_mean"],
             "line": {"color": "#999", "width": 1, "dash": "dash"}},
        ]
    axis = {"range": [0.8, 5.2], "fixedrange": True, "tickvals": [1, 2, 3, 4, 5], "zeroline": False}
    trace = {
        "type": "scatter", "mode": "markers", "x": [p["x"] for p in points], "y": [p["y"] for p in points],
        "text": [plain_text(p["name"]) for p in points],
        "marker": {"size": 11, "color": [colours[p["quadrant"]] for p in points],
                   "line": {"color": "#ffffff", "width": 1.5}},
        "hovertemplate": "%{text}<br>" + names[x] + ": %{x:.2f}<br>" + names[y] + ": %{y:.2f}<extra></extra>",
    }
    fig = {
        "data": [trace],
        "layout": layout(
            margin={"l": 50, "r": 15, "t": 15, "b": 45}, shapes=shapes, hovermode="closest",
            # A Chinese title stands upright beside the axis, as on the style map.
            annotations=upright_title(names[y]),
            xaxis=dict(axis, title={"text": names[x]}),
            yaxis=dict(axis, title={"text": "" if is_cjk(names[y]) else names[y]}),
        ),
        "config": CONFIG,
    }
    if 0 < len(points) <= LABELLED_POINTS:
        fig["data"] = one_trace_per_dot(trace, [p["name"] for p in points])
        with_legend_above(fig)
    return fig


def _same_place_together(points: Sequence[Mapping], joiner: str) -> list[dict]:
    """One dot per place: members with the same two scores share it, names joined."""
    places: dict[tuple, dict] = {}
    for p in points:
        key = (p["x"], p["y"])
        if key in places:
            places[key]["name"] += joiner + p["name"]
        else:
            places[key] = {**p}
    return list(places.values())


def agent_trend(ratings: Sequence[Mapping], names: Mapping[str, str]) -> dict:
    """A member's staff ratings over the months: one line per ability (the latest per month)."""
    latest: dict[str, Mapping] = {}
    for r in ratings:
        if r["source"] == "staff":
            latest[r["period"]] = r["abilities"]
    return trend([{"period": p, "abilities": latest[p]} for p in sorted(latest)], names)


def agent_summary(ratings: Sequence[Mapping]) -> dict:
    """The latest staff rating, the one before it (another month) and the latest self-rating."""
    staff = [r for r in ratings if r["source"] == "staff"]
    own = [r for r in ratings if r["source"] == "self"]
    latest = staff[-1] if staff else None
    previous = next((r for r in reversed(staff) if latest and r["period"] < latest["period"]), None)
    return {"latest": latest, "previous": previous, "self": own[-1] if own else None,
            "months": len({r["period"] for r in staff})}
