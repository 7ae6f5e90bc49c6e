"""Command-line tasks: `flask --app app <command>`."""

from __future__ import annotations

import os
import sqlite3

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.security import generate_password_hash

from . import storage
from .demo import DEMO_PASSWORD, DEMO_USERNAME, seed_team
from .forms import PASSWORD_MAX, PASSWORD_MIN
from .scoring import SCORING_VERSION, score


def _db():
    return storage.connect(current_app.config["DATABASE"])


def _trainer_or_fail(db, username: str) -> dict:
    row = storage.trainer_by_username(db, username)
    if row is None:
        raise click.ClickException(f"no trainer called {username!r}")
    return row


@click.command("create-trainer")
@with_appcontext
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="The password (prompted for when left out).")
def create_trainer(username: str, password: str) -> None:
    """Create a trainer account."""
    username = username.strip()
    if not username or len(username) > 80:
        raise click.ClickException("the username must be 1 to 80 characters")
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise click.ClickException(f"the password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters")
    db = _db()
    try:
        storage.create_trainer(db, username, generate_password_hash(password))
    except storage.UsernameTaken:
        raise click.ClickException(f"a trainer called {username!r} already exists") from None
    finally:
        db.close()
    click.echo(f"Trainer {username!r} created. Sign in at /trainer/login")


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
    """Create a demo trainer and a team of synthetic agents with retakes."""
    db = _db()
    try:
        team = seed_team(db, current_app.extensions["questionnaires"], members=members, seed=seed)
    finally:
        db.close()
    click.echo(f"Demo team {team['name']!r} with {members} agents (invite code {team['invite_code']}).")
    click.echo(f"Sign in at /trainer/login as {DEMO_USERNAME} / {DEMO_PASSWORD}")


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
    """Score every stored result again from its raw answers (after a scoring change)."""
    versions = current_app.extensions["questionnaire_versions"]

    def score_row(row: dict):
        q = versions.get((row["questionnaire"], row["questionnaire_version"]))
        return None if q is None else score(q, row["answers"], duration_seconds=row["duration_seconds"])

    db = _db()
    try:
        report = storage.rescore(db, score_row, dry_run=dry_run)
    finally:
        db.close()
    verb = "would change" if dry_run else "changed"
    click.echo(f"{report.rescored} of {report.results} results scored again with scoring version {SCORING_VERSION}: "
               f"{report.changed_profiles} profiles {verb}, {report.changed_styles} of them in style.")
    if report.skipped:
        click.echo(f"{report.skipped} results left as stored: their questionnaire version is not loaded.")
    if dry_run:
        click.echo("Dry run: nothing was written.")


def init_app(app: Flask) -> None:
    for command in (create_trainer, create_token, revoke_token, seed_demo, backup, rescore):
        app.cli.add_command(command)
