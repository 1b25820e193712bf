"""``flask --app wsgi privacy ...``: the retention schedule and the encryption keys (docs/privacy.md)."""
from __future__ import annotations

import sys
from datetime import date

import click
from flask.cli import AppGroup

from lsi_assembly.core import crypto
from lsi_assembly.core.database import utcnow
from lsi_assembly.extensions import db
from lsi_assembly.privacy.purge import run_purge

privacy_cli = AppGroup("privacy", help="Personal data: the retention schedule and the encryption keys.")


@privacy_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="List what would be deleted, by kind and count; change nothing.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Apply the schedule as on this day (YYYY-MM-DD) instead of today.")
def purge_command(dry_run: bool, today) -> None:
    """Delete the personal data whose retention period is over (the worker runs it daily)."""
    day: date = today.date() if today else utcnow().date()
    results = run_purge(day, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(("Dry run: nothing changed. As on " if dry_run else "Retention schedule applied as on ")
               + day.isoformat() + ":")
    for rule, count in results:
        click.echo(f"  {rule.key:<18} {count:>6}  {'would go' if dry_run else 'deleted'}: {rule.data}")


@privacy_cli.command("new-key")
def new_key_command() -> None:
    """Print a fresh encryption key for DATA_KEYS."""
    click.echo(crypto.new_key())
    click.echo("To rotate: put it first in DATA_KEYS (DATA_KEYS=new,old), restart, run "
               "`flask --app wsgi privacy rotate-keys`, then remove the old key.", err=True)


@privacy_cli.command("rotate-keys")
def rotate_keys_command() -> None:
    """Re-encrypt every encrypted value with the first key of DATA_KEYS."""
    try:
        counts = crypto.rotate_keys(db.session.connection(), db.metadata, progress=_progress)
    except crypto.UnreadableValue as error:
        db.session.rollback()
        raise click.ClickException(f"{error} Nothing was changed.") from None
    db.session.commit()
    for column, count in counts.items():
        click.echo(f"  {column:<40} {count:>6} re-encrypted")
    click.echo("Every encrypted value now uses the first key: the others may be removed from DATA_KEYS.")


def _progress(label: str, total: int):
    return click.progressbar(length=total, label=label, file=sys.stderr)
