"""The four-style model: two axes, four styles, two languages.

Everything else (questionnaire files, scoring, content, charts, UI) names these
concepts with exactly these keys, so there is one place to read them from.
"""

AXES = ("assertiveness", "responsiveness")

# Order matters: it is the order of the radar chart, of tables and of the API.
STYLES = ("driver", "expressive", "amiable", "analytical")

# Where each style sits: +1 = high end of the axis, -1 = low end.
STYLE_POLES = {
    "driver": {"assertiveness": +1, "responsiveness": -1},
    "expressive": {"assertiveness": +1, "responsiveness": +1},
    "amiable": {"assertiveness": -1, "responsiveness": +1},
    "analytical": {"assertiveness": -1, "responsiveness": -1},
}

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"


def style_at(assertiveness_high: bool, responsiveness_high: bool) -> str:
    """The style whose quadrant has these two poles."""
    want = {
        "assertiveness": 1 if assertiveness_high else -1,
        "responsiveness": 1 if responsiveness_high else -1,
    }
    return next(s for s in STYLES if STYLE_POLES[s] == want)


# The observer form's third scale: how well a person adapts to the other person.
VERSATILITY = "versatility"

# The seven service abilities a centre's QC scores, in display order.
ABILITIES = (
    "listening", "understanding", "problem_solving", "expression",
    "emotional_control", "learning", "attention_to_detail",
)
