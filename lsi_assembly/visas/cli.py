"""``flask documents render visa-letters``: the approved visa letters as one PDF, from the command line."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from lsi_assembly.core.links import NoBaseURL
from lsi_assembly.documents.cli import Refused, render_group
from lsi_assembly.documents.services import verify_base
from lsi_assembly.events.services import current_event
from lsi_assembly.registration.services import find_by_email
from lsi_assembly.visas.services import issued_letters, letters_pdf


@render_group.command("visa-letters")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="The PDF file to write.")
@click.option("--participant", "email", help="Only this participant's letter (their e-mail address).")
def visa_letters_command(out: Path, email: str | None) -> None:
    """Write the approved visa invitation letters (one A4 page each, in each letter's language).

    Only issued letters whose passport data is still held (not revoked, not past the retention
    schedule). Exits with status 2 when there is no letter to write.
    """
    event = current_event()
    if event is None:
        raise Refused("there is no event yet: no visa letter")
    participant = None
    if email:
        participant = find_by_email(event, email.strip().lower())
        if participant is None:
            raise Refused(f"nobody is registered with the address {email}")
    letters = issued_letters(event, participant)
    if not letters:
        raise Refused(f"{email} has no approved visa letter" if email else "there is no approved visa letter")
    try:
        base = verify_base()
    except NoBaseURL as error:
        raise click.ClickException(f"{error} The letters print the address where they are verified.") from None
    with click.progressbar(length=len(letters), label="Printing visa letters", file=sys.stderr) as bar:
        shown = 0

        def progress(done: int, _total: int) -> None:
            nonlocal shown
            bar.update(done - shown)
            shown = done

        pdf = letters_pdf(letters, base, progress=progress)
    out.write_bytes(pdf)
    count = f"{len(letters)} visa letter" + ("s" if len(letters) != 1 else "")
    click.echo(f"{count} written to {out} ({len(pdf) // 1024} KB)")
