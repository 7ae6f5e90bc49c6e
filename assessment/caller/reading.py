"""Read the caller from the cues heard in the first half minute, and serve the phrase bank.

How a type is read from the cues (the confidence rule)
------------------------------------------------------
Every cue option points to one pole (``high`` or ``low``) of one axis. Per axis,
with ``n`` chosen options of which ``h`` point high and ``l`` point low:

* the **leaning** is the majority pole; an axis with no chosen cue, or a tie
  (``h == l``), has no leaning;
* its **certainty** is ``(k + 1) / (n + 2)`` with ``k = max(h, l)``: Laplace's rule
  of succession, the chance that the next cue we hear would agree with the
  majority. One cue gives 0.67, two agreeing 0.75, four agreeing 0.83; a
  disagreeing cue lowers it (2 vs 1: 0.60), a tie gives 0.50. It never reaches 1:
  half a minute of a call never makes anyone certain, and cues on one axis are not
  independent (fast talkers interrupt), so a steeper rule would overclaim.

With a leaning on both axes the type is the quadrant of the two poles (high/high
expressive, high/low driver, low/high amiable, low/low analytical) and
``confidence`` is the product of the two certainties, rounded to 2 decimals (one cue
per axis 0.44, every cue agreeing 0.69 with four cues per axis). Without a leaning
on an axis ``customer_type`` is ``None`` and ``confidence`` is 0.

``needs_more`` says which cues to check next. For each axis the list to check is
its unanswered cues (file order), then, when the chosen cues disagree, the cues that
disagree with the majority (for a tie, every chosen cue of that axis): listen for
those again. ``needs_more`` is that list for every axis without a leaning; when both
axes lean, it is the list of the least certain axis that still has something to
check (ties: assertiveness first); it is empty when every cue is answered and
they all agree.

The mood is read apart: it only chooses ``mood_line`` and never changes the type,
the confidence or ``needs_more``. With a type and a known agent style, ``do`` and
``avoid`` start with the line for that agent style x customer type cell, followed
by the customer type's own lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ..model import AXES, STYLE_POLES, STYLES, style_at
from ..questionnaire import shown
from .content import CallerContent, CallerInputError, CueOption


# --- the quick identifier ---------------------------------------------------------


def cues_document(content: CallerContent) -> dict:
    """GET /api/v1/caller-cues."""
    return {
        "cues": [
            {
                "id": cue.id,
                "text": cue.text.as_dict(),
                "options": [
                    {"id": o.id, "text": o.text.as_dict(), "axis": o.axis, "pole": o.pole} for o in cue.options
                ],
            }
            for cue in content.cues
        ],
        "moods": [{"id": m.id, "text": m.text.as_dict()} for m in content.moods],
    }


@dataclass(frozen=True)
class AxisReading:
    axis: str
    high: tuple[str, ...]  # cue ids whose chosen option points high
    low: tuple[str, ...]
    unanswered: tuple[str, ...]

    @property
    def leaning(self) -> str | None:
        if len(self.high) == len(self.low):
            return None
        return "high" if len(self.high) > len(self.low) else "low"

    @property
    def certainty(self) -> float:
        n = len(self.high) + len(self.low)
        return (max(len(self.high), len(self.low)) + 1) / (n + 2)

    @property
    def to_check(self) -> list[str]:
        """Unanswered cues first, then the chosen cues that disagree with the majority."""
        if self.leaning is None:
            disagreeing = [*self.high, *self.low]
        else:
            disagreeing = list(self.low if self.leaning == "high" else self.high)
        return [*self.unanswered, *disagreeing]


def _validated_choices(content: CallerContent, cues: Any) -> tuple[dict[str, str], dict[str, str]]:
    """The chosen option per cue, and a problem per unknown cue or option."""
    problems: dict[str, str] = {}
    chosen: dict[str, str] = {}
    if cues is None:
        return chosen, problems
    if not isinstance(cues, Mapping):
        return chosen, {"cues": "must map cue ids to option ids"}
    for cue_id, option_id in cues.items():
        field = f"cues.{shown(cue_id)}"
        cue = content.cue_by_id.get(cue_id) if isinstance(cue_id, str) else None
        if cue is None:
            problems[field] = f"unknown cue '{shown(cue_id)}'"
        elif option_id is None or option_id == "":
            continue  # not answered (an empty form field)
        elif not isinstance(option_id, str) or cue.option(option_id) is None:
            expected = ", ".join(o.id for o in cue.options)
            problems[field] = f"unknown option '{shown(option_id)}' for cue '{cue.id}' (expected {expected})"
        else:
            chosen[cue.id] = option_id
    return chosen, problems


def axis_readings(content: CallerContent, chosen: Mapping[str, str]) -> dict[str, AxisReading]:
    """Per axis: which chosen cues point high and low, and which cues are unanswered.

    ``chosen`` must hold known cue and option ids (``read_caller`` checks them).
    """
    readings = {}
    for axis in AXES:
        high, low, unanswered = [], [], []
        for cue in content.axis_cues[axis]:
            option = cue.option(chosen[cue.id]) if cue.id in chosen else None
            if option is None:
                unanswered.append(cue.id)
            else:
                (high if option.pole == "high" else low).append(cue.id)
        readings[axis] = AxisReading(axis, tuple(high), tuple(low), tuple(unanswered))
    return readings


def read_caller(
    content: CallerContent,
    cues: Mapping[str, str] | None,
    mood: str | None = None,
    agent_style: str | None = None,
) -> dict:
    """POST /api/v1/caller-cues/read: the type, how sure, what to check next, and what to say.

    ``cues`` maps cue ids to option ids; a cue mapped to None or "" counts as not
    answered. ``agent_style`` is the agent's own style (from their result, which the
    web layer resolves from a result token, or chosen by hand); None when unknown.
    Raises CallerInputError naming every unknown cue, option, mood or style.
    """
    chosen, problems = _validated_choices(content, cues)
    if mood is not None and mood != "" and (not isinstance(mood, str) or mood not in content.mood_by_id):
        expected = ", ".join(m.id for m in content.moods)
        problems["mood"] = f"unknown mood '{shown(mood)}' (expected one of {expected})"
    if agent_style is not None and agent_style != "" and (not isinstance(agent_style, str) or agent_style not in STYLES):
        problems["agent_style"] = f"unknown style '{shown(agent_style)}' (expected one of {', '.join(STYLES)})"
    if problems:
        raise CallerInputError(problems)

    readings = axis_readings(content, chosen)
    unsettled = [a for a in AXES if readings[a].leaning is None]
    if unsettled:
        customer_type = None
        confidence = 0.0
        needs_more = [cue for axis in unsettled for cue in readings[axis].to_check]
    else:
        customer_type = style_at(
            readings["assertiveness"].leaning == "high", readings["responsiveness"].leaning == "high"
        )
        confidence = round(readings["assertiveness"].certainty * readings["responsiveness"].certainty, 2)
        open_axes = sorted((a for a in AXES if readings[a].to_check), key=lambda a: readings[a].certainty)
        needs_more = readings[open_axes[0]].to_check if open_axes else []

    body: dict[str, Any] = {
        "customer_type": customer_type,
        "confidence": confidence,
        "needs_more": needs_more,
        "opening_line": None,
        "do": [],
        "avoid": [],
        "mood_line": content.mood_by_id[mood].line.as_dict() if mood else None,
    }
    if customer_type is not None:
        guide = content.types[customer_type]
        do, avoid = list(guide.do), list(guide.avoid)
        if agent_style:
            cell = content.adjustments[(agent_style, customer_type)]
            do.insert(0, cell.do)
            avoid.insert(0, cell.avoid)
        body["opening_line"] = guide.opening.as_dict()
        body["do"] = [t.as_dict() for t in do]
        body["avoid"] = [t.as_dict() for t in avoid]
    return body


# --- the phrase bank ------------------------------------------------------------------


def phrases_document(content: CallerContent) -> dict:
    """GET /api/v1/phrases."""
    return {
        "by_customer_type": {
            style: [
                {"id": p.id, "situation": p.situation.as_dict(), "say": p.say.as_dict(), "why": p.why.as_dict()}
                for p in content.phrases[style]
            ]
            for style in STYLES
        },
        "empathy": [
            {"id": e.id, "technique": content.techniques[e.technique].name.as_dict(), "say": e.say.as_dict()}
            for e in content.empathy
        ],
        "replacements": [
            {"id": x.id, "avoid": x.avoid.as_dict(), "say": x.say.as_dict(), "why": x.why.as_dict()}
            for x in content.replacements
        ],
    }


def sounds_like(content: CallerContent, style: str) -> list[CueOption]:
    """What a caller of this type sounds like: the option at their pole of each cue."""
    heard = []
    for cue in content.cues:
        pole = "high" if STYLE_POLES[style][cue.axis] > 0 else "low"
        heard.append(next(o for o in cue.options if o.pole == pole))
    return heard
