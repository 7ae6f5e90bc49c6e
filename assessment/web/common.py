"""What every blueprint shares: the request's connection, the loaded questionnaires,
the JSON error body and the export record.

Blueprints import this module and the pure core, never each other, so the import
graph of the web layer is blueprints -> common -> core.
"""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, g
from flask_babel import gettext as _

from .. import content
from ..i18n import current_lang
from ..model import AXES, STYLES
from ..questionnaire import Questionnaire

DEFAULT_SLUG = "communication-style"


def get_db():
    """One connection per request, handed back to the app's pool when the request ends."""
    if "db" not in g:
        g.db = current_app.extensions["db_pool"].acquire()
    return g.db


def close_db(exc=None) -> None:
    db = g.pop("db", None)
    if db is not None:
        current_app.extensions["db_pool"].release(db)


def app_timezone() -> ZoneInfo:
    return current_app.extensions["timezone"]


def questionnaires() -> dict[str, Questionnaire]:
    return current_app.extensions["questionnaires"]


def questionnaire_version(slug: str, version: int) -> Questionnaire:
    """The questionnaire exactly as a stored result was given it (archived versions too); 404 if gone."""
    q = current_app.extensions["questionnaire_versions"].get((slug, version))
    if q is None:
        abort(404)
    return q


def questionnaire_or_404(slug: str) -> Questionnaire:
    q = questionnaires().get(slug)
    if q is None:
        abort(404)
    return q


def default_questionnaire() -> Questionnaire:
    """The questionnaire whose content names styles on team pages."""
    qs = questionnaires()
    return qs.get(DEFAULT_SLUG) or next(iter(qs.values()))


def chart_labels(q: Questionnaire) -> tuple[dict[str, str], dict[str, str]]:
    """Style names and axis titles in the request's language, for charts and tables."""
    axis_titles = {"assertiveness": _("Assertiveness"), "responsiveness": _("Responsiveness")}
    return content.style_names(q, current_lang()), axis_titles


def error_response(status: int, error: str, details=None) -> Response:
    """The API's one error shape, {"error", "details"}.

    ASCII escapes: details may echo whatever the client sent, even half a character."""
    body = json.dumps({"error": error, "details": details}, ensure_ascii=True)
    return Response(body, status=status, mimetype="application/json")


# New columns go at the end: spreadsheets built on an earlier export keep their columns.
EXPORT_FIELDS = (
    "id", "created_at", "team", "name", "employee_id", "style", "secondary_style", "clarity",
    *AXES, *STYLES, "flags", "questionnaire", "questionnaire_version", "lang", "agent_id", "scoring_version",
)


def export_record(row: dict) -> dict:
    """One response as exports and the team API give it."""
    return {f: row[f] for f in EXPORT_FIELDS}
