"""WTForms: the questionnaire pages (generated from the questionnaire) and the fixed forms."""

from __future__ import annotations

import re
import unicodedata
from typing import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, PasswordField, RadioField, SelectChoice, StringField
from wtforms.validators import EqualTo, InputRequired, Length, Optional, ValidationError

from .passwords import weakness
from .questionnaire import Item, Scale


CANT_SAY_CHOICE = "x"  # the form's value for "can't say", which answers hold as None


def _choice(value: str) -> int | str:
    """A submitted choice: a point of the scale (a whole number) or CANT_SAY_CHOICE."""
    return value if value == CANT_SAY_CHOICE else int(value)


def kept_answers(form, items, scale) -> dict[str, int | None]:
    """The answers on a submitted page worth keeping in the draft: those given and on the
    scale, and "can't say" (None) where the scale offers it."""
    kept = {}
    for item in items:
        field = form[item.id]
        if field.errors:
            continue
        if field.data in scale.values:
            kept[item.id] = field.data
        elif field.data == CANT_SAY_CHOICE and scale.cant_say is not None:
            kept[item.id] = None
    return kept


def page_form(items: Sequence[Item], scale: Scale, lang: str, data: dict | None = None) -> FlaskForm:
    """A form whose fields are named by item id, so saved answers map straight back.

    On a POST it reads the request; otherwise it shows `data`, the answers saved so far.
    A scale with a cant_say label adds it as the last choice of every statement.
    """
    choices = [SelectChoice(v, label.get(lang)) for v, label in zip(scale.values, scale.labels)]
    if scale.cant_say is not None:
        choices.append(SelectChoice(CANT_SAY_CHOICE, scale.cant_say.get(lang)))
    fields = {
        item.id: RadioField(
            item.text.get(lang),
            choices=choices,
            coerce=_choice,
            validators=[InputRequired(message=_l("Please choose an answer for this statement."))],
        )
        for item in items
    }
    form_class = type("QuestionnairePageForm", (FlaskForm,), fields)
    shown = {k: CANT_SAY_CHOICE if v is None else v for k, v in (data or {}).items()}
    return form_class(data=shown)


NAME_MAX = 80
EMPLOYEE_ID_MAX = 40


# OWASP ASVS 2.1.1-2.1.2: at least 12 characters, and room for a long passphrase.
PASSWORD_MIN = 12
PASSWORD_MAX = 128


PASSWORD_WEAKNESS = {
    "common": _l("This password is on the list of the most common ones, the first a guesser tries. Choose another."),
    "common_word": _l("This is a common password with digits or symbols added, which guessers try early. Choose another."),
    "repetitive": _l("This password repeats one character or a short pattern. Choose one that does not."),
    "sequence": _l("This password is a run of letters, digits or keyboard keys (like 123456 or qwerty). Choose another."),
    "username": _l("This password contains the username. Choose one that does not."),
}


def strong_password(form, field) -> None:
    """A WTForms validator: refuses common and repetitive passwords (assessment/passwords.py)
    with the reason; the form's username field, when it has one, is checked against too."""
    username = form.username.data if "username" in form and isinstance(form.username.data, str) else ""
    reason = weakness(field.data or "", username)
    if reason:
        raise ValidationError(PASSWORD_WEAKNESS[reason])


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[InputRequired(message=_l("Enter your username.")), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[InputRequired(message=_l("Enter your password.")), Length(max=200)])


class PasswordForm(FlaskForm):
    """Changing one's own password: the current one proves it is really the trainer."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(message=_l("Enter your current password.")), Length(max=200)],
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[
            InputRequired(message=_l("Choose a new password.")),
            Length(min=PASSWORD_MIN, max=PASSWORD_MAX,
                   message=_l("Use %(min)d to %(max)d characters.", min=PASSWORD_MIN, max=PASSWORD_MAX)),
            strong_password,
        ],
    )
    confirm_password = PasswordField(
        _l("New password again"),
        validators=[
            InputRequired(message=_l("Type the new password again.")),
            EqualTo("new_password", message=_l("This does not match the new password.")),
        ],
    )

    def validate_new_password(self, field) -> None:
        if field.data and field.data == self.current_password.data:
            raise ValidationError(_l("Choose a password different from the current one."))


def _strip(value):
    """Runs of spaces as one, and the Unicode normal form (NFC): a name typed as a letter plus a
    combining accent is the same name as one typed with the accented letter."""
    return unicodedata.normalize("NFC", " ".join(value.split())) if isinstance(value, str) else value


USERNAME_MAX = 80
# Staff usernames: ASCII letters and digits, . _ -, and Chinese characters. No look-alike
# letters from other scripts (a Cyrillic а beside a Latin a would make two accounts look alike).
_USERNAME = re.compile(r"[A-Za-z0-9._\-\u3400-\u9fff]{1,%d}" % USERNAME_MAX)
USERNAME_RULE = f"1 to {USERNAME_MAX} characters: letters a-z, digits, . _ - and Chinese characters"


def clean_username(value: str) -> str:
    """The username as stored (NFC, trimmed); ValueError when it leaves the safe set."""
    text = unicodedata.normalize("NFC", value.strip()) if isinstance(value, str) else ""
    if not _USERNAME.fullmatch(text):
        raise ValueError(USERNAME_RULE)
    return text


def safe_username(form, field) -> None:
    """A WTForms validator for new usernames (see clean_username)."""
    try:
        field.data = clean_username(field.data or "")
    except ValueError:
        raise ValidationError(_l("Use letters a-z, digits, . _ - or Chinese characters (at most 80).")) from None


def has_unprintable(text: str) -> bool:
    """Control, invisible formatting (RTL overrides, zero-width) or surrogate characters."""
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") for ch in text)


def clean_name(value, max_length: int, required: bool = True) -> str | None:
    """A display name from the API: the same rules the forms apply. Raises ValueError."""
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            raise ValueError("required")
        return None
    if not isinstance(value, str):
        raise ValueError("must be a string")
    text = _strip(value)
    if not text:
        raise ValueError("must not be blank")
    if len(text) > max_length:
        raise ValueError(f"at most {max_length} characters")
    if has_unprintable(text):
        raise ValueError("contains control or invisible characters")
    return text


def _printable(form, field) -> None:
    """Names show on dashboards and in exports: no control or invisible formatting characters."""
    if has_unprintable(field.data or ""):
        raise ValidationError(_l("Use letters, digits and ordinary punctuation only."))


def _name_field(label, when_missing) -> StringField:
    """A display name: the same rules as clean_name, for team and agent names alike."""
    return StringField(
        label,
        filters=[_strip],
        validators=[InputRequired(message=when_missing),
                    Length(min=1, max=NAME_MAX, message=_l("Use 1 to 80 characters.")), _printable],
    )


class TeamForm(FlaskForm):
    name = _name_field(_l("Team name"), _l("Give the team a name."))


class JoinForm(FlaskForm):
    name = _name_field(_l("Your name"), _l("Enter the name your trainer knows you by."))
    employee_id = StringField(
        _l("Employee ID (optional)"),
        filters=[_strip],
        validators=[Optional(), Length(max=EMPLOYEE_ID_MAX, message=_l("Use at most 40 characters.")), _printable],
    )


class RetakeForm(FlaskForm):
    """Only the CSRF token: the result link in the address is the proof."""


class MergeForm(FlaskForm):
    """Only the CSRF token: the two members are in the address."""


class CodeForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only looks a team up

    code = StringField(_l("Team code"), validators=[InputRequired(message=_l("Enter the code your trainer gave you.")), Length(max=20)])


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # GET filters change nothing

    since = DateField(_l("From"), validators=[Optional()], format="%Y-%m-%d")
    until = DateField(_l("To"), validators=[Optional()], format="%Y-%m-%d")

    def validate_until(form, field):
        if field.data and form.since.data and field.data < form.since.data:
            raise ValidationError(_l("The end date must not be before the start date."))
