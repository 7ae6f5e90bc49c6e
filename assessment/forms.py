"""WTForms classes generated from a questionnaire: one form per page of items."""

from __future__ import annotations

from typing import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import InputRequired

from .questionnaire import Item, Scale


def page_form(items: Sequence[Item], scale: Scale, lang: str, data: dict | None = None) -> FlaskForm:
    """A form whose fields are named by item id, so saved answers map straight back.

    On a POST it reads the request; otherwise it shows `data`, the answers saved so far.
    """
    fields = {
        item.id: RadioField(
            item.text.get(lang),
            choices=[(v, label.get(lang)) for v, label in zip(scale.values, scale.labels)],
            coerce=int,
            validators=[InputRequired(message=_l("Please choose an answer for this statement."))],
        )
        for item in items
    }
    form_class = type("QuestionnairePageForm", (FlaskForm,), fields)
    return form_class(data=data or {})
