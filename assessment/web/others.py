"""How others see me, the pages: rating links from the result page, the rater's form,
the others' view on the result page and the member's page, and the team's others page.

The result page is cached for anonymous visitors (agent.PageCache) and carries no
form; the others' block changes whenever a rater answers and holds a form with a
CSRF token, so it is never part of the cached page. The cached page carries a small
placeholder with a plain link to /r/<token>/others (the whole view, uncached, works
without JS); static/others.js loads the block into the placeholder from
/r/<token>/others?part=1 and posts new links from there.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from .. import charts, exports, others, stats, storage
from ..forms import NAME_MAX, _printable, _strip, kept_answers, page_form
from ..i18n import current_lang
from ..others import TooFewAnswered
from ..scoring import AnswerError
from .common import (
    agent_or_404, chart_labels, default_questionnaire, download, draft, finished_url, get_db, mark_finished,
    member_keys, save_draft, team_or_404,
)
from .others_common import (
    about_name, coaching, observer_form, proven_rater, rater_key, score, team_view, view_of_response,
)

bp = Blueprint("others", __name__)

FRAGMENT_HEADER = "X-Requested-With"  # others.js asks for the block alone


class LinkForm(FlaskForm):
    relation = SelectField(
        _l("Who will rate you"),
        choices=[SelectChoice("peer", _l("A colleague (anonymous)")),
                 SelectChoice("lead", _l("My team lead, trainer or QC (named)"))],
        validators=[InputRequired()],
    )


class LeadForm(FlaskForm):
    role = SelectField(
        _l("Your role"),
        choices=[SelectChoice("team_lead", _l("Team lead")), SelectChoice("trainer", _l("Trainer")),
                 SelectChoice("qc", _l("QC"))],
        validators=[InputRequired()],
    )
    name = StringField(
        _l("Your name (optional)"), filters=[_strip],
        validators=[Optional(), Length(max=NAME_MAX, message=_l("Use 1 to 80 characters.")), _printable],
    )


# --- the others' view ------------------------------------------------------------

def _display(view: dict, mode: str = "agent") -> dict:
    """What the view template shows beside the view itself: words, band, practices, figure."""
    lang = current_lang()
    content = coaching()
    names, axis_titles = chart_labels(default_questionnaire())
    shown = {"view": view, "names": names, "axis_titles": axis_titles, "words": [], "band": None,
             "practices": (), "others_figure": None}
    peers = view["others"]
    if peers is not None:
        shown["band"] = content.bands[others.versatility_band(peers["versatility"])]
        shown["practices"] = others.versatility_practices(content, peers["versatility"])
        shown["words"] = others.gap_words(view["gap"], content, lang)
        self_point = view["self"]["axes"]
        points = []
        if self_point is not None:
            label = _("You (self)") if mode == "agent" else _("Self")
            points.append({**self_point, "label": label, "style": view["self"]["style"]})
        points.append({**peers["axes"], "label": _("Others (%(n)s)", n=peers["n"]), "style": peers["style"]})
        shown["others_figure"] = charts.others_quadrant(points, names, axis_titles)
    return shown


def _result_or_404(token: str) -> dict:
    row = storage.response_by_token(get_db(), token)
    if row is None or not row["profile"].valid:
        abort(404)
    return row


def _agent_block(row: dict, form: LinkForm | None = None, error: str | None = None, new_id: int | None = None):
    links = storage.links_made(get_db(), row["id"])
    return {
        **_display(view_of_response(row)),
        "row": row, "mode": "agent", "links": links, "form": form or LinkForm(),
        "max_links": storage.MAX_LINKS, "error": error, "new_id": new_id,
    }


def _wants_part() -> bool:
    return request.args.get("part") == "1" or request.headers.get(FRAGMENT_HEADER) == "fetch"


@bp.get("/r/<token>/others")
def result_others(token: str):
    row = _result_or_404(token)
    new_id = request.args.get("new", type=int)
    context = _agent_block(row, new_id=new_id)
    if _wants_part():
        response = render_template("others/_view.html", **context)
        return response, 200, {"Cache-Control": "no-store"}
    return render_template("others/result_others.html", **context)


@bp.post("/r/<token>/others/links")
def create_link(token: str):
    row = _result_or_404(token)
    form = LinkForm()
    error = None
    if form.validate_on_submit():
        try:
            link = storage.create_link(get_db(), row, form.relation.data)
        except storage.PeersNeedATeam:
            error = _("Colleagues rate members of a team, and this result is not on one: ask a lead instead, "
                      "or join your team with its code and take the questionnaire there.")
        except storage.LinkLimit:
            error = _("You have made %(n)s links, the most one result can have.", n=storage.MAX_LINKS)
        else:
            if _wants_part():
                return render_template("others/_view.html", **_agent_block(row, new_id=link["id"])), 201
            return redirect(url_for("others.result_others", token=token, new=link["id"]) + f"#link-{link['id']}")
    elif form.csrf_token.errors:
        error = _("Your session timed out. Please press the button again.")
    context = _agent_block(row, form=form, error=error)
    if _wants_part():
        return render_template("others/_view.html", **context), 400
    return render_template("others/result_others.html", **context), 400


# --- the rater's form ----------------------------------------------------------------

def _draft(key: str) -> dict:
    return draft("rating_drafts", key)


def _save_draft(key: str, answers: dict | None) -> None:
    save_draft("rating_drafts", key, answers)


def _link_or_404(token: str) -> dict:
    link = storage.link_by_token(get_db(), token)
    if link is None:
        abort(404)
    return link


RATED = "rated_links"  # lead links this browser answered: their state is told to it alone
RATED_KEPT = 20


def _rated(link: dict):
    """This rater's own state, told to them alone: they have rated this member already."""
    return render_template("others/used.html", about=about_name(link["about_name"]), relation=link["relation"]), 409


def _peer_rater(link: dict, key: str) -> int | None:
    """The colleague answering a peer link: proven earlier in this session (their result
    link), or by the member key of this browser when exactly one member of the team joined
    on it and it is not the member rated."""
    rater = _draft(key).get("rater")
    if rater is not None:
        return rater
    team = storage.team_of_member(get_db(), link["agent_id"]) if link["agent_id"] is not None else None
    if team is None:
        return None
    # Only a device one member of the team joined on proves who they are: on a shared desk PC
    # (several members' keys) a colleague pastes their own result link instead.
    members = storage.member_by_keys(get_db(), team["id"], member_keys())
    if len(members) != 1 or members[0]["id"] == link["agent_id"]:
        return None
    return members[0]["id"]


def _token_in(text: str) -> str:
    """The result token in a pasted result link (or the bare token)."""
    path = text.strip().split("?")[0].split("#")[0].rstrip("/")
    return path.rsplit("/", 1)[-1]


class ProofForm(FlaskForm):
    result_link = StringField(
        _l("The link of your own result"), filters=[_strip],
        validators=[InputRequired(message=_l("Paste the link of your own result in this team.")), Length(max=300)],
    )


@bp.route("/rate/<token>", methods=["GET", "POST"])
def rate_start(token: str):
    """The same page whether or not the link was answered before: only the rater's own
    state (they rated this member already) is ever told, and only to them."""
    link = _link_or_404(token)
    q = observer_form()
    key = f"link:{token}"
    draft = _draft(key)
    about = about_name(link["about_name"])
    if link["relation"] == "peer":
        rater = _peer_rater(link, key)
        proof = ProofForm() if request.method == "POST" and "result_link" in request.form else None
        if proof is not None:
            if proof.validate_on_submit():
                rater = proven_rater(link, _token_in(proof.result_link.data))
                if rater is not None:
                    _save_draft(key, {**draft, "rater": rater})
                    return redirect(url_for("others.rate_start", token=token))
                proof.result_link.errors.append(_("That is not the link of a result of yours in %(name)s's team. "
                                                  "Colleagues rate; nobody rates themself.", name=about))
            return render_template("others/rate_start.html", q=q, link=link, about=about, proof=proof), 400
        if rater is None:
            return render_template("others/rate_start.html", q=q, link=link, about=about, proof=ProofForm())
        if storage.rated_before(get_db(), token, rater_key(rater)):
            return _rated(link)
        if draft.get("rater") != rater:
            _save_draft(key, {**draft, "rater": rater})
            draft = _draft(key)
        if request.method == "POST":
            return redirect(url_for("others.rate_page", token=token, page=1))
        return render_template("others/rate_start.html", q=q, link=link, about=about, form=None,
                               answered=len(draft.get("answers", {})))
    if token in session.get(RATED, ()):
        return _rated(link)
    form = LeadForm(data={"role": draft.get("role", "team_lead"), "name": draft.get("name") or ""})
    if request.method == "POST" and form.validate_on_submit():
        _save_draft(key, {**draft, "role": form.role.data, "name": form.name.data or None})
        return redirect(url_for("others.rate_page", token=token, page=1))
    return render_template(
        "others/rate_start.html", q=q, link=link, about=about, form=form,
        answered=len(draft.get("answers", {})),
    ), 400 if request.method == "POST" else 200


@bp.route("/rate/<token>/<int:page>", methods=["GET", "POST"])
def rate_page(token: str, page: int):
    link = _link_or_404(token)
    key = f"link:{token}"
    rater = _peer_rater(link, key) if link["relation"] == "peer" else None
    if link["relation"] == "peer" and rater is None:
        return redirect(url_for("others.rate_start", token=token))
    if link["relation"] == "lead" and token in session.get(RATED, ()):
        return _rated(link)

    def finish(answers: dict[str, int], draft: dict):
        q, scores = score(answers)
        try:
            storage.answer_link(get_db(), token, questionnaire=q.slug, version=q.version, lang=current_lang(),
                                answers=answers, scores=scores, rater_role=draft.get("role") or "team_lead",
                                rater_name=draft.get("name"), rater_key=rater_key(rater) if rater else None)
            rated = None
        except storage.AlreadyAnswered:
            rated = _rated(link)
        # The answers go; who the colleague is stays, so the link tells them (and only them) they rated.
        _save_draft(key, {"rater": rater} if rater else None)
        if rated is not None:
            return rated
        mark_finished(key, url_for("others.rate_done"))  # back after sending: the thank-you page
        if link["relation"] == "lead":
            session[RATED] = [token, *session.get(RATED, ())][:RATED_KEPT]
        return redirect(url_for("others.rate_done"))

    return _paged(key, page, about_name(link["about_name"]), link["relation"],
                  lambda p: url_for("others.rate_page", token=token, page=p), finish)


def _paged(key: str, page: int, about: str, relation: str, url_of, finish):
    """One page of the observer form; the draft lives in the session, so a reload, the
    back button or an error never loses an answer. finish(answers, draft) after the last."""
    q = observer_form()
    if not 1 <= page <= len(q.pages):
        abort(404)
    items = q.pages[page - 1]
    draft = _draft(key)
    answers = {k: v for k, v in draft.get("answers", {}).items() if k in q.item_ids}
    if (done := finished_url(key, page, len(q.pages), bool(answers))) is not None:
        return redirect(done)
    form = page_form(items, q.scale, current_lang(), data=answers)
    short = []
    if request.method == "POST":
        valid = form.validate()
        if not form.csrf_token.errors:
            answers.update(kept_answers(form, items, q.scale))
            draft["answers"] = answers
            _save_draft(key, draft)
        if "back" in request.form and not form.csrf_token.errors:
            return redirect(url_of(max(1, page - 1)))
        if valid:
            if page < len(q.pages):
                return redirect(url_of(page + 1))
            for number, page_items in enumerate(q.pages, start=1):
                if any(item.id not in answers for item in page_items):
                    flash(_("Some statements on this page still need an answer."))
                    return redirect(url_of(number))
            try:
                return finish(answers, draft)
            except TooFewAnswered as exc:  # the page says which scales, and every answer stays
                short = _short_scales(q, answers, exc.details, url_of)
            except AnswerError:  # a questionnaire update since the draft began
                abort(400)
    missing = [item for item in items if form[item.id].errors]
    return render_template(
        "others/rate.html", q=q, form=form, items=items, page=page, pages=len(q.pages), answered=len(answers),
        missing=missing, about=about, relation=relation, action=url_of(page), short=short, keep_key=key,
    ), 400 if request.method == "POST" else 200


def _short_scales(q, answers: dict, details: dict[str, str], url_of) -> list[dict]:
    """For the page: each scale with too many "can't say" answers, how many are answered,
    and its "can't say" statements with a link to each (page and item)."""
    names = {"assertiveness": _("Assertiveness"), "responsiveness": _("Responsiveness"),
             "versatility": _("Versatility")}
    needed = others.min_answered(q)
    page_of = {item.id: n for n, page_items in enumerate(q.pages, start=1) for item in page_items}
    short = []
    for axis in details:
        ids = q.axis_items[axis]
        unanswered = [q.item(i) for i in ids if answers.get(i) is others.CANT_SAY]
        short.append({
            "name": names.get(axis, axis), "total": len(ids), "given": len(ids) - len(unanswered),
            "needed": needed[axis],
            "items": [{"item": item, "url": f"{url_of(page_of[item.id])}#item-{item.id}"} for item in unanswered],
        })
    return short


@bp.get("/rate/done")
def rate_done():
    return render_template("others/done.html")


# --- trainers: a member's others' view, rating a member, the team ----------------------

def _lead_role() -> str:
    return "qc" if getattr(current_user, "role", "trainer") == "qc" else "trainer"


@bp.app_template_global("others_member_block")
def member_block(agent: dict) -> dict | None:
    """What templates/others/_member.html (the member's page include) shows; None without a result."""
    db = get_db()
    latest = storage.latest_response_id(db, agent["id"])
    if latest is None:
        return None
    row = {"id": latest, "agent_id": agent["id"], "profile": None}
    return {**_display(view_of_response(row), "trainer"), "mode": "trainer", "agent": agent}


@bp.route("/trainer/agents/<id:agent_id>/rate/<int:page>", methods=["GET", "POST"])
@login_required
def rate_member(agent_id: int, page: int):
    agent = agent_or_404(agent_id)
    key = f"agent:{agent_id}"

    def finish(answers: dict[str, int], draft: dict):
        db = get_db()
        response_id = storage.latest_response_id(db, agent_id)
        if response_id is None:
            abort(404)
        q, scores = score(answers)
        storage.save_trainer_rating(
            db, response_id=response_id, agent_id=agent_id, trainer_id=current_user.id,
            trainer_name=current_user.username, questionnaire=q.slug, version=q.version, lang=current_lang(),
            answers=answers, scores=scores, rater_role=_lead_role(),
        )
        _save_draft(key, None)
        mark_finished(key, url_for("trainer.agent", agent_id=agent_id) + "#others")
        flash(_("Your rating of %(name)s is saved. It is shown with your name, apart from colleagues' ratings.",
                name=agent["name"]))
        return redirect(url_for("trainer.agent", agent_id=agent_id) + "#others")

    return _paged(key, page, agent["name"], "lead",
                  lambda p: url_for("others.rate_member", agent_id=agent_id, page=p), finish)


@bp.get("/trainer/agents/<id:agent_id>/rate")
@login_required
def rate_member_start(agent_id: int):
    agent_or_404(agent_id)
    return redirect(url_for("others.rate_member", agent_id=agent_id, page=1))


@bp.get("/trainer/teams/<id:team_id>/others/export.<fmt>")
@login_required
def export_team(team_id: int, fmt: str):
    """Self against the colleagues' mean per member, by the page's rules: colleagues only as
    a mean of at least others.MIN_RATERS, never one colleague's answers. Staff on the team."""
    team_or_404(team_id)
    return download(exports.OTHERS_COLUMNS, exports.others_records(team_view(team_id)["members"]),
                    f"zhiji-team-{team_id}-others", fmt)


@bp.get("/trainer/teams/<id:team_id>/others")
@login_required
def team_others(team_id: int):
    team = team_or_404(team_id)
    summary = team_view(team_id)
    names, axis_titles = chart_labels(default_questionnaire())
    band = None
    verdict = stats.enough_for_a_verdict(summary["rated"])  # a band is a verdict on the whole team
    if summary["versatility_band"] is not None and verdict:
        band = coaching().bands[summary["versatility_band"]]
    words = []
    if summary["differs_most"] is not None:
        words = others.gap_words(summary["differs_most"]["gap"], coaching(), current_lang())
    return render_template("others/team.html", team=team, summary=summary, names=names, axis_titles=axis_titles,
                           band=band, words=words, min_raters=others.MIN_RATERS, verdict_min=stats.VERDICT_MIN)
