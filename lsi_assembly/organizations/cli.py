"""``flask organizations import FILE.csv``: the member list from the command line, as on the web."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from lsi_assembly.core.links import NoBaseURL
from lsi_assembly.core.tabular import TableFileError
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.organizations.services import apply_member_import, plan_member_import
from lsi_assembly.registration.services import refill_quotas

organizations_cli = AppGroup("organizations", help="Member organizations.")


@organizations_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only check the file and show what would happen, line by line.")
def import_command(file: Path, dry_run: bool) -> None:
    """Import the member list from a UTF-8 CSV file: all lines or none (the web import's columns:
    name,country[,delegate_quota,contact_name,contact_email,membership,votes])."""
    event = current_event()
    if event is None:
        raise click.ClickException("there is no event yet")
    try:
        plan = plan_member_import(event, file.read_bytes())
    except TableFileError as error:
        raise click.ClickException(str(error)) from None
    for line in plan:
        reasons = f": {'; '.join(line.reasons)}" if line.reasons else ""
        click.echo(f"line {line.line}: {line.action} {line.name or '-'}{reasons}")
    counts = {action: sum(1 for line in plan if line.action == action) for action in ("create", "update", "reject")}
    click.echo(f"{counts['create']} to create, {counts['update']} to update, {counts['reject']} rejected")
    if dry_run:
        click.echo("dry run: nothing was written")
        return
    if counts["reject"]:
        raise click.ClickException("nothing was imported: correct the rejected lines and run the command again")
    try:
        created, updated = apply_member_import(event, plan)
        refill_quotas(event)  # as on the web: a larger quota gives places to the waiting list
    except NoBaseURL as error:  # a larger quota took someone off a waiting list: they are e-mailed their link
        db.session.rollback()
        raise click.ClickException(f"nothing was imported: {error}") from None
    db.session.commit()
    click.echo(f"imported: {created} created, {updated} updated")
