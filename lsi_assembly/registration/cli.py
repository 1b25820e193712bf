"""``flask participants import|export|sweep``: participant lists from and to files; expired registrations out."""
from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from lsi_assembly.core.mail import deliver_due
from lsi_assembly.core.tabular import write_csv, write_xlsx
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.privacy.erasure import erase
from lsi_assembly.registration.models import Category, Participant, Status
from lsi_assembly.registration.queries import RegistrationFilter, registrations_query
from lsi_assembly.registration.services import delete_expired_unconfirmed
from lsi_assembly.registration.transfer import (
    ImportFileError,
    apply_import,
    export_rows,
    plan_import,
)

participants_cli = AppGroup("participants", help="Import and export participant lists; delete unconfirmed registrations.")


def _event():
    event = current_event()
    if event is None:
        raise click.ClickException("there is no event yet")
    return event


@participants_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only show what would happen, line by line.")
@click.option("--valid-only", is_flag=True, help="Import the valid lines even if others are rejected.")
@click.option("--notify", is_flag=True, help="E-mail each new participant their personal link.")
def import_command(file: Path, dry_run: bool, valid_only: bool, notify: bool) -> None:
    """Import participants from a UTF-8 CSV file (see docs/import-export.md for the columns)."""
    if notify and not current_app.config.get("BASE_URL"):
        raise click.ClickException("--notify sends links: set BASE_URL (e.g. https://assembly.example.org) first")
    event = _event()
    try:
        plan = plan_import(event, file.read_bytes())
    except ImportFileError as error:
        raise click.ClickException(str(error)) from None
    for line in plan.lines:
        reasons = f": {'; '.join(line.reasons)}" if line.reasons else ""
        click.echo(f"line {line.line}: {line.action} {line.email or '-'}{reasons}")
    if plan.ignored_columns:
        click.echo(f"ignored columns: {', '.join(plan.ignored_columns)}")
    summary = f"{plan.count('create')} to create, {plan.count('update')} to update, {plan.count('reject')} rejected"
    click.echo(summary)
    if dry_run:
        click.echo("dry run: nothing was written")
        return
    if not plan.valid and not valid_only:
        raise click.ClickException("nothing was imported: correct the rejected lines, or use --valid-only")
    todo = plan.count("create") + plan.count("update")
    with click.progressbar(length=todo, label="Importing") as bar:
        created, updated = apply_import(event, plan, valid_only=valid_only, notify=notify, progress=bar.update)
    db.session.commit()
    click.echo(f"imported: {created} created, {updated} updated")
    if notify and created:
        sent, failed = deliver_due(limit=created)
        click.echo(f"e-mails: {sent} sent, {failed} failed (failed ones are retried by `flask mail send`)")


@participants_cli.command("export")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="FILE.csv or FILE.xlsx")
@click.option("--status", type=click.Choice([s.value for s in Status]), help="Only this status.")
@click.option("--category", type=click.Choice([c.value for c in Category]), help="Only this category.")
@click.option("--country", help="Only this country (ISO code).")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), help="Only people attending this day.")
def export_command(out: Path, status: str | None, category: str | None, country: str | None, day) -> None:
    """Export participants as CSV (UTF-8 with BOM) or Excel, formula cells neutralized."""
    if out.suffix.lower() not in {".csv", ".xlsx"}:
        raise click.BadParameter("the file must end in .csv or .xlsx", param_hint="--out")
    event = _event()
    day_id = None
    if day is not None:
        matching = [d.id for d in event.days if d.date == day.date()]
        if not matching:
            raise click.BadParameter(f"{day.date()} is not a day of the event", param_hint="--day")
        day_id = matching[0]
    filters = RegistrationFilter(status=status or "", category=category or "", country=(country or "").upper(),
                                 day=day_id)
    participants = list(db.session.scalars(registrations_query(event, filters)))
    with click.progressbar(participants, label="Exporting") as bar:
        rows = list(export_rows(bar))
    if out.suffix.lower() == ".csv":
        with out.open("w", encoding="utf-8", newline="") as stream:
            write_csv(rows, stream)
    else:
        with out.open("wb") as stream:
            write_xlsx(rows, stream, title="Participants")
    click.echo(f"exported {len(participants)} participants to {out}")


@participants_cli.command("sweep")
def sweep_command() -> None:
    """Delete registrations whose address was not confirmed in time, with what they left (the worker runs it hourly)."""
    deleted = delete_expired_unconfirmed()
    db.session.commit()
    waiting = db.session.scalar(sa.select(sa.func.count()).where(Participant.status == Status.UNCONFIRMED)) or 0
    hours = current_app.config["REGISTRATION_CONFIRM_HOURS"]
    click.echo(f"{deleted} unconfirmed registrations deleted (not confirmed within {hours} hours), "
               f"{waiting} still waiting for their address to be confirmed.")


@participants_cli.command("erase")
@click.argument("email")
@click.option("--reason", default="", help="Why (kept in the audit log, without the name).")
def erase_command(email: str, reason: str) -> None:
    """Erase a person's registrations and data (GDPR art. 17), in every event, by e-mail address."""
    people = db.session.scalars(sa.select(Participant).where(
        sa.func.lower(Participant.email) == email.strip().lower(), Participant.anonymized_at.is_(None))).all()
    if not people:
        raise click.ClickException("no registration with this e-mail address (or it was erased already)")
    for participant in people:
        erase(participant, reason=reason or "request by e-mail", by="organizer")
    db.session.commit()
    click.echo(f"Erased {len(people)} registration(s): their seats and places are free, their data is gone.")
