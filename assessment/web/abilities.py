"""Pages of the seven service abilities: staff rate a member, an agent rates themself
from their result, a team's analysis for a month, and the block on a member's page.

Access to a team or member only through storage.team_for / agent_for (404 off the
team); QC staff on a team rate its members like its trainers do.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import abilities, ability_report, exports, stats, storage
from ..i18n import SEPARATORS, current_lang
from ..model import ABILITIES
from .common import agent_or_404, app_timezone, download, get_db, questionnaires, team_or_404

bp = Blueprint("abilities", __name__)

MONTHS_BACK = 12  # how far back the rating form's month select goes
NOTE_MAX = 1000


def _today() -> date:
    return datetime.now(app_timezone()).date()


def _scorecard():
    q = questionnaires().get(abilities.SLUG)
    if q is None:
        abort(404)
    return q


@lru_cache(maxsize=4)
def _readings(path: str) -> dict:
    return abilities.load_readings(path)


def readings() -> dict:
    return _readings(str(Path(current_app.config["QUESTIONNAIRES"]) / f"{abilities.SLUG}.toml"))


def ability_names(q) -> dict[str, str]:
    lang = current_lang()
    return {a: q.abilities[a].name.get(lang) for a in ABILITIES}


def recent_months(today: date, back: int = MONTHS_BACK) -> list[str]:
    """The current month and the `back - 1` before it, newest first."""
    year, month = today.year, today.month
    months = []
    for _i in range(back):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


# --- the rating form (staff and self) ---------------------------------------------------

def _read_form(q) -> tuple[dict, dict, dict[str, str]]:
    """(values as sent, ratings as numbers, problems by field) from the posted form."""
    sent = {item.id: request.form.get(item.id, "") for item in q.items}
    sent["period"] = request.form.get("period", "")
    sent["note"] = request.form.get("note", "")
    ratings = {}
    problems: dict[str, str] = {}
    for item in q.items:
        value = sent[item.id]
        if not value:
            problems[item.id] = _("Choose a rating for this behaviour.")
        elif value.isdigit() and q.scale.min <= int(value) <= q.scale.max:
            ratings[item.id] = int(value)
        else:
            problems[item.id] = _("Choose a whole number from %(min)s to %(max)s.", min=q.scale.min, max=q.scale.max)
    try:
        abilities.parse_period(sent["period"], _today())
    except ValueError:
        problems["period"] = _("Choose a month, this one or an earlier one.")
    if len(sent["note"]) > NOTE_MAX:
        problems["note"] = _("Use at most %(max)s characters.", max=NOTE_MAX)
    return sent, ratings, problems


def _rating_form(template: str, q, *, sent: dict, problems: dict, status: int = 200, **context):
    months = recent_months(_today())
    if sent.get("period") not in months and "period" not in problems and sent.get("period"):
        months = sorted(set(months) | {sent["period"]}, reverse=True)  # an earlier month, kept on an error
    return render_template(
        template, q=q, sent=sent, problems=problems, months=months, names=ability_names(q),
        note_max=NOTE_MAX, **context,
    ), status


def _save(q, sent: dict, ratings: dict, **where) -> dict:
    scores = abilities.score_abilities(q, ratings)
    note = sent["note"].strip() or None
    return storage.save_ability_rating(get_db(), period=sent["period"], ratings=ratings, abilities=scores.abilities,
                                       overall=scores.overall, note=note, **where)


@bp.route("/trainer/agents/<id:agent_id>/abilities/rate", methods=["GET", "POST"])
@login_required
def rate(agent_id: int):
    agent = agent_or_404(agent_id)
    q = _scorecard()
    if request.method == "GET":
        sent = {"period": abilities.current_period(_today())}
        return _rating_form("abilities/rate.html", q, sent=sent, problems={}, agent=agent)
    sent, ratings, problems = _read_form(q)
    if problems:
        return _rating_form("abilities/rate.html", q, sent=sent, problems=problems, status=400, agent=agent)
    _save(q, sent, ratings, agent_id=agent_id, team_id=agent["team_id"], source="staff", rater_id=current_user.id)
    flash(_("Abilities of %(name)s for %(month)s saved.", name=agent["name"], month=sent["period"]))
    return redirect(url_for("trainer.agent", agent_id=agent_id) + "#abilities")


@bp.route("/r/<token>/abilities", methods=["GET", "POST"])
def rate_self(token: str):
    db = get_db()
    result = storage.response_by_token(db, token) if len(token) <= 64 else None
    if result is None or not result["valid"]:  # a sheet that is not valid opens only its own page
        abort(404)
    q = _scorecard()
    previous = storage.response_self_ratings(db, result["id"])
    if request.method == "GET":
        sent = {"period": abilities.current_period(_today())}
        return _rating_form("abilities/self.html", q, sent=sent, problems={}, token=token, result=result,
                            previous=previous[-1] if previous else None)
    sent, ratings, problems = _read_form(q)
    if problems:
        return _rating_form("abilities/self.html", q, sent=sent, problems=problems, status=400, token=token,
                            result=result, previous=previous[-1] if previous else None)
    _save(q, sent, ratings, agent_id=result["agent_id"], team_id=result["team_id"], response_id=result["id"],
          source="self")
    flash(_("Your self-rating for %(month)s is saved.", month=sent["period"]))
    return redirect(url_for("abilities.rate_self", token=token) + "#saved")


# --- the team's analysis -----------------------------------------------------------------

@bp.get("/trainer/teams/<id:team_id>/abilities")
@login_required
def team(team_id: int):
    db = get_db()
    team = team_or_404(team_id)
    q = _scorecard()
    today = _today()
    current = abilities.current_period(today)
    months = ability_report.months_to_pick(storage.team_rating_periods(db, team_id), current)
    period = request.args.get("period") or (months[0] if months else current)
    period_error = None
    try:
        period = abilities.parse_period(period, today)
    except ValueError:
        period_error = _("Choose a month from the list.")
        period = current
    analysis = ability_report.team_analysis(
        period, storage.team_agents(db, team_id), storage.team_latest_ratings(db, team_id, "staff"),
        storage.team_latest_ratings(db, team_id, "self"))
    names = ability_names(q)
    verdict = stats.enough_for_a_verdict(analysis["n"])
    # Too few rated members: the figures, never a team-wide reading of them.
    readings_by_ability = abilities.ability_readings(analysis) if verdict else {a: None for a in ABILITIES}
    means = {a: analysis["abilities"][a]["mean"] for a in ABILITIES}
    rated = [a for a in ABILITIES if means[a] is not None]
    default_x = analysis["weakest"] or ABILITIES[0]
    strongest = max(rated, key=lambda a: (means[a], -ABILITIES.index(a))) if rated else ABILITIES[1]
    default_y = strongest if strongest != default_x else next(a for a in ABILITIES if a != default_x)
    x = request.args.get("x") if request.args.get("x") in ABILITIES else default_x
    y = request.args.get("y") if request.args.get("y") in ABILITIES else default_y
    scatter_error = None
    if x == y:
        scatter_error = _("Choose two different abilities.")
        y = next(a for a in ABILITIES if a != x)
    quadrants = abilities.scatter_quadrants(analysis["members"], x, y)
    figures = {}
    if analysis["n"]:
        band = abilities.radar_band(analysis, q.scale.min, q.scale.max)
        figures["radar"] = ability_report.radar(band, names, _("Team mean"), _("± 1 SD"))
        figures["scatter"] = ability_report.scatter(quadrants, names, SEPARATORS[current_lang()]["list"])
    if analysis["trend"]:
        figures["trend"] = ability_report.trend(analysis["trend"], names)
    return render_template(
        "abilities/team.html", team=team, q=q, analysis=analysis, names=names, months=months, period=period,
        period_error=period_error, readings=readings(), reading_of=readings_by_ability, figures=figures,
        quadrants=quadrants, x=x, y=y, scatter_error=scatter_error, abilities_order=ABILITIES,
        team_mean=abilities.team_overall_mean(analysis), verdict=verdict, verdict_min=stats.VERDICT_MIN,
        reading_groups={key: [a for a in ABILITIES if readings_by_ability[a] == key] for key in abilities.READINGS},
    )


@bp.get("/trainer/teams/<id:team_id>/abilities/export.<fmt>")
@login_required
def export_team(team_id: int, fmt: str):
    """Every month's latest staff rating and self-rating of each member. Staff on the team
    (QC included), as the analysis page; anyone else 404."""
    team_or_404(team_id)
    db = get_db()
    records = exports.ability_records(storage.team_agents(db, team_id), storage.team_latest_ratings(db, team_id, "staff"),
                                      storage.team_latest_ratings(db, team_id, "self"))
    return download(exports.ABILITY_COLUMNS, records, f"zhiji-team-{team_id}-abilities", fmt)


# --- the block on a member's page (templates/trainer/agent.html includes it) ---------------

@bp.app_template_global()
def member_abilities(agent: dict) -> dict | None:
    """What the member's page shows of their abilities; None without the scorecard."""
    q = questionnaires().get(abilities.SLUG)
    if q is None:
        return None
    ratings = storage.agent_ability_ratings(get_db(), agent["id"])
    names = ability_names(q)
    summary = ability_report.agent_summary(ratings)
    figures = {}
    if summary["latest"]:
        band = {"mean": [summary["latest"]["abilities"][a] for a in ABILITIES]}
        band["low"] = band["high"] = band["mean"]
        previous = summary["previous"]
        figures["abilities_radar"] = ability_report.radar(
            band, names, summary["latest"]["period"], "",
            other=[previous["abilities"][a] for a in ABILITIES] if previous else None,
            other_label=previous["period"] if previous else "")
        if summary["months"] > 1:
            figures["abilities_trend"] = ability_report.agent_trend(ratings, names)
    return {"names": names, "summary": summary, "figures": figures, "ratings": ratings,
            "rate_url": url_for("abilities.rate", agent_id=agent["id"])}
