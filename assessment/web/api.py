"""JSON API v1. Errors are always JSON {"error", "details"}; bad input stores nothing.

Bodies are parsed strictly (json_body), then validated by the request models of
schemas.py; answers are checked against the questionnaire and invite codes looked
up here, into the same error shape. Every answer is built through a response model
of schemas.py, the models the OpenAPI document is generated from.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for
from flask_login import current_user, login_required

from .. import schemas, stats, storage
from ..openapi import spec
from ..scoring import AnswerError, check_answers, score
from .common import (
    BadRequest, team_by_code, api_team_or_404, export_record, get_db, json_body, questionnaires, reliability_report, send,
    validated,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _questionnaire(slug: str):
    q = questionnaires().get(slug)
    if q is None:
        raise BadRequest("Unknown questionnaire", {"slug": slug}, status=404)
    return q


@bp.get("/questionnaires")
def list_questionnaires():
    return send(
        list[schemas.QuestionnaireListItem],
        [{"slug": q.slug, "version": q.version, "kind": q.kind, "title": q.title.as_dict()}
         for q in questionnaires().values()],
    )


@bp.get("/questionnaires/<slug>")
def get_questionnaire(slug: str):
    q = _questionnaire(slug)
    return send(
        schemas.Questionnaire,
        {
            "slug": q.slug,
            "version": q.version,
            "title": q.title.as_dict(),
            "scale": {
                "min": q.scale.min,
                "max": q.scale.max,
                "labels": [label.as_dict() for label in q.scale.labels],
            },
            "kind": q.kind,
            "items": [_item(q, i) for i in q.items],
        },
    )


def _item(q, item) -> dict:
    """A scorecard's behaviour carries its ability and anchors; other items their axis and keying."""
    if q.kind == "rating":
        return {"id": item.id, "text": item.text.as_dict(), "ability": item.ability,
                "anchors": {point: text.as_dict() for point, text in item.anchors.items()}}
    return {"id": item.id, "text": item.text.as_dict(), "axis": item.axis, "keyed": item.keyed}


@bp.post("/questionnaires/<slug>/responses")
def create_response(slug: str):
    q = _questionnaire(slug)
    if q.kind != SELF:
        raise BadRequest("Unknown questionnaire", {"slug": f"{slug} is not answered about oneself: "
                                                            "it takes no responses here"}, status=404)
    body = json_body()
    data = validated(schemas.ResponseIn, body, lambda raw: _answer_problems(q, raw.get("answers")))
    member = _membership(data)
    try:
        profile = score(q, data.answers, duration_seconds=data.duration_seconds)
    except AnswerError as exc:
        raise BadRequest("Invalid answers", _answer_details(exc.details)) from None
    try:
        row = storage.save_response(
            get_db(), questionnaire=q.slug, version=q.version, lang=data.lang,
            answers=data.answers, profile=profile, duration_seconds=data.duration_seconds, member=member,
        )
    except storage.TeamGone:  # removed between the code check and the write
        raise BadRequest("Invalid team membership", {"invite_code": NO_SUCH_CODE}) from None
    result_url = url_for("agent.result", token=row["token"], lang=data.lang, _external=True)
    stored = row["profile"]  # as stored: placed among earlier results
    response = send(schemas.Result, {"id": row["id"], **stored.as_dict(), "result_url": result_url}, 201)
    response.headers["Location"] = result_url
    return response


def _answer_details(problems: dict[str, str]) -> dict[str, str]:
    return {f"answers.{item_id}": problem for item_id, problem in problems.items()}


def _answer_problems(q, answers) -> dict[str, str]:
    """The questionnaire's view of the answers, beside the model's: every problem named at once."""
    return _answer_details(check_answers(q, answers)) if isinstance(answers, dict) else {}


NO_SUCH_CODE = "no team has this invite code"
SELF = "self"  # the kind of questionnaire a person answers about themself: the only kind submitted here


def _membership(data: schemas.ResponseIn) -> storage.Membership | None:
    """Joining a team from the API: invite_code and name, optional employee_id (the model cleaned them)."""
    if not data.model_fields_set & set(data.MEMBERSHIP):
        return None
    problems = {}
    team = None
    if data.invite_code is None or not data.invite_code.strip():
        problems["invite_code"] = "required with name: the team's invite code"
    else:
        team = team_by_code(data.invite_code)
        if team is None:
            problems["invite_code"] = NO_SUCH_CODE
    if data.name is None:
        problems["name"] = "required with invite_code"
    agent_id = None
    if data.result_token is not None and team is not None:
        proof = storage.member_of_token(get_db(), data.result_token)
        if proof is None or proof["team_id"] != team["id"] or proof["agent_id"] is None or not proof["valid"]:
            problems["result_token"] = "not a valid result of a member of this team"
        else:
            agent_id = proof["agent_id"]
    if problems:
        raise BadRequest("Invalid team membership", problems)
    return storage.Membership(team_id=team["id"], name=data.name, employee_id=data.employee_id, agent_id=agent_id)


# --- teams (trainers: browser session or bearer token) -----------------------

@bp.get("/teams")
@login_required
def list_teams():
    return send(list[schemas.Team], [
        {"id": t["id"], "name": t["name"], "invite_code": t["invite_code"], "member_count": t["member_count"]}
        for t in storage.teams_for(get_db(), current_user.id)
    ])


@bp.post("/teams")
@login_required
def create_team():
    if current_user.role not in storage.TEAM_CREATORS:
        raise BadRequest("Not allowed", {"role": "a qc account cannot create teams: ask a trainer or an admin"},
                         status=403)
    data = validated(schemas.TeamIn, json_body())
    team = storage.create_team(get_db(), current_user.id, data.name)
    return send(schemas.TeamCreated, {
        "id": team["id"], "name": team["name"], "invite_code": team["invite_code"],
        "invite_url": url_for("agent.join", code=team["invite_code"], _external=True),
    }, 201)


@bp.get("/teams/<id:team_id>/summary")
@login_required
def team_summary(team_id: int):
    team = api_team_or_404(team_id)
    with storage.LatestResults(get_db(), storage.Scope((team["id"],))) as latest:
        summary = stats.team_summary(latest.aggregates())
        changes = stats.style_changes(latest.style_moves())
    return send(schemas.TeamSummary,
                 {"id": team["id"], "name": team["name"], **summary.as_dict(), "style_changes": changes.as_dict()})


@bp.get("/teams/<id:team_id>/members")
@login_required
def team_members(team_id: int):
    team = api_team_or_404(team_id)
    return send(list[schemas.Member], [
        {"id": m["id"], "name": m["name"], "employee_id": m["employee_id"], "results": m["results"],
         "latest": _latest(m["latest"]), "possible_duplicate_of": m["duplicate_of"]}
        for m in storage.team_members(get_db(), team["id"])
    ])


def _latest(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {
        "id": row["id"], "created_at": row["created_at"], **row["profile"].as_dict(),
        "questionnaire": row["questionnaire"], "questionnaire_version": row["questionnaire_version"],
        "scoring_version": row["scoring_version"],
    }


@bp.get("/teams/<id:team_id>/responses")
@login_required
def team_responses(team_id: int):
    team = api_team_or_404(team_id)
    rows = storage.scope_responses(get_db(), storage.Scope((team["id"],)))
    return send(list[schemas.TeamResponse], [export_record(r) for r in rows])


@bp.get("/questionnaires/<slug>/psychometrics")
@login_required
def psychometrics(slug: str):
    """Live reliability over each member's latest valid response, in the caller's teams or one of them."""
    q = _questionnaire(slug)
    if q.kind != SELF:
        raise BadRequest("Unknown questionnaire", {"slug": f"{slug} has no axes scored about oneself"}, status=404)
    return send(schemas.Psychometrics, reliability_report(q, _team_scope(request.args.get("team"))))


def _team_scope(team: str | None) -> tuple[int, ...]:
    """The caller's teams, or the one named by ?team= (404 when it is not one of theirs)."""
    if team is None:
        return tuple(t["id"] for t in storage.teams_for(get_db(), current_user.id))
    if not team.isdigit() or len(team) > 19:
        raise BadRequest("Invalid team", {"team": "must be the id of one of your teams"})
    return (api_team_or_404(int(team))["id"],)


@bp.get("/openapi.json")
def openapi():
    qs = questionnaires()
    return jsonify(spec(tuple(qs), tuple(slug for slug, q in qs.items() if q.kind == SELF)))
