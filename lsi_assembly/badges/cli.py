"""``flask badges render``: badges as a PDF from the command line, with a progress bar."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from lsi_assembly.badges.printing import print_and_log
from lsi_assembly.badges.services import BadgeFilter, presets, select_for_print
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.registration.models import Category

badges_cli = AppGroup("badges", help="Print badges.")


@badges_cli.command("render")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="The PDF file to write.")
@click.option("--preset", default="a6", show_default=True,
              help="Badge size: a6, insert-90x54, card-86x54, or one the organizers added.")
@click.option("--organization", help="Only this organization (its name or id).")
@click.option("--category", type=click.Choice([c.value for c in Category]), help="Only this category.")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), help="Only people attending on this day.")
@click.option("--not-printed", is_flag=True, help="Only badges not printed yet.")
@click.option("--changed", is_flag=True, help="Only badges whose content changed since they were printed.")
@click.option("--participant", "participant_ids", type=int, multiple=True, help="Only this participant (by id; repeatable).")
@click.option("--back", is_flag=True, help="Print the back side too (workshops, practical information).")
@click.option("--crop-marks", is_flag=True, help="Draw crop marks around the badges.")
def render_command(out: Path, preset: str, organization: str | None, category: str | None, day, not_printed: bool,
                   changed: bool, participant_ids: tuple[int, ...], back: bool, crop_marks: bool) -> None:
    """Print the badges of confirmed participants to a PDF file (every print is logged)."""
    event = current_event()
    if event is None:
        raise click.ClickException("there is no event yet")
    sizes = presets(event)
    if preset not in sizes:
        raise click.ClickException(f"unknown preset {preset!r}: choose one of {', '.join(sizes)}")
    organization_id = None
    if organization:
        found = db.session.scalar(sa.select(Organization.id).where(
            Organization.event_id == event.id,
            Organization.id == int(organization) if organization.isdecimal() else Organization.name == organization))
        if found is None:
            raise click.ClickException(f"no organization {organization!r}")
        organization_id = found
    day_id = None
    if day is not None:
        match = next((d for d in event.days if d.date == day.date()), None)
        if match is None:
            raise click.ClickException(f"{day:%Y-%m-%d} is not a day of the event")
        day_id = match.id
    wanted = BadgeFilter(organization_id=organization_id, category=category, day_id=day_id,
                         not_printed=not_printed, changed=changed, participant_ids=list(participant_ids) or None)
    total = len(select_for_print(event, wanted))
    if total == 0:
        raise click.ClickException("no confirmed participant matches: nothing to print")
    with click.progressbar(length=total, label="Printing badges", file=sys.stderr) as bar:
        shown = 0

        def progress(done: int, _total: int) -> None:
            nonlocal shown
            bar.update(done - shown)
            shown = done

        pdf, count = print_and_log(event, wanted, sizes[preset], with_back=back, crop_marks=crop_marks,
                                   locale="en", actor="command line", user_id=None, progress=progress,
                                   codes_issued=db.session.commit)
    if count == 0:
        raise click.ClickException("no badge changed since it was printed: nothing to print")
    out.write_bytes(pdf)
    db.session.commit()
    click.echo(f"{count} badges written to {out} ({len(pdf) // 1024} KB), {date.today():%Y-%m-%d}")
