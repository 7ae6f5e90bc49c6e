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
