"""Calls as evidence, the API: import a call, read it, delete it, a member's calls with
their observed style, and a team's month. Shapes: schemas.py, "calls as evidence";
operations: openapi.CALLS_ROUTES.

Who may: staff on the member's team (owner, added trainers and QC, admins) import and
read; only the team's owner or an admin deletes (403 for other staff on the team);
anyone else gets 404, as if the member or call did not exist. Bodies up to 2 MB (413
beyond). A transcript that cannot be read is a 400 naming the line, cue or segment
and stores nothing; the raw text is never echoed (numbers in a message are masked).
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask_login import current_user, login_required

from .. import schemas, storage
from ..abilities import current_period, parse_period
from ..call_intake import analyse_upload, safe_problem
from ..calls import Metrics, SpeakerNeeded, TranscriptError
from .calls_common import (
    call_out, called_at, lexicon, may_delete, observed_of, observed_out, store, team_month, today,
)
from .common import BadRequest, api_agent_or_404, api_team_or_404, get_db, json_body, send, validated

bp = Blueprint("calls_api", __name__, url_prefix="/api/v1")


def _call_or_404(call_id: int) -> dict:
    row = storage.call_for(get_db(), current_user.id, call_id)
    if row is None:
        raise BadRequest("Unknown call", {"call_id": call_id}, status=404)
    return row


# One rule per path, its methods dispatched here: with a rule per method, Werkzeug answers an
# id past SQLite's range (which the converter refuses) with 405 instead of 404.
@bp.route("/agents/<id:agent_id>/calls", methods=["GET", "POST"])
@login_required
def agent_calls(agent_id: int):
    """Staff on the member's team (QC included): POST imports a call, GET lists them; 404 off the team."""
    return import_call(agent_id) if request.method == "POST" else member_calls(agent_id)


@bp.route("/calls/<id:call_id>", methods=["GET", "DELETE"])
@login_required
def call(call_id: int):
    """Staff on the call's team read it; the owner or an admin delete it (other staff 403); 404 off the team."""
    return delete_call(call_id) if request.method == "DELETE" else get_call(call_id)


def import_call(agent_id: int):
    """Staff on the member's team (QC included) import a call; 404 off the team."""
    agent = api_agent_or_404(agent_id)
    data = validated(schemas.CallIn, json_body())
    try:
        when = called_at(data.called_at)
    except ValueError as exc:
        raise BadRequest("Invalid called_at", {"called_at": str(exc)}) from None
    try:
        analysed = analyse_upload(data.transcript, lexicon(), format=data.format, agent_speaker=data.agent_speaker,
                                  lang=data.lang)
    except SpeakerNeeded as exc:
        raise BadRequest("Agent speaker needed", {"agent_speaker": safe_problem(exc, "agent_speaker"),
                                                   "labels": list(exc.labels)}) \
            from None
    except TranscriptError as exc:
        field = exc.where if exc.where in ("format", "agent_speaker", "lang") else "transcript"
        raise BadRequest(f"Invalid {field}", {field: safe_problem(exc, field)}) from None
    try:
        call_id = store(analysed, agent, when, current_user.id)
    except storage.AlreadyImported as exc:
        raise BadRequest("Call already imported", {"transcript": f"the team already has this call (call {exc.call_id})",
                                                   "call_id": exc.call_id}, status=409) from None
    except LookupError:
        raise BadRequest("Unknown member", {"agent_id": agent_id}, status=404) from None
    row = storage.call_for(get_db(), current_user.id, call_id)
    response = send(schemas.CallAnalysed, call_out(row), 201)
    response.headers["Location"] = f"/api/v1/calls/{call_id}"
    return response


def get_call(call_id: int):
    """Staff on the call's team; 404 for anyone else."""
    return send(schemas.CallDetail, call_out(_call_or_404(call_id), with_segments=True))


def delete_call(call_id: int):
    """The team's owner or an admin; other staff on the team 403; anyone else 404."""
    row = _call_or_404(call_id)
    if not may_delete(row["access"]):
        raise BadRequest("Not allowed", "only the team's owner or an admin deletes a call", status=403)
    storage.delete_call(get_db(), call_id)
    return Response(status=204)


def member_calls(agent_id: int):
    """Staff on the member's team; 404 for anyone else."""
    api_agent_or_404(agent_id)
    calls = storage.agent_calls(get_db(), agent_id)
    metrics = [Metrics.from_record(c["metrics"]) for c in calls]
    return send(schemas.AgentCalls, {
        "calls": [{"id": c["id"], "called_at": c["called_at"], "metrics": m.as_dict()} for c, m in zip(calls, metrics)],
        "observed": observed_out(observed_of(calls, metrics)),
    })


@bp.get("/teams/<id:team_id>/calls")
@login_required
def team_calls(team_id: int):
    """Staff on the team; 404 for anyone else."""
    api_team_or_404(team_id)
    period = request.args.get("period")
    try:
        period = current_period(today()) if period is None else parse_period(period, today())
    except ValueError as exc:
        raise BadRequest("Invalid period", {"period": str(exc)}) from None
    figures, _members = team_month(team_id, period)
    return send(schemas.TeamCalls, {"period": period, **figures})
