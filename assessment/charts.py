"""Plotly figures as plain dicts, one builder per chart. Pure: labels come in translated.

The browser draws them with static/charts.js; nothing here needs plotly itself.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from .model import STYLES

STYLE_COLOURS = {
    "driver": "#c0392b",
    "expressive": "#d68910",
    "amiable": "#1e8449",
    "analytical": "#2471a3",
}
FONT = {"family": "system-ui, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif", "size": 13}
CONFIG = {"displayModeBar": False, "responsive": True}


def plain_text(name: str) -> str:
    """A person's or team's name as plotly must get it: plotly draws a subset of HTML in
    labels, legends and hover text (a name holding <a href=...> would become a link), and
    shows &lt; &gt; &amp; as the characters. Every name entering a figure passes here."""
    return str(name).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def layout(**extra) -> dict:
    """The look every chart shares (fonts with CJK fallbacks, no drag, transparent), plus extra."""
    base = {
        "font": FONT,
        "margin": {"l": 40, "r": 40, "t": 30, "b": 30},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "showlegend": False,
        "dragmode": False,
    }
    base.update(extra)
    return base


def radar(series: Sequence[Mapping], style_names: Mapping[str, str]) -> dict:
    """Style affinities (0-100) on four spokes.

    Each series is {"name": str, "scores": {style: value}} and may carry "spread"
    ({style: sd}) to draw a band of mean +/- sd around it, and "colour".
    """
    theta = [style_names[s] for s in STYLES]
    traces = []
    palette = ["#2c3e50", "#8e44ad"]
    for i, entry in enumerate(series):
        colour = entry.get("colour") or palette[i % len(palette)]
        name = plain_text(entry["name"])
        values = [entry["scores"][s] for s in STYLES]
        spread = entry.get("spread")
        if spread:
            upper = [min(100, v + spread[s]) for v, s in zip(values, STYLES)]
            lower = [max(0, v - spread[s]) for v, s in zip(values, STYLES)]
            traces.append(_radar_trace(upper, theta, colour, name + " +sd", line=0, fill="toself", opacity=0.15))
            traces.append(_radar_trace(lower, theta, colour, name + " -sd", line=1, dash="dot"))
        traces.append(_radar_trace(values, theta, colour, name, line=2.5, fill="toself" if i == 0 else None))
    return {
        "data": traces,
        "layout": layout(
            # Room for the longest English style name beside the circle on a phone.
            margin={"l": 75, "r": 75, "t": 30, "b": 30},
            showlegend=len(series) > 1,
            legend={"orientation": "h", "y": -0.1},
            polar={
                "radialaxis": {"range": [0, 100], "tickvals": [25, 50, 75, 100], "angle": 90, "tickfont": {"size": 10}},
                # Spokes point where each style sits on the quadrant map.
                "angularaxis": {"rotation": -45, "direction": "counterclockwise"},
                "bgcolor": "rgba(0,0,0,0)",
            },
        ),
        "config": CONFIG,
    }


def _radar_trace(values, theta, colour, name, line, fill=None, dash=None, opacity=None) -> dict:
    trace = {
        "type": "scatterpolar",
        "r": values + values[:1],
        "theta": theta + theta[:1],
        "name": name,
        "mode": "lines+markers" if line >= 2 else "lines",
        "line": {"color": colour, "width": line},
        "hovertemplate": "%{theta}: %{r:.0f}<extra></extra>",
    }
    if fill:
        trace["fill"] = fill
        trace["fillcolor"] = colour
        trace["opacity"] = opacity if opacity is not None else 0.6
    if dash:
        trace["line"]["dash"] = dash
    return trace


def quadrant(
    points: Sequence[Mapping],
    style_names: Mapping[str, str],
    axis_titles: Mapping[str, str],
    webgl_above: int = 2000,
) -> dict:
    """The two axes as a map with the four style quadrants shaded.

    Each point is {"assertiveness", "responsiveness", "label", "style"}. Large
    teams switch to WebGL so the browser keeps up.
    """
    corners = {"driver": (75, 25), "expressive": (75, 75), "amiable": (25, 75), "analytical": (25, 25)}
    shapes = [
        {
            "type": "rect", "layer": "below", "line": {"width": 0},
            "x0": cx - 25, "x1": cx + 25, "y0": cy - 25, "y1": cy + 25,
            "fillcolor": STYLE_COLOURS[s], "opacity": 0.08,
        }
        for s, (cx, cy) in corners.items()
    ]
    annotations = [
        {
            "x": cx, "y": cy, "text": style_names[s], "showarrow": False,
            "font": {"color": STYLE_COLOURS[s], "size": 15},
        }
        for s, (cx, cy) in corners.items()
    ]
    trace = {
        "type": "scattergl" if len(points) > webgl_above else "scatter",
        "mode": "markers",
        "x": [p["assertiveness"] for p in points],
        "y": [p["responsiveness"] for p in points],
        "text": [plain_text(p["label"]) for p in points],
        "marker": {
            "size": 14 if len(points) == 1 else 9,
            "color": [STYLE_COLOURS[p["style"]] for p in points],
            "line": {"color": "#ffffff", "width": 1.5},
            "opacity": 0.9,
        },
        "hovertemplate": "%{text}<br>" + axis_titles["assertiveness"] + ": %{x:.0f}<br>"
        + axis_titles["responsiveness"] + ": %{y:.0f}<extra></extra>",
    }
    # Square by shrinking the plot area ("domain"), not by stretching an axis past 0-100,
    # which would leave the x-axis labels adrift below the map in a tall card.
    axis = {"range": [0, 100], "zeroline": False, "showgrid": False, "tickvals": [0, 50, 100], "fixedrange": True,
            "constrain": "domain"}
    return {
        "data": [trace],
        "layout": layout(
            margin={"l": 50, "r": 20, "t": 20, "b": 50},
            shapes=shapes + [
                {"type": "line", "x0": 50, "x1": 50, "y0": 0, "y1": 100, "line": {"color": "#999", "width": 1}},
                {"type": "line", "x0": 0, "x1": 100, "y0": 50, "y1": 50, "line": {"color": "#999", "width": 1}},
            ],
            annotations=annotations + upright_title(axis_titles["responsiveness"]),
            xaxis=dict(axis, title={"text": axis_titles["assertiveness"]}),
            yaxis=dict(axis, title={"text": "" if is_cjk(axis_titles["responsiveness"]) else axis_titles["responsiveness"]},
                       scaleanchor="x"),
            hovermode="closest",
        ),
        "config": CONFIG,
    }


def style_mix(counts: Mapping[str, int], style_names: Mapping[str, str]) -> dict:
    """How many members have each primary style."""
    return {
        "data": [{
            "type": "bar",
            "orientation": "h",
            "y": [style_names[s] for s in STYLES],
            "x": [counts.get(s, 0) for s in STYLES],
            "marker": {"color": [STYLE_COLOURS[s] for s in STYLES]},
            "text": [counts.get(s, 0) for s in STYLES],
            "textposition": "auto",
            "hovertemplate": "%{y}: %{x}<extra></extra>",
        }],
        "layout": layout(
            margin={"l": 80, "r": 20, "t": 10, "b": 30},
            yaxis={"autorange": "reversed", "fixedrange": True},
            xaxis={"rangemode": "tozero", "fixedrange": True, "dtick": None},
        ),
        "config": CONFIG,
    }


def density(cells: Sequence[Mapping], cell: float, style_names: Mapping[str, str],
            axis_titles: Mapping[str, str], count_title: str) -> dict:
    """The quadrant map for teams too large to draw member by member: counts per cell."""
    bins = int(100 / cell)
    z = [[None] * bins for _ in range(bins)]  # empty cells stay transparent
    for c in cells:
        z[c["by"]][c["bx"]] = c["n"]
    centres = [round(cell * i + cell / 2, 2) for i in range(bins)]
    fig = quadrant([], style_names, axis_titles)
    fig["data"] = [{
        "type": "heatmap",
        "x": centres,
        "y": centres,
        "z": z,
        "colorscale": [[0, "#deebf7"], [1, "#08306b"]],
        "zmin": 0,
        "hoverongaps": False,
        "colorbar": {"title": {"text": count_title}, "thickness": 12},
        "hovertemplate": axis_titles["assertiveness"] + " %{x:.0f} · " + axis_titles["responsiveness"]
        + " %{y:.0f}: %{z}<extra></extra>",
    }]
    return fig


def trend(rows: Sequence[Mapping], axis_titles: Mapping[str, str]) -> dict:
    """An agent's two axis scores, result by result."""
    dates = [r["created_at"] for r in rows]
    return {
        "data": [
            {
                "type": "scatter", "mode": "lines+markers", "name": axis_titles[axis],
                "x": dates, "y": [r[axis] for r in rows],
                "line": {"color": colour, "width": 2.5},
                "hovertemplate": axis_titles[axis] + ": %{y:.0f}<br>%{x|%Y-%m-%d %H:%M}<extra></extra>",
            }
            for axis, colour in (("assertiveness", "#2c3e50"), ("responsiveness", "#d35400"))
        ],
        "layout": layout(
            showlegend=True, legend={"orientation": "h", "y": -0.25},
            margin={"l": 40, "r": 20, "t": 10, "b": 40},
            yaxis={"range": [0, 100], "fixedrange": True, "tickvals": [0, 25, 50, 75, 100]},
            # ISO dates read the same in both languages (plotly would print "Aug 23").
            xaxis={"type": "date", "fixedrange": True, "tickformat": "%Y-%m-%d", "nticks": 4, "tickfont": {"size": 11}},
            shapes=[{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": 50, "y1": 50,
                     "line": {"color": "#999", "width": 1, "dash": "dot"}}],
        ),
        "config": CONFIG,
    }


def is_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def upright_title(text: str) -> list[dict]:
    """A Chinese y-axis title as a column of upright characters, the way Chinese is set
    vertically; plotly's rotated axis title would lay every character on its side."""
    if not is_cjk(text):
        return []
    return [{
        "xref": "paper", "yref": "paper", "x": 0, "y": 0.5, "xanchor": "right", "yanchor": "middle",
        "xshift": -26, "showarrow": False, "text": "<br>".join(text), "font": {"size": 15},
    }]


# --- a few named dots: a legend, never labels beside the dots -------------------------

# Labels written beside dots overlap as soon as two dots sit close together, and on a
# 360 px phone that is most of the time ("你 他(自评)(3人)"). Each named dot is its own trace
# with a marker shape of its own, named in a legend above the chart: the legend lays
# its entries out side by side or in rows and never prints one name over another.
LEGEND_SYMBOLS = ("circle", "diamond", "square", "triangle-up", "star", "hexagon", "cross")
LEGEND_NAME_MAX = 24  # a longer name is cut with "…" in the legend; the hover shows it whole
LEGEND_ABOVE = {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom",
                "font": {"size": 12}, "itemclick": False, "itemdoubleclick": False}


def legend_name(label: str) -> str:
    return label if len(label) <= LEGEND_NAME_MAX else label[:LEGEND_NAME_MAX - 1] + "…"


def one_trace_per_dot(trace: Mapping, labels: Sequence[str]) -> list[dict]:
    """Split a scatter trace of a few dots into one trace per dot, each named in the legend
    with a shape of its own (colours stay as they were: they carry meaning)."""
    shared = {k: v for k, v in trace.items() if k not in ("x", "y", "text", "marker", "textposition", "textfont")}
    traces = []
    for i, label in enumerate(labels):
        marker = {k: (v[i] if isinstance(v, list) else v) for k, v in trace["marker"].items()}
        marker["symbol"] = LEGEND_SYMBOLS[i % len(LEGEND_SYMBOLS)]
        traces.append({**shared, "mode": "markers", "x": [trace["x"][i]], "y": [trace["y"][i]],
                       "text": [trace["text"][i]], "name": plain_text(legend_name(label)), "showlegend": True,
                       "marker": marker})
    return traces


def with_legend_above(fig: dict, top_margin: int = 20) -> dict:
    """Room above the plot for the legend (it grows into more rows on a phone by itself)."""
    fig["layout"]["showlegend"] = True
    fig["layout"]["legend"] = dict(LEGEND_ABOVE)
    fig["layout"]["margin"] = {**fig["layout"]["margin"], "t": top_margin}
    return fig


# --- how others see me ------------------------------------------------------------

def others_quadrant(points: Sequence[Mapping], style_names: Mapping[str, str],
                    axis_titles: Mapping[str, str]) -> dict:
    """The style map with a few named dots (self, the others' mean, ...): quadrant() with
    one trace per dot, a shape each and their names in a legend, so two dots of the same
    style or at the same place stay told apart and their names never overlap."""
    fig = quadrant(points, style_names, axis_titles)
    fig["data"][0]["marker"]["size"] = 15
    fig["data"] = one_trace_per_dot(fig["data"][0], [p["label"] for p in points])
    return with_legend_above(fig)


def practice_accuracy(by_type: Mapping[str, Mapping], style_names: Mapping[str, str], axis_title: str) -> dict:
    """Read the caller: the share of practice calls of each customer type whose type was
    named right (0-100); a type nobody practised gets no bar and the label "–"."""
    values = [None if by_type[s]["accuracy"] is None else round(100 * by_type[s]["accuracy"]) for s in STYLES]
    return {
        "data": [{
            "type": "bar",
            "orientation": "h",
            "y": [style_names[s] for s in STYLES],
            "x": [v or 0 for v in values],
            "marker": {"color": [STYLE_COLOURS[s] for s in STYLES]},
            "text": ["–" if v is None else f"{v}%" for v in values],
            "textposition": "outside",  # a 0% or untried type still shows its label
            "cliponaxis": False,
            "customdata": [by_type[s]["attempts"] for s in STYLES],
            "hovertemplate": "%{y}: %{text} (n = %{customdata})<extra></extra>",
        }],
        "layout": layout(
            margin={"l": 80, "r": 45, "t": 10, "b": 40},
            yaxis={"autorange": "reversed", "fixedrange": True},
            xaxis={"range": [0, 100], "fixedrange": True, "ticksuffix": "%", "title": {"text": axis_title}},
        ),
        "config": CONFIG,
    }


# --- calls as evidence ----------------------------------------------------------------

CALL_SIDE_COLOURS = {"agent": "#0b6e99", "customer": "#b9770e"}


def call_timeline(segments: Sequence[Mapping], side_names: Mapping[str, str], axis_title: str) -> dict:
    """Who speaks when: one bar per segment from its start to its end, the agent's row
    above the customer's. Overlaps (interruptions) show as bars on both rows at once;
    the customer's bars are hatched, so the rows differ without colour too."""
    data = []
    for side, pattern in (("customer", "/"), ("agent", "")):
        own = [s for s in segments if s["speaker"] == side and s["start"] is not None]
        data.append({
            "type": "bar", "orientation": "h", "name": side_names[side],
            "y": [side_names[side]] * len(own),
            "x": [max(s["end"] - s["start"], 0.05) for s in own],
            "base": [s["start"] for s in own],
            "marker": {"color": CALL_SIDE_COLOURS[side], "pattern": {"shape": pattern}},
            "customdata": [[s["start"], s["end"]] for s in own],
            "hovertemplate": side_names[side] + " %{customdata[0]:.1f}–%{customdata[1]:.1f} s<extra></extra>",
        })
    return {
        "data": data,
        "layout": layout(
            margin={"l": 70, "r": 15, "t": 10, "b": 45}, barmode="overlay", bargap=0.35, height=170,
            xaxis={"title": {"text": axis_title}, "rangemode": "tozero", "fixedrange": True},
            yaxis={"fixedrange": True, "categoryorder": "array", "categoryarray": [side_names["customer"],
                                                                                  side_names["agent"]]},
        ),
        "config": CONFIG,
    }


def call_trend(points: Sequence[Mapping], series: Mapping[str, str]) -> dict:
    """A team's mean figures by month: one line per figure named in series (figure ->
    title); talk share is drawn in %. Each line has a marker shape of its own."""
    months = [p["period"] for p in points]
    symbols = ("circle", "diamond", "square", "triangle-up")
    data = []
    for n, (fig, title) in enumerate(series.items()):
        values = [None if p[fig] is None else (p[fig] * 100 if fig == "talk_share" else p[fig]) for p in points]
        data.append({
            "type": "scatter", "mode": "lines+markers", "name": title, "x": months, "y": values,
            "yaxis": "y" if fig == "talk_share" else "y2",
            "marker": {"symbol": symbols[n % len(symbols)], "size": 8},
            "hovertemplate": title + ": %{y:.1f}<br>%{x}<extra></extra>",
        })
    return {
        "data": data,
        "layout": layout(
            showlegend=True, legend={"orientation": "h", "y": -0.3},
            margin={"l": 40, "r": 40, "t": 10, "b": 40},
            xaxis={"type": "category", "fixedrange": True},
            yaxis={"range": [0, 100], "fixedrange": True, "ticksuffix": "%"},
            yaxis2={"overlaying": "y", "side": "right", "rangemode": "tozero", "fixedrange": True, "tickformat": ".1f"},
        ),
        "config": CONFIG,
    }
