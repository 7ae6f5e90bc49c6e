"""Command-line tasks: `flask --app app <command>`."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.security import generate_password_hash

from . import passwords, psychometrics, storage
from .demo import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_USERNAME, seed_team
from .forms import PASSWORD_MAX, PASSWORD_MIN, USERNAME_RULE, clean_username
from .scoring import SCORING_VERSION, score


def _db():
    return storage.connect(current_app.config["DATABASE"])


def _trainer_or_fail(db, username: str) -> dict:
    row = storage.trainer_by_username(db, username)
    if row is None:
        raise click.ClickException(f"no trainer called {username!r}")
    return row


def _create_account(username: str, password: str, role: str) -> None:
    try:
        username = clean_username(username)
    except ValueError:
        raise click.ClickException(f"the username must be {USERNAME_RULE}") from None
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise click.ClickException(f"the password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters")
    reason = passwords.weakness(password, username)
    if reason:
        raise click.ClickException(f"choose another password: {passwords.MESSAGES[reason]}")
    db = _db()
    try:
        storage.create_trainer(db, username, generate_password_hash(password), role=role)
    except storage.UsernameTaken:
        raise click.ClickException(f"an account called {username!r} already exists") from None
    finally:
        db.close()


_password_option = click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
                                help="The password (prompted for when left out).")


@click.command("create-trainer")
@with_appcontext
@click.argument("username")
@_password_option
def create_trainer(username: str, password: str) -> None:
    """Create a trainer account (create-user with the role trainer)."""
    _create_account(username, password, "trainer")
    click.echo(f"Trainer {username.strip()!r} created. Sign in at /trainer/login")


@click.command("create-token")
@with_appcontext
@click.argument("username")
@click.option("--label", default="", help="A note on what the token is for.")
def create_token(username: str, label: str) -> None:
    """Print a new API token for a trainer (shown once; only its hash is kept)."""
    db = _db()
    try:
        trainer = _trainer_or_fail(db, username)
        token_id, token = storage.create_api_token(db, trainer["id"], label)
    finally:
        db.close()
    click.echo(token)
    click.echo(f"(token id {token_id}; send it as 'Authorization: Bearer <token>')", err=True)


@click.command("revoke-token")
@with_appcontext
@click.argument("username")
@click.option("--id", "token_id", type=int, default=None, help="Revoke only this token id (default: all).")
def revoke_token(username: str, token_id: int | None) -> None:
    """Revoke a trainer's API tokens."""
    db = _db()
    try:
        trainer = _trainer_or_fail(db, username)
        count = storage.revoke_api_tokens(db, trainer["id"], token_id)
    finally:
        db.close()
    click.echo(f"{count} token(s) revoked")


@click.command("seed-demo")
@with_appcontext
@click.option("--members", default=24, show_default=True, help="Synthetic agents in the demo team.")
@click.option("--seed", default=7, show_default=True, help="Random seed, for the same demo every time.")
def seed_demo(members: int, seed: int) -> None:
    """Create demo staff (trainer, admin, QC) and a team of synthetic agents with retakes,
    ability ratings, colleagues' ratings and practice calls."""
    today = datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()
    db = _db()
    try:
        team = seed_team(db, current_app.extensions["questionnaires"], members=members, seed=seed, every_page=True,
                         caller=current_app.extensions.get("caller"), today=today,
                         secret=current_app.secret_key)
    finally:
        db.close()
    click.echo(f"Demo team {team['name']!r} with {members} agents (invite code {team['invite_code']}).")
    click.echo("Sign in at /trainer/login with one of these accounts:")
    roles = {"trainer": "trainer, owns the team", "admin": "administrator", "qc": "QC, rates abilities"}
    for username, role in DEMO_ACCOUNTS.items():
        click.echo(f"  {username} / {DEMO_PASSWORD}  ({roles[role]})")


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False))
def backup(path: str) -> None:
    """Copy the database to PATH with SQLite's online backup (safe while the server runs)."""
    if os.path.exists(path):
        raise click.ClickException(f"{path} already exists; choose a new file")
    db = _db()
    try:
        storage.backup(db, path)
    except sqlite3.Error as exc:
        if os.path.exists(path):
            os.remove(path)
        raise click.ClickException(f"cannot write a backup to {path}: {exc}") from None
    finally:
        db.close()
    check = sqlite3.connect(path)  # read-only look: no write-lock file beside the copy
    try:
        result = check.execute("PRAGMA integrity_check").fetchone()[0]
        responses = check.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
    finally:
        check.close()
    if result != "ok":
        raise click.ClickException(f"the copy failed its integrity check: {result}")
    click.echo(f"Backed up {responses} responses to {path} (integrity_check: ok)")


@click.command("rescore")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="Count what would change; write nothing.")
def rescore(dry_run: bool) -> None:
    """Score every stored result of a current questionnaire version again from its raw
    answers (after a scoring change). Results given under an archived version keep the
    profile they were given: their version's items and figures are frozen with them."""
    current = current_app.extensions["questionnaires"]

    def score_row(row: dict):
        q = current.get(row["questionnaire"])
        if q is None or q.version != row["questionnaire_version"]:
            return None
        return score(q, row["answers"], duration_seconds=row["duration_seconds"])

    db = _db()
    try:
        report = storage.rescore(db, score_row, dry_run=dry_run)
    finally:
        db.close()
    verb = "would change" if dry_run else "changed"
    click.echo(f"{report.rescored} of {report.results} results scored again with scoring version {SCORING_VERSION}: "
               f"{report.changed_profiles} profiles {verb}, {report.changed_styles} of them in style.")
    if report.skipped:
        click.echo(f"{report.skipped} results left as stored: given under an earlier (archived) questionnaire "
                   "version, or one no longer loaded.")
    if dry_run:
        click.echo("Dry run: nothing was written.")
    elif report.changed_profiles:
        click.echo("Restart the server: result pages it keeps in memory still show the old profiles.")


@click.command("psychometrics")
@with_appcontext
@click.argument("slug")
def psychometrics_command(slug: str) -> None:
    """Live reliability of a questionnaire over the whole database (one sheet per person)."""
    q = current_app.extensions["questionnaires"].get(slug)
    if q is None or q.kind != "self":
        raise click.ClickException(f"no questionnaire answered about oneself is called {slug!r}")
    db = _db()
    try:
        rows = storage.reliability_sample(db, q.slug, q.version)
    finally:
        db.close()
    report = psychometrics.questionnaire_report(q, [r["answers"] for r in rows], rows)
    click.echo(f"{q.slug} version {q.version}: {report['n']} people (each member's latest valid result)")
    if report["n"] < psychometrics.MIN_N:
        click.echo(f"Fewer than {psychometrics.MIN_N}: no figures yet.")
        return
    for axis, f in report["axes"].items():
        low, high = f["alpha_ci"] or (None, None)
        click.echo(f"\n{axis}: alpha {f['alpha']} (95% {low} to {high}), mean {f['mean']}, sd {f['sd']}")
        click.echo("  item    item-total   alpha if deleted")
        lowering = psychometrics.lowers_alpha(f)
        for item in f["items"]:
            mark = "   <- lowers alpha: read it again" if item["id"] in lowering else ""
            click.echo(f"  {item['id']:8}{item['item_total']!s:>10}   {item['alpha_if_deleted']!s:>10}{mark}")


@click.command("create-user")
@with_appcontext
@click.argument("username")
@_password_option
@click.option("--role", type=click.Choice(storage.ROLES), default="trainer", show_default=True,
              help="admin: every team and the accounts; trainer: their teams; qc: rates the teams they are added to.")
def create_user(username: str, password: str, role: str) -> None:
    """Create a staff account with a role (admin, trainer or qc)."""
    _create_account(username, password, role)
    click.echo(f"Account {username.strip()!r} ({role}) created. Sign in at /trainer/login")


def init_app(app: Flask) -> None:
    from .call_commands import COMMANDS as CALL_COMMANDS

    for command in (create_trainer, create_user, create_token, revoke_token, seed_demo, backup, rescore, psychometrics_command,
                    *CALL_COMMANDS):
        app.cli.add_command(command)
