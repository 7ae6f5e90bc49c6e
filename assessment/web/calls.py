"""Calls as evidence, the pages: the calls block of a member's page (three dots on one
map, the calls, the upload form), the upload form, a call's review page for the
recording-analysis class, deleting a call, the team's calls by month, and the agent's
observed summary on their result page.

Who may: staff on the member's team (owner, added trainers and QC, admins) upload,
read and review; only the team's owner or an admin deletes a call (other staff on the
team get the 403 page); anyone else gets 404. The agent sees only their own observed
dot and summary, by their result's token, never a transcript.

The result page is cached for anonymous visitors (agent.PageCache), and calls arrive
at any time, so the agent's summary is never part of the cached page: a placeholder
(calls/_result_block.html) is filled by static/others.js from /r/<token>/calls?part=1,
exactly as the others' block is.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from markupsafe import Markup, escape
from wtforms import SelectChoice, SelectField, StringField, TextAreaField

from .. import charts, others, storage
from ..abilities import current_period, parse_period
from ..call_intake import analyse_upload, safe_problem, text_of
from ..calls import FORMATS, MIN_CALLS, SpeakerNeeded, TranscriptError, mask, speaker_labels
from ..i18n import current_lang
from ..model import ABILITIES
from ..schemas import CALL_BYTES_MAX, CALL_FIGURES
from .calls_common import RANGE_FROM, called_at, lexicon, may_delete, observed_of, store, team_month, today, usual_ranges
from .common import agent_or_404, chart_labels, default_questionnaire, get_db, questionnaires, team_or_404
from .others_common import view_of_response

bp = Blueprint("calls", __name__)

FRAGMENT_HEADER = "X-Requested-With"
SHOWN_BANNED = 10  # most frequent banned phrases on the team page


class UploadForm(FlaskForm):
    file = FileField(_l("Transcript file"))
    text = TextAreaField(_l("Or paste the transcript"))
    format = SelectField(_l("Format"), default="", choices=[SelectChoice("", _l("Detect from the content"))]
                         + [SelectChoice(f, f) for f in FORMATS])
    lang = SelectField(_l("Language of the call"), default="", choices=[
        SelectChoice("", _l("Detect from the text")), SelectChoice("zh", "中文"), SelectChoice("en", "English")])
    called_at = StringField(_l("When the call took place (optional)"))


def figure_names() -> dict[str, str]:
    return {
        "talk_share": _("Talk share"), "pace": _("Pace"), "longest_monologue_s": _("Longest monologue"),
        "interruptions": _("Interruptions"), "silences": _("Silences"), "longest_silence_s": _("Longest silence"),
        "response_gap_s": _("Response gap"), "questions": _("Questions"), "open_questions": _("Open questions"),
        "closed_questions": _("Closed questions"), "empathy": _("Empathy lines"), "banned": _("Banned phrases"),
    }


def shown(figure: str, value, unit: str | None = None) -> str:
    """A figure as people read it: talk share in %, seconds with 's', pace with its unit."""
    if value is None:
        return "–"
    if figure == "talk_share":
        return f"{value * 100:.0f}%"
    if figure.endswith("_s"):
        return _("%(n)s s", n=f"{value:.1f}")
    if figure == "pace":
        per = _("characters/min") if unit == "chars/min" else _("words/min")
        return f"{value:.0f} {per}"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return f"{value:.0f}"


# --- the member's page: three dots, the calls, the upload form ------------------------------

# Calls minus self, per axis and direction (others.gap_direction): for staff, about the member.
GAP_WORDS = {
    ("assertiveness", "higher"): _l("On calls %(name)s comes across as more assertive (telling, directing, "
                                    "talking more) than they see themself."),
    ("assertiveness", "lower"): _l("On calls %(name)s comes across as less assertive (asking, listening, "
                                   "leaving room) than they see themself."),
    ("assertiveness", "close"): _l("On assertiveness, %(name)s's calls match how they see themself."),
    ("responsiveness", "higher"): _l("On calls %(name)s comes across as warmer and more expressive than they "
                                     "see themself."),
    ("responsiveness", "lower"): _l("On calls %(name)s comes across as more reserved and matter-of-fact than "
                                    "they see themself."),
    ("responsiveness", "close"): _l("On responsiveness, %(name)s's calls match how they see themself."),
}
# The same for the agent, about themself.
OWN_GAP_WORDS = {
    ("assertiveness", "higher"): _l("On calls you come across as more assertive (telling, directing, talking "
                                    "more) than you see yourself."),
    ("assertiveness", "lower"): _l("On calls you come across as less assertive (asking, listening, leaving "
                                   "room) than you see yourself."),
    ("assertiveness", "close"): _l("On assertiveness, your calls match how you see yourself."),
    ("responsiveness", "higher"): _l("On calls you come across as warmer and more expressive than you see "
                                     "yourself."),
    ("responsiveness", "lower"): _l("On calls you come across as more reserved and matter-of-fact than you see "
                                    "yourself."),
    ("responsiveness", "close"): _l("On responsiveness, your calls match how you see yourself."),
}


def gap_sentences(self_axes: dict | None, calls_axes: dict | None, name: str | None = None) -> list[str]:
    """Calls minus self, in words per axis, about the member (name) or to the agent (None)."""
    if not self_axes or not calls_axes:
        return []
    words = GAP_WORDS if name is not None else OWN_GAP_WORDS
    return [str(words[(axis, others.gap_direction(calls_axes[axis] - self_axes[axis]))]) % {"name": name}
            for axis in ("assertiveness", "responsiveness")]


@bp.app_template_global("calls_member_block")
def member_block(agent: dict) -> dict:
    """What templates/calls/_member.html shows on a member's page."""
    db = get_db()
    calls = storage.agent_calls(db, agent["id"])
    observed = observed_of(calls)
    names, axis_titles = chart_labels(default_questionnaire())
    latest = storage.latest_response_id(db, agent["id"])
    view = view_of_response({"id": latest, "agent_id": agent["id"], "profile": None}) if latest else None
    points = []
    self_axes = view["self"]["axes"] if view else None
    if self_axes:
        points.append({**self_axes, "label": _("Self"), "style": view["self"]["style"]})
    if view and view["others"]:
        points.append({**view["others"]["axes"], "label": _("Others (%(n)s)", n=view["others"]["n"]),
                       "style": view["others"]["style"]})
    if observed.axes:
        points.append({**observed.axes, "label": _("Calls (%(n)s)", n=observed.timed_calls),
                       "style": observed.style})
    return {
        "agent": agent, "calls": calls, "observed": observed, "names": names, "axis_titles": axis_titles,
        "figure": charts.others_quadrant(points, names, axis_titles) if observed.axes else None,
        "points": points, "words": gap_sentences(self_axes, observed.axes, agent["name"]),
        "form": UploadForm(formdata=None), "shown": shown, "min_calls": MIN_CALLS,
    }


# --- uploading ---------------------------------------------------------------------------------

def _upload_page(agent: dict, form: UploadForm, *, labels=(), problems=None, status=200):
    # Whatever brings the form back, the text it keeps is masked: no page shows the raw numbers.
    if isinstance(form.text.data, str):
        form.text.data = mask(form.text.data)
    return render_template("calls/upload.html", agent=agent, form=form, labels=labels,
                           problems=problems or {}, chosen=request.form.get("agent_speaker", "")), status


@bp.get("/trainer/agents/<id:agent_id>/calls/new")
@login_required
def upload_form(agent_id: int):
    """Staff on the member's team; 404 for anyone else."""
    return _upload_page(agent_or_404(agent_id), UploadForm(formdata=None))


@bp.post("/trainer/agents/<id:agent_id>/calls")
@login_required
def upload(agent_id: int):
    """Staff on the member's team (QC included) upload a call; 404 for anyone else. A
    transcript naming speakers by label comes back with the labels to choose from; every
    other problem is named; nothing is stored until the call is read in full."""
    agent = agent_or_404(agent_id)
    form = UploadForm()
    problems: dict[str, str] = {}
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            problems["form"] = _("Your session timed out. Please send the form again.")
        for name in ("format", "lang"):
            if form[name].errors:
                problems[name] = f"{form[name].label.text}: {form[name].errors[0]}"
        return _upload_page(agent, form, problems=problems, status=400)
    upload = request.files.get("file")
    raw: str | bytes = form.text.data or ""
    if upload and upload.filename:
        if raw.strip():
            problems["text"] = _("Choose a file or paste the text, not both.")
            return _upload_page(agent, form, problems=problems, status=400)
        raw = upload.read(CALL_BYTES_MAX + 1)
        if len(raw) > CALL_BYTES_MAX:
            abort(413)
    if not (raw.strip() if isinstance(raw, str) else raw.strip()):
        problems["text"] = _("Choose a transcript file or paste its text.")
        return _upload_page(agent, form, problems=problems, status=400)
    try:
        text = text_of(raw)
    except TranscriptError as exc:
        problems["file"] = _unreadable(exc)
        return _upload_page(agent, form, problems=problems, status=400)
    form.text.data = text  # kept when the form comes back (masked there)
    try:
        when = called_at(form.called_at.data)
    except ValueError as exc:
        problems["called_at"] = _("When the call took place") + ": " + str(exc)
        return _upload_page(agent, form, problems=problems, status=400)
    try:
        analysed = analyse_upload(text, lexicon(), format=form.format.data or None,
                                  agent_speaker=request.form.get("agent_speaker") or None,
                                  lang=form.lang.data or None)
    except SpeakerNeeded as exc:
        problems["agent_speaker"] = _("This transcript names its speakers by label or channel. Choose which one "
                                      "is the agent; every other speaker counts as the customer.")
        return _upload_page(agent, form, labels=exc.labels, problems=problems, status=400)
    except TranscriptError as exc:
        labels = ()
        if exc.where == "agent_speaker":
            try:
                labels = _labels_of(text, form.format.data or None)
            except TranscriptError:
                pass
        problems["transcript"] = _unreadable(exc)
        return _upload_page(agent, form, labels=labels, problems=problems, status=400)
    try:
        call_id = store(analysed, agent, when, current_user.id)
    except storage.AlreadyImported as exc:
        flash(_("This call was imported before: here it is."))
        return redirect(url_for("calls.review", call_id=exc.call_id))
    except LookupError:
        abort(404)
    flash(_("Call imported: %(n)s segments read, personal numbers masked.", n=len(analysed.transcript.segments)))
    return redirect(url_for("calls.review", call_id=call_id))


def _unreadable(exc: TranscriptError) -> str:
    """The core's problem (in English, naming the line or segment), led in the page's language."""
    return _("The transcript could not be read: %(problem)s", problem=safe_problem(exc))


def _labels_of(text: str, format: str | None) -> tuple[str, ...]:
    return speaker_labels(text, format)[1]


# --- the review page ------------------------------------------------------------------------------

def _call_or_404(call_id: int) -> dict:
    row = storage.call_for(get_db(), current_user.id, call_id)
    if row is None:
        abort(404)
    return row


def marked_segments(row: dict) -> list[dict]:
    """Each segment with its findings, and its text split so the words found can be marked."""
    by_segment: dict[int, list[dict]] = {}
    for finding in row["findings"]:
        by_segment.setdefault(finding["segment"], []).append(finding)
    out = []
    for index, segment in enumerate(row["segments"]):
        findings = by_segment.get(index, [])
        out.append({**segment, "index": index, "findings": findings, "html": _marked_text(segment["text"], findings)})
    return out


def _marked_text(text: str, findings: list[dict]) -> Markup:
    """The text escaped, with the words of each banned phrase or question found wrapped in
    a <mark> whose class (and underline style) says which: told apart without colour."""
    spans = []
    for f in findings:
        start = text.find(f["text"]) if f["text"] else -1
        if start >= 0 and not any(s < start + len(f["text"]) and start < e for s, e, _k in spans):
            spans.append((start, start + len(f["text"]), f["kind"]))
    spans.sort()
    html, at = Markup(""), 0
    for start, end, kind in spans:
        html += escape(text[at:start]) + Markup('<mark class="found found-%s">') % kind + escape(text[start:end]) \
            + Markup("</mark>")
        at = end
    return html + escape(text[at:])


def customer_text(customer: dict) -> dict:
    content = current_app.extensions["caller"]
    lang = current_lang()
    cues = []
    for heard in customer.get("cues", []):
        cue = next((c for c in content.cues if c.id == heard["cue"]), None)
        option = cue.option(heard["option"]) if cue else None
        if cue and option:
            cues.append({"cue": cue.text.get(lang), "option": option.text.get(lang)})
    mood = next((m for m in content.moods if m.id == customer.get("mood")), None)
    reading = customer.get("reading")
    return {
        "reading": content.types[reading].name.get(lang) if reading else None,
        "style": reading, "confidence": customer.get("confidence"), "cues": cues,
        "mood": mood.text.get(lang) if mood else None, "mood_line": mood.line.get(lang) if mood else None,
    }


@bp.get("/trainer/calls/<id:call_id>")
@login_required
def review(call_id: int):
    """Staff on the call's team; 404 for anyone else."""
    row = _call_or_404(call_id)
    agent = agent_or_404(row["agent_id"])
    segments = marked_segments(row)
    timeline = None
    if row["timed"]:
        timeline = charts.call_timeline(row["segments"], {"agent": _("Agent"), "customer": _("Customer")},
                                        _("Seconds from the start"))
    counts = {kind: sum(1 for f in row["findings"] if f["kind"] == kind) for kind in ("banned", "empathy", "question")}
    scorecard = questionnaires().get("service-abilities")
    ability_names = {a: scorecard.abilities[a].name.get(current_lang()) for a in ABILITIES} if scorecard else {}
    ranges, own = usual_ranges(row["lang"], row["metrics"]["pace_unit"])
    ranges_note = (_("The usual range is the middle half of this centre's calls.") if own else
                   _("The usual range comes from published speech-analytics figures until this centre has %(n)s "
                     "calls of its own.", n=RANGE_FROM))
    return render_template(
        "calls/review.html", row=row, agent=agent, segments=segments, timeline=timeline, counts=counts,
        figures=figure_names(), shown=shown, ranges=ranges, ranges_note=ranges_note,
        customer=customer_text(row["customer"]),
        ability_names=ability_names, may_delete=may_delete(row["access"]), order=CALL_FIGURES,
    )


@bp.route("/trainer/calls/<id:call_id>/delete", methods=["GET", "POST"])
@login_required
def delete(call_id: int):
    """The team's owner or an admin; other staff on the team get the 403 page; anyone else 404."""
    row = _call_or_404(call_id)
    if not may_delete(row["access"]):
        abort(Response(render_template("admin/qc_refused.html"), status=403))
    back = url_for("calls.review", call_id=call_id)
    if request.method == "GET":
        return render_template(
            "trainer/confirm_remove.html", name=_("Call %(id)s of %(name)s", id=call_id, name=row["agent_name"]),
            back=back,
            what=_("The call's transcript and figures will be removed for good."),
            then=_("It leaves the member's observed style and the team's monthly figures. This cannot be undone."))
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    storage.delete_call(get_db(), call_id)
    flash(_("Call %(id)s removed.", id=call_id))
    return redirect(url_for("trainer.agent", agent_id=row["agent_id"]) + "#calls")


@bp.app_template_global("call_in_view")
def call_in_view(agent: dict) -> dict | None:
    """The call named by ?call= on the abilities rating page, when it is this member's
    and the user may see it; None otherwise (the page is then as before)."""
    call_id = request.args.get("call", type=int)
    if call_id is None or not 0 <= call_id < 2**63:
        return None
    row = storage.call_for(get_db(), current_user.id, call_id)
    if row is None or row["agent_id"] != agent["id"]:
        return None
    return {"row": row, "shown": shown, "banned": [f for f in row["findings"] if f["kind"] == "banned"]}


# --- the team's calls by month ---------------------------------------------------------------------

def trend_points(team_id: int) -> list[dict]:
    """The team's mean of a few figures in each month with calls, oldest first."""
    points = []
    for period in reversed(storage.team_call_periods(get_db(), team_id)):
        figures, _members = team_month(team_id, period)
        points.append({"period": period, **{f: figures["metrics"][f]["mean"] for f in CALL_FIGURES}})
    return points


@bp.get("/trainer/teams/<id:team_id>/calls")
@login_required
def team(team_id: int):
    """Staff on the team; 404 for anyone else. ?period=YYYY-MM, default the current month."""
    team = team_or_404(team_id)
    problem = None
    period = request.args.get("period") or current_period(today())
    try:
        period = parse_period(period, today())
    except ValueError as exc:
        problem, period = str(exc), current_period(today())
    figures, members = team_month(team_id, period)
    names = {m["id"]: m["name"] for m in members}
    periods = storage.team_call_periods(get_db(), team_id)
    if period not in periods:
        periods = sorted(set(periods) | {period}, reverse=True)
    points = trend_points(team_id)
    trend = charts.call_trend(points, {
        "talk_share": _("Talk share (%)"), "questions": _("Questions a call"), "empathy": _("Empathy lines a call"),
        "banned": _("Banned phrases a call"),
    }) if points else None
    return render_template(
        "calls/team.html", team=team, period=period, periods=periods, figures=figures, names=names,
        figure_names=figure_names(), shown=shown, order=CALL_FIGURES, problem=problem, trend=trend,
        points=points, shown_banned=SHOWN_BANNED,
    ), 400 if problem else 200


# --- the agent's result page ------------------------------------------------------------------------

@bp.get("/r/<token>/calls")
def result_calls(token: str):
    """The agent's own observed dot and summary, by their result's token (no transcript);
    an empty block below 5 calls with timing, or outside a team."""
    row = storage.response_by_token(get_db(), token) if len(token) <= 64 else None
    if row is None:
        abort(404)
    block = None
    if row["agent_id"] is not None:
        calls = storage.agent_calls(get_db(), row["agent_id"])
        observed = observed_of(calls)
        if observed.axes:
            names, axis_titles = chart_labels(default_questionnaire())
            points = []
            if row["profile"].valid:
                points.append({**row["profile"].axes, "label": _("You (self)"), "style": row["profile"].style})
            points.append({**observed.axes, "label": _("Calls (%(n)s)", n=observed.timed_calls),
                           "style": observed.style})
            block = {
                "observed": observed, "names": names, "axis_titles": axis_titles,
                "figure": charts.others_quadrant(points, names, axis_titles),
                "summary": _agent_summary(calls), "shown": shown,
                "words": gap_sentences(row["profile"].axes if row["profile"].valid else None, observed.axes),
            }
    html = render_template("calls/_result_view.html", block=block, token=token)
    if request.args.get("part") == "1" or request.headers.get(FRAGMENT_HEADER) == "fetch":
        return html, 200, {"Cache-Control": "no-store"}
    return render_template("calls/result.html", inner=Markup(html), token=token), 200, {"Cache-Control": "no-store"}


def _agent_summary(calls: list[dict]) -> dict:
    """Calls, mean talk share, questions, empathy lines and banned phrases a call."""
    n = len(calls)
    shares = [c["metrics"]["talk_share"] for c in calls if c["metrics"].get("talk_share") is not None]
    return {
        "calls": n,
        "talk_share": sum(shares) / len(shares) if shares else None,
        "questions": sum(c["metrics"]["questions"] for c in calls) / n,
        "empathy": sum(c["metrics"]["empathy"] for c in calls) / n,
        "banned": sum(c["metrics"]["banned"] for c in calls),
    }
