"""Staff sign-in: Flask-Login sessions for the browser, bearer tokens for the API.

A disabled account is refused by both loaders on every request."""

from __future__ import annotations

import secrets
import unicodedata
from datetime import datetime, timezone

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from .. import storage, throttle
from ..forms import PASSWORD_MAX, PASSWORD_MIN, LoginForm, PasswordForm
from .common import error_response, get_db

bp = Blueprint("auth", __name__, url_prefix="/trainer")
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = None


class Trainer(UserMixin):
    """A signed-in staff account: role admin, trainer or qc."""

    def __init__(self, row: dict):
        self.id = row["id"]
        self.username = row["username"]
        self.epoch = row["session_epoch"]
        self.role = row.get("role") or "trainer"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def get_id(self) -> str:
        # The session names the trainer and the epoch it was opened in; logging out
        # raises the epoch, so a copy of the old cookie stops working everywhere.
        return f"{self.id}:{self.epoch}"


@login_manager.user_loader
def _load_user(session_id: str):
    trainer_id, _, epoch = session_id.partition(":")
    if not (trainer_id.isdigit() and epoch.isdigit()):
        return None
    row = storage.trainer_by_id(get_db(), int(trainer_id))
    # Read on every request: a disabled account's open sessions stop at once.
    if row is None or row["session_epoch"] != int(epoch) or row.get("disabled_at"):
        return None
    return Trainer(row)


@login_manager.request_loader
def _load_from_token(req):
    """API tokens open the API only: a token kept in an integration must not sign
    in to the web workspace, where it could remove teams through the forms."""
    if not req.path.startswith("/api/"):
        return None
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    row = storage.trainer_by_api_token(get_db(), token.strip())
    return Trainer(row) if row else None


@login_manager.unauthorized_handler
def _unauthorized():
    if request.path.startswith("/api/"):
        return error_response(401, "Authentication required", "sign in, or send Authorization: Bearer <token>")
    return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another host.

    Browsers drop tabs and newlines and read a backslash as a slash, so "/\t/evil"
    would become "//evil": any of those characters disqualifies the target.
    """
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not any(ch == "\\" or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target)
    ):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("trainer.home")


def _locked_out(db, keys: throttle.Keys) -> str | None:
    """The message to show while recent failures make this username (from this address) wait."""
    now = datetime.now(timezone.utc)
    counts = storage.login_failures_since(db, keys.all(), throttle.window_start(now))
    last = storage.last_login_failure(db, keys.pair)
    wait = throttle.wait(counts, keys, datetime.fromisoformat(last) if last else None, now)
    if not wait:
        return None
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    return _("Too many failed sign-ins. Wait %(minutes)s minutes and try again.", minutes=minutes)


def _record_failure(db, keys: throttle.Keys) -> None:
    now = datetime.now(timezone.utc)
    storage.record_login_failure(db, keys.all(), now.isoformat(timespec="seconds"), throttle.window_start(now))


# Checked when no account has the username, so an unknown name costs the same work as a
# wrong password (the hash's method and cost are those of a real account's).
_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))


def password_matches(row: dict | None, password: str) -> bool:
    return check_password_hash(row["password_hash"] if row else _DUMMY_HASH, password) and row is not None


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("trainer.home"))
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        db = get_db()
        username = unicodedata.normalize("NFC", form.username.data.strip())
        keys = throttle.Keys.of(username, request.remote_addr)
        error = _locked_out(db, keys)
        if error:
            return render_template("trainer/login.html", form=form, error=error), 429
        row = storage.trainer_by_username(db, username)
        matches = password_matches(row, form.password.data)
        if matches and row.get("disabled_at"):
            error = _("This account is disabled. Ask an administrator to enable it.")
            return render_template("trainer/login.html", form=form, error=error), 403
        if matches:
            storage.clear_login_failures(db, keys.pair)
            lang = session.get("lang")
            session.clear()  # a fresh session at login: nothing carried over from before
            if lang:
                session["lang"] = lang
            login_user(Trainer(row))
            return redirect(_safe_next(request.args.get("next")))
        _record_failure(db, keys)
        error = _("That username and password do not match.")
    if request.method == "POST":
        status = 400
    return render_template("trainer/login.html", form=form, error=error), status


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """The current password first; a wrong one counts towards the sign-in throttle."""
    form = PasswordForm()
    if not form.validate_on_submit():
        return _password_page(form, 400 if request.method == "POST" else 200)
    db = get_db()
    keys = throttle.Keys.of(current_user.username, request.remote_addr)
    error = _locked_out(db, keys)
    if error:
        form.current_password.errors.append(error)
        return _password_page(form, 429)
    row = storage.trainer_by_id(db, current_user.id)
    if not check_password_hash(row["password_hash"], form.current_password.data):
        _record_failure(db, keys)
        form.current_password.errors.append(_("That is not your current password."))
        return _password_page(form, 400)
    storage.clear_login_failures(db, keys.pair)
    epoch = storage.set_password(db, current_user.id, generate_password_hash(form.new_password.data))
    # Every other device is signed out; this one stays signed in under the new epoch.
    login_user(Trainer({**row, "session_epoch": epoch}))
    flash(_("Your password is changed. Any other device signed in as you has been signed out."))
    return redirect(url_for("trainer.home"))


def _password_page(form: PasswordForm, status: int):
    return render_template("trainer/password.html", form=form, min=PASSWORD_MIN, max=PASSWORD_MAX), status


@bp.post("/logout")
@login_required
def logout():
    lang = session.get("lang")
    storage.end_sessions(get_db(), current_user.id)
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are signed out."))
    return redirect(url_for("auth.login"))
