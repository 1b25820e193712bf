"""``flask --app wsgi backup --out FILE`` and ``flask --app wsgi restore FILE`` (docs/deployment.md)."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from lsi_assembly.backups.dumps import BackupError, backup, restore
from lsi_assembly.extensions import db


@click.command("backup")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The backup file to write (a new file; PostgreSQL: pg_dump custom format, "
                   "SQLite: a copy).")
def backup_command(out: Path) -> None:
    """Back up the whole database (DATABASE_URL) to a new file, readable by its owner only."""
    try:
        backup(current_app.config["SQLALCHEMY_DATABASE_URI"], out, current_app.config.get("PG_BINDIR"))
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written to {out} ({out.stat().st_size:,} bytes).")


@click.command("restore")
@click.argument("backup_file", type=click.Path(dir_okay=False, path_type=Path))
def restore_command(backup_file: Path) -> None:
    """Restore a backup made by `flask backup` into the database of DATABASE_URL, which must be empty."""
    db.engine.dispose()  # no connection of this process holds the target open
    try:
        restore(current_app.config["SQLALCHEMY_DATABASE_URI"], backup_file,
                current_app.config.get("PG_BINDIR"))
    except BackupError as error:
        raise click.ClickException(f"{error} Nothing was changed.") from None
    db.engine.dispose()
    click.echo(f"Restored {backup_file}. Next: `flask --app wsgi db upgrade` if this version of the app is "
               "newer than the backup, then start the web service and the worker.")
