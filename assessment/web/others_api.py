"""How others see me, the API: rating links, the rater's form and answers, the others'
view of a result, of a team, and a trainer's own rating. Shapes: schemas.py, "how
others see me"; operations: openapi.OTHERS_ROUTES.

Anonymity: no route answers anything per peer. A peer rating is only ever part of the
mean in ``others`` (whole groups of others.MIN_RATERS); a link's state is never
returned: only a colleague's own second rating of a member is refused (409).
"""

from __future__ import annotations

from flask import Blueprint, url_for
from flask_login import current_user, login_required

from .. import schemas, storage
from ..others import TooFewAnswered, min_answered
from ..scoring import AnswerError, check_answers
from .common import BadRequest, api_agent_or_404, api_team_or_404, get_db, json_body, send, validated
from .others_common import (
    about_name, observer_form, proven_rater, rater_key, score, team_view, view_of_response,
)

bp = Blueprint("others_api", __name__, url_prefix="/api/v1")


def _result_or_404(token: str) -> dict:
    """A valid result: the token of a sheet that is not valid opens nothing beyond its own page."""
    row = storage.response_by_token(get_db(), token)
    if row is None or not row["valid"]:
        raise BadRequest("Unknown result", {"token": "no result has this token"}, status=404)
    return row


def _link_or_404(token: str) -> dict:
    link = storage.link_by_token(get_db(), token)
    if link is None:
        raise BadRequest("Unknown rating link", {"token": "no rating link has this token"}, status=404)
    return link


def _answer_details(problems: dict[str, str]) -> dict[str, str]:
    return {f"answers.{item_id}": problem for item_id, problem in problems.items()}


def _answer_problems(answers) -> dict[str, str]:
    return _answer_details(check_answers(observer_form(), answers)) if isinstance(answers, dict) else {}


def _scored(answers: dict[str, int]):
    try:
        return score(answers)
    except TooFewAnswered as exc:  # details by scale: "versatility": "3 of its 8 statements answered ..."
        raise BadRequest("Too many can't-say answers", dict(exc.details)) from None
    except AnswerError as exc:
        raise BadRequest("Invalid answers", _answer_details(exc.details)) from None


@bp.post("/results/<token>/raters")
def create_rater_link(token: str):
    row = _result_or_404(token)
    data = validated(schemas.RaterLinkIn, json_body())
    try:
        link = storage.create_link(get_db(), row, data.relation)
    except storage.PeersNeedATeam:
        raise BadRequest("Invalid relation", {"relation": "colleagues rate members of a team: this result is not "
                                                          "on one, so it takes lead links only"}) from None
    except storage.LinkLimit:
        raise BadRequest("Too many rating links",
                         {"relation": f"this result already has {storage.MAX_LINKS} rating links, the most allowed"},
                         status=409) from None
    rate_url = url_for("others.rate_start", token=link["token"], _external=True)
    response = send(schemas.RaterLink, {"id": link["id"], "relation": link["relation"], "rate_url": rate_url}, 201)
    response.headers["Location"] = rate_url
    return response


@bp.get("/rate/<rater_token>")
def rate_form(rater_token: str):
    link = _link_or_404(rater_token)
    q = observer_form()
    return send(schemas.RateForm, {
        "about": about_name(link["about_name"]),
        "relation": link["relation"],
        "questionnaire": {
            "slug": q.slug, "version": q.version,
            "scale": {"min": q.scale.min, "max": q.scale.max, "labels": [label.as_dict() for label in q.scale.labels]},
            "cant_say": None if q.scale.cant_say is None else q.scale.cant_say.as_dict(),
            "min_answered": min_answered(q),
            "items": [{"id": i.id, "text": i.text.as_dict(), "axis": i.axis, "keyed": i.keyed} for i in q.items],
        },
    })


@bp.post("/rate/<rater_token>")
def submit_rating(rater_token: str):
    """Whether the link was answered before is never told: a colleague proves who they
    are (``rater``), and only a second rating by that same colleague is refused (409)."""
    token = rater_token
    link = _link_or_404(token)
    data = validated(schemas.RatingIn, json_body(), lambda raw: _answer_problems(raw.get("answers")))
    if link["relation"] == "peer" and (data.role is not None or data.name is not None):
        raise BadRequest("Invalid rater", {
            field: "colleagues rate anonymously: only a lead link takes a role or name"
            for field in ("role", "name") if getattr(data, field) is not None
        })
    if link["relation"] == "lead" and data.rater is not None:
        raise BadRequest("Invalid rater", {"rater": "a lead link takes a role (and a name), not a rater token"})
    key = None
    if link["relation"] == "peer":
        if data.rater is None:
            raise BadRequest("Invalid rater", {"rater": "required: the token of your own result in the same team"})
        rater = proven_rater(link, data.rater)
        if rater is None:
            raise BadRequest("Invalid rater", {"rater": NOT_A_COLLEAGUE}, status=403)
        key = rater_key(rater)
    q, scores = _scored(data.answers)
    try:
        storage.answer_link(get_db(), token, questionnaire=q.slug, version=q.version, lang=data.lang,
                            answers=data.answers, scores=scores, rater_role=data.role or "team_lead",
                            rater_name=data.name, rater_key=key)
    except storage.AlreadyAnswered:
        raise BadRequest("Already rated", {"rater": "you have already rated this member"} if key else
                         "this link has brought in as many ratings as it can", status=409) from None
    except LookupError:
        raise BadRequest("Unknown rating link", {"token": "no rating link has this token"}, status=404) from None
    return send(schemas.RatingStored, {"relation": link["relation"], "answered_at": storage.now()}, 201)


NOT_A_COLLEAGUE = "not a valid result of another member of this member's team: colleagues rate, never the member"


@bp.get("/results/<token>/others")
def result_others(token: str):
    return send(schemas.OthersView, view_of_response(_result_or_404(token)))


@bp.get("/teams/<id:team_id>/others")
@login_required
def team_others(team_id: int):
    api_team_or_404(team_id)
    summary = team_view(team_id)
    return send(list[schemas.MemberOthers], [
        {"agent_id": m["member"], "name": m["name"], "invited": m["invited"], "answered": m["answered"],
         "self": m["self"] if m["self"]["axes"] is not None else None,
         "others": m["others"], "leads": m["leads"], "gap": m["gap"]}
        for m in summary["members"]
    ])


@bp.post("/agents/<id:agent_id>/ratings")
@login_required
def rate_member(agent_id: int):
    db = get_db()
    api_agent_or_404(agent_id)
    data = validated(schemas.TrainerRatingIn, json_body(), lambda raw: _answer_problems(raw.get("answers")))
    q, scores = _scored(data.answers)
    response_id = storage.latest_response_id(db, agent_id)
    if response_id is None:
        raise BadRequest("Unknown member", {"agent_id": "this member has no result to rate against"}, status=404)
    row = storage.save_trainer_rating(
        db, response_id=response_id, agent_id=agent_id, trainer_id=current_user.id, trainer_name=current_user.username,
        questionnaire=q.slug, version=q.version, lang=data.lang, answers=data.answers, scores=scores,
        rater_role="qc" if getattr(current_user, "role", "trainer") == "qc" else "trainer",
    )
    return send(schemas.RatingStored, {"relation": "lead", "answered_at": row["answered_at"]}, 201)
