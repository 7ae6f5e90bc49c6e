"""What every blueprint shares: the request's connection, the loaded questionnaires,
the JSON error body and the export record.

Blueprints import this module and the pure core, never each other, so the import
graph of the web layer is blueprints -> common -> core.
"""

from __future__ import annotations

import codecs
import gzip
import json
import math
import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, g, request, session
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import ValidationError

from .. import content, exports, psychometrics, schemas, storage, throttle
from ..i18n import current_lang
from ..questionnaire import Questionnaire

DEFAULT_SLUG = "communication-style"


def get_db():
    """One connection per request, handed back to the app's pool when the request ends."""
    if "db" not in g:
        g.db = current_app.extensions["db_pool"].acquire()
    return g.db


def close_db(exc=None) -> None:
    db = g.pop("db", None)
    if db is not None:
        current_app.extensions["db_pool"].release(db)


def app_timezone() -> ZoneInfo:
    return current_app.extensions["timezone"]


# Access: a team or member is the signed-in staff member's when storage says so (owner,
# staff added to the team, or an admin); anything else is a 404, on pages and in the API.

def team_or_404(team_id: int) -> dict:
    team = storage.team_for(get_db(), current_user.id, team_id)
    if team is None:
        abort(404)
    return team


def agent_or_404(agent_id: int) -> dict:
    agent = storage.agent_for(get_db(), current_user.id, agent_id)
    if agent is None:
        abort(404)
    return agent


def api_team_or_404(team_id: int) -> dict:
    team = storage.team_for(get_db(), current_user.id, team_id)
    if team is None:
        raise BadRequest("Unknown team", {"team_id": team_id}, status=404)
    return team


def api_agent_or_404(agent_id: int) -> dict:
    agent = storage.agent_for(get_db(), current_user.id, agent_id)
    if agent is None:
        raise BadRequest("Unknown member", {"agent_id": agent_id}, status=404)
    return agent


def questionnaires() -> dict[str, Questionnaire]:
    return current_app.extensions["questionnaires"]


def questionnaire_version(slug: str, version: int) -> Questionnaire:
    """The questionnaire exactly as a stored result was given it (archived versions too); 404 if gone."""
    q = current_app.extensions["questionnaire_versions"].get((slug, version))
    if q is None:
        abort(404)
    return q


def questionnaire_or_404(slug: str) -> Questionnaire:
    q = questionnaires().get(slug)
    if q is None:
        abort(404)
    return q


def default_questionnaire() -> Questionnaire:
    """The questionnaire whose content names styles on team pages."""
    qs = questionnaires()
    return qs.get(DEFAULT_SLUG) or next(iter(qs.values()))


def reliability_report(q: Questionnaire, team_ids: tuple[int, ...] | None) -> dict:
    """Live reliability of a questionnaire's current version, for the API and the trainer page."""
    rows = storage.reliability_sample(get_db(), q.slug, q.version, team_ids)
    return psychometrics.questionnaire_report(q, [r["answers"] for r in rows], rows)


def chart_labels(q: Questionnaire) -> tuple[dict[str, str], dict[str, str]]:
    """Style names and axis titles in the request's language, for charts and tables."""
    axis_titles = {"assertiveness": _("Assertiveness"), "responsiveness": _("Responsiveness")}
    return content.style_names(q, current_lang()), axis_titles


# Invite codes: every lookup of a code someone typed goes through team_by_code, which counts
# the address's wrong codes (throttle.py) and raises CodeGuessing past the limit; the app's
# handler answers 429 with Retry-After (web/__init__.py).

class CodeGuessing(Exception):
    def __init__(self, retry_after: int):
        self.retry_after = retry_after


def team_by_code(code: str) -> dict | None:
    db = get_db()
    now = datetime.now(timezone.utc)
    key = throttle.code_key(request.remote_addr)
    wrong, oldest = storage.failures_since(db, key, (now - throttle.CODE_WINDOW).isoformat(timespec="seconds"))
    wait = throttle.code_wait(wrong, datetime.fromisoformat(oldest) if oldest else None, now)
    if wait:
        raise CodeGuessing(math.ceil(wait.total_seconds()))
    team = storage.team_by_code(db, code)
    if team is None:
        # Failures older than both windows go as this one is stored (the table serves both).
        older = now - max(throttle.WINDOW, throttle.CODE_WINDOW)
        storage.record_login_failure(db, [key], now.isoformat(timespec="seconds"), older.isoformat(timespec="seconds"))
    return team


# Member keys: a browser keeps the keys of the members who joined a team on it, in a
# long-lived cookie of their own (storage/members.py); they prove a retake, and a colleague.
MEMBER_COOKIE = "zhiji_member"
MEMBER_COOKIE_DAYS = 400  # the longest a browser keeps a cookie


def member_keys() -> tuple[str, ...]:
    return storage.parse_keys(request.cookies.get(MEMBER_COOKIE))


# Answers in progress live in the signed session cookie: a reload, a back button or a
# validation error never loses what was entered, and nothing is stored until the last page.
def draft(bucket: str, key: str) -> dict:
    return dict(session.get(bucket, {}).get(key, {}))


# Where a finished questionnaire session led (its result, a thank-you page), for the last
# few: the back button, or the last page sent again, goes there instead of to an empty
# form or to page 1 with an error about a page the person never saw.
FINISHED_KEPT = 5


def mark_finished(key: str, url: str) -> None:
    done = {k: v for k, v in session.get("finished", {}).items() if k != key}
    done[key] = url
    session["finished"] = dict(list(done.items())[-FINISHED_KEPT:])


def finished_url(key: str, page: int, pages: int, has_answers: bool) -> str | None:
    """The address to send a request for this page to instead, when this session already
    finished the form and has started no new draft: any page after the first, or the
    last page sent again. Page 1 opened afresh is a retake."""
    done = session.get("finished", {}).get(key)
    if done is None or has_answers:
        return None
    if page > 1 or (request.method == "POST" and page == pages):
        return done
    return None


def save_draft(bucket: str, key: str, answers: dict | None) -> None:
    """Keep these answers under bucket/key; None forgets them."""
    drafts = dict(session.get(bucket, {}))
    if answers is None:
        drafts.pop(key, None)
    else:
        drafts[key] = answers
    session[bucket] = drafts


def error_response(status: int, error: str, details=None) -> Response:
    """The API's one error shape, {"error", "details"}.

    ASCII escapes: details may echo whatever the client sent, even half a character."""
    body = json.dumps({"error": error, "details": details}, ensure_ascii=True)
    return Response(body, status=status, mimetype="application/json")


# The columns of the response export (exports.RESPONSE_COLUMNS; new ones go at the end:
# spreadsheets built on an earlier export keep their columns).
EXPORT_FIELDS = tuple(c.key for c in exports.RESPONSE_COLUMNS)


def export_record(row: dict) -> dict:
    """One response as exports and the team API give it."""
    return {f: row[f] for f in EXPORT_FIELDS}


def download(columns, records, basename: str, fmt: str) -> Response:
    """A CSV or JSON download of these records (assessment/exports.py): ?header=zh gives
    the CSV a Chinese heading row and Chinese words for coded values. 404 for another
    format; 400 naming the parameter for an unknown header."""
    if fmt not in ("csv", "json"):
        abort(404)
    header = request.args.get("header") or "codes"
    if header not in exports.HEADERS:
        abort(400, description=f"header must be one of {', '.join(exports.HEADERS)}")
    if fmt == "json":
        body = json.dumps(exports.to_json(columns, records), ensure_ascii=False, indent=1)
        response = Response(body, mimetype="application/json")
    else:
        response = Response(exports.to_csv(columns, records, header), mimetype="text/csv")
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{basename}.{fmt}"'
    return response


# --- the JSON API's plumbing, shared by every API blueprint ---------------------

class BadRequest(Exception):
    def __init__(self, error: str, details=None, status: int = 400):
        self.error, self.details, self.status = error, details, status


def bad_request(exc: BadRequest) -> Response:
    """The app-wide handler of BadRequest (registered in web/__init__.py)."""
    return error_response(exc.status, exc.error, exc.details)


def _reject_duplicates(pairs):
    body = dict(pairs)
    if len(body) != len(pairs):
        keys = [k for k, _ in pairs]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        raise BadRequest("Duplicate keys in JSON object", {"keys": dupes})
    return body


def _reject_constant(name):
    raise BadRequest("Malformed JSON", f"{name} is not a JSON number")


def json_body() -> dict:
    """The request's JSON object, strictly: right content type, valid UTF-8, no duplicate keys."""
    if request.mimetype != "application/json":
        raise BadRequest("Unsupported content type", "send the body as application/json", status=415)
    raw = request.get_data(cache=True)
    if raw.startswith(codecs.BOM_UTF8):
        raise BadRequest("Malformed JSON", "the body starts with a byte order mark (BOM): send UTF-8 JSON without it")
    try:
        # Decoded here, strictly: json.loads would also take UTF-16 or UTF-32 bytes.
        body = json.loads(raw.decode("utf-8"), object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)
        # Only a \uD800-\uDFFF escape can make one (UTF-8 itself cannot): look when there is one.
        surrogate = bool(_SURROGATE_ESCAPE.search(raw)) and _has_lone_surrogate(body)
    except UnicodeDecodeError:
        raise BadRequest("Malformed JSON", "the body is not valid UTF-8") from None
    except (ValueError, RecursionError) as exc:
        raise BadRequest("Malformed JSON", str(exc) or "nested too deeply") from None
    if not isinstance(body, dict):
        raise BadRequest("Malformed JSON", "the body must be a JSON object")
    if surrogate:
        raise BadRequest("Malformed JSON", "a string holds a lone UTF-16 surrogate (\\ud800-\\udfff)")
    return body


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _has_lone_surrogate(value) -> bool:
    """JSON may escape half a character pair; such text can be neither stored nor echoed."""
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def send(shape, data, status: int = 200) -> Response:
    """The response, checked against (and shaped by) its model in schemas.py."""
    return Response(schemas.to_json(shape, data), status=status, mimetype="application/json")


def validated(model: type[schemas.RequestBody], body: dict, extra_problems=None):
    """The body as a model instance, or a 400 naming every bad field at once.

    extra_problems(body) adds what only the caller can see (answers against the
    questionnaire), run only when the model already found something wrong."""
    try:
        return model.model_validate(body, strict=True)
    except ValidationError as exc:
        details = schemas.field_errors(exc, model.NOUN)
        if extra_problems is not None:
            details.update(extra_problems(body))
        raise BadRequest(schemas.error_title(model, exc, list(details)), details) from None


# --- compressing text responses ---------------------------------------------------

# Pages and exports. API bodies go as they are: integrations read them raw.
COMPRESSIBLE = frozenset({"text/html", "text/csv"})
COMPRESS_FROM = 1400  # bytes: below one network packet, compressing buys nothing


def gzipped(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=6, mtime=0)


def compressed(response: Response, body: bytes | None = None) -> Response:
    """The response gzip-encoded when the browser takes it and it is worth it.

    body: the same content already compressed (a cached page), so it is not done again."""
    if "gzip" not in request.accept_encodings:
        return response
    response.vary.add("Accept-Encoding")
    if (response.direct_passthrough or "Content-Encoding" in response.headers or response.status_code < 200
            or response.mimetype not in COMPRESSIBLE):
        return response
    if body is None:
        data = response.get_data()
        if len(data) < COMPRESS_FROM:
            return response
        body = gzipped(data)
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    return response
