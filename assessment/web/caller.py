"""Pages of "Read the caller": the quick identifier (/call), the phrase bank (/phrases and
a printable card per customer type), practice (/practice) and, for trainers, the team's
practice figures (/trainer/teams/<id>/practice).

Everything but the trainer page is open to anyone, no sign-in: an agent uses it during
a call on a phone or a shared desk PC. The identifier and the phrase search are plain
GET forms that work without script (static/caller.js only makes them live). A practice
session lives in the signed session cookie, so a reload never loses it.
"""

from __future__ import annotations

import secrets
import time

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_required

from .. import caller, charts, exports, storage
from ..i18n import current_lang
from ..model import STYLES
from .common import download, get_db, team_or_404

bp = Blueprint("caller", __name__)

# Query names the identifier's form uses besides the cue ids.
RESERVED = frozenset({"mood", "style", "r", "lang"})


def _content() -> caller.CallerContent:
    return current_app.extensions["caller"]


def _type_names(content: caller.CallerContent) -> dict[str, str]:
    lang = current_lang()
    return {s: content.types[s].name.get(lang) for s in STYLES}


def _own_result(token: str | None) -> tuple[str | None, dict | None, bool]:
    """(the token if it names a result, the result, whether a token was given but is unknown)."""
    if not token:
        return None, None, False
    row = storage.response_by_token(get_db(), token)
    if row is None or not row["valid"]:  # a sheet that is not valid opens only its own page
        return None, None, True
    return token, row, False


# --- the quick identifier ----------------------------------------------------------

def _reading(content: caller.CallerContent) -> dict:
    """Everything the identifier shows for this request's query; bad values are named and left out."""
    args = request.args
    chosen = {cue.id: args.get(cue.id, "") for cue in content.cues}
    mood = args.get("mood") or None
    style = args.get("style") or None
    token, row, unknown_token = _own_result(args.get("r"))
    result_style = row["profile"].style if row else None
    errors: dict[str, str] = {}
    try:
        reading = caller.read_caller(content, chosen, mood, result_style or style)
    except caller.CallerInputError as exc:
        for field in exc.details:
            if field.startswith("cues."):
                cue = content.cue_by_id[field[len("cues."):]]
                errors[cue.id] = _("“%(value)s” is not an answer to “%(cue)s”.", value=chosen[cue.id],
                                   cue=cue.text.get(current_lang()))
                chosen[cue.id] = ""
            elif field == "mood":
                errors["mood"] = _("“%(value)s” is not a mood this page knows.", value=mood)
                mood = None
            elif field == "agent_style":
                errors["style"] = _("“%(value)s” is not one of the four styles.", value=style)
                style = None
        reading = caller.read_caller(content, chosen, mood, result_style or style)
    if unknown_token:
        errors["r"] = _("This result link is not known (it may have been removed), so your style is not set.")
    return {
        "reading": reading,
        "chosen": chosen,
        "mood": mood,
        "style": None if result_style else style,
        "token": token,
        "result_style": result_style,
        "result_not_valid": bool(row) and result_style is None,
        "agent_style": result_style or style,
        "errors": errors,
        "check_next": set(reading["needs_more"]),
        "confidence_word": _confidence_word(reading),
    }


def _confidence_word(reading: dict) -> str | None:
    if reading["customer_type"] is None:
        return None
    if reading["confidence"] < 0.5:
        return _("A first guess")
    if reading["confidence"] < 0.6:
        return _("Fairly sure")
    return _("As sure as the cues allow")


@bp.get("/call")
def call():
    """The quick identifier. Open to anyone (no sign-in): tap what you hear, read the type and a line.

    A plain GET form (/call?<cue id>=<option id>&mood=<mood>&style=<style>&r=<result token>)."""
    content = _content()
    state = _reading(content)
    page = render_template("caller/call.html", content=content, names=_type_names(content), **state)
    return page, 400 if state["errors"].keys() - {"r"} else 200


@bp.get("/call/reading")
def call_reading():
    """The result panel alone, for static/caller.js to swap in as the agent taps. Open to anyone."""
    content = _content()
    state = _reading(content)
    page = render_template("caller/_reading.html", content=content, names=_type_names(content), **state)
    return page, 400 if state["errors"].keys() - {"r"} else 200


# --- the phrase bank -------------------------------------------------------------------

def _matches(query: str, *texts) -> bool:
    """Whether every word of the query is in one of the texts, in either language."""
    haystack = " ".join(f"{t.en} {t.zh}" for t in texts).casefold()
    return all(word in haystack for word in query.casefold().split())


@bp.get("/phrases")
def phrases():
    """The phrase bank, open to anyone (no sign-in): by customer type, empathy by technique,
    phrases to avoid with what to say instead; ?q= filters in both languages."""
    content = _content()
    query = " ".join(request.args.get("q", "").split())[:100]
    by_type = {s: [p for p in content.phrases[s] if _matches(query, p.situation, p.say, p.why)] for s in STYLES}
    empathy = [e for e in content.empathy if _matches(query, content.techniques[e.technique].name, e.say)]
    groups = []
    for key, technique in content.techniques.items():
        lines = [e for e in empathy if e.technique == key]
        if lines:
            groups.append((technique, lines))
    replacements = [x for x in content.replacements if _matches(query, x.avoid, x.say, x.why)]
    found = sum(len(v) for v in by_type.values()) + len(empathy) + len(replacements)
    return render_template(
        "caller/phrases.html", content=content, names=_type_names(content), query=query, by_type=by_type,
        empathy_groups=groups, replacements=replacements, found=found,
    )


@bp.get("/phrases/card/<style>")
def card(style: str):
    """One printable A4 card per customer type (print CSS, no navigation). Open to anyone."""
    content = _content()
    if style not in STYLES:
        abort(404)
    return render_template(
        "caller/card.html", content=content, style=style, guide=content.types[style],
        heard=caller.sounds_like(content, style), phrases=content.phrases[style], names=_type_names(content),
    )


# --- practice --------------------------------------------------------------------------
# session["practice"] = {"ids": [scenario ids], "r": result token or None,
#                        "done": [{"s": scenario, "g": type guessed, "y": reply}], "feedback": bool}

# A shared desk PC: a session left idle this long is over, so the next person's answers
# never count for the agent before them. A new session (Practise again, Start a new
# session) never carries the result token on either: only the link from a result page does.
PRACTICE_IDLE_SECONDS = 20 * 60


def _practice(content: caller.CallerContent) -> dict | None:
    state = session.get("practice")
    if not isinstance(state, dict) or not all(i in content.scenario_by_id for i in state.get("ids", ())):
        return None  # none yet, or the content changed under it
    if time.time() - state.get("t", 0) > PRACTICE_IDLE_SECONDS:
        session.pop("practice", None)
        return None
    return state


def _graded(content: caller.CallerContent, entry: dict) -> dict:
    scenario = content.scenario_by_id[entry["s"]]
    graded = caller.grade_attempt(content, entry["s"], entry["g"], entry["y"])
    return {**graded, "scenario": scenario, "guessed": entry["g"], "reply": scenario.reply(entry["y"]),
            "best": scenario.best_reply, "actual": scenario.customer_type}


@bp.get("/practice")
def practice():
    """Practice reading callers, open to anyone (no sign-in): a session of 8 calls, one per
    screen, then the score. ?r=<result token> makes a team member's attempts count for them."""
    content = _content()
    state = _practice(content)
    asked = request.args.get("r") or None
    names = _type_names(content)
    if state is None or (asked and asked != state.get("r")):
        token, row, unknown = _own_result(asked)
        return render_template("caller/practice_start.html", token=token, member=bool(row and row["agent_id"]),
                               unknown=unknown, in_progress=state is not None, length=caller.SESSION_LENGTH)
    done = state["done"]
    if state.get("feedback") and done:
        return render_template("caller/practice_feedback.html", names=names, number=len(done),
                               length=len(state["ids"]), last=len(done) == len(state["ids"]),
                               **_graded(content, done[-1]))
    if len(done) >= len(state["ids"]):
        rows = [_graded(content, entry) for entry in done]
        score = caller.session_score(
            {"actual": g["actual"], "type_correct": g["type_correct"], "reply_correct": g["reply_correct"]}
            for g in rows)
        return render_template("caller/practice_done.html", names=names, rows=rows, token=state.get("r"), **score)
    return _scenario_page(content, state, names)


def _scenario_page(content, state, names, guessed=None, reply=None, errors=None):
    scenario = content.scenario_by_id[state["ids"][len(state["done"])]]
    lang = current_lang()
    return render_template(
        "caller/practice_call.html", scenario=scenario, lines=scenario.caller_zh if lang == "zh" else scenario.caller_en,
        names=names, number=len(state["done"]) + 1, length=len(state["ids"]), guessed=guessed, reply=reply,
        errors=errors or {}, token=state.get("r"),
    ), 400 if errors else 200


@bp.post("/practice/start")
def practice_start():
    """Start (or start again) a session of 8; the result token, when known, goes with it."""
    content = _content()
    token, _row, _unknown = _own_result(request.form.get("r") or None)
    session["practice"] = {"ids": caller.session_scenarios(content, seed=secrets.randbits(64)), "r": token,
                           "done": [], "feedback": False, "t": time.time()}
    return redirect(url_for("caller.practice"))


@bp.post("/practice/answer")
def practice_answer():
    content = _content()
    state = _practice(content)
    if state is None or state.get("feedback") or len(state["done"]) >= len(state["ids"]):
        return redirect(url_for("caller.practice"))
    current = state["ids"][len(state["done"])]
    # The call is named by its place in the session, not its id (an id may hint at the answer).
    if request.form.get("step") != str(len(state["done"]) + 1):  # a second tab, or the back button
        return redirect(url_for("caller.practice"))
    scenario = content.scenario_by_id[current]
    guessed = request.form.get("customer_type") or None
    reply = request.form.get("reply") or None
    errors = {}
    if guessed not in STYLES:
        errors["customer_type"] = _("Choose the caller's type.")
    if reply is None or scenario.reply(reply) is None:
        errors["reply"] = _("Choose a reply.")
    if errors:
        return _scenario_page(content, state, _type_names(content), guessed if guessed in STYLES else None,
                              reply if reply and scenario.reply(reply) else None, errors)
    graded = caller.grade_attempt(content, current, guessed, reply)
    _token, row, _unknown = _own_result(state.get("r"))  # the result may have been removed since
    member = row is not None and row["agent_id"] is not None
    storage.add_practice_attempt(
        get_db(), scenario=current, actual=graded["customer_type"], guessed=guessed, reply=reply,
        type_correct=graded["type_correct"], reply_correct=graded["reply_correct"],
        agent_id=row["agent_id"] if member else None, team_id=row["team_id"] if member else None,
    )
    session["practice"] = {**state, "done": [*state["done"], {"s": current, "g": guessed, "y": reply}],
                           "feedback": True, "t": time.time()}
    return redirect(url_for("caller.practice"))


@bp.post("/practice/next")
def practice_next():
    content = _content()
    state = _practice(content)
    if state is not None and state.get("feedback"):
        session["practice"] = {**state, "feedback": False, "t": time.time()}
    return redirect(url_for("caller.practice"))


# --- trainers ------------------------------------------------------------------------------

@bp.get("/trainer/teams/<id:team_id>/practice")
@login_required
def team_practice(team_id: int):
    """The team's practice figures: accuracy by customer type, the confusion table, each member.
    Trainers only (sign-in required); another trainer's team is a 404."""
    team = team_or_404(team_id)
    content = _content()
    names = _type_names(content)
    summary = caller.practice_summary(storage.team_practice_attempts(get_db(), team["id"]))
    chart = charts.practice_accuracy(summary["by_customer_type"], names, _("Read correctly (%)"))
    return render_template("caller/team_practice.html", team=team, summary=summary, names=names, chart=chart)


@bp.get("/trainer/teams/<id:team_id>/practice/export.<fmt>")
@login_required
def export_practice(team_id: int, fmt: str):
    """Each member's practice: attempts and accuracy, overall and by the caller's type.
    Staff on the team, as the practice page; anyone else 404."""
    team = team_or_404(team_id)
    attempts = storage.team_practice_attempts(get_db(), team["id"])
    records = exports.practice_records(attempts, caller.practice_summary(attempts)["members"])
    return download(exports.PRACTICE_COLUMNS, records, f"zhiji-team-{team_id}-practice", fmt)
