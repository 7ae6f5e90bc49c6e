"""What the calls pages (calls.py) and the calls API (calls_api.py) share: the lexicon
loaded at start, the 2 MB body limit of the upload routes, storing an analysed call,
a member's observed style and a team's month. Not a blueprint: both import it.

Access: a member or team through common.agent_or_404 / team_or_404 (staff on the
team: owner, added trainers and QC, admins); a call through storage.call_for, which
asks the same question of the call's team. Deleting a call: the team's owner or an
admin only (``may_delete``).
"""

from __future__ import annotations

import threading
from statistics import quantiles
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import Flask, current_app, request

from .. import storage
from ..call_intake import Analysed
from ..calls import Metrics, load_call_lexicon, observe, reference_from, team_figures
from ..calls.metrics import Finding
from ..schemas import CALL_BYTES_MAX
from .common import app_timezone, get_db

SHIPPED = Path(__file__).resolve().parents[2] / "questionnaires"
# Endpoints that take a call in their body: they alone may receive up to 2 MB.
UPLOAD_ENDPOINTS = frozenset({"calls_api.agent_calls", "calls.upload"})
DELETERS = ("owner", "admin")
FUTURE_GRACE = timedelta(minutes=10)  # clocks of the recording system and the server differ a little


def init_app(app: Flask) -> None:
    """Load the call lexicon once (a broken file stops start-up, naming it) and let the
    upload routes take bodies up to 2 MB. Registered before CSRF protection, which
    reads the form and so would meet the app's 64 KiB limit first."""
    root = Path(app.config["QUESTIONNAIRES"])
    lexicon = load_call_lexicon(root if (root / "calls").is_dir() else SHIPPED, app.extensions["caller"])
    lexicon.compiled()  # its patterns built once, before gunicorn forks the workers (--preload)
    app.extensions["call_lexicon"] = lexicon
    app.extensions["call_reference"] = ReferenceCache()
    app.before_request(_allow_call_bodies)


def _allow_call_bodies() -> None:
    if request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = CALL_BYTES_MAX
        request.max_form_memory_size = CALL_BYTES_MAX


def lexicon():
    return current_app.extensions["call_lexicon"]


def may_delete(access: str) -> bool:
    return access in DELETERS


# --- when a call took place ---------------------------------------------------------------

def called_at(text: str | None, now: datetime | None = None) -> datetime:
    """An RFC 3339 time (without an offset: the centre's local time), not in the future;
    now when left out. ValueError says what is wrong."""
    now = now or datetime.now(timezone.utc)
    if text is None or text == "":
        return now
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError("must be a date and time, for example 2026-03-05T14:30:00+08:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=app_timezone())
    if moment > now + FUTURE_GRACE:
        raise ValueError("is in the future")
    if moment.year < 2000:
        raise ValueError("is before 2000")
    return moment


def today():
    return datetime.now(app_timezone()).date()


def store(analysed: Analysed, agent: dict, when: datetime, user_id: int | None) -> int:
    """Store the call for the member; storage.AlreadyImported when the team has it."""
    record = analysed.record(agent_id=agent["id"], team_id=agent["team_id"], called_at=when, tz=app_timezone(),
                             imported_by=user_id)
    stored = storage.save_calls(get_db(), [record])[0]
    if isinstance(stored, storage.AlreadyImported):
        raise stored
    return stored


# --- what a stored call shows ---------------------------------------------------------------

def api_metrics(record: dict) -> dict:
    return Metrics.from_record(record).as_dict()


def call_out(row: dict, with_segments: bool = False) -> dict:
    """A stored call as the API gives it (schemas.CallAnalysed, CallDetail)."""
    out = {
        "id": row["id"], "agent_id": row["agent_id"], "format": row["format"], "lang": row["lang"],
        "timed": row["timed"], "metrics": api_metrics(row["metrics"]),
        "findings": [{k: f[k] for k in ("kind", "segment", "text", "instead")} for f in row["findings"]],
        "customer": {"reading": row["customer"]["reading"], "cues": row["customer"]["cues"]},
    }
    if with_segments:
        out["segments"] = row["segments"]
    return out


# --- the observed style -----------------------------------------------------------------------

RANGE_FROM = 20  # calls with a figure before the centre's own quartiles are its usual range
RANGED = ("talk_share", "pace", "longest_monologue_s", "interruptions", "silences", "longest_silence_s",
          "response_gap_s", "questions", "open_questions", "closed_questions", "empathy", "banned")


class ReferenceCache:
    """What every call is read against, worked out again only when the stored calls
    change (their count or newest id), once per process: the reference of the observed
    style (the centre's own once reference_from allows, else the data file's) and the
    centre's usual range of each figure (its middle half: 25th to 75th percentile)."""

    def __init__(self):
        self._key = None
        self._reference = None
        self._quartiles: dict = {}
        self._lock = threading.Lock()

    def get(self, db, fallback):
        key = db.execute("SELECT COUNT(*), MAX(id) FROM calls").fetchone()
        with self._lock:
            if key != self._key:
                metrics = [Metrics.from_record(m) for m in storage.all_call_metrics(db)]
                self._reference = reference_from(metrics, fallback) or fallback
                self._quartiles = _quartiles(metrics)
                self._key = key
            return self._reference, self._quartiles


def _quartiles(metrics: list[Metrics]) -> dict:
    """(figure, pace unit or None) -> (25th, 75th percentile), from RANGE_FROM calls with it."""
    out = {}
    for figure in RANGED:
        groups: dict = {}
        for m in metrics:
            value = getattr(m, figure)
            if value is not None:
                groups.setdefault(m.pace_unit if figure == "pace" else None, []).append(value)
        for unit, values in groups.items():
            if len(values) >= RANGE_FROM:
                q = quantiles(values, n=4, method="inclusive")
                out[(figure, unit)] = (q[0], q[2])
    return out


def reference():
    return current_app.extensions["call_reference"].get(get_db(), lexicon().reference)[0]


def usual_ranges(lang: str, pace_unit: str) -> tuple[dict[str, tuple[float, float]], bool]:
    """(figure -> the centre's usual range, whether it comes from the centre's own calls).

    The middle half of the centre's calls once it has enough of them; before that, the
    reference's mean ± SD where the reference has the figure itself (talk share, pace,
    longest monologue), and nothing for the rest."""
    ref, quartiles = current_app.extensions["call_reference"].get(get_db(), lexicon().reference)
    own = {f: quartiles[(f, pace_unit if f == "pace" else None)] for f in RANGED
           if (f, pace_unit if f == "pace" else None) in quartiles}
    if own:
        return own, True
    ranges = {}
    for figure, name in (("talk_share", "talk_share"), ("pace", f"pace_{lang}"),
                         ("longest_monologue_s", "longest_monologue_s")):
        norm = ref.figures.get(name)
        if norm is not None:
            high = norm.mean + norm.sd
            ranges[figure] = (max(0.0, norm.mean - norm.sd), min(1.0, high) if figure == "talk_share" else high)
    return ranges, False


def observed_of(calls: list[dict], metrics: list[Metrics] | None = None):
    """core.observe over a member's stored calls (rows with metrics), or over their
    metrics when the caller already rebuilt them."""
    if metrics is None:
        metrics = [Metrics.from_record(c["metrics"]) for c in calls]
    return observe(metrics, reference())


def observed_out(observed) -> dict:
    return {"calls": observed.calls, "axes": observed.axes, "style": observed.style}


# --- a team's month ----------------------------------------------------------------------------

def team_month(team_id: int, period: str) -> tuple[dict, list[dict]]:
    """(core.team_figures as a dict, the members with calls in the month, name order)."""
    db = get_db()
    per_member: dict[int, list[Metrics]] = {}
    banned: list[Finding] = []
    for call in storage.team_calls(db, team_id, period):
        per_member.setdefault(call["agent_id"], []).append(Metrics.from_record(call["metrics"]))
        banned.extend(Finding(**f) for f in call["findings"] if f["kind"] == "banned")
    members = [m for m in storage.team_agents(db, team_id) if m["id"] in per_member]
    ordered = {m["id"]: per_member[m["id"]] for m in members}
    return team_figures(ordered, banned).as_dict(), members
