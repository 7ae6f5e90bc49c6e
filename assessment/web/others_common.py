"""What the others' view pages (others.py) and its API (others_api.py) share: the
observer form, who a rating is about, the view of a result or a member, and storing
one rater's answers. Not a blueprint: both blueprints import it, as they import common.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from .. import others, storage
from ..others import Rating, score_rating
from ..questionnaire import Questionnaire
from .common import get_db, questionnaires

OBSERVER_SLUG = "communication-style-observer"


def observer_form() -> Questionnaire:
    """The observer form raters answer (the shipped one, else any observer form loaded)."""
    qs = questionnaires()
    q = qs.get(OBSERVER_SLUG)
    if q is None or q.kind != "observer":
        q = next(q for q in qs.values() if q.kind == "observer")
    return q


def coaching() -> others.OthersContent:
    content = current_app.extensions.get("others_coaching")
    if content is None:
        from pathlib import Path

        content = others.load_coaching(Path(current_app.config["QUESTIONNAIRES"]) / "others")
        current_app.extensions["others_coaching"] = content
    return content


def role_name(role: str | None) -> str:
    return {"team_lead": _("Team lead"), "trainer": _("Trainer"), "qc": _("QC")}.get(role or "", _("Team lead"))


def rater_label(row: dict) -> str:
    """A lead as shown: their role, and their name when they gave one."""
    role = role_name(row.get("rater_role"))
    name = row.get("rater_name")
    return _("%(role)s: %(name)s", role=role, name=name) if name else role


def about_name(name: str | None) -> str:
    """Whose style a rater rates: the member's name, else "a colleague"."""
    return name if name else _("a colleague")


def _ratings(rows: list[dict]) -> list[Rating]:
    return [
        Rating(relation=r["relation"], rater_label=rater_label(r) if r["relation"] == "lead" else "",
               axes={"assertiveness": r["assertiveness"], "responsiveness": r["responsiveness"]},
               versatility=r["versatility"])
        for r in rows
    ]


def self_point(response: dict) -> tuple[dict | None, str | None]:
    """Self axes and style: the member's latest valid result, or this result if valid."""
    if response.get("agent_id") is not None:
        latest = storage.latest_valid_response(get_db(), response["agent_id"])
        if latest is None:
            return None, None
        return {"assertiveness": latest["assertiveness"], "responsiveness": latest["responsiveness"]}, latest["style"]
    profile = response["profile"]
    if not profile.valid:
        return None, None
    return dict(profile.axes), profile.style


def view_of_response(response: dict) -> dict:
    """others.others_view for a stored result (its member's ratings when in a team)."""
    db = get_db()
    scope = storage.RaterScope.of(response)
    invited, _answered = storage.rating_counts(db, scope)
    axes, style = self_point(response)
    return others.others_view(axes, style, _ratings(storage.answered_ratings(db, scope)), invited)


def team_view(team_id: int) -> dict:
    """others.team_others over a team's members (in name order); members are their ids."""
    db = get_db()
    members = storage.team_members(db, team_id)
    selves = storage.team_self_views(db, team_id)
    ratings = storage.team_ratings(db, [m["id"] for m in members])
    entries = []
    for m in members:
        own = selves.get(m["id"])
        invited, rows = ratings[m["id"]]
        entries.append(others.TeamMember(
            member=m["id"],
            self_axes=None if own is None else {"assertiveness": own["assertiveness"],
                                                "responsiveness": own["responsiveness"]},
            self_style=None if own is None else own["style"],
            ratings=_ratings(rows), invited=invited,
        ))
    summary = others.team_others(entries)
    names = {m["id"]: m["name"] for m in members}
    for entry in summary["members"]:
        entry["name"] = names[entry["member"]]
    if summary["differs_most"] is not None:
        summary["differs_most"]["name"] = names[summary["differs_most"]["member"]]
    return summary


def score(answers: dict[str, int]) -> tuple[Questionnaire, dict[str, float]]:
    """The observer form and the rater's scores; AnswerError names each bad item."""
    q = observer_form()
    rated = score_rating(q, answers)
    return q, {**rated.axes, "versatility": rated.versatility}


# --- who rates: a colleague proves who they are ----------------------------------------

def rater_key(agent_id: int) -> str:
    """storage.rater_key under this app's secret key."""
    return storage.rater_key(current_app.config["SECRET_KEY"], agent_id)


def proven_rater(link: dict, token: str | None) -> int | None:
    """The member id of a colleague proven by a result token of theirs: a valid result of
    another member of the same team as the member the link is about. None otherwise (an
    unknown token, the rated member's own, another team's, a sheet that is not valid)."""
    if not token or len(token) > 64 or link.get("agent_id") is None:
        return None
    proof = storage.member_of_token(get_db(), token)
    if proof is None or not proof["valid"] or proof["agent_id"] in (None, link["agent_id"]):
        return None
    rated = storage.team_of_member(get_db(), link["agent_id"])
    return proof["agent_id"] if rated is not None and rated["id"] == proof["team_id"] else None
