"""Team statistics: counts, shares, mean, standard deviation, coefficient of variation.

The database hands over moments (n, sum, sum of squares) so that a team of 10,000
is summed in SQL; everything from there on is here, in plain Python. What storage
hands over is typed: `Aggregates` and `StyleMove` below.

SD is the sample standard deviation (n - 1 in the denominator, Excel's STDEV.S),
since a team is a sample of how the centre's agents communicate. CV = SD / mean,
meaningful because every scale runs 0-100 with no negative values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Mapping

from .model import AXES, STYLES

SCALES = AXES + STYLES


@dataclass(frozen=True)
class Summary:
    n: int
    mean: float | None
    sd: float | None
    cv: float | None

    def as_dict(self, digits: int = 3) -> dict:
        return {
            "n": self.n,
            "mean": _round(self.mean, digits),
            "sd": _round(self.sd, digits),
            "cv": _round(self.cv, digits),
        }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def from_moments(n: int, total: float, total_sq: float) -> Summary:
    if n == 0:
        return Summary(0, None, None, None)
    mean = total / n
    if n == 1:
        return Summary(1, mean, None, None)
    variance = max(0.0, (total_sq - total * total / n) / (n - 1))
    sd = math.sqrt(variance)
    cv = sd / mean if mean else None
    return Summary(n, mean, sd, cv)


def describe(values: Iterable[float]) -> Summary:
    values = list(values)
    return from_moments(len(values), math.fsum(values), math.fsum(v * v for v in values))


def shares(counts: Mapping[str, int]) -> dict[str, float]:
    """Each style's share of the total, 0-1; all zero for an empty team."""
    total = sum(counts.values())
    return {s: (counts.get(s, 0) / total if total else 0.0) for s in STYLES}


# A member "fits" a customer type when their affinity for that style is at least
# this; a type is "thin" when fewer than THIN_SHARE of members fit it (or fewer than 2).
FIT_AFFINITY = 60.0
THIN_SHARE = 0.15


def is_thin(fits: int, members: int) -> bool:
    return members > 0 and (fits < 2 or fits < THIN_SHARE * members)


# Below this many members with figures, a team-wide verdict ("a gap: train everyone",
# "thin coverage", a versatility band) would rest on one or two people: pages show the
# figures with a caution instead, and no verdict.
VERDICT_MIN = 5


def enough_for_a_verdict(members: int) -> bool:
    return members >= VERDICT_MIN


@dataclass(frozen=True)
class Aggregates:
    """Each member's latest result in a scope, summed: what a dashboard's numbers start from."""

    members: int
    responses: int  # valid results in scope
    moments: dict[str, tuple[float, float]]  # scale -> (sum, sum of squares) over members
    style_counts: dict[str, int]
    fits: dict[str, int]  # style -> members whose affinity for it is at least FIT_AFFINITY
    flags: dict[str, int]  # flag -> members whose latest result carries it
    set_aside: int = 0  # answer sheets in scope that describe no one (not valid)


@dataclass(frozen=True)
class StyleMove:
    """How many retakers went from one style (their previous result) to another (their latest)."""

    previous: str
    latest: str
    n: int


@dataclass(frozen=True)
class TeamSummary:
    members: int
    responses: int
    style_counts: dict[str, int]
    style_shares: dict[str, float]
    scales: dict[str, Summary]
    flags: dict[str, int]
    fits: dict[str, int]
    set_aside: int = 0

    @property
    def thin(self) -> dict[str, bool]:
        return {s: is_thin(self.fits[s], self.members) for s in STYLES}

    @property
    def mean_scores(self) -> dict[str, float]:
        return {s: self.scales[s].mean or 0.0 for s in STYLES}

    @property
    def spread(self) -> dict[str, float]:
        return {s: self.scales[s].sd or 0.0 for s in STYLES}

    def as_dict(self) -> dict:
        return {
            "members": self.members,
            "responses": self.responses,
            "set_aside": self.set_aside,
            "style_counts": self.style_counts,
            "scales": {k: {f: v for f, v in s.as_dict().items() if f != "n"} for k, s in self.scales.items()},
        }


def team_summary(agg: Aggregates) -> TeamSummary:
    return TeamSummary(
        members=agg.members,
        responses=agg.responses,
        style_counts=dict(agg.style_counts),
        style_shares=shares(agg.style_counts),
        scales={c: from_moments(agg.members, *agg.moments[c]) for c in SCALES},
        flags=dict(agg.flags),
        fits=dict(agg.fits),
        set_aside=agg.set_aside,
    )


@dataclass(frozen=True)
class StyleChanges:
    """Members who took it again: how many, how many now show another style, and which moves."""

    retakers: int
    changed: int
    moves: list[tuple[str, str, int]]  # (previous style, latest style, members), most common first

    def as_dict(self) -> dict:
        return {
            "retakers": self.retakers,
            "changed": self.changed,
            "moves": [{"from": a, "to": b, "members": n} for a, b, n in self.moves],
        }


def style_changes(pairs: Iterable[StyleMove]) -> StyleChanges:
    """Each retaker's previous and latest style, counted into moves."""
    counts: dict[tuple[str, str], int] = {}
    for move in pairs:
        key = (move.previous, move.latest)
        counts[key] = counts.get(key, 0) + move.n
    order = {s: i for i, s in enumerate(STYLES)}
    moves = sorted(
        ((a, b, n) for (a, b), n in counts.items() if a != b and n),
        key=lambda m: (-m[2], order[m[0]], order[m[1]]),
    )
    return StyleChanges(retakers=sum(counts.values()), changed=sum(n for _a, _b, n in moves), moves=moves)
