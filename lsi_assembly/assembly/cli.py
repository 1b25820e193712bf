"""``flask assembly ...``: statutory sessions, mandates, proxies, the hall's door, the quorum, voting cards.

For scripts, tests and a door scanner that writes codes to a file. A command that would break a rule
changes nothing, says why on standard error and exits with status 2 (docs/assembly.md).
"""
from __future__ import annotations

import functools
import json
import sys
from datetime import date, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from lsi_assembly.assembly import services
from lsi_assembly.assembly.card_layout import SHEETS
from lsi_assembly.assembly.card_printing import print_and_record
from lsi_assembly.assembly.quorum import DEFAULT_FRACTION
from lsi_assembly.assembly.services import AssemblyError
from lsi_assembly.events.models import Event
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db

assembly_cli = AppGroup("assembly", help="The General Assembly: sessions, mandates, proxies, the door, the quorum, "
                                         "voting cards.")

#: The exit status of a command that a rule refused.
REFUSED = 2


def _refused(message: str):
    db.session.rollback()
    click.echo(f"refused: {message}", err=True)
    sys.exit(REFUSED)


def refusals_exit_2(command):
    """Roll back, tell why on standard error and exit with status 2 when a rule refuses the change."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except AssemblyError as error:
            _refused(str(error))
    return wrapper


def _event() -> Event:
    event = current_event()
    if event is None:
        raise click.ClickException("there is no event yet")
    return event


def _time(value: str | None, option: str):
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%H:%M").time()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a time like 09:30", param_hint=option) from None


@assembly_cli.command("session-add")
@click.argument("name")
@click.option("--day", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="YYYY-MM-DD, a day of the event.")
@click.option("--quorum-fraction", "fraction", default=str(DEFAULT_FRACTION), show_default=True,
              help="The quorum is MORE than this fraction of all full members' votes (0.5, 2/3, ...).")
@click.option("--starts-at", help="HH:MM, local time at the venue (proxies are revocable until then).")
@click.option("--ends-at", help="HH:MM, local time at the venue.")
@refusals_exit_2
def session_add_command(name: str, day: datetime, fraction: str, starts_at: str | None, ends_at: str | None) -> None:
    """Add a statutory session; its id is printed on the last line."""
    session = services.add_session(_event(), name, day.date(), starts_at=_time(starts_at, "--starts-at"),
                                   ends_at=_time(ends_at, "--ends-at"),
                                   quorum_fraction=services.parse_fraction(fraction))
    db.session.commit()
    click.echo(f"session added: {session.name}, {session.day.isoformat()}, quorum: more than "
               f"{session.quorum_fraction.normalize()} of all full members' votes")
    click.echo(session.id)


@assembly_cli.command("sessions")
def sessions_command() -> None:
    """List the statutory sessions: id, day, times, quorum fraction, name."""
    found = services.list_sessions(_event())
    for session in found:
        times = "-".join(t.strftime("%H:%M") for t in (session.starts_at, session.ends_at) if t) or "all day"
        click.echo(f"{session.id}\t{session.day.isoformat()}\t{times}\t{session.quorum_fraction.normalize()}\t"
                   f"{session.name}")
    if not found:
        click.echo("no statutory session yet: add one with `flask assembly session-add`")


@assembly_cli.command("mandate")
@click.argument("organization")
@click.option("--voter", required=True, metavar="EMAIL", help="The voting delegate: a confirmed delegate of the member.")
@click.option("--alternate", metavar="EMAIL", help="The alternate: another confirmed delegate of the member.")
@refusals_exit_2
def mandate_command(organization: str, voter: str, alternate: str | None) -> None:
    """Name a full member's voting delegate and alternate (ORGANIZATION: its name or id)."""
    event = _event()
    member = services.find_organization(event, organization)
    voting = services.find_participant(event, voter)
    substitute = services.find_participant(event, alternate) if alternate else None
    services.set_mandate(event, member, voting, substitute)
    db.session.commit()
    click.echo(f"mandate of {member.name}: voting delegate {voting.full_name}"
               + (f", alternate {substitute.full_name}" if substitute else ", no alternate"))


@assembly_cli.command("proxy")
@click.argument("organization")
@click.option("--to", "holder", metavar="ORGANIZATION", help="The member that will carry the vote (name or id).")
@click.option("--revoke", is_flag=True, help="Revoke the member's proxy (possible until the session starts).")
@refusals_exit_2
def proxy_command(organization: str, holder: str | None, revoke: bool) -> None:
    """Give a full member's proxy to another full member, or revoke it."""
    if bool(holder) == revoke:
        _refused("give either --to ORGANIZATION or --revoke")
    event = _event()
    giver = services.find_organization(event, organization)
    if revoke:
        proxy = services.revoke_proxy(event, giver)
        db.session.commit()
        click.echo(f"proxy of {giver.name} to {proxy.holder.name} revoked")
        return
    carrier = services.find_organization(event, holder)
    services.give_proxy(event, giver, carrier)
    db.session.commit()
    click.echo(f"proxy of {giver.name} given to {carrier.name}")


def _door(session_id: str, person: str | None, from_file: Path | None, going_in: bool) -> None:
    if (person is None) == (from_file is None):
        _refused("give either PERSON or --from-file FILE")
    event = _event()
    session = services.find_session(event, session_id)
    if from_file is not None:
        try:
            lines = from_file.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            _refused(f"{from_file} cannot be read as UTF-8 text: {error}")
        entries = [(number, line.strip()) for number, line in enumerate(lines, start=1) if line.strip()]
    else:
        entries = [(None, person)]
    people, problems = [], []
    for number, text in entries:  # everyone is found first: one refused line changes nothing
        try:
            people.append(services.find_person(event, text))
        except AssemblyError as error:
            problems.append(f"line {number}: {error}" if number else str(error))
    if problems:
        _refused("\n".join(problems))
    moved = sum(1 for participant in people if (services.enter if going_in else services.leave)(session, participant))
    db.session.commit()
    verb = "entered" if going_in else "left"
    if person is not None:
        state = verb if moved else ("was already inside" if going_in else "was not inside")
        click.echo(f"{people[0].full_name} {state} ({session.name})")
    else:
        click.echo(f"{len(people)} scans: {moved} {verb}, {len(people) - moved} unchanged ({session.name})")


def _door_arguments(command):
    """SESSION, PERSON or --from-file, and exit status 2 on a refusal: what ``enter`` and ``leave`` share."""
    for decorate in reversed((
            click.argument("session"),
            click.argument("person", required=False),
            click.option("--from-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                         help="One badge code or e-mail address per line (a scanner's log)."),
            refusals_exit_2)):
        command = decorate(command)
    return command


@assembly_cli.command("enter")
@_door_arguments
def enter_command(session: str, person: str | None, from_file: Path | None) -> None:
    """Let PERSON (a badge code, a voting card's code or an e-mail address) into the hall for SESSION."""
    _door(session, person, from_file, going_in=True)


@assembly_cli.command("leave")
@_door_arguments
def leave_command(session: str, person: str | None, from_file: Path | None) -> None:
    """Let PERSON (a badge code, a voting card's code or an e-mail address) out of the hall for SESSION."""
    _door(session, person, from_file, going_in=False)


@assembly_cli.command("status")
@click.argument("session")
@click.option("--json", "as_json", is_flag=True, help="One JSON object (members, present, represented, "
                                                       "votes_present, votes_needed, quorum, the members by name).")
@refusals_exit_2
def status_command(session: str, as_json: bool) -> None:
    """Show the quorum of SESSION now."""
    figures = services.status(services.find_session(_event(), session))
    data = figures.as_dict()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"{figures.session.name} ({figures.session.day.isoformat()})")
    click.echo(f"full members: {data['members']}, present: {data['present']}, represented: {data['represented']}, "
               f"missing: {data['missing']}")
    click.echo(f"votes present: {data['votes_present']} of {data['votes_total']}, needed: {data['votes_needed']} "
               f"(more than {figures.figures.fraction.normalize()} of {data['votes_total']})")
    click.echo(f"quorum: {'reached' if data['quorum'] else 'NOT reached'}")
    by = {"voter": "voting delegate", "alternate": "alternate"}
    for label, rows in (
            ("present", [f"{m['name']} ({by[m['by']]})" for m in data["members_present"]]),
            ("represented", [f"{m['name']} (by {m['holder']})" for m in data["members_represented"]]),
            ("missing", [m["name"] for m in data["members_missing"]])):
        click.echo(f"{label}: {'; '.join(rows) if rows else '-'}")


@assembly_cli.command("cards")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="The PDF file to write.")
@click.option("--not-printed", is_flag=True, help="Only the cards not printed yet (the new ones after a change).")
@click.option("--sheet", type=click.Choice(list(SHEETS)), default="a6", show_default=True,
              help="a6: one card per A6 page; a4: four cards per A4 page, with crop marks.")
@click.option("--language", default="en", show_default=True, help="The language printed on the cards (en, fr).")
def cards_command(out: Path, not_printed: bool, sheet: str, language: str) -> None:
    """Print the valid voting cards to a PDF file (brought up to date first) and record the print."""
    if language not in current_app.config["LANGUAGES"]:
        raise click.BadParameter(f"{language!r}: choose one of {', '.join(current_app.config['LANGUAGES'])}",
                                 param_hint="--language")
    event = _event()
    total = len(services.voting_cards_to_print(event, not_printed=not_printed))
    db.session.commit()  # the cards brought up to date stay so, whatever happens next
    if total == 0:
        raise click.ClickException("every valid voting card is printed already: nothing to print" if not_printed
                                   else "no voting card: name the voting delegates first (`flask assembly mandate`)")
    with click.progressbar(length=total, label="Printing voting cards", file=sys.stderr) as bar:
        shown = 0

        def progress(done: int, _total: int) -> None:
            nonlocal shown
            bar.update(done - shown)
            shown = done

        with force_locale(language):
            pdf, count = print_and_record(event, SHEETS[sheet], not_printed=not_printed, progress=progress,
                                          cards_ready=db.session.commit)
    if count == 0:
        raise click.ClickException("no voting card left to print")
    out.write_bytes(pdf)
    db.session.commit()
    click.echo(f"{count} voting cards written to {out} ({len(pdf) // 1024} KB), {date.today():%Y-%m-%d}")
