"""Profile -> the coaching and customer-type tips the result page shows. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from .model import STYLES
from .questionnaire import CustomerType, Questionnaire, StyleContent, Tip


@dataclass(frozen=True)
class CustomerGuide:
    """One customer type as seen by an agent of a given style."""

    customer: CustomerType
    tip: Tip

    @property
    def same_style(self) -> bool:
        return self.customer.key == self.tip.agent_style


def style_names(q: Questionnaire, lang: str) -> dict[str, str]:
    """Each style's name in one language, in model order: chart labels and table rows."""
    return {s: q.styles[s].name.get(lang) for s in STYLES}


def coaching(q: Questionnaire, style: str) -> StyleContent:
    return q.styles[style]


def customer_guides(q: Questionnaire, agent_style: str) -> list[CustomerGuide]:
    """All four customer types, each with the tip matched to this agent's style."""
    return [CustomerGuide(q.customers[c], q.tips[(agent_style, c)]) for c in STYLES]


# How sure a style is, in words: the retake chance as a band, and the figure beside it.
# Never "10 in 10": the model's chance rounds up to certainty for a strong profile, and
# no questionnaire earns that; above SHOWN_MAX the figure says "over 95 %".
VERY_LIKELY_FROM = 0.9
LIKELY_FROM = 0.7
SHOWN_MAX = 95


@dataclass(frozen=True)
class ConfidenceBand:
    band: str  # "very_likely", "likely" or "uncertain"
    percent: int  # the figure shown, at most SHOWN_MAX
    over: bool  # True when the chance is above SHOWN_MAX ("over 95 %")
    flagged: bool  # the answers call for care: the band is "uncertain" whatever the figure


def confidence_band(confidence: float, flags: tuple[str, ...] | list[str] = ()) -> ConfidenceBand:
    """The retake chance as the result page words it. A flagged answer sheet (contradictory,
    yes-saying, rushed) is "uncertain" whatever the model says: the model assumes careful answers."""
    percent = round(confidence * 100)
    over = percent > SHOWN_MAX
    if flags:
        band = "uncertain"
    elif confidence >= VERY_LIKELY_FROM:
        band = "very_likely"
    elif confidence >= LIKELY_FROM:
        band = "likely"
    else:
        band = "uncertain"
    return ConfidenceBand(band, min(percent, SHOWN_MAX), over, bool(flags))
