"""JSON API v1. Errors are always JSON {"error", "details"}; bad input stores nothing."""

from __future__ import annotations

import json
import re

from flask import Blueprint, jsonify, request, url_for
from flask_login import current_user, login_required

from .. import stats, storage
from ..forms import EMPLOYEE_ID_MAX, NAME_MAX, clean_name
from ..model import DEFAULT_LANG, LANGS
from ..openapi import spec
from ..scoring import AnswerError, score
from .common import error_response, export_record, get_db, questionnaires

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class BadRequest(Exception):
    def __init__(self, error: str, details=None, status: int = 400):
        self.error, self.details, self.status = error, details, status


@bp.errorhandler(BadRequest)
def _bad_request(exc: BadRequest):
    return error_response(exc.status, exc.error, exc.details)


def _reject_duplicates(pairs):
    body = dict(pairs)
    if len(body) != len(pairs):
        keys = [k for k, _ in pairs]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        raise BadRequest("Duplicate keys in JSON object", {"keys": dupes})
    return body


def _reject_constant(name):
    raise BadRequest("Malformed JSON", f"{name} is not a JSON number")


def json_body() -> dict:
    """The request's JSON object, strictly: right content type, valid UTF-8, no duplicate keys."""
    if request.mimetype != "application/json":
        raise BadRequest("Unsupported content type", "send the body as application/json", status=415)
    raw = request.get_data(cache=True)
    try:
        body = json.loads(raw, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)
        # Only a \uD800-\uDFFF escape can make one (UTF-8 itself cannot): look when there is one.
        surrogate = bool(_SURROGATE_ESCAPE.search(raw)) and _has_lone_surrogate(body)
    except (ValueError, RecursionError) as exc:
        raise BadRequest("Malformed JSON", str(exc) or "nested too deeply") from None
    if not isinstance(body, dict):
        raise BadRequest("Malformed JSON", "the body must be a JSON object")
    if surrogate:
        raise BadRequest("Malformed JSON", "a string holds a lone UTF-16 surrogate (\\ud800-\\udfff)")
    return body


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _has_lone_surrogate(value) -> bool:
    """JSON may escape half a character pair; such text can be neither stored nor echoed."""
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def _questionnaire(slug: str):
    q = questionnaires().get(slug)
    if q is None:
        raise BadRequest("Unknown questionnaire", {"slug": slug}, status=404)
    return q


@bp.get("/questionnaires")
def list_questionnaires():
    return jsonify(
        [{"slug": q.slug, "version": q.version, "title": q.title.as_dict()} for q in questionnaires().values()]
    )


@bp.get("/questionnaires/<slug>")
def get_questionnaire(slug: str):
    q = _questionnaire(slug)
    return jsonify(
        {
            "slug": q.slug,
            "version": q.version,
            "title": q.title.as_dict(),
            "scale": {
                "min": q.scale.min,
                "max": q.scale.max,
                "labels": [label.as_dict() for label in q.scale.labels],
            },
            "items": [
                {"id": i.id, "text": i.text.as_dict(), "axis": i.axis, "keyed": i.keyed} for i in q.items
            ],
        }
    )


@bp.post("/questionnaires/<slug>/responses")
def create_response(slug: str):
    q = _questionnaire(slug)
    body = json_body()
    unknown = sorted(set(body) - {"answers", "lang", "duration_seconds", "invite_code", "name", "employee_id"})
    if unknown:
        raise BadRequest("Unknown fields", {k: "not a field of a response" for k in unknown})
    answers = body.get("answers")
    if not isinstance(answers, dict):
        raise BadRequest("Invalid answers", {"answers": "required: an object of item id -> answer"})
    lang = body.get("lang", DEFAULT_LANG)
    if lang not in LANGS:
        raise BadRequest("Invalid lang", {"lang": f"must be one of {', '.join(LANGS)}"})
    duration = body.get("duration_seconds")
    if duration is not None and (isinstance(duration, bool) or not isinstance(duration, (int, float)) or not 0 <= duration <= 86400 * 7):
        raise BadRequest("Invalid duration_seconds", {"duration_seconds": "must be a number of seconds from 0 to 604800"})
    member = _membership(body)
    try:
        profile = score(q, answers, duration_seconds=duration)
    except AnswerError as exc:
        raise BadRequest("Invalid answers", exc.details) from None
    try:
        row = storage.save_response(
            get_db(), questionnaire=q.slug, version=q.version, lang=lang,
            answers=answers, profile=profile, duration_seconds=duration, member=member,
        )
    except storage.TeamGone:  # removed between the code check and the write
        raise BadRequest("Invalid team membership", {"invite_code": NO_SUCH_CODE}) from None
    result_url = url_for("agent.result", token=row["token"], lang=lang, _external=True)
    payload = {"id": row["id"], **profile.as_dict(), "result_url": result_url}
    response = jsonify(payload)
    response.status_code = 201
    response.headers["Location"] = result_url
    return response


NO_SUCH_CODE = "no team has this invite code"


def _membership(body: dict) -> storage.Membership | None:
    """Joining a team from the API: invite_code and name, optional employee_id."""
    if not any(k in body for k in ("invite_code", "name", "employee_id")):
        return None
    problems = {}
    code = body.get("invite_code")
    team = None
    if not isinstance(code, str) or not code.strip():
        problems["invite_code"] = "required with name: the team's invite code"
    else:
        team = storage.team_by_code(get_db(), code)
        if team is None:
            problems["invite_code"] = NO_SUCH_CODE
    values = {}
    for key, limit, required in (("name", NAME_MAX, True), ("employee_id", EMPLOYEE_ID_MAX, False)):
        try:
            values[key] = clean_name(body.get(key), limit, required)
        except ValueError as exc:
            problems[key] = str(exc)
    if problems:
        raise BadRequest("Invalid team membership", problems)
    return storage.Membership(team_id=team["id"], name=values["name"], employee_id=values["employee_id"])


# --- teams (trainers: browser session or bearer token) -----------------------

def _team_or_404(team_id: int) -> dict:
    team = storage.team_for(get_db(), current_user.id, team_id)
    if team is None:
        raise BadRequest("Unknown team", {"team_id": team_id}, status=404)
    return team


@bp.get("/teams")
@login_required
def list_teams():
    return jsonify([
        {"id": t["id"], "name": t["name"], "invite_code": t["invite_code"], "member_count": t["member_count"]}
        for t in storage.teams_for(get_db(), current_user.id)
    ])


@bp.post("/teams")
@login_required
def create_team():
    body = json_body()
    unknown = sorted(set(body) - {"name"})
    if unknown:
        raise BadRequest("Unknown fields", {k: "not a field of a team" for k in unknown})
    try:
        name = clean_name(body.get("name"), NAME_MAX)
    except ValueError as exc:
        raise BadRequest("Invalid team", {"name": str(exc)}) from None
    team = storage.create_team(get_db(), current_user.id, name)
    response = jsonify({
        "id": team["id"], "name": team["name"], "invite_code": team["invite_code"],
        "invite_url": url_for("agent.join", code=team["invite_code"], _external=True),
    })
    response.status_code = 201
    return response


@bp.get("/teams/<id:team_id>/summary")
@login_required
def team_summary(team_id: int):
    team = _team_or_404(team_id)
    with storage.LatestResults(get_db(), storage.Scope((team["id"],))) as latest:
        summary = stats.team_summary(latest.aggregates())
        changes = stats.style_changes(latest.style_moves())
    return jsonify({"id": team["id"], "name": team["name"], **summary.as_dict(), "style_changes": changes.as_dict()})


@bp.get("/teams/<id:team_id>/responses")
@login_required
def team_responses(team_id: int):
    team = _team_or_404(team_id)
    rows = storage.scope_responses(get_db(), storage.Scope((team["id"],)))
    return jsonify([export_record(r) for r in rows])


@bp.get("/openapi.json")
def openapi():
    return jsonify(spec(questionnaires()))
