"""Answers -> communication-style profile. Pure: no Flask, no storage.

The algorithm (explained for users in README.md, "How scoring works"):

1. Each answer is keyed: a "plus" item counts as answered, a "minus" item counts
   as min + max - answer (5 becomes 1 on a 1-5 scale).
2. An axis score is the mean keyed answer of that axis' items, stretched to 0-100;
   50 is the centre of the scale.
3. With x = assertiveness - 50 and y = responsiveness - 50, the affinity for a style
   is 50 + (pole_a * x + pole_r * y) / 2, where the poles are +1 or -1 by the
   style's quadrant. Affinities run 0-100 and mirror styles add up to 100.
4. The primary style is the quadrant the point lies in. Tie rule: a score of exactly
   50 counts as the high end, so the exact centre is Expressive.
5. The secondary style is the neighbouring quadrant across the weaker axis (the one
   nearer 50); on a tie the responsiveness side is flipped.
6. Clarity is the distance from the centre: under 10 points "flexible" (a flexible
   communicator), under 25 "moderate", else "clear".
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Mapping

from .model import STYLE_POLES, STYLES, style_at
from .questionnaire import Questionnaire

# Stored with every profile; raise it whenever a change here would score the same
# answers differently, then run `flask --app app rescore` to bring stored results along.
SCORING_VERSION = 1

FLEXIBLE_BELOW = 10.0
MODERATE_BELOW = 25.0
# Clarity, nearest the centre first: under FLEXIBLE_BELOW, under MODERATE_BELOW, beyond.
CLARITIES = ("flexible", "moderate", "clear")

# Response-quality flags, in display order.
FLAGS = ("straight_lining", "contradictory", "too_fast")
STRAIGHT_LINE_SHARE = 0.85  # this share of identical answers or more
CONTRADICTION_GAP = 3  # keyed answers of mirrored items this far apart contradict
CONTRADICTION_SHARE = 0.25  # of the mirrored pairs, at least two
FAST_SECONDS_PER_ITEM = 1.5


class AnswerError(ValueError):
    """Answers that cannot be scored: item id -> what is wrong with it."""

    def __init__(self, details: dict[str, str]):
        self.details = details
        super().__init__("; ".join(f"{k}: {v}" for k, v in details.items()))


@dataclass(frozen=True)
class Profile:
    axes: dict[str, float]
    scores: dict[str, float]
    style: str
    secondary_style: str
    clarity: str
    flags: tuple[str, ...]

    @property
    def distance(self) -> float:
        """How far from the centre of the map."""
        return round(math.hypot(self.axes["assertiveness"] - 50, self.axes["responsiveness"] - 50), 1)

    def as_dict(self) -> dict:
        """The profile as the API returns it."""
        return {
            "style": self.style,
            "secondary_style": self.secondary_style,
            "clarity": self.clarity,
            "axes": dict(self.axes),
            "scores": dict(self.scores),
            "flags": list(self.flags),
        }


def check_answers(q: Questionnaire, answers: Mapping[str, object]) -> dict[str, str]:
    """Problems by item id: missing, unknown, or a value off the scale."""
    problems: dict[str, str] = {}
    lo, hi = q.scale.min, q.scale.max
    for item in q.items:
        if item.id not in answers:
            problems[item.id] = "missing answer"
    known = {item.id for item in q.items}
    for key, value in answers.items():
        if key not in known:
            problems[str(key)] = "unknown item"
        elif isinstance(value, bool) or not isinstance(value, int):
            problems[key] = f"must be a whole number from {lo} to {hi}"
        elif not lo <= value <= hi:
            problems[key] = f"{value} is outside the scale {lo} to {hi}"
    return problems


def keyed_value(q: Questionnaire, item_id: str, answer: int) -> int:
    return q.scale.min + q.scale.max - answer if item_id in q.reverse_keyed else answer


def score(q: Questionnaire, answers: Mapping[str, int], duration_seconds: float | None = None) -> Profile:
    problems = check_answers(q, answers)
    if problems:
        raise AnswerError(problems)
    keyed = {item_id: keyed_value(q, item_id, v) for item_id, v in answers.items()}
    span = q.scale.max - q.scale.min
    axes = {}
    for axis, item_ids in q.axis_items.items():
        values = [keyed[item_id] for item_id in item_ids]
        axes[axis] = round((sum(values) / len(values) - q.scale.min) / span * 100, 1)
    return profile_from_axes(axes, flags=quality_flags(q, answers, keyed, duration_seconds))


def profile_from_axes(axes: Mapping[str, float], flags: tuple[str, ...] = ()) -> Profile:
    x = axes["assertiveness"] - 50
    y = axes["responsiveness"] - 50
    scores = {
        s: round(50 + (STYLE_POLES[s]["assertiveness"] * x + STYLE_POLES[s]["responsiveness"] * y) / 2, 1)
        for s in STYLES
    }
    high_a, high_r = x >= 0, y >= 0
    style = style_at(high_a, high_r)
    if abs(x) < abs(y):
        secondary = style_at(not high_a, high_r)
    else:
        secondary = style_at(high_a, not high_r)
    distance = round(math.hypot(x, y), 1)
    flexible, moderate, clear = CLARITIES
    if distance < FLEXIBLE_BELOW:
        clarity = flexible
    elif distance < MODERATE_BELOW:
        clarity = moderate
    else:
        clarity = clear
    return Profile(
        axes=dict(axes),
        scores=scores,
        style=style,
        secondary_style=secondary,
        clarity=clarity,
        flags=flags,
    )


def quality_flags(
    q: Questionnaire,
    answers: Mapping[str, int],
    keyed: Mapping[str, int],
    duration_seconds: float | None,
) -> tuple[str, ...]:
    """Signs that the answers may not describe the person: shown, never hidden."""
    flags = set()
    most_common = Counter(answers.values()).most_common(1)[0][1]
    if most_common >= STRAIGHT_LINE_SHARE * len(answers):
        flags.add("straight_lining")
    pairs = q.mirror_pairs
    if len(pairs) >= 2:
        clashes = sum(1 for a, b in pairs if abs(keyed[a] - keyed[b]) >= CONTRADICTION_GAP)
        if clashes >= max(2, CONTRADICTION_SHARE * len(pairs)):
            flags.add("contradictory")
    if duration_seconds is not None and duration_seconds < FAST_SECONDS_PER_ITEM * len(q.items):
        flags.add("too_fast")
    return tuple(f for f in FLAGS if f in flags)
