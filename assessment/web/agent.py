"""The agent journey: pick a questionnaire, answer it page by page, read the result."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from .. import charts, content, storage
from ..i18n import current_lang
from ..forms import CodeForm, JoinForm, RetakeForm, kept_answers, page_form
from ..questionnaire import Questionnaire
from ..scoring import score
from .common import (
    MEMBER_COOKIE, MEMBER_COOKIE_DAYS, member_keys, team_by_code, chart_labels, compressed, default_questionnaire,
    draft, finished_url, get_db, gzipped, mark_finished, questionnaire_or_404, questionnaire_version, questionnaires,
    save_draft,
)

bp = Blueprint("agent", __name__)


@bp.get("/")
def index():
    offered = [q for q in questionnaires().values() if q.kind == "self"]
    return render_template("agent/index.html", questionnaires=offered)


# --- joining a team -----------------------------------------------------------

@bp.get("/join")
def join_by_code():
    form = CodeForm(request.args)
    if request.args and form.validate():
        team = team_by_code(form.code.data)
        if team:
            return redirect(url_for("agent.join", code=team["invite_code"]))
        form.code.errors.append(_("No team has the code %(code)s. Check it with your trainer.", code=form.code.data))
    status = 400 if request.args else 200
    return render_template("agent/join_code.html", form=form), status


@bp.route("/join/<code>", methods=["GET", "POST"])
def join(code: str):
    team = team_by_code(code)
    if team is None:
        form = CodeForm(data={"code": code})
        form.code.errors = [_("No team has the code %(code)s. Check it with your trainer.", code=code)]
        return render_template("agent/join_code.html", form=form), 404
    form = JoinForm()
    if form.validate_on_submit():
        session["member"] = {
            "team_id": team["id"],
            "team_code": team["invite_code"],  # the team's key: a removed team's id never names another
            "team_name": team["name"],
            "name": form.name.data,
            "employee_id": form.employee_id.data or None,
        }
        return redirect(url_for("agent.take", slug=default_questionnaire().slug, page=1))
    status = 400 if request.method == "POST" else 200
    return render_template("agent/join.html", team=team, form=form), status


@bp.post("/join/leave")
def leave_team():
    session.pop("member", None)
    return redirect(url_for("agent.index"))


def _membership() -> storage.Membership | None:
    """Who is answering, with what proves it: the result link they retook from, and the
    member keys of this browser. A team removed meanwhile (its code no longer names it)
    is TeamGone, never another team."""
    member = session.get("member")
    if not member:
        return None
    team = storage.team_by_code(get_db(), member.get("team_code") or "")
    if team is None or team["id"] != member["team_id"]:
        raise storage.TeamGone(member["team_id"])
    return storage.Membership(team_id=member["team_id"], name=member["name"], employee_id=member.get("employee_id"),
                              agent_id=member.get("agent_id"), keys=member_keys())


@bp.route("/r/<token>/retake", methods=["GET", "POST"])
def retake(token: str):
    """Take the questionnaire again as the member this result belongs to: the private
    result link is the proof, so the new result joins their history, not a new member."""
    row = storage.response_by_token(get_db(), token)
    if row is None or row["agent_id"] is None or not row["profile"].valid:
        abort(404)
    team = storage.team_of_member(get_db(), row["agent_id"])
    if team is None:
        abort(404)
    form = RetakeForm()
    if form.validate_on_submit():
        session["member"] = {"team_id": team["id"], "team_code": team["invite_code"], "team_name": team["name"],
                             "name": team["member_name"], "employee_id": team["employee_id"],
                             "agent_id": row["agent_id"]}
        return redirect(url_for("agent.take", slug=default_questionnaire().slug, page=1))
    return render_template("agent/retake.html", team=team, token=token, form=form), \
        400 if request.method == "POST" else 200


# The draft lives in the signed session cookie: a reload, a back button or a
# validation error never loses what was entered, and nothing is stored until
# the last page is sent.
def _draft(slug: str) -> dict[str, int]:
    return draft("drafts", slug)


def _save_draft(slug: str, answers: dict[str, int] | None) -> None:
    save_draft("drafts", slug, answers)


def _started(slug: str) -> float:
    started = dict(session.get("started", {}))
    if slug not in started:
        started[slug] = time.time()
        session["started"] = started
    return started[slug]


def _self_questionnaire(slug: str) -> Questionnaire:
    """Agents take self questionnaires here; observer forms and scorecards have their own pages."""
    q = questionnaire_or_404(slug)
    if q.kind != "self":
        abort(404)
    return q


@bp.get("/q/<slug>")
def start(slug: str):
    return redirect(url_for("agent.take", slug=_self_questionnaire(slug).slug, page=1))


@bp.route("/q/<slug>/<int:page>", methods=["GET", "POST"])
def take(slug: str, page: int):
    q = _self_questionnaire(slug)
    if not 1 <= page <= len(q.pages):
        abort(404)
    items = q.pages[page - 1]
    lang = current_lang()
    # Only answers to this version's items: a draft may predate a questionnaire update.
    draft = {k: v for k, v in _draft(slug).items() if k in q.item_ids}
    if (done := finished_url(f"q:{slug}", page, len(q.pages), bool(draft))) is not None:
        return redirect(done)
    started = _started(slug)
    form = page_form(items, q.scale, lang, data=draft)

    if request.method == "POST":
        valid = form.validate()
        if not form.csrf_token.errors:
            draft.update(kept_answers(form, items, q.scale))
            _save_draft(slug, draft)
        if "back" in request.form and not form.csrf_token.errors:
            return redirect(url_for("agent.take", slug=slug, page=max(1, page - 1)))
        if valid:
            if page < len(q.pages):
                return redirect(url_for("agent.take", slug=slug, page=page + 1))
            return _finish(q, draft)

    missing = [item for item in items if form[item.id].errors]
    status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "agent/take.html",
            q=q,
            form=form,
            items=items,
            page=page,
            pages=len(q.pages),
            answered=len(draft),
            missing=missing,
            member=session.get("member"),
            # The browser keeps this page's answers under this key until they are sent.
            keep_key=f"q:{slug}:{int(started)}",
        ),
        status,
    )


def _finish(q: Questionnaire, draft: dict[str, int]):
    for number, page_items in enumerate(q.pages, start=1):
        if any(item.id not in draft for item in page_items):
            flash(_("Some statements on this page still need an answer."))
            return redirect(url_for("agent.take", slug=q.slug, page=number))
    duration = time.time() - _started(q.slug)
    profile = score(q, draft, duration_seconds=duration)
    result = dict(questionnaire=q.slug, version=q.version, lang=current_lang(), answers=draft,
                  profile=profile, duration_seconds=round(duration, 1))
    try:
        row = storage.save_response(get_db(), member=_membership(), **result)
    except storage.TeamGone:
        # The trainer removed the team meanwhile: keep the answers as a private result.
        row = storage.save_response(get_db(), member=None, **result)
        flash(_("The team you joined no longer exists, so your result is saved for you alone."))
    _save_draft(q.slug, None)
    mark_finished(f"q:{q.slug}", url_for("agent.result", token=row["token"]))
    # A shared desk PC: the next agent must not inherit this one's name.
    session.pop("member", None)
    session["started"] = {k: v for k, v in session.get("started", {}).items() if k != q.slug}
    response = redirect(url_for("agent.result", token=row["token"]))
    if row.get("member_key"):
        # A new member: their browser keeps the key that proves them on a retake.
        response.set_cookie(MEMBER_COOKIE, storage.keys_cookie(row["member_key"], member_keys()),
                            max_age=MEMBER_COOKIE_DAYS * 86400, httponly=True, samesite="Lax",
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure)
    return response


class PageCache:
    """The last few hundred anonymous result pages, as rendered and as gzipped.

    A result never changes once stored, and agents reload and revisit theirs (and
    a whole class opens them at once after a session), so rendering each
    (result, language) once is enough. Pages for signed-in trainers carry a CSRF
    token and are never cached; neither is a page with a flashed message.
    """

    def __init__(self, size: int = 512):
        self.size = size
        self._pages: OrderedDict[tuple, tuple[str, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple[str, bytes] | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: tuple, page: tuple[str, bytes]) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


@bp.get("/r/<token>")
def result(token: str):
    # Read the session directly: no signed-in trainer (Flask-Login's key) and no
    # flashed message means the anonymous page, without loading a user to find out.
    cacheable = "_user_id" not in session and not session.get("_flashes")
    # The page shows its own full address; scheme, host and script root make it up
    # (request.url_root would rebuild and re-encode the whole URL to get them).
    key = (token, current_lang(), request.scheme, request.host, request.script_root)
    cache: PageCache = current_app.extensions.setdefault("result_pages", PageCache())
    # A trainer may have removed the result since: the cached page needs it still stored.
    if cacheable and (cached := cache.get(key)) is not None and storage.token_exists(get_db(), token):
        page, page_gzipped = cached
        return compressed(Response(page, mimetype="text/html"), page_gzipped)
    page = _render_result(token)
    if cacheable:
        cache.put(key, (page, gzipped(page.encode())))  # compressed once, served many times
    return page


def _render_result(token: str) -> str:
    row = storage.response_by_token(get_db(), token)
    if row is None:
        abort(404)
    q = questionnaire_version(row["questionnaire"], row["questionnaire_version"])
    profile = row["profile"]
    if not profile.valid:
        return render_template("agent/result_not_valid.html", q=q, row=row, profile=profile)
    names, axis_titles = chart_labels(q)
    figures = {
        "radar": charts.radar(
            [{"name": _("You"), "scores": profile.scores, "colour": charts.STYLE_COLOURS[profile.style]}], names
        ),
        "quadrant": charts.quadrant(
            [{**profile.axes, "label": _("You"), "style": profile.style}], names, axis_titles
        ),
    }
    return render_template(
        "agent/result.html",
        q=q,
        row=row,
        profile=profile,
        style=content.coaching(q, profile.style),
        secondary=q.styles[profile.secondary_style],
        sure=None if profile.confidence is None else content.confidence_band(profile.confidence, profile.flags),
        style_content=_style_content(q, profile.style, current_lang()),
        names=names,
        axis_titles=axis_titles,
        figures=figures,
    )


def _style_content(q: Questionnaire, style: str, lang: str) -> Markup:
    """Coaching and the customer grid depend only on the questionnaire version, style and
    language, and content never changes while the app runs: render them once per app."""
    cache = current_app.extensions.setdefault("style_content", {})
    key = (q.slug, q.version, style, lang)
    if key not in cache:
        cache[key] = Markup(render_template(
            "agent/_style_content.html",
            q=q,
            style=content.coaching(q, style),
            guides=content.customer_guides(q, style),
            names=content.style_names(q, lang),
        ))
    return cache[key]
