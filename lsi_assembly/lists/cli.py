"""``flask lists render KIND --out FILE``: any list as PDF, CSV or Excel, from the command line."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from lsi_assembly.assembly.services import AssemblyError, find_session
from lsi_assembly.events.services import current_event
from lsi_assembly.lists.render import FORMATS, list_file, list_pdf
from lsi_assembly.lists.tables import GROUPINGS, KINDS, SESSION_KINDS, build

lists_cli = AppGroup("lists", help="Printed and exported lists.")


@lists_cli.command("render")
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="The file to write: .pdf, .csv or .xlsx.")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Only this day (sign-in, rosters, catering, accessibility, doors).")
@click.option("--group-by", type=click.Choice(GROUPINGS), default="name", show_default=True,
              help="Participant lists: alphabetical, by organization or by country.")
@click.option("--with-names", is_flag=True, help="Catering: the free-text needs with names (organizers only).")
@click.option("--session", "session_id", help="assembly-register: the statutory session's id (required).")
def render_command(kind: str, out: Path, day, group_by: str, with_names: bool, session_id: str | None) -> None:
    """Write the list KIND (participants is the shared list) to a PDF, CSV or Excel file."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise click.ClickException(f"--out must end in .pdf, .csv or .xlsx, not {out.suffix or 'nothing'}")
    event = current_event()
    if event is None:
        raise click.ClickException("there is no event yet")
    the_day = None
    if day is not None:
        the_day = next((d for d in event.days if d.date == day.date()), None)
        if the_day is None:
            raise click.ClickException(f"{day:%Y-%m-%d} is not a day of the event")
    session = None
    if kind in SESSION_KINDS:
        if not session_id:
            raise click.UsageError(f"{kind} needs --session ID (see flask assembly sessions)")
        try:
            session = find_session(event, session_id)
        except AssemblyError as error:
            raise click.UsageError(str(error)) from None
    table = build(kind, event, day=the_day, group_by=group_by, locale="en", with_names=with_names, session=session)
    if fmt == "pdf":
        # Steps in percent, as on the web: rows chosen, pages laid out (long lists, in parts), written.
        with click.progressbar(length=100, label=f"Printing {table.row_count} rows", file=sys.stderr) as bar:
            bar.update(5)
            data = list_pdf(table, event, progress=lambda _step, pages: bar.update(75 - bar.pos))
            bar.update(100 - bar.pos)
    else:
        data = list_file(table, event, fmt)
    out.write_bytes(data)
    click.echo(f"{table.title}: {table.row_count} rows written to {out}")
