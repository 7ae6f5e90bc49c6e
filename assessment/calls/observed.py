"""How an agent comes across on calls: a position on the questionnaire's two axes.

Pure Python (no Flask). The formula (README.md, "Calls as evidence", says the same):

1. Per timed call, the figures the axes read (``call_figures``): talk share, pace
   (against the reference of the call's language: characters or words a minute),
   longest monologue, interruptions per 5 minutes of call, and, as shares of the
   agent's segments, questions, empathy, feeling words, exclamations, small talk and
   plain (purely factual) segments.
2. Each becomes a z-score against the reference, z = (value - mean) / sd, cut to
   [-3, 3] so one odd call cannot carry the position; the agent's z per figure is the
   mean over their timed calls.
3. Each axis is the weighted mean of its figures' z (weights from reference.toml,
   divided by the sum of their absolute values; a figure no call could measure
   drops out and the rest are reweighted):
   assertiveness = (talk share + pace + longest monologue + interruptions
   - questions) / 5; responsiveness = (empathy + feeling words + exclamations +
   small talk - plain segments) / 5.
4. Position = 50 + 20 x axis z, kept within 0-100 (2.5 SD from the reference
   reaches an end), one decimal; the style is the quadrant, by the questionnaire's
   own rule (``scoring.profile_from_axes``; a point exactly on 50 counts as high).

Shown from ``MIN_CALLS`` (5) timed calls; below that ``axes`` and ``style`` are None
and ``needed`` says how many more. The reference is ``questionnaires/calls/
reference.toml`` until the centre has ``CENTRE_REFERENCE_FROM`` (200) timed calls;
then ``reference_from`` computes each figure's mean and SD from the centre's own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import fmean, stdev
from typing import Any, Iterable, Mapping, Sequence

from ..model import AXES
from ..questionnaire import Reader, Text
from ..scoring import profile_from_axes
from ..stats import Summary, describe
from .lexicon import LANG_PACE
from .metrics import API_FIGURES, Metrics

MIN_CALLS = 5
CENTRE_REFERENCE_FROM = 200
Z_LIMIT = 3.0
POINTS_PER_SD = 20.0
INTERRUPTION_MINUTES = 5.0  # interruptions are counted per this many minutes of call

FIGURES = (
    "talk_share", "pace_zh", "pace_en", "longest_monologue_s", "interruption_rate", "question_share",
    "empathy_share", "feeling_share", "exclamation_share", "small_talk_share", "plain_share",
)
# A weight in reference.toml names "pace"; it reads the figure of the call's language.
WEIGHTED = ("talk_share", "pace", "longest_monologue_s", "interruption_rate", "question_share",
            "empathy_share", "feeling_share", "exclamation_share", "small_talk_share", "plain_share")


@dataclass(frozen=True)
class Norm:
    mean: float
    sd: float


@dataclass(frozen=True)
class Reference:
    figures: Mapping[str, Norm]
    weights: Mapping[str, Mapping[str, float]]  # axis -> weighted figure -> weight
    source: Text
    calls: int | None = None  # None: the data file; else the number of the centre's calls it rests on

    def as_dict(self) -> dict:
        return {
            "figures": {k: {"mean": v.mean, "sd": v.sd} for k, v in self.figures.items()},
            "weights": {a: dict(w) for a, w in self.weights.items()},
            "source": self.source.as_dict(),
            "calls": self.calls,
        }


def read_reference(r: Reader, data: dict) -> Reference:
    figures = {}
    table = r.table(data, "figures", "figures")
    for name in FIGURES:
        entry = table.get(name)
        where = f"figure '{name}'"
        if not isinstance(entry, dict):
            r.problem(where, "missing (needs mean, sd and source)")
            continue
        mean, sd = entry.get("mean"), entry.get("sd")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (mean, sd)):
            r.problem(where, "'mean' and 'sd' must be numbers")
            continue
        if sd <= 0:
            r.problem(where, "'sd' must be more than 0")
            continue
        r.string(entry, "source", where)
        figures[name] = Norm(float(mean), float(sd))
    for extra in sorted(set(table) - set(FIGURES)):
        r.problem(f"figure '{extra}'", f"unknown figure (expected one of {', '.join(FIGURES)})")
    weights: dict[str, dict[str, float]] = {}
    axes = r.table(data, "axes", "axes")
    for axis in AXES:
        table = r.table(axes, axis, f"axes: {axis}")
        weights[axis] = {}
        for name, weight in table.items():
            if name not in WEIGHTED:
                r.problem(f"axes: {axis}", f"unknown figure '{name}' (expected one of {', '.join(WEIGHTED)})")
            elif isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight):
                r.problem(f"axes: {axis}: {name}", "the weight must be a number")
            else:
                weights[axis][name] = float(weight)
        if table and not any(weights[axis].values()):
            r.problem(f"axes: {axis}", "needs at least one weight that is not 0")
    return Reference(figures, weights, r.text(data.get("source"), "source"))


# --- per call ------------------------------------------------------------------------------------


def call_figures(m: Metrics) -> dict[str, float]:
    """The figures the axes read from one timed call (a figure the call cannot give is left out)."""
    out: dict[str, float] = {}
    if not m.timed:
        return out
    if m.talk_share is not None:
        out["talk_share"] = m.talk_share
    if m.pace is not None:
        out[LANG_PACE.get(m.lang, "pace_zh")] = m.pace
    if m.longest_monologue_s is not None:
        out["longest_monologue_s"] = m.longest_monologue_s
    if m.interruptions is not None and m.call_seconds:
        out["interruption_rate"] = m.interruptions / (m.call_seconds / 60 / INTERRUPTION_MINUTES)
    if m.agent_segments:
        n = m.agent_segments
        out.update(question_share=m.questions / n, empathy_share=m.empathy / n, feeling_share=m.feeling_words / n,
                   exclamation_share=m.exclamations / n, small_talk_share=m.small_talk / n,
                   plain_share=m.plain_segments / n)
    return out


def _figure(name: str, figures: Mapping[str, float]) -> tuple[str, float] | None:
    """The call's value for a weighted name: "pace" is whichever language's pace the call has."""
    if name == "pace":
        key = next((k for k in ("pace_zh", "pace_en") if k in figures), None)
        return (key, figures[key]) if key else None
    return (name, figures[name]) if name in figures else None


# --- the agent ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Observed:
    calls: int
    timed_calls: int
    needed: int  # more timed calls needed before a position is shown; 0 once it is
    axes: dict[str, float] | None
    style: str | None
    z: dict[str, float] | None = None  # the agent's mean z per weighted figure: what moved the dot

    def as_dict(self) -> dict:
        return {"calls": self.calls, "timed_calls": self.timed_calls, "needed": self.needed,
                "axes": self.axes, "style": self.style}


def observe(metrics: Sequence[Metrics], reference: Reference) -> Observed:
    """The agent's position from their calls' figures (the formula in the module docstring)."""
    timed = [call_figures(m) for m in metrics if m.timed]
    if len(timed) < MIN_CALLS:
        return Observed(len(metrics), len(timed), MIN_CALLS - len(timed), None, None)
    z_by_name: dict[str, list[float]] = {}
    for figures in timed:
        for name in WEIGHTED:
            found = _figure(name, figures)
            norm = reference.figures.get(found[0]) if found else None
            if norm is not None:
                z = (found[1] - norm.mean) / norm.sd
                z_by_name.setdefault(name, []).append(max(-Z_LIMIT, min(Z_LIMIT, z)))
    z_mean = {name: fmean(values) for name, values in z_by_name.items()}
    axes = {}
    for axis in AXES:
        weights = {n: w for n, w in reference.weights.get(axis, {}).items() if n in z_mean and w}
        total = sum(abs(w) for w in weights.values())
        axis_z = sum(w * z_mean[n] for n, w in weights.items()) / total if total else 0.0
        axes[axis] = round(max(0.0, min(100.0, 50 + POINTS_PER_SD * axis_z)), 1)
    style = profile_from_axes(axes).style
    return Observed(len(metrics), len(timed), 0, axes, style, {n: round(z, 2) for n, z in z_mean.items()})


def reference_from(metrics: Sequence[Metrics], base: Reference) -> Reference | None:
    """The centre's own reference once it has 200 timed calls, else None (keep the data file's).

    Each figure's mean and SD come from the centre's calls; a figure with fewer than 200
    calls behind it (English pace in a Chinese centre) or no spread keeps ``base``'s,
    as do the weights."""
    timed = [call_figures(m) for m in metrics if m.timed]
    if len(timed) < CENTRE_REFERENCE_FROM:
        return None
    figures = dict(base.figures)
    for name in FIGURES:
        values = [f[name] for f in timed if name in f]
        if len(values) >= CENTRE_REFERENCE_FROM:
            sd = stdev(values)
            if sd > 0:
                figures[name] = Norm(round(fmean(values), 4), round(sd, 4))
    source = Text(en=f"This centre's own {len(timed)} timed calls", zh=f"本中心自己的{len(timed)}通带时间的通话")
    return Reference(figures, base.weights, source, calls=len(timed))


# --- the team ---------------------------------------------------------------------------------------

TEAM_FIGURES = tuple(k for k in API_FIGURES if k != "pace_unit")
TOP_BANNED = 10


@dataclass(frozen=True)
class MemberFigures:
    agent_id: int
    calls: int
    metrics: dict[str, float | None]  # mean per figure over the member's calls that have it


@dataclass(frozen=True)
class BannedCount:
    phrase: str
    instead: str | None
    count: int


@dataclass(frozen=True)
class TeamFigures:
    members: tuple[MemberFigures, ...]
    metrics: dict[str, Summary]  # over members' means: n, mean, sample SD (None below 2), CV
    banned: tuple[BannedCount, ...]
    pace_unit: str = "chars/min"

    def as_dict(self) -> dict:
        return {
            "members": [{"agent_id": m.agent_id, "calls": m.calls, "metrics": m.metrics} for m in self.members],
            "metrics": {k: s.as_dict() for k, s in self.metrics.items()},
            "banned": [{"phrase": b.phrase, "instead": b.instead, "count": b.count} for b in self.banned],
            "pace_unit": self.pace_unit,
        }


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(fmean(present), 3) if present else None


def _field(finding: Any, *keys: str) -> Any:
    for key in keys:
        value = finding.get(key) if isinstance(finding, Mapping) else getattr(finding, key, None)
        if value is not None:
            return value
    return None


def team_figures(per_member: Mapping[int, Sequence[Metrics]], banned: Iterable[Any] = ()) -> TeamFigures:
    """Per member their call count and mean figures; the team's mean / SD / CV per figure
    over members' means (the seven-abilities reading); the most frequent banned phrases.

    Pace is averaged over the calls in the team's main language only (characters and
    words a minute do not mix); ``pace_unit`` says which. ``banned`` takes the team's
    banned findings (``Finding`` or mappings with ``label``/``text`` and ``instead``)."""
    all_calls = [m for calls in per_member.values() for m in calls]
    units = [m.pace_unit for m in all_calls]
    pace_unit = max(set(units), key=units.count) if units else "chars/min"
    members = []
    for agent_id, calls in per_member.items():
        means = {}
        for key in TEAM_FIGURES:
            if key == "pace":
                means[key] = _mean(m.pace for m in calls if m.pace_unit == pace_unit)
            else:
                means[key] = _mean(getattr(m, key) for m in calls)
        members.append(MemberFigures(agent_id, len(calls), means))
    summaries = {key: describe(m.metrics[key] for m in members if m.calls and m.metrics[key] is not None)
                 for key in TEAM_FIGURES}
    counts: dict[tuple[str, str | None], int] = {}
    for finding in banned:
        if _field(finding, "kind") not in (None, "banned"):
            continue
        key = (str(_field(finding, "label", "phrase", "text")), _field(finding, "instead"))
        counts[key] = counts.get(key, 0) + 1
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0]))[:TOP_BANNED]
    return TeamFigures(tuple(members), summaries, tuple(BannedCount(p, i, n) for (p, i), n in top), pace_unit)

