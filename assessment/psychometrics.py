"""Reliability of the questionnaire's scales, from the answers people actually gave. Pure.

- Cronbach's alpha on keyed answers: k / (k - 1) * (1 - sum of item variances / variance
  of the total).
- Its 95% confidence interval by Bonett's (2002) method: ln(1 - alpha) is close to normal
  with variance 2k / ((k - 1)(n - 2)). It needs nothing beyond the normal distribution
  and holds up from n = 10 on.
- The corrected item-total correlation: each item against the sum of the *other* items
  of its scale, so an item is not correlated with itself.
- Alpha if the item were deleted: an item that raises alpha when dropped pulls the scale
  apart (it measures something else, or reads differently from how it was meant).

Variances use n - 1, as the team statistics do. Below MIN_N respondents nothing is
reported: the figures would mean nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Mapping, Sequence

from .scoring import keyed_value

MIN_N = 10
Z95 = NormalDist().inv_cdf(0.975)


def _variance(values: Sequence[float]) -> float:
    n = len(values)
    mean = math.fsum(values) / n
    return math.fsum((v - mean) ** 2 for v in values) / (n - 1)


def _correlation(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    n = len(xs)
    mx, my = math.fsum(xs) / n, math.fsum(ys) / n
    sxy = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = math.fsum((x - mx) ** 2 for x in xs)
    syy = math.fsum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def cronbach_alpha(rows: Sequence[Sequence[float]]) -> float | None:
    """Rows are respondents, columns items (keyed). None when it is undefined."""
    n = len(rows)
    k = len(rows[0]) if rows else 0
    if n < 2 or k < 2:
        return None
    columns = list(zip(*rows))
    total_var = _variance([math.fsum(r) for r in rows])
    if total_var == 0:
        return None
    return k / (k - 1) * (1 - math.fsum(_variance(c) for c in columns) / total_var)


def alpha_interval(alpha: float, n: int, k: int) -> tuple[float, float]:
    """Bonett's 95% interval for alpha from n respondents and k items."""
    if alpha >= 1:
        return (1.0, 1.0)
    spread = Z95 * math.sqrt(2 * k / ((k - 1) * (n - 2)))
    centre = math.log(1 - alpha)
    return (1 - math.exp(centre + spread), 1 - math.exp(centre - spread))


@dataclass(frozen=True)
class ItemFigures:
    id: str
    item_total: float | None  # corrected item-total correlation
    alpha_if_deleted: float | None


@dataclass(frozen=True)
class ScaleFigures:
    n: int
    alpha: float | None
    alpha_ci: tuple[float, float] | None
    mean: float | None  # of the scale score, 0-100
    sd: float | None
    items: tuple[ItemFigures, ...]

    def as_dict(self, digits: int = 3) -> dict:
        r = (lambda v: None if v is None else round(v, digits))
        return {
            "alpha": r(self.alpha),
            "alpha_ci": None if self.alpha_ci is None else [r(self.alpha_ci[0]), r(self.alpha_ci[1])],
            "mean": r(self.mean),
            "sd": r(self.sd),
            "items": [{"id": i.id, "item_total": r(i.item_total), "alpha_if_deleted": r(i.alpha_if_deleted)}
                      for i in self.items],
        }


def scale_figures(item_ids: Sequence[str], rows: Sequence[Sequence[float]], scores: Sequence[float]) -> ScaleFigures:
    """Alpha, its interval, the scale's mean and SD and the item figures of one scale.

    rows: each respondent's keyed answers in item_ids order; scores: their 0-100 scale scores.
    """
    n = len(rows)
    if n < MIN_N:
        return ScaleFigures(n, None, None, None, None,
                            tuple(ItemFigures(i, None, None) for i in item_ids))
    alpha = cronbach_alpha(rows)
    columns = list(zip(*rows))
    totals = [math.fsum(r) for r in rows]
    items = []
    for j, item_id in enumerate(item_ids):
        rest = [t - c for t, c in zip(totals, columns[j])]
        without = [r[:j] + r[j + 1:] for r in (list(row) for row in rows)]
        items.append(ItemFigures(item_id, _correlation(columns[j], rest), cronbach_alpha(without)))
    return ScaleFigures(
        n=n,
        alpha=alpha,
        alpha_ci=None if alpha is None else alpha_interval(alpha, n, len(item_ids)),
        mean=math.fsum(scores) / n,
        sd=math.sqrt(_variance(scores)),
        items=tuple(items),
    )


def lowers_alpha(figures: Mapping, tolerance: float = 0.005) -> list[str]:
    """Items whose removal would raise alpha (figures as in a report): the ones to read again."""
    if figures["alpha"] is None:
        return []
    return [i["id"] for i in figures["items"]
            if i["alpha_if_deleted"] is not None and i["alpha_if_deleted"] > figures["alpha"] + tolerance]


# Local norms: "more assertive than 70% of agents here" once there are enough results.
NORMS_MIN = 200


def percentile(below: int, equal: int, total: int) -> int:
    """The share of earlier results below this score, counting ties as half, in whole percent."""
    return round(100 * (below + equal / 2) / total)


def questionnaire_report(q, sheets: Sequence[Mapping[str, int]], scores: Sequence[Mapping[str, float]]) -> dict:
    """Live reliability of a questionnaire from stored answer sheets (one per person) and
    their axis scores: {"n", "version", "axes": {axis: figures}}, the figures null below MIN_N."""
    axes = {}
    for axis, item_ids in q.axis_items.items():
        rows = [[keyed_value(q, i, sheet[i]) for i in item_ids] for sheet in sheets]
        axes[axis] = scale_figures(item_ids, rows, [s[axis] for s in scores]).as_dict()
    return {"n": len(sheets), "version": q.version, "axes": axes}
