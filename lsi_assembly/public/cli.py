"""``flask public sweep``: act on the times that passed (the worker runs it every two minutes)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from lsi_assembly.core.links import NoBaseURL
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.public.services import public_event_of, sweep

public_cli = AppGroup("public", help="The public event.")


@public_cli.command("sweep")
def sweep_command() -> None:
    """Expire unconfirmed registrations and unclaimed offers, and offer the freed seats to the next in line."""
    public_event = public_event_of(current_event())
    if public_event is None:
        click.echo("There is no public event.")
        return
    try:
        expired, lapsed = sweep(public_event)
    except NoBaseURL as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"{expired} unconfirmed registrations expired, {lapsed} offers lapsed.")
