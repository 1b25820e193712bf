"""``flask documents render certificates``: certificates of attendance as a PDF, from the command line."""
from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from lsi_assembly.core.links import NoBaseURL
from lsi_assembly.core.search import fold
from lsi_assembly.documents.render import certificate_text, render_certificates
from lsi_assembly.documents.services import (
    eligible_participants,
    has_attended,
    issue_certificate,
    issue_certificates,
    verify_base,
    verify_url,
)
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.registration.services import find_by_email

documents_cli = AppGroup("documents", help="Documents for participants: certificates of attendance.")


class Refused(click.ClickException):
    """Nothing to do (nobody eligible, an unknown person): the message on standard error, exit status 2."""

    exit_code = 2


@documents_cli.group("render")
def render_group() -> None:
    """Write documents to PDF files."""


@render_group.command("certificates")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="The PDF file to write.")
@click.option("--participant", "email", help="Only this participant (their e-mail address).")
@click.option("--organization", help="Only this organization's participants (its name or id).")
@click.option("--language", default="en", show_default=True, help="The certificates' language (en, fr).")
def certificates_command(out: Path, email: str | None, organization: str | None, language: str) -> None:
    """Issue and write the certificates of attendance of everyone checked in at least once (one A4 page each).

    Issuing is recorded: a person's certificate keeps its verification code until their name,
    organization or days change. Exits with status 2 when there is nobody to print a certificate for.
    """
    if language not in current_app.config["LANGUAGES"]:
        raise click.BadParameter(f"choose one of {', '.join(current_app.config['LANGUAGES'])}", param_hint="--language")
    if email and organization:
        raise click.UsageError("give --participant or --organization, not both")
    event = current_event()
    if event is None:
        raise Refused("there is no event yet: nobody to print a certificate for")
    if email:
        participant = find_by_email(event, email.strip().lower())
        if participant is None:
            raise Refused(f"nobody is registered with the address {email}")
        if not has_attended(participant):
            raise Refused(f"{email} has not been checked in: no certificate")
    else:
        organization_id = _organization_id(event, organization) if organization else None
        if not eligible_participants(event, organization_id):
            raise Refused("nobody of this organization has been checked in: no certificate" if organization
                          else "nobody has been checked in yet: no certificate")
    try:
        base = verify_base()
    except NoBaseURL as error:
        raise click.ClickException(f"{error} The certificates print the address where they are verified.") from None
    certificates = [issue_certificate(participant)] if email else issue_certificates(event, organization_id)
    with force_locale(language):
        texts = [certificate_text(c, language, verify_url(c.code, base)) for c in certificates]
        with click.progressbar(length=len(texts), label="Printing certificates", file=sys.stderr) as bar:
            shown = 0

            def progress(done: int, _total: int) -> None:
                nonlocal shown
                bar.update(done - shown)
                shown = done

            pdf = render_certificates(texts, language, progress=progress)
    out.write_bytes(pdf)
    db.session.commit()
    count = f"{len(texts)} certificate" + ("s" if len(texts) != 1 else "")
    click.echo(f"{count} written to {out} ({len(pdf) // 1024} KB)")


def _organization_id(event, name_or_id: str) -> int:
    """The id of the event's organization named (accents and capitals aside) or numbered ``name_or_id``."""
    condition = (Organization.id == int(name_or_id) if name_or_id.isdecimal() and len(name_or_id) < 10
                 else Organization.search_name == fold(name_or_id))
    found = db.session.scalar(sa.select(Organization.id).where(Organization.event_id == event.id, condition))
    if found is None:
        raise Refused(f"no organization {name_or_id!r}")
    return found
