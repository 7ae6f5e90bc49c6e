"""Simulated respondents: the model behind every psychometric claim the tool makes. Pure.

The respondent model (stated once, used by the test suite, `benchmarks/psychometrics.py`
and the figures in the README):

- Each person has two latent traits, assertiveness and responsiveness, each drawn from
  a standard normal distribution, independent of each other.
- Each person has a yes-saying tendency (acquiescence) g, in scale points, drawn from a
  normal distribution with mean ACQ_MEAN and SD ACQ_SD: most people lean a little
  towards agreeing, a few lean the other way.
- An answer to an item is 3 + LOADING * s * trait + g + noise, rounded to the nearest
  whole number and kept within 1-5, where s is +1 for a plus-keyed and -1 for a
  minus-keyed item and the noise is normal with SD NOISE, fresh for every answer.
- A retake a few weeks later is the same person (traits and g) with fresh noise.
- Careless respondents answer every item uniformly at random (1-5).

The parameters are chosen so that the scales come out with the reliability published
self-report style scales of this length typically reach (alpha around 0.8).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .psychometrics import cronbach_alpha
from .questionnaire import Questionnaire
from .scoring import FLAGS, keyed_value, score

LOADING = 0.55
NOISE = 1.0
ACQ_MEAN = 0.15
ACQ_SD = 0.3


@dataclass(frozen=True)
class Person:
    traits: dict[str, float]
    acquiescence: float


def person(rng: random.Random, acquiescence: float | None = None) -> Person:
    return Person(
        traits={"assertiveness": rng.gauss(0, 1), "responsiveness": rng.gauss(0, 1)},
        acquiescence=rng.gauss(ACQ_MEAN, ACQ_SD) if acquiescence is None else acquiescence,
    )


def answer_sheet(q: Questionnaire, who: Person, rng: random.Random) -> dict[str, int]:
    """One honest sitting of the questionnaire by this person."""
    lo, hi = q.scale.min, q.scale.max
    centre = (lo + hi) / 2
    sheet = {}
    for item in q.items:
        sign = 1 if item.keyed == "plus" else -1
        trait = who.traits.get(item.axis, 0.0)
        value = centre + LOADING * sign * trait + who.acquiescence + rng.gauss(0, NOISE)
        sheet[item.id] = min(hi, max(lo, round(value)))
    return sheet


def careless_sheet(q: Questionnaire, rng: random.Random) -> dict[str, int]:
    return {item.id: rng.randint(q.scale.min, q.scale.max) for item in q.items}


# --- the figures the suite asserts and benchmarks/psychometrics.py prints ------------

@dataclass(frozen=True)
class Figures:
    n: int
    alpha: dict[str, float]  # per axis, on keyed answers of honest respondents
    score_mean: dict[str, float]
    score_sd: dict[str, float]
    flag_rates: dict[str, dict[str, float]]  # group -> flag (or "invalid") -> share
    calibration: list[tuple[float, float, float, float, int]]  # (low, high, mean told, share kept, n)
    ties: dict[str, dict[str, int]]  # balanced axis -> primary style -> count


CALIBRATION_BANDS = ((0.0, 0.4), (0.4, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01))


def figures(q: Questionnaire, n: int = 5000, seed: int = 2026) -> Figures:
    """Simulate n honest respondents (each twice: a retake), n strong yes-sayers and n
    careless ones, and measure what the suite and the README claim."""
    rng = random.Random(seed)
    honest, retakes, keyed_rows = [], [], {a: [] for a in q.axis_items}
    for _ in range(n):
        who = person(rng)
        sheet = answer_sheet(q, who, rng)
        honest.append(score(q, sheet))
        retakes.append(score(q, answer_sheet(q, who, rng)))
        for axis, ids in q.axis_items.items():
            keyed_rows[axis].append([keyed_value(q, i, sheet[i]) for i in ids])
    yes_sayers = [score(q, answer_sheet(q, person(rng, acquiescence=0.6), rng)) for _ in range(n)]
    careless = [score(q, careless_sheet(q, rng)) for _ in range(n)]

    def rates(profiles) -> dict[str, float]:
        found = {f: sum(f in p.flags for p in profiles) / len(profiles) for f in FLAGS}
        found["invalid"] = sum(not p.valid for p in profiles) / len(profiles)
        return found

    calibration = []
    pairs = [(a.confidence, a.style == b.style) for a, b in zip(honest, retakes) if a.valid and b.valid]
    for low, high in CALIBRATION_BANDS:
        band = [(c, kept) for c, kept in pairs if low <= c < high]
        if band:
            calibration.append((low, high, sum(c for c, _ in band) / len(band),
                                sum(kept for _, kept in band) / len(band), len(band)))
    ties: dict[str, dict[str, int]] = {}
    for p in honest:
        if len(p.balanced) == 1:
            counts = ties.setdefault(p.balanced[0], {})
            counts[p.style] = counts.get(p.style, 0) + 1
    scores = {a: [p.axes[a] for p in honest] for a in q.axis_items}
    return Figures(
        n=n,
        alpha={a: cronbach_alpha(rows) for a, rows in keyed_rows.items()},
        score_mean={a: sum(v) / n for a, v in scores.items()},
        score_sd={a: (sum((x - sum(v) / n) ** 2 for x in v) / (n - 1)) ** 0.5 for a, v in scores.items()},
        flag_rates={"honest": rates(honest), "yes_sayers": rates(yes_sayers), "careless": rates(careless)},
        calibration=calibration,
        ties=ties,
    )
