"""JSON API of "Read the caller": the quick identifier, the phrase bank and practice.

Open to anyone, like the pages, except the team's practice figures (trainers). The
bodies come from the pure functions of caller.py; the shapes are declared in
schemas.py. A result token names the agent's own result: its style tailors the
identifier's advice, and a team member's practice attempts count for them.
"""

from __future__ import annotations

from flask import Blueprint, current_app
from flask_login import login_required

from .. import caller, schemas, storage
from .common import BadRequest, api_team_or_404, get_db, json_body, send, validated

bp = Blueprint("caller_api", __name__, url_prefix="/api/v1")

UNKNOWN_RESULT = "no result has this token"


def _content() -> caller.CallerContent:
    return current_app.extensions["caller"]


def _result(token: str | None, problems: dict[str, str]) -> dict | None:
    """The stored result of a token (None when none was sent); an unknown one joins the problems."""
    if token is None:
        return None
    row = storage.response_by_token(get_db(), token)
    if row is None:
        problems["result_token"] = UNKNOWN_RESULT
    return row


def _refuse(title: str, problems: dict[str, str]) -> None:
    """Every problem at once: the content's (unknown ids) and the result token's."""
    if problems:
        only_token = list(problems) == ["result_token"]
        raise BadRequest("Unknown result" if only_token else title, problems)


@bp.get("/caller-cues")
def caller_cues():
    return send(schemas.CallerCues, caller.cues_document(_content()))


@bp.post("/caller-cues/read")
def read_caller():
    data = validated(schemas.CallerReadIn, json_body())
    problems: dict[str, str] = {}
    row = _result(data.result_token, problems)
    style = data.agent_style
    if row is not None and row["profile"].style is not None:
        style = row["profile"].style
    body = None
    try:
        body = caller.read_caller(_content(), data.cues, data.mood, style)
    except caller.CallerInputError as exc:
        problems = {**exc.details, **problems}
    _refuse("Unknown cue, option or mood", problems)
    return send(schemas.CallerReading, body)


@bp.get("/phrases")
def phrases():
    return send(schemas.PhraseBank, caller.phrases_document(_content()))


@bp.get("/practice/scenarios")
def practice_scenarios():
    return send(list[schemas.PracticeScenario], caller.scenarios_document(_content()))


@bp.post("/practice/attempts")
def practice_attempt():
    data = validated(schemas.PracticeAttemptIn, json_body())
    problems: dict[str, str] = {}
    graded = None
    try:
        graded = caller.grade_attempt(_content(), data.scenario, data.customer_type, data.reply)
    except caller.CallerInputError as exc:
        problems.update(exc.details)
    row = _result(data.result_token, problems)
    _refuse("Unknown scenario or reply", problems)
    storage.add_practice_attempt(
        get_db(), scenario=data.scenario, actual=graded["customer_type"], guessed=data.customer_type,
        reply=data.reply, type_correct=graded["type_correct"], reply_correct=graded["reply_correct"],
        agent_id=row["agent_id"] if row else None, team_id=row["team_id"] if row and row["agent_id"] else None,
    )
    return send(schemas.PracticeGraded, graded, 201)


@bp.get("/teams/<id:team_id>/practice")
@login_required
def team_practice(team_id: int):
    team = api_team_or_404(team_id)
    return send(schemas.TeamPractice, caller.practice_summary(storage.team_practice_attempts(get_db(), team["id"])))
