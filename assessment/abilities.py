"""The seven service abilities: scoring a QC scorecard and reading a team's numbers.

Pure Python (no Flask, no storage). The scorecard is a questionnaire file of
``kind = "rating"`` (``questionnaires/service-abilities.toml``): behaviours rated
1-5 by QC from recorded calls, each under one of ``model.ABILITIES``.

What the functions return is what the API sends:

* ``validate_rating`` / ``check_ratings`` / ``parse_period`` -> the 400 details of
  ``POST /api/v1/agents/<id>/ability-ratings`` (``RatingError.details``: item id or
  ``"period"`` -> what is wrong);
* ``score_abilities`` -> its 201 body's ``abilities`` and ``overall``;
* ``team_analysis`` -> the body of ``GET /api/v1/teams/<id>/abilities``;
* ``reading`` / ``ability_readings``, ``scatter_quadrants``, ``radar_band`` -> what
  the team page draws and says on top of that body.

Scoring
-------
An ability's score is the mean of its behaviours' ratings; ``overall`` is the mean
of the seven ability scores, worked out from the unrounded ability means. Both are
rounded to 2 decimals.

Team numbers
------------
Over each member's latest staff rating in the chosen month: per ability n, mean,
sample SD (n - 1; ``None`` below n = 2) and CV = SD / mean (``None`` when the SD
is), all from ``stats.describe`` and rounded to 2 decimals. The weakest ability is
the lowest rounded mean (ties: the order of ``ABILITIES``), ``None`` with no ratings.

Reading the numbers
-------------------
``reading(stat, team_overall_mean)`` turns one ability's numbers into plain words,
checking in this order (on the rounded numbers the page shows):

1. ``uneven``   CV >= 0.25 (``UNEVEN_CV``): a wide spread; pair strong agents with weak.
2. ``team_gap`` mean < 3.0 (``GAP_MEAN``, "meets the standard" on the scale): the
   team is below the standard and not widely spread; train everyone.
3. ``strength`` mean >= 4.0 (``STRENGTH_MEAN``).
4. ``team_gap`` CV < 0.15 (``LOW_CV``) and mean at least 0.5 (``RELATIVE_GAP``)
   below the team's overall mean (the mean of its seven ability means): everyone
   shares the same relative weakness.
5. ``steady``   anything else.

With fewer than 2 ratings there is no CV: rules 1 and 4 cannot apply. With none
(mean ``None``) there is no reading (``None``). The texts for each reading, en and zh,
are in the ``[readings]`` table of the scorecard file (``load_readings``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from . import collation
from .model import ABILITIES
from .questionnaire import Questionnaire, QuestionnaireError, Text, at_most, Reader, shown, read_toml
from .stats import describe

SLUG = "service-abilities"
DIGITS = 2

UNEVEN_CV = 0.25
GAP_MEAN = 3.0
STRENGTH_MEAN = 4.0
LOW_CV = 0.15
RELATIVE_GAP = 0.5
READINGS = ("uneven", "team_gap", "strength", "steady")

QUADRANTS = ("high_high", "high_low", "low_high", "low_low")  # x first; at the team mean counts as high

PERIOD_RE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


class RatingError(ValueError):
    """A rating that cannot be stored: item id (or "period", "ratings") -> what is wrong."""

    def __init__(self, details: dict[str, str]):
        self.details = details
        super().__init__("; ".join(f"{k}: {v}" for k, v in details.items()))


@dataclass(frozen=True)
class AbilityScores:
    abilities: dict[str, float]  # every ability in ABILITIES order, rounded to 2
    overall: float

    def as_dict(self) -> dict:
        return {"abilities": dict(self.abilities), "overall": self.overall}


@dataclass(frozen=True)
class Reading:
    """What one reading of a team's numbers means, in plain words."""

    key: str
    label: Text
    advice: Text


# --- checking a submission ------------------------------------------------------


def _kind_of(value: object) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, float):
        return "a decimal number"
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def check_ratings(q: Questionnaire, ratings: object) -> dict[str, str]:
    """Problems by item id: missing, unknown, not a JSON integer (true/false and "4"
    are not), or off the scale. Empty when the ratings can be scored."""
    if not isinstance(ratings, Mapping):
        return {"ratings": f"must be an object of item ids and whole numbers (got {_kind_of(ratings)})"}
    lo, hi = q.scale.min, q.scale.max
    problems: dict[str, str] = {}
    for item in q.items:
        if item.id not in ratings:
            problems[item.id] = "missing rating"
    for key, value in ratings.items():
        if key not in q.item_ids:
            problems[str(key)] = "unknown item"
        elif isinstance(value, bool) or not isinstance(value, int):
            problems[key] = f"must be a whole number from {lo} to {hi} (got {_kind_of(value)})"
        elif not lo <= value <= hi:
            problems[key] = f"{value} is outside the scale {lo} to {hi}"
    return problems


def current_period(today: date) -> str:
    return f"{today.year:04d}-{today.month:02d}"


def parse_period(text: object, today: date) -> str:
    """A month written YYYY-MM, no later than the month of `today` (the centre's local
    date: the caller works it out in the centre's time zone). ValueError otherwise."""
    if not isinstance(text, str):
        raise ValueError("must be a month written YYYY-MM, for example 2026-03")
    if not PERIOD_RE.fullmatch(text) or text.startswith("0000"):
        raise ValueError(f"'{shown(text)}' is not a month written YYYY-MM (month 01 to 12)")
    now = current_period(today)
    if text > now:  # same width, zero-padded: string order is month order
        raise ValueError(f"{text} is after the current month ({now})")
    return text


def validate_rating(q: Questionnaire, ratings: object, period: object, today: date) -> tuple[str, AbilityScores]:
    """Everything a POST needs: the period and the scores, or a RatingError naming
    every problem at once (item ids and "period")."""
    problems = check_ratings(q, ratings)
    month = None
    try:
        month = parse_period(period, today)
    except ValueError as exc:
        problems["period"] = str(exc)
    if problems:
        raise RatingError(problems)
    return month, score_abilities(q, ratings)


# --- scoring --------------------------------------------------------------------


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, DIGITS)


def score_abilities(q: Questionnaire, ratings: Mapping[str, int]) -> AbilityScores:
    """Each ability the mean of its behaviours; overall the mean of the seven."""
    problems = check_ratings(q, ratings)
    if problems:
        raise RatingError(problems)
    means = {a: math.fsum(ratings[i] for i in ids) / len(ids) for a, ids in q.ability_items.items()}
    overall = math.fsum(means.values()) / len(means)
    return AbilityScores(abilities={a: round(m, DIGITS) for a, m in means.items()}, overall=round(overall, DIGITS))


# --- a team's numbers -------------------------------------------------------------


def _stat(values: list[float]) -> dict:
    s = describe(values)
    return {"n": s.n, "mean": _r(s.mean), "sd": _r(s.sd), "cv": _r(s.cv) if s.sd is not None else None}


def _present(abilities: Mapping[str, Any] | None, ability: str) -> bool:
    return abilities is not None and abilities.get(ability) is not None


def team_analysis(
    period: str,
    latest_staff: Sequence[Mapping[str, Any]],
    self_ratings: Mapping[int, Mapping[str, float]],
    history: Iterable[tuple[str, Mapping[str, float]]],
    sort_key: Callable[[str], Any] | None = collation.sort_key,
) -> dict:
    """The body of GET /api/v1/teams/<id>/abilities?period=YYYY-MM.

    latest_staff: one row per team member, {"agent_id", "name", "abilities"}, where
        abilities are that member's latest staff rating in `period` (None without one).
    self_ratings: agent id -> abilities of their own (self) rating, for the gaps.
    history: (period, abilities), one per member per period (their latest staff rating
        in it), any order; becomes the trend, oldest period first.
    sort_key: members are sorted by sort_key(name), then agent id; the default is
        pinyin order (collation.sort_key). None keeps the order given.
    """
    rated = [m["abilities"] for m in latest_staff if m.get("abilities") is not None]
    per_ability = {a: _stat([r[a] for r in rated if _present(r, a)]) for a in ABILITIES}
    with_mean = [a for a in ABILITIES if per_ability[a]["mean"] is not None]
    weakest = min(with_mean, key=lambda a: (per_ability[a]["mean"], ABILITIES.index(a))) if with_mean else None

    by_period: dict[str, list[Mapping[str, float]]] = {}
    for month, abilities in history:
        by_period.setdefault(month, []).append(abilities)
    trend = []
    for month in sorted(by_period):
        ratings = by_period[month]
        means = {}
        for a in ABILITIES:
            values = [r[a] for r in ratings if _present(r, a)]
            if values:
                means[a] = round(math.fsum(values) / len(values), DIGITS)
        trend.append({"period": month, "abilities": means})

    rows = list(latest_staff)
    if sort_key is not None:
        rows.sort(key=lambda m: (sort_key(m["name"]), m["agent_id"]))
    members = []
    for m in rows:
        staff = m.get("abilities")
        own = self_ratings.get(m["agent_id"])
        gap = None
        if staff is not None and own is not None:
            gap = {a: round(own[a] - staff[a], DIGITS) for a in ABILITIES if _present(own, a) and _present(staff, a)}
        members.append({
            "agent_id": m["agent_id"],
            "name": m["name"],
            "abilities": None if staff is None else {a: _r(staff.get(a)) for a in ABILITIES},
            "self": None if own is None else {a: _r(own.get(a)) for a in ABILITIES},
            "gap": gap,
        })
    return {
        "period": period,
        "n": len(rated),
        "abilities": per_ability,
        "weakest": weakest,
        "trend": trend,
        "members": members,
    }


def team_overall_mean(analysis: Mapping[str, Any]) -> float | None:
    """The mean of the team's ability means (None without ratings)."""
    means = [s["mean"] for s in analysis["abilities"].values() if s["mean"] is not None]
    return round(math.fsum(means) / len(means), DIGITS) if means else None


def reading(stat: Mapping[str, Any], team_overall_mean: float | None) -> str | None:
    """"uneven", "team_gap", "strength" or "steady" for one ability's {n, mean, sd, cv};
    None without a mean. The rules and thresholds are in the module docstring."""
    mean, cv = stat.get("mean"), stat.get("cv")
    if mean is None:
        return None
    if cv is not None and cv >= UNEVEN_CV:
        return "uneven"
    if mean < GAP_MEAN:
        return "team_gap"
    if mean >= STRENGTH_MEAN:
        return "strength"
    if (cv is not None and cv < LOW_CV and team_overall_mean is not None
            and round(team_overall_mean - mean, DIGITS) >= RELATIVE_GAP):
        return "team_gap"
    return "steady"


def ability_readings(analysis: Mapping[str, Any]) -> dict[str, str | None]:
    """The reading of every ability of a team_analysis body."""
    overall = team_overall_mean(analysis)
    return {a: reading(analysis["abilities"][a], overall) for a in ABILITIES}


def radar_band(analysis: Mapping[str, Any], scale_min: float = 1, scale_max: float = 5) -> dict:
    """The radar's means and a band of one SD either side, kept on the scale, in
    ABILITIES order; None where an ability has no ratings. Without an SD the band
    is the mean itself."""
    mean, low, high = [], [], []
    for a in ABILITIES:
        s = analysis["abilities"][a]
        m, sd = s["mean"], s["sd"] or 0.0
        mean.append(m)
        low.append(None if m is None else round(max(scale_min, m - sd), DIGITS))
        high.append(None if m is None else round(min(scale_max, m + sd), DIGITS))
    return {"abilities": list(ABILITIES), "mean": mean, "low": low, "high": high}


def scatter_quadrants(members: Iterable[Mapping[str, Any]], x_ability: str, y_ability: str) -> dict:
    """Members placed on two abilities, with the team means as quadrant lines.

    members: rows with "agent_id", "name" and "abilities" (None: not rated, left out),
    e.g. team_analysis(...)["members"]. A member at or above the team mean on an
    ability counts as high on it. Returns {"x", "y", "x_mean", "y_mean", "points":
    [{"agent_id", "name", "x", "y", "quadrant"}], "strong_x_weak_y": [{"agent_id",
    "name"}], "strong_y_weak_x": [...]}; quadrant is one of QUADRANTS, x first.
    ValueError for an unknown ability or the same ability twice.
    """
    for name in (x_ability, y_ability):
        if name not in ABILITIES:
            raise ValueError(f"unknown ability '{shown(name)}' (expected one of {', '.join(ABILITIES)})")
    if x_ability == y_ability:
        raise ValueError("choose two different abilities")
    rated = [m for m in members if _present(m.get("abilities"), x_ability) and _present(m.get("abilities"), y_ability)]
    xs = [m["abilities"][x_ability] for m in rated]
    ys = [m["abilities"][y_ability] for m in rated]
    x_mean = round(math.fsum(xs) / len(xs), DIGITS) if xs else None
    y_mean = round(math.fsum(ys) / len(ys), DIGITS) if ys else None
    points, strong_x, strong_y = [], [], []
    for m, x, y in zip(rated, xs, ys):
        high_x, high_y = x >= x_mean, y >= y_mean
        quadrant = ("high" if high_x else "low") + "_" + ("high" if high_y else "low")
        who = {"agent_id": m["agent_id"], "name": m["name"]}
        points.append({**who, "x": x, "y": y, "quadrant": quadrant})
        if quadrant == "high_low":
            strong_x.append(who)
        elif quadrant == "low_high":
            strong_y.append(who)
    return {
        "x": x_ability,
        "y": y_ability,
        "x_mean": x_mean,
        "y_mean": y_mean,
        "points": points,
        "strong_x_weak_y": strong_x,
        "strong_y_weak_x": strong_y,
    }


# --- the plain-words texts ---------------------------------------------------------


def load_readings(path: str | Path) -> dict[str, Reading]:
    """The [readings] table of the scorecard file: a label and advice, en and zh, for
    each of READINGS. QuestionnaireError naming file, reading and problem otherwise."""
    path = Path(path)
    source = path.name
    data = read_toml(path)
    r = Reader(source)
    table = r.table(data, "readings", "questionnaire")
    for key in table:
        if key not in READINGS:
            r.problem(f"reading '{shown(key)}'", f"unknown reading (expected one of {', '.join(READINGS)})")
    found = {}
    for key in READINGS:
        where = f"reading '{key}'"
        entry = table.get(key)
        if not isinstance(entry, dict):
            r.problem(where, "no text for this reading")
            continue
        found[key] = Reading(
            key=key,
            label=r.text(entry.get("label"), f"{where}: label"),
            advice=r.text(entry.get("advice"), f"{where}: advice"),
        )
    if r.problems:
        raise QuestionnaireError(at_most(r.problems, source))
    return found
