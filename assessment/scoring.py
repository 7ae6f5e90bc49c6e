"""Answers -> communication-style profile. Pure: no Flask, no storage.

The algorithm (explained for users in README.md, "How scoring works"):

1. Each answer is keyed: a "plus" item counts as answered, a "minus" item counts
   as min + max - answer (5 becomes 1 on a 1-5 scale).
2. An axis score is the mean keyed answer of that axis' items, stretched to 0-100;
   50 is the centre of the scale.
3. With x = assertiveness - 50 and y = responsiveness - 50, the affinity for a style
   is 50 + (pole_a * x + pole_r * y) / 2, where the poles are +1 or -1 by the
   style's quadrant. Affinities run 0-100 and mirror styles add up to 100.
4. The primary style is the quadrant the point lies in. An axis exactly at 50 is
   *balanced*: it favours neither pole. Its side is then decided by the answer sheet
   itself, by the parity of a hash of the answers and the axis name. The rule has no
   favourite: over sheets that sit on 50, each neighbouring style comes out primary
   half the time. It is stable: the same answers always give the same style.
5. The secondary style is the neighbouring quadrant across the weaker axis (the one
   nearer 50); on a tie the responsiveness side is flipped.
6. Confidence is the probability that a retake a few weeks later gives the same
   primary style. For each axis, from the questionnaire's reliability alpha and the
   spread of scores (mean m, SD s, in the file's [reliability] table): the best guess
   of the true score is T = m + alpha (X - m) (Kelley), and a retake scatters around
   it with SD s * sqrt((1 - alpha)(1 + alpha)) (the error of the guess plus the
   retake's own error). The chance that the retake stays on the same side of 50 is
   read off the normal curve; the two axes multiply. Clarity follows confidence:
   "clear" from 0.8, "moderate" from 0.6, else "flexible" (could go either way).
7. An answer sheet that describes no one is not scored into a style (`valid` false,
   style null): 85% or more of the answers the same (straight_lining), or answers
   that repeat a short pattern such as 1-5-1-5 through 85% of the sheet while ignoring
   the statements' keying and taking no position on either axis (patterned).
8. Flags (shown, never hidden): contradictory (mirror statements answered alike
   after the person's yes-saying is taken out, see quality_flags), acquiescence
   (agreeing, or disagreeing, with nearly everything), too_fast.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Mapping

from .model import AXES, STYLE_POLES, STYLES, style_at
from .questionnaire import Questionnaire

# Stored with every profile; raise it whenever a change here would score the same
# answers differently, then run `flask --app app rescore` to bring stored results along.
SCORING_VERSION = 2

# Clarity, least sure first: confidence under MODERATE_FROM, under CLEAR_FROM, beyond.
CLARITIES = ("flexible", "moderate", "clear")
MODERATE_FROM = 0.6
CLEAR_FROM = 0.8

# Response-quality flags, in display order.
FLAGS = ("straight_lining", "patterned", "contradictory", "acquiescence", "too_fast")
INVALIDATING = ("straight_lining", "patterned")  # a sheet with these describes no one
STRAIGHT_LINE_SHARE = 0.85  # this share of identical answers or more
PATTERN_SHARE = 0.85  # this share of answers repeating the one PATTERN_PERIODS before
PATTERN_PERIODS = (2, 3, 4)
# ... while its keyed answers on an axis still scatter this much, and neither axis score
# lies this far from 50: the pattern ignores what the statements say, so it takes no
# position. A consistent person whose answers repeat because the items' keying repeats
# scatters close to 0, and one with a strong style sits far from the centre; honest
# answers never repeat through 85% of the sheet.
PATTERN_SPREAD = 0.5
PATTERN_CENTRE = 25
# Keyed answers on one axis scatter this much (variance, yes-saying removed) or more: the
# statements of an axis, and their opposites, were answered without regard to what they say.
# Random answers on a 1-5 scale scatter with variance 2; honest ones about half that.
CONTRADICTION_SPREAD = 1.6
ACQUIESCENCE_POINTS = 0.8  # mean answer this far from the scale's centre
FAST_SECONDS_PER_ITEM = 1.5

_NORMAL = NormalDist()


class AnswerError(ValueError):
    """Answers that cannot be scored: item id -> what is wrong with it."""

    def __init__(self, details: dict[str, str]):
        self.details = details
        super().__init__("; ".join(f"{k}: {v}" for k, v in details.items()))


@dataclass(frozen=True)
class Profile:
    axes: dict[str, float]
    scores: dict[str, float]
    style: str | None
    secondary_style: str | None
    clarity: str | None
    flags: tuple[str, ...]
    valid: bool = True
    confidence: float | None = None
    balanced: tuple[str, ...] = ()
    # Filled in when stored: the share of earlier results here below this one, per axis.
    percentiles: dict[str, int] | None = field(default=None)

    @property
    def distance(self) -> float:
        """How far from the centre of the map."""
        return round(math.hypot(self.axes["assertiveness"] - 50, self.axes["responsiveness"] - 50), 1)

    def as_dict(self) -> dict:
        """The profile as the API returns it."""
        return {
            "valid": self.valid,
            "style": self.style,
            "secondary_style": self.secondary_style,
            "clarity": self.clarity,
            "confidence": self.confidence,
            "balanced": list(self.balanced),
            "axes": dict(self.axes),
            "scores": dict(self.scores),
            "flags": list(self.flags),
            "percentiles": None if self.percentiles is None else dict(self.percentiles),
        }


def check_answers(q: Questionnaire, answers: Mapping[str, object]) -> dict[str, str]:
    """Problems by item id: missing, unknown, or a value off the scale. None is "can't say",
    an answer only a scale with a cant_say label takes (observer forms)."""
    problems: dict[str, str] = {}
    lo, hi = q.scale.min, q.scale.max
    cant_say = q.scale.cant_say is not None
    for item in q.items:
        if item.id not in answers:
            problems[item.id] = "missing answer"
    known = q.item_ids
    for key, value in answers.items():
        if key not in known:
            problems[str(key)] = "unknown item"
        elif value is None and cant_say:
            continue
        elif isinstance(value, bool) or not isinstance(value, int):
            problems[key] = f"must be a whole number from {lo} to {hi}" + (" or null (can't say)" if cant_say else "")
        elif not lo <= value <= hi:
            problems[key] = f"{value} is outside the scale {lo} to {hi}"
    return problems


def keyed_value(q: Questionnaire, item_id: str, answer: float) -> float:
    return q.scale.min + q.scale.max - answer if item_id in q.reverse_keyed else answer


def _keyed(q: Questionnaire, answers: Mapping[str, float | None], axis: str, shift: float = 0) -> list[float]:
    """An axis' keyed answers, each answer moved by shift first (see spread_within_axes);
    a "can't say" (None) has no keyed value and is left out."""
    flip = q.scale.min + q.scale.max
    return [flip - (answers[i] + shift) if reverse else answers[i] + shift
            for i, reverse in q.axis_keying[axis] if answers[i] is not None]


def axis_scores(q: Questionnaire, answers: Mapping[str, int | None]) -> dict[str, float]:
    """Each axis of the questionnaire (versatility too, on an observer form): the mean
    keyed answer stretched to 0-100, over the answered items (None is "can't say")."""
    span = q.scale.max - q.scale.min
    scores = {}
    for axis in q.axis_keying:
        values = _keyed(q, answers, axis)
        if not values:
            raise AnswerError({axis: "no statement of this scale is answered"})
        scores[axis] = round((sum(values) / len(values) - q.scale.min) / span * 100, 1)
    return scores


def score(q: Questionnaire, answers: Mapping[str, int], duration_seconds: float | None = None) -> Profile:
    problems = check_answers(q, answers)
    if problems:
        raise AnswerError(problems)
    axes = axis_scores(q, answers)
    flags = quality_flags(q, answers, duration_seconds, axes)
    if any(f in INVALIDATING for f in flags):
        return Profile(axes=axes, scores=affinities(axes), style=None, secondary_style=None, clarity=None,
                       flags=flags, valid=False, confidence=None, balanced=())
    sides = {a: _tie_side(answers, a) for a in AXES if axes[a] == 50}
    profile = profile_from_axes(axes, flags=flags, tie_sides=sides)
    confidence = retake_confidence(q, profile)
    return Profile(
        axes=profile.axes, scores=profile.scores, style=profile.style, secondary_style=profile.secondary_style,
        clarity=clarity_of(confidence), flags=flags, confidence=confidence, balanced=profile.balanced,
    )


def _tie_side(answers: Mapping[str, int], axis: str) -> bool:
    """A balanced axis' side, high (True) or low: the parity of a hash of the answers.

    Any fixed side would favour one style; a hash of the whole sheet is as likely odd
    as even, so each neighbour gets half of the ties, and a sheet always gets the same."""
    text = axis + ";" + ";".join(f"{k}={answers[k]}" for k in sorted(answers))
    return hashlib.sha256(text.encode()).digest()[-1] % 2 == 1


def affinities(axes: Mapping[str, float]) -> dict[str, float]:
    x = axes["assertiveness"] - 50
    y = axes["responsiveness"] - 50
    return {
        s: round(50 + (STYLE_POLES[s]["assertiveness"] * x + STYLE_POLES[s]["responsiveness"] * y) / 2, 1)
        for s in STYLES
    }


def profile_from_axes(axes: Mapping[str, float], flags: tuple[str, ...] = (),
                      tie_sides: Mapping[str, bool] | None = None) -> Profile:
    """Style, secondary style and balanced axes at a point of the map.

    tie_sides gives the side of an axis exactly at 50 (see _tie_side); without one,
    as for the mean of several raters, a balanced axis counts as high."""
    tie_sides = tie_sides or {}
    x = axes["assertiveness"] - 50
    y = axes["responsiveness"] - 50
    high_a = x > 0 or (x == 0 and tie_sides.get("assertiveness", True))
    high_r = y > 0 or (y == 0 and tie_sides.get("responsiveness", True))
    style = style_at(high_a, high_r)
    if abs(x) < abs(y):
        secondary = style_at(not high_a, high_r)
    else:
        secondary = style_at(high_a, not high_r)
    return Profile(
        axes={a: axes[a] for a in AXES},
        scores=affinities(axes),
        style=style,
        secondary_style=secondary,
        clarity=None,
        flags=flags,
        balanced=tuple(a for a in AXES if axes[a] == 50),
    )


def retake_confidence(q: Questionnaire, profile: Profile) -> float:
    """The probability that a retake gives the same primary style (see the module's step 6)."""
    confidence = 1.0
    for axis in AXES:
        rel = q.reliability[axis]
        true_score = rel.mean + rel.alpha * (profile.axes[axis] - rel.mean)
        spread = rel.sd * math.sqrt((1 - rel.alpha) * (1 + rel.alpha))
        p_high = _NORMAL.cdf((true_score - 50) / spread)
        high = STYLE_POLES[profile.style][axis] > 0
        confidence *= p_high if high else 1 - p_high
    return round(confidence, 2)


def clarity_of(confidence: float) -> str:
    flexible, moderate, clear = CLARITIES
    if confidence >= CLEAR_FROM:
        return clear
    return moderate if confidence >= MODERATE_FROM else flexible


def less_certain_axis(q: Questionnaire, profile: Profile) -> str:
    """The axis a retake would most likely flip: the one whose true score is nearest 50."""
    def margin(axis: str) -> float:
        rel = q.reliability[axis]
        return abs(rel.mean + rel.alpha * (profile.axes[axis] - rel.mean) - 50) / rel.sd
    return min(AXES, key=margin)


def quality_flags(q: Questionnaire, answers: Mapping[str, int], duration_seconds: float | None,
                  axes: Mapping[str, float] | None = None) -> tuple[str, ...]:
    """Signs that the answers may not describe the person: shown, never hidden.

    Yes-saying is measured apart and taken out before looking for contradictions:
    with half of each axis reverse-keyed, a person who agrees a little with
    everything still answers opposite statements consistently once their own mean
    is the centre, while random answers stay inconsistent whatever their mean."""
    flags = set()
    values = [answers[item.id] for item in q.items]  # display order
    n = len(values)
    if max(map(values.count, set(values))) >= STRAIGHT_LINE_SHARE * n:
        flags.add("straight_lining")
    centre = q.scale.midpoint
    lean = sum(values) / n - centre
    spread = spread_within_axes(q, answers, lean)
    axes = axes if axes is not None else axis_scores(q, answers)
    if ("straight_lining" not in flags and spread >= PATTERN_SPREAD
            and all(abs(axes[a] - 50) < PATTERN_CENTRE for a in AXES)
            and any(_repeats(values, p) for p in PATTERN_PERIODS if n > 2 * p)):
        # A repeating pattern that also ignores what the statements say. (A consistent
        # person can repeat too, when the items' order repeats; their answers agree with
        # the keying, so their spread is low.)
        flags.add("patterned")
    if abs(lean) >= ACQUIESCENCE_POINTS:
        flags.add("acquiescence")
    if not flags & set(INVALIDATING) and spread >= CONTRADICTION_SPREAD:
        flags.add("contradictory")
    if duration_seconds is not None and duration_seconds < FAST_SECONDS_PER_ITEM * len(q.items):
        flags.add("too_fast")
    return tuple(f for f in FLAGS if f in flags)


def _repeats(values: list[int], period: int) -> bool:
    """Do PATTERN_SHARE or more of the answers repeat the one `period` before? Stops at the
    first answer too many that does not: honest sheets are decided within a few."""
    allowed = (1 - PATTERN_SHARE) * (len(values) - period)
    misses = 0
    for i in range(period, len(values)):
        if values[i] != values[i - period]:
            misses += 1
            if misses > allowed:
                return False
    return True


def spread_within_axes(q: Questionnaire, answers: Mapping[str, int], lean: float) -> float:
    """The mean over the two axes of the variance of a person's keyed answers, once their
    lean towards agreeing is taken out: low when the statements of an axis and their
    opposites were answered as opposites, high when they were answered alike or at random."""
    spreads = []
    for axis in AXES:
        values = _keyed(q, answers, axis, -lean)
        mean = sum(values) / len(values)
        spreads.append(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
    return sum(spreads) / len(spreads)
