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

from .questionnaire import Questionnaire

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
