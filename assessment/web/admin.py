"""Staff accounts in the browser (/admin/, admins only: others get 404) and staff on a
team (its settings page: owner or admin only)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.security import generate_password_hash
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from .. import storage
from ..forms import PASSWORD_MAX, PASSWORD_MIN, USERNAME_MAX, TeamForm, safe_username, strong_password
from .common import get_db, team_or_404

bp = Blueprint("admin", __name__)

def role_choices():
    return [("trainer", _l("Trainer")), ("qc", _l("QC")), ("admin", _l("Administrator"))]


def _password_field(label):
    return PasswordField(label, validators=[
        InputRequired(message=_l("Choose a password.")),
        Length(min=PASSWORD_MIN, max=PASSWORD_MAX,
               message=_l("Use %(min)d to %(max)d characters.", min=PASSWORD_MIN, max=PASSWORD_MAX)),
        strong_password,
    ])


class AccountForm(FlaskForm):
    username = StringField(_l("Username"), filters=[lambda v: v.strip() if isinstance(v, str) else v], validators=[
        InputRequired(message=_l("Enter a username.")),
        Length(min=1, max=USERNAME_MAX, message=_l("Use 1 to 80 characters.")), safe_username])
    role = SelectField(_l("Role"), choices=role_choices, default="trainer")
    password = _password_field(_l("Initial password"))


class ResetForm(FlaskForm):
    new_password = _password_field(_l("New password"))
    confirm_password = PasswordField(_l("New password again"), validators=[
        InputRequired(message=_l("Type the new password again.")),
        EqualTo("new_password", message=_l("This does not match the new password."))])


class StaffForm(FlaskForm):
    username = StringField(_l("Username of a colleague"), filters=[lambda v: v.strip() if isinstance(v, str) else v],
                           validators=[InputRequired(message=_l("Enter their username.")), Length(max=USERNAME_MAX)])
    role = SelectField(_l("Their role on this team"), choices=lambda: [("trainer", _l("Trainer")), ("qc", _l("QC"))],
                       default="qc")


@bp.before_request
@login_required
def _require_login():
    """Every page here needs a signed-in account."""


def _admin_only() -> None:
    if not current_user.is_admin:
        abort(404)


# --- accounts -------------------------------------------------------------------------

@bp.get("/admin/")
def accounts():
    _admin_only()
    return _accounts_page(AccountForm())


def _accounts_page(form, status: int = 200):
    return render_template("admin/accounts.html", accounts=storage.list_accounts(get_db()), form=form,
                           min=PASSWORD_MIN, max=PASSWORD_MAX), status


@bp.post("/admin/users")
def create_account():
    _admin_only()
    form = AccountForm()
    if not form.validate_on_submit():
        return _accounts_page(form, 400)
    try:
        storage.create_trainer(get_db(), form.username.data, generate_password_hash(form.password.data),
                               role=form.role.data)
    except storage.UsernameTaken:
        form.username.errors.append(_("An account with this username already exists."))
        return _accounts_page(form, 400)
    flash(_("Account %(name)s created. Give them the password in person; they can change it after signing in.",
            name=form.username.data))
    return redirect(url_for("admin.accounts"))


def _account_or_404(user_id: int) -> dict:
    row = storage.trainer_by_id(get_db(), user_id)
    if row is None:
        abort(404)
    return row


@bp.route("/admin/users/<id:user_id>/password", methods=["GET", "POST"])
def reset_password(user_id: int):
    _admin_only()
    account = _account_or_404(user_id)
    form = ResetForm()
    if form.validate_on_submit():
        storage.set_password(get_db(), user_id, generate_password_hash(form.new_password.data))
        flash(_("The password of %(name)s is reset; they are signed out everywhere.", name=account["username"]))
        return redirect(url_for("admin.accounts"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/reset.html", account=account, form=form, min=PASSWORD_MIN,
                           max=PASSWORD_MAX), status


@bp.post("/admin/users/<id:user_id>/disable")
def disable(user_id: int):
    _admin_only()
    account = _account_or_404(user_id)
    if user_id == current_user.id:
        flash(_("You cannot disable your own account."))
        return redirect(url_for("admin.accounts"))
    storage.set_disabled(get_db(), user_id, True)
    flash(_("%(name)s is disabled: their sessions and API tokens stopped working.", name=account["username"]))
    return redirect(url_for("admin.accounts"))


@bp.post("/admin/users/<id:user_id>/enable")
def enable(user_id: int):
    _admin_only()
    account = _account_or_404(user_id)
    storage.set_disabled(get_db(), user_id, False)
    flash(_("%(name)s can sign in again.", name=account["username"]))
    return redirect(url_for("admin.accounts"))


# --- staff on a team --------------------------------------------------------------------

def _managed_team(team_id: int) -> dict:
    """A team this user may add staff to: its owner or an admin. 404 off the team, 403 for staff on it."""
    team = team_or_404(team_id)
    if team["access"] not in ("owner", "admin"):
        abort(403)
    return team


@bp.post("/trainer/teams/<id:team_id>/staff")
def add_staff(team_id: int):
    team = _managed_team(team_id)
    form = StaffForm()
    if form.validate_on_submit():
        try:
            added = storage.add_team_staff(get_db(), team_id, form.username.data, form.role.data)
        except storage.StaffError as exc:
            form.username.errors.append({
                "no staff account has this username": _("No staff account has this username."),
                "this account is disabled": _("This account is disabled."),
                "already owns this team": _("This is the team's owner."),
            }.get(exc.problem, exc.problem))
        else:
            flash(_("%(name)s is on %(team)s now.", name=added["username"], team=team["name"]))
            return redirect(url_for("trainer.team_settings", team_id=team_id))
    error = next(iter(form.username.errors or form.role.errors or form.csrf_token.errors), None)
    return render_template(
        "trainer/team_settings.html", team=team, form=TeamForm(data={"name": team["name"]}),
        staff=storage.team_staff(get_db(), team_id), staff_error=error or _("The form expired. Please try again."),
        staff_username=form.username.data or "", staff_role=form.role.data,
    ), 400


@bp.post("/trainer/teams/<id:team_id>/staff/<username>/remove")
def remove_staff(team_id: int, username: str):
    team = _managed_team(team_id)
    if storage.remove_team_staff(get_db(), team_id, username):
        flash(_("%(name)s is no longer on %(team)s.", name=username, team=team["name"]))
    return redirect(url_for("trainer.team_settings", team_id=team_id))
