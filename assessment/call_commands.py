"""Command-line tasks of calls as evidence: the batch import and the retention purge.

    flask --app app import-calls PATH... --team ID [--map CSV] [--format F] [--agent-speaker L]
    flask --app app purge-calls --before YYYY-MM-DD [--team ID] [--dry-run]
    flask --app app reanalyse-calls [--dry-run]
"""

from __future__ import annotations

import sys
from datetime import date, datetime, time, timezone

import click
from flask import current_app
from flask.cli import with_appcontext

from . import storage
from .call_intake import ImportSetupError, import_calls, reanalysed, read_map
from .calls import FORMATS


def _db():
    return storage.connect(current_app.config["DATABASE"])


def _progress(done: int, total: int) -> None:
    """One line, rewritten in place on a terminal; a line every 10% when piped to a log."""
    if sys.stderr.isatty():
        click.echo(f"\r{done}/{total} files", nl=done == total, err=True)
    elif total and (done == total or done % max(1, total // 10) == 0):
        click.echo(f"{done}/{total} files", err=True)


@click.command("import-calls")
@with_appcontext
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--team", "team_id", type=int, required=True, help="The team whose members made the calls.")
@click.option("--map", "map_path", type=click.Path(dir_okay=False),
              help="A CSV with the columns file and employee_id, for files not named <employee id>_<anything>.")
@click.option("--format", "format_", type=click.Choice(FORMATS), help="Force a format (default: detect each file's).")
@click.option("--agent-speaker", help="The agent's speaker label or channel, for files that name speakers by label.")
@click.option("--processes", type=int, default=None, help="Worker processes (default: every core).")
def import_calls_command(paths, team_id, map_path, format_, agent_speaker, processes) -> None:
    """Import call transcripts (files, or folders of .txt/.vtt/.srt/.json) into a team's members."""
    db = _db()
    try:
        if not storage.team_exists(db, team_id):
            raise click.ClickException(f"no team has the id {team_id}")
        try:
            mapping = read_map(map_path) if map_path else None
            summary = import_calls(
                db, paths, team_id=team_id, lexicon=current_app.extensions["call_lexicon"],
                tz=current_app.extensions["timezone"], mapping=mapping, format=format_,
                agent_speaker=agent_speaker, processes=processes, progress=_progress,
            )
        except ImportSetupError as exc:
            raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    click.echo(f"{len(summary.imported)} imported, {len(summary.skipped)} skipped (already imported), "
               f"{len(summary.failed)} failed")
    for path, why in summary.skipped:
        click.echo(f"  skipped {path}: {why}")
    for path, reason in summary.failed:
        click.echo(f"  failed  {path}: {reason}")


@click.command("purge-calls")
@with_appcontext
@click.option("--before", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Delete every call made before this day (the centre's local day), YYYY-MM-DD.")
@click.option("--team", "team_id", type=int, default=None, help="Only this team's calls (default: every team).")
@click.option("--dry-run", is_flag=True, help="Count what would go; delete nothing.")
def purge_calls_command(before: datetime, team_id: int | None, dry_run: bool) -> None:
    """Delete the calls made before a day: the retention policy's tool."""
    if before.date() > date.today():
        raise click.ClickException("--before is in the future: that would delete calls not yet made")
    start = datetime.combine(before.date(), time.min, current_app.extensions["timezone"])
    cutoff = start.astimezone(timezone.utc).isoformat(timespec="seconds")
    db = _db()
    try:
        if team_id is not None and not storage.team_exists(db, team_id):
            raise click.ClickException(f"no team has the id {team_id}")
        count = storage.purge_calls(db, cutoff, team_id=team_id, dry_run=dry_run)
    finally:
        db.close()
    where = f" of team {team_id}" if team_id is not None else ""
    day = before.date().isoformat()
    if dry_run:
        click.echo(f"{count} calls{where} made before {day} would be deleted. Dry run: nothing was deleted.")
    else:
        click.echo(f"{count} calls{where} made before {day} deleted.")


@click.command("reanalyse-calls")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="Count what would change; write nothing.")
def reanalyse_calls_command(dry_run: bool) -> None:
    """Measure every stored call again from its (masked) segments, after the word lists or
    the reference in questionnaires/calls (or the banned phrases) changed."""
    lexicon = current_app.extensions["call_lexicon"]
    db = _db()
    seen = changed = 0
    try:
        last = 0
        while rows := storage.calls_to_reanalyse(db, last):
            updates = []
            for row in rows:
                metrics, findings, customer = reanalysed(row, lexicon)
                if (metrics, findings, customer) != (row["metrics"], row["findings"], row["customer"]):
                    updates.append((row["id"], metrics, findings, customer))
            seen, changed, last = seen + len(rows), changed + len(updates), rows[-1]["id"]
            if updates and not dry_run:
                storage.update_analyses(db, updates)
    finally:
        db.close()
    verb = "would change" if dry_run else "changed"
    click.echo(f"{seen} calls measured again: {changed} {verb}.")
    if dry_run:
        click.echo("Dry run: nothing was written.")


COMMANDS = (import_calls_command, purge_calls_command, reanalyse_calls_command)
