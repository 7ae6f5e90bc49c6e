"""The trainer workspace: teams, dashboards, agent detail and exports. Login required."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required

from .. import charts, clock, exports, psychometrics as psy, stats, storage
from ..model import STYLES
from ..forms import FilterForm, MergeForm, TeamForm
from .common import (
    agent_or_404, app_timezone, chart_labels, default_questionnaire, download, export_record, get_db,
    reliability_report, team_or_404,
)

bp = Blueprint("trainer", __name__, url_prefix="/trainer")

SCATTER_LIMIT = 1500  # above this many members the map shows density, not names
DENSITY_CELL = 5.0
PAGE_SIZE = 50


@bp.before_request
@login_required
def _require_login():
    """Every trainer page needs a signed-in trainer."""


def invite_url(team: dict) -> str:
    return url_for("agent.join", code=team["invite_code"], _external=True)


@bp.get("/")
def home():
    teams = storage.teams_for(get_db(), current_user.id)
    return render_template("trainer/home.html", teams=teams, form=TeamForm())


@bp.post("/teams")
def create_team():
    if current_user.role not in storage.TEAM_CREATORS:
        _refuse_qc("qc")
    form = TeamForm()
    if form.validate_on_submit():
        team = storage.create_team(get_db(), current_user.id, form.name.data)
        flash(_("Team “%(name)s” created. Share the link or the code %(code)s with your agents.",
                name=team["name"], code=team["invite_code"]))
        return redirect(url_for("trainer.team", team_id=team["id"]))
    teams = storage.teams_for(get_db(), current_user.id)
    return render_template("trainer/home.html", teams=teams, form=form), 400


def _scope(team_ids: tuple[int, ...]) -> tuple[storage.Scope, FilterForm]:
    form = FilterForm(request.args)
    if request.args and not form.validate():
        return storage.Scope(team_ids), form
    start, end = clock.day_range(form.since.data, form.until.data, app_timezone())
    return storage.Scope(team_ids, start, end), form


@bp.get("/teams/<id:team_id>")
def team(team_id: int):
    team = team_or_404(team_id)
    return _dashboard((team["id"],), team=team)


@bp.get("/all")
def all_teams():
    teams = storage.teams_for(get_db(), current_user.id)
    return _dashboard(tuple(t["id"] for t in teams), team=None, teams=teams)


def _dashboard(team_ids: tuple[int, ...], team: dict | None, teams: list | None = None):
    db = get_db()
    q = default_questionnaire()
    scope, filters = _scope(team_ids)
    names, axis_titles = chart_labels(q)
    sort = request.args.get("sort", "name")
    sort = sort if sort in storage.SORTS else "name"
    descending = request.args.get("dir") == "desc"

    with storage.LatestResults(db, scope) as latest:
        summary = stats.team_summary(latest.aggregates())
        figures = {"mix": charts.style_mix(summary.style_counts, names)}
        if summary.members:
            figures["radar"] = charts.radar(
                [{"name": _("Team mean"), "scores": summary.mean_scores, "spread": summary.spread}], names
            )
            if summary.members <= SCATTER_LIMIT:
                figures["map"] = charts.quadrant(
                    [{**p, "label": p["name"]} for p in latest.points(SCATTER_LIMIT)], names, axis_titles
                )
            else:
                figures["map"] = charts.density(latest.density(DENSITY_CELL), DENSITY_CELL, names, axis_titles,
                                                _("Members"))
        pages = max(1, -(-summary.members // PAGE_SIZE))
        page = min(max(1, request.args.get("page", 1, type=int) or 1), pages)
        members = latest.members(sort, descending, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        changes = stats.style_changes(latest.style_moves())
        fitting = latest.fitting_members(8)
    verdict = stats.enough_for_a_verdict(summary.members)  # "thin" is a verdict on the whole team
    coverage = [
        {"style": s, "fits": summary.fits[s], "thin": verdict and summary.thin[s], "names": fitting[s],
         "advice": q.customers[s].coverage}
        for s in STYLES
    ]
    return render_template(
        "trainer/dashboard.html",
        team=team,
        teams=teams,
        summary=summary,
        figures=figures,
        names=names,
        axis_titles=axis_titles,
        filters=filters,
        members=members,
        sort=sort,
        descending=descending,
        page=page,
        pages=pages,
        coverage=coverage,
        changes=changes,
        scatter_limit=SCATTER_LIMIT,
        invite_url=invite_url(team) if team else None,
        scales=stats.SCALES,
        fit_affinity=stats.FIT_AFFINITY,
        verdict=verdict,
        verdict_min=stats.VERDICT_MIN,
    )


@bp.get("/agents/<id:agent_id>")
def agent(agent_id: int):
    db = get_db()
    agent = agent_or_404(agent_id)
    results = storage.agent_responses(db, agent_id)
    names, axis_titles = chart_labels(default_questionnaire())
    with storage.LatestResults(db, storage.Scope((agent["team_id"],))) as team_latest:
        team_summary = stats.team_summary(team_latest.aggregates())
    figures = {}
    scored = [r for r in results if r["profile"].valid]  # sheets that describe no one stay in the table only
    latest = scored[-1] if scored else None
    if latest:
        tz = app_timezone()
        figures["trend"] = charts.trend(
            [{**r, "created_at": clock.local(r["created_at"], tz).strftime("%Y-%m-%d %H:%M")} for r in scored],
            axis_titles,
        )
        figures["radar"] = charts.radar(
            [
                {"name": agent["name"], "scores": latest["profile"].scores},
                {"name": _("Team mean"), "scores": team_summary.mean_scores},
            ],
            names,
        )
    return render_template(
        "trainer/agent.html", agent=agent, results=results, latest=latest, figures=figures, names=names,
        axis_titles=axis_titles, team_means=team_summary.mean_scores,
        duplicates=storage.possible_duplicates(db, agent_id),
    )


@bp.get("/psychometrics")
def psychometrics():
    """Live reliability of the questionnaire over the members of my teams (or one of them)."""
    q = default_questionnaire()
    teams = storage.teams_for(get_db(), current_user.id)
    team_id = request.args.get("team", type=int)
    team = team_or_404(team_id) if team_id is not None else None
    report = reliability_report(q, (team["id"],) if team else tuple(t["id"] for t in teams))
    _, axis_titles = chart_labels(q)
    return render_template(
        "trainer/psychometrics.html", q=q, teams=teams, team=team, report=report, axis_titles=axis_titles,
        lowering={axis: psy.lowers_alpha(f) for axis, f in report["axes"].items()}, min_n=psy.MIN_N,
    )


# Removing things: a GET shows what would go; only the POST (with its form token) removes.

def _refuse_qc(access: str) -> None:
    """QC staff see and rate a team; they never change or remove it or its members."""
    if access == "qc":
        abort(Response(render_template("admin/qc_refused.html"), status=403))

def _removal(name: str, back: str, describe, remove, done: str):
    """describe() -> (what goes, what follows) for the confirmation page; remove() -> results removed."""
    if request.method == "GET":
        what, then = describe()
        return render_template("trainer/confirm_remove.html", name=name, back=back, what=what, then=then)
    flash(ngettext("Removed %(name)s and %(num)s result.", "Removed %(name)s and %(num)s results.",
                   remove(), name=name))
    return redirect(done)


@bp.route("/agents/<id:agent_id>/delete", methods=["GET", "POST"])
def delete_agent(agent_id: int):
    db = get_db()
    agent = agent_or_404(agent_id)
    _refuse_qc(agent["access"])
    return _removal(
        agent["name"], url_for("trainer.agent", agent_id=agent_id),
        lambda: (
            ngettext("%(name)s and their %(num)s result will be removed from %(team)s for good.",
                     "%(name)s and all %(num)s of their results will be removed from %(team)s for good.",
                     storage.result_count(db, agent_id), name=agent["name"], team=agent["team_name"]),
            _("Their private result links stop working, and they leave the dashboards and exports. "
              "This cannot be undone; export the team first if you want a copy."),
        ),
        lambda: storage.delete_agent(db, agent_id),
        url_for("trainer.team", team_id=agent["team_id"]),
    )


@bp.route("/agents/<id:agent_id>/merge/<id:other_id>", methods=["GET", "POST"])
def merge_agent(agent_id: int, other_id: int):
    """Fold a member marked as a possible duplicate into the member they may be: a GET
    shows what moves, the POST (with its form token) moves it. Trainers and admins only."""
    db = get_db()
    agent = agent_or_404(agent_id)
    other = agent_or_404(other_id)
    _refuse_qc(agent["access"])
    if other["team_id"] != agent["team_id"] or other_id == agent_id:
        abort(404)
    if request.method == "GET":
        return render_template("trainer/confirm_merge.html", agent=agent, other=other,
                               results=storage.result_count(db, agent_id), form=MergeForm())
    if not MergeForm().validate_on_submit():
        abort(400)
    moved = storage.merge_members(db, keep_id=other_id, merge_id=agent_id)
    flash(ngettext("Merged %(name)s into %(other)s: %(num)s result moved.",
                   "Merged %(name)s into %(other)s: %(num)s results moved.", moved,
                   name=agent["name"], other=other["name"]))
    return redirect(url_for("trainer.agent", agent_id=other_id))


@bp.route("/teams/<id:team_id>/delete", methods=["GET", "POST"])
def delete_team(team_id: int):
    team = team_or_404(team_id)
    _refuse_qc(team["access"])
    db = get_db()
    return _removal(
        team["name"], url_for("trainer.team_settings", team_id=team_id),
        lambda: (
            ngettext("%(name)s will be removed for good, with %(num)s member and all their results.",
                     "%(name)s will be removed for good, with %(num)s members and all their results.",
                     storage.member_count(db, team_id), name=team["name"]),
            _("Its invite link and code stop working, and so do its members' private result links. "
              "This cannot be undone; export the team first if you want a copy."),
        ),
        lambda: storage.delete_team(db, team_id),
        url_for("trainer.home"),
    )


@bp.route("/teams/<id:team_id>/settings", methods=["GET", "POST"])
def team_settings(team_id: int):
    team = team_or_404(team_id)
    _refuse_qc(team["access"])
    form = TeamForm(data={"name": team["name"]})
    if form.validate_on_submit():
        storage.rename_team(get_db(), team_id, form.name.data)
        flash(_("The team is now called “%(name)s”.", name=form.name.data))
        return redirect(url_for("trainer.team", team_id=team_id))
    status = 400 if request.method == "POST" else 200
    return render_template("trainer/team_settings.html", team=team, form=form,
                           staff=storage.team_staff(get_db(), team_id), team_roles=storage.TEAM_ROLES), status


# --- export --------------------------------------------------------------------

def _export(team_ids: tuple[int, ...], basename: str, fmt: str):
    """Every response of the teams; times in the centre's local time with its offset."""
    scope, _filters = _scope(team_ids)
    records = exports.response_records((export_record(r) for r in storage.scope_responses(get_db(), scope)),
                                       app_timezone())
    return download(exports.RESPONSE_COLUMNS, records, basename, fmt)


@bp.get("/teams/<id:team_id>/export.<fmt>")
def export_team(team_id: int, fmt: str):
    team = team_or_404(team_id)
    return _export((team["id"],), f"zhiji-team-{team['id']}", fmt)


@bp.get("/all/export.<fmt>")
def export_all(fmt: str):
    teams = storage.teams_for(get_db(), current_user.id)
    return _export(tuple(t["id"] for t in teams), "zhiji-all-teams", fmt)
