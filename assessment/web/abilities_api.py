"""JSON API of the seven service abilities and of staff on teams.

Staff rate a member of a team they are on (QC included); an agent rates themself by
their result token; a team's analysis for a month; a team's owner (or an admin) adds
and removes colleagues. Access to a team or member only through storage.team_for /
agent_for: someone off the team gets 404.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, request
from flask_login import current_user, login_required

from .. import abilities, ability_report, schemas, storage
from .common import (
    BadRequest, api_agent_or_404, api_team_or_404, app_timezone, get_db, json_body, questionnaires, send, validated,
)

bp = Blueprint("abilities_api", __name__, url_prefix="/api/v1")


def scorecard():
    q = questionnaires().get(abilities.SLUG)
    if q is None:
        raise BadRequest("Unknown questionnaire", {"slug": f"{abilities.SLUG} is not loaded"}, status=404)
    return q


def today():
    return datetime.now(app_timezone()).date()


def _rating_problems(q, body: dict) -> dict[str, str]:
    """The scorecard's view of ratings and period, beside the model's: every problem at once."""
    problems = {}
    ratings = body.get("ratings")
    if isinstance(ratings, dict):
        problems.update({f"ratings.{k}": v for k, v in abilities.check_ratings(q, ratings).items()})
    if "period" in body:
        try:
            abilities.parse_period(body["period"], today())
        except ValueError as exc:
            problems["period"] = str(exc)
    return problems


def read_rating(q) -> tuple[str, abilities.AbilityScores, str | None, dict]:
    """(period, scores, note, ratings) from the request body, or a 400 naming each problem."""
    data = validated(schemas.AbilityRatingIn, json_body(), lambda raw: _rating_problems(q, raw))
    try:
        period, scores = abilities.validate_rating(q, data.ratings, data.period, today())
    except abilities.RatingError as exc:
        details = {(k if k == "period" else f"ratings.{k}"): v for k, v in exc.details.items()}
        title = "Invalid ratings" if any(k.startswith("ratings") for k in details) else "Invalid period"
        raise BadRequest(title, details) from None
    note = data.note.strip() if data.note and data.note.strip() else None
    return period, scores, note, dict(data.ratings)


def _created(row: dict):
    return send(schemas.AbilityRating, {"id": row["id"], "period": row["period"], "source": row["source"],
                                        "abilities": row["abilities"], "overall": row["overall"]}, 201)


@bp.post("/agents/<id:agent_id>/ability-ratings")
@login_required
def rate_agent(agent_id: int):
    db = get_db()
    agent = api_agent_or_404(agent_id)
    period, scores, note, ratings = read_rating(scorecard())
    row = storage.save_ability_rating(
        db, agent_id=agent_id, team_id=agent["team_id"], source="staff", rater_id=current_user.id, period=period,
        ratings=ratings, abilities=scores.abilities, overall=scores.overall, note=note)
    return _created(row)


@bp.post("/results/<token>/ability-ratings")
def rate_self(token: str):
    db = get_db()
    result = storage.response_by_token(db, token) if len(token) <= 64 else None
    if result is None or not result["valid"]:  # a sheet that is not valid opens only its own page
        raise BadRequest("Unknown result", {"token": "no result has this token"}, status=404)
    period, scores, note, ratings = read_rating(scorecard())
    row = storage.save_ability_rating(
        db, agent_id=result["agent_id"], team_id=result["team_id"], response_id=result["id"], source="self",
        period=period, ratings=ratings, abilities=scores.abilities, overall=scores.overall, note=note)
    return _created(row)


@bp.get("/teams/<id:team_id>/abilities")
@login_required
def team_abilities(team_id: int):
    team = api_team_or_404(team_id)
    raw = request.args.get("period")
    period = abilities.current_period(today())
    if raw is not None:
        try:
            period = abilities.parse_period(raw, today())
        except ValueError as exc:
            raise BadRequest("Invalid period", {"period": str(exc)}) from None
    db = get_db()
    body = ability_report.team_analysis(
        period, storage.team_agents(db, team["id"]), storage.team_latest_ratings(db, team["id"], "staff"),
        storage.team_latest_ratings(db, team["id"], "self"))
    return send(schemas.TeamAbilities, body)


def _managed_team(team_id: int) -> dict:
    team = api_team_or_404(team_id)
    if team["access"] not in ("owner", "admin"):
        raise BadRequest("Not allowed", "only the team's owner or an administrator adds or removes staff",
                         status=403)
    return team


@bp.post("/teams/<id:team_id>/staff")
@login_required
def add_staff(team_id: int):
    team = _managed_team(team_id)
    data = validated(schemas.StaffIn, json_body())
    try:
        added = storage.add_team_staff(get_db(), team["id"], data.username, data.role)
    except storage.StaffError as exc:
        raise BadRequest(f"Invalid {exc.field}", {exc.field: exc.problem}) from None
    return send(schemas.TeamStaffMember, added, 201)


@bp.delete("/teams/<id:team_id>/staff/<username>")
@login_required
def remove_staff(team_id: int, username: str):
    team = _managed_team(team_id)
    account = storage.trainer_by_username(get_db(), username)
    if account is None:
        raise BadRequest("Unknown staff member", {"username": "no staff account has this username"}, status=404)
    removed = storage.remove_team_staff(get_db(), team["id"], account["username"])
    return send(schemas.TeamStaffRemoved, {"team_id": team["id"], "username": account["username"],
                                           "removed": removed})
