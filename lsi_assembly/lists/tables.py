"""What each printed or exported list holds, and who may see it: plain tables, ready for PDF, CSV or Excel.

Each list has its audience and its privacy rule, applied here, once, for every format:

- ``participants``: the shared list, for participants: only confirmed people who agreed to appear on
  it, with name, organization and country.
- ``participants-full``: for organizers: everyone, with category, status and days.
- ``sign-in``: one sheet per day for signatures (funders ask for them): the confirmed people
  registered for that day, alphabetical, a wide signature column, blank lines for walk-ins.
- ``rosters``: per workshop run, with room, time and facilitators, the people seated.
- ``catering``: per day, how many people of each diet; the free-text needs without names (for the
  caterer), or with names (``with_names``, for organizers).
- ``accessibility``: for organizers, per day, the needs to plan for, with the rooms of the person's
  workshops that day.
- ``doors``: per room and slot, who should come in.
- ``assembly-register``: for the minutes of a statutory session: every full member with its votes,
  voting delegate and alternate, present (by whom) / represented by (the proxy holder) / absent, and
  time in; then the recorded quorums and vote results (PDF only, in sections with their own columns)
  and the chair's and secretary's signature lines. CSV and Excel hold the member rows.
- ``travel-support``: for the accountant: every travel support request with its amounts (requested in its
  currency, granted and paid in euros, claimed in its currency), status and date of payment.
- ``rooming``: for each hotel, the people placed there (confirmed or pending): name, check-in,
  check-out, nights, room type and who shares with whom; nothing else about the person.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from lsi_assembly.accommodation import services as accommodation
from lsi_assembly.accommodation.models import RoomType
from lsi_assembly.assembly import services as assembly
from lsi_assembly.assembly.models import StatutorySession
from lsi_assembly.core.countries import country_name
from lsi_assembly.core.dates import format_day
from lsi_assembly.core.localized import localized
from lsi_assembly.core.search import fold
from lsi_assembly.events.models import Event, EventDay
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Category, Diet, Participant, Status
from lsi_assembly.travel.models import TravelStatus
from lsi_assembly.travel.services import requests_of
from lsi_assembly.workshops.models import TimeSlot, WorkshopAssignment, WorkshopRun

KINDS = ("participants", "participants-full", "sign-in", "rosters", "catering", "accessibility", "doors",
         "assembly-register", "travel-support", "rooming")
#: The lists made for one statutory session (``session=`` to ``build``, ``--session`` on the command line).
SESSION_KINDS = ("assembly-register",)
GROUPINGS = ("name", "organization", "country")
#: Blank lines at the end of each day's sign-in sheet, for people who come without registering.
WALK_IN_LINES = 12


@dataclass
class Section:
    """A part of a list under its own heading (an organization, a day, a workshop run)."""

    title: str | None
    rows: list[list[str]]
    #: Empty lines to add at the end (sign-in sheets).
    blank_rows: int = 0
    #: A line under the title (time, room, facilitators).
    note: str | None = None
    #: Start this section on a new page.
    new_page: bool = False
    #: The rest of a section cut in two for printing (no heading of its own; the running header names it).
    continued: bool = False
    #: Columns of its own (and widths), instead of the list's: such a section is printed, not exported.
    columns: list[str] | None = None
    widths: list[int] | None = None


@dataclass
class ListTable:
    """One list, whatever the format it is written in."""

    kind: str
    title: str
    columns: list[str]
    sections: list[Section] = field(default_factory=list)
    #: Relative column widths (CSS), e.g. the sign-in sheet's wide signature column.
    widths: list[int] | None = None
    landscape: bool = False
    #: Who may see it: "participants" (the shared list) or "organizers".
    audience: str = "organizers"
    #: Signature lines at the end of the printed list (e.g. the chair, the secretary).
    signatures: list[str] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return sum(len(section.rows) for section in self.sections)

    def flat_rows(self) -> list[list[str]]:
        """Header and rows for CSV and Excel: the section title becomes the first column when there is one.

        Sections with columns of their own are for print only and left out.
        """
        exported = [section for section in self.sections if section.columns is None]
        titled = any(section.title for section in exported)
        header = ([_("Group")] if titled else []) + self.columns
        rows = [header]
        for section in exported:
            for row in section.rows:
                rows.append(([section.title or ""] if titled else []) + row)
        return rows


def _confirmed(event: Event):
    return (sa.select(Participant).where(Participant.event_id == event.id, Participant.status == Status.CONFIRMED)
            .options(selectinload(Participant.organization), selectinload(Participant.days)))


def _grouped(people: list[Participant], group_by: str, row, locale: str) -> list[Section]:
    people = sorted(people, key=lambda p: (p.sort_name, p.id))
    if group_by == "name":
        return [Section(None, [row(p) for p in people])]
    key = (lambda p: p.organization_label or "") if group_by == "organization" else (
        lambda p: country_name(p.country, locale))
    groups: dict[str, list[Participant]] = defaultdict(list)
    for person in people:
        groups[key(person)].append(person)
    return [Section(title or _("No organization"), [row(p) for p in groups[title]])
            for title in sorted(groups, key=fold)]


def participants(event: Event, group_by: str, locale: str) -> ListTable:
    """The shared list: confirmed people who agreed to appear on it; name, organization, country."""
    # Protected people are on no list others see, whatever they ticked.
    people = list(db.session.scalars(_confirmed(event).where(Participant.list_consent.is_(True),
                                                             Participant.protected.is_(False))))
    return ListTable(
        "participants", _("Participants"), [_("Name"), _("Organization"), _("Country")],
        _grouped(people, group_by, lambda p: [p.full_name, p.organization_label or "",
                                              country_name(p.country, locale)], locale),
        audience="participants")


def participants_full(event: Event, group_by: str, locale: str) -> ListTable:
    """Everyone registered, for the organizers: with category, status and days."""
    people = list(db.session.scalars(
        sa.select(Participant).where(Participant.event_id == event.id, Participant.status != Status.UNCONFIRMED)
        .options(selectinload(Participant.organization), selectinload(Participant.days))))
    return ListTable(
        "participants-full", _("Participants (organizers' list)"),
        [_("Name"), _("Organization"), _("Country"), _("Category"), _("Status"), _("Days")],
        _grouped(people, group_by, lambda p: [
            p.full_name, p.organization_label or "", country_name(p.country, locale),
            str(Category.label_of(p.category)), str(Status.label_of(p.status)),
            ", ".join(format_day(d.date, "d MMM") for d in p.days)], locale),
        landscape=True)


def _days(event: Event, day: EventDay | None) -> list[EventDay]:
    return [day] if day is not None else list(event.days)


def family_first(participant: Participant) -> str:
    """The name as a sign-in sheet shows it: family name in capitals first ("ÖZTÜRK, Ayşe")."""
    return f"{participant.family_name.upper()}, {participant.given_name}"


def sign_in(event: Event, day: EventDay | None) -> ListTable:
    """Per day, the confirmed people registered for it, by family name (shown first), with room to sign."""
    people = list(db.session.scalars(_confirmed(event)))
    sections = []
    for index, the_day in enumerate(_days(event, day)):
        present = sorted((p for p in people if any(d.id == the_day.id for d in p.days)),
                         key=lambda p: (p.sort_name, p.id))
        sections.append(Section(
            format_day(the_day.date, "full"),
            [[str(number), family_first(p), p.organization_label or "", ""] for number, p in enumerate(present, 1)],
            blank_rows=WALK_IN_LINES, new_page=index > 0))
    return ListTable("sign-in", _("Sign-in sheet"), [_("No."), _("Name"), _("Organization"), _("Signature")],
                     sections, widths=[6, 32, 30, 32])


def _runs(event: Event, day: EventDay | None) -> list[WorkshopRun]:
    stmt = (sa.select(WorkshopRun).join(TimeSlot, WorkshopRun.slot_id == TimeSlot.id)
            .where(TimeSlot.event_id == event.id)
            .options(selectinload(WorkshopRun.workshop), selectinload(WorkshopRun.room),
                     selectinload(WorkshopRun.slot).selectinload(TimeSlot.day))
            .order_by(TimeSlot.day_id, TimeSlot.starts_at, WorkshopRun.room_id))
    if day is not None:
        stmt = stmt.where(TimeSlot.day_id == day.id)
    return list(db.session.scalars(stmt))


def _seated(runs: list[WorkshopRun]) -> dict[int, list[Participant]]:
    seated: dict[int, list[Participant]] = defaultdict(list)
    if not runs:
        return seated
    for run_id, person in db.session.execute(
            sa.select(WorkshopAssignment.run_id, Participant)
            .join(Participant, WorkshopAssignment.participant_id == Participant.id)
            .where(WorkshopAssignment.run_id.in_([r.id for r in runs]), Participant.status == Status.CONFIRMED)
            .options(selectinload(Participant.organization)).order_by(Participant.sort_name, Participant.id)):
        seated[run_id].append(person)
    return seated


def _slot_text(run: WorkshopRun) -> str:
    return f"{format_day(run.slot.day.date, 'EEE d MMM')}, {run.slot.starts_at:%H:%M}–{run.slot.ends_at:%H:%M}"


def rosters(event: Event, day: EventDay | None, locale: str) -> ListTable:
    """Per workshop run: time, room, facilitators and the people seated."""
    runs = _runs(event, day)
    seated = _seated(runs)
    sections = []
    for index, run in enumerate(runs):
        note = " · ".join(filter(None, (_slot_text(run), run.room.name, run.workshop.facilitators and _(
            "Facilitators: %(names)s", names=run.workshop.facilitators))))
        sections.append(Section(localized(run.workshop, "title"), [
            [str(number), p.full_name, p.organization_label or "", country_name(p.country, locale), ""]
            for number, p in enumerate(seated[run.id], 1)], note=note, new_page=index > 0))
    return ListTable("rosters", _("Workshop rosters"),
                     [_("No."), _("Name"), _("Organization"), _("Country"), _("Present")], sections,
                     widths=[6, 34, 30, 18, 12])


def doors(event: Event, day: EventDay | None) -> ListTable:
    """Per room, slot by slot: who should come in (for the person at the door)."""
    runs = sorted(_runs(event, day), key=lambda r: (r.room.name, r.slot.day.date, r.slot.starts_at))
    seated = _seated(runs)
    sections = [Section(f"{run.room.name} · {_slot_text(run)}",
                        [[_("Protected participant: check the badge") if p.protected else p.full_name,
                          "" if p.protected else (p.organization_label or "")] for p in seated[run.id]],
                        note=localized(run.workshop, "title"), new_page=index > 0)
                for index, run in enumerate(runs)]
    return ListTable("doors", _("Door lists"), [_("Name"), _("Organization")], sections)


def catering(event: Event, day: EventDay | None, with_names: bool) -> ListTable:
    """Per day: how many confirmed people of each diet, then the free-text needs (names for organizers)."""
    people = list(db.session.scalars(_confirmed(event)))
    sections = []
    for the_day in _days(event, day):
        present = [p for p in people if any(d.id == the_day.id for d in p.days)]
        counts = Counter(diet for p in present for diet in (p.dietary or []))
        rows = [[_("Everyone"), str(len(present)), ""]]
        rows += [[str(Diet.label_of(diet)), str(counts[diet]), ""] for diet in sorted(
            counts, key=lambda d: str(Diet.label_of(d)))]
        notes = sorted(((p.sort_name, p.full_name, p.dietary_notes) for p in present if p.dietary_notes))
        rows += [[_("Other needs"), "1", f"{name}: {text}" if with_names else text] for _key, name, text in notes]
        sections.append(Section(format_day(the_day.date, "full"), rows))
    return ListTable("catering", _("Catering") if not with_names else _("Catering (organizers, with names)"),
                     [_("Diet"), _("People"), _("Details")], sections, widths=[30, 12, 58])


def accessibility(event: Event, day: EventDay | None) -> ListTable:
    """For organizers, per day: the accessibility needs to plan for, and the rooms the person will be in."""
    people = list(db.session.scalars(_confirmed(event).where(Participant.accessibility_needs.is_not(None))))
    runs = _runs(event, day)
    rooms_of: dict[tuple[int, int], list[str]] = defaultdict(list)  # (participant, day) -> rooms
    for person_id, run in db.session.execute(
            sa.select(WorkshopAssignment.participant_id, WorkshopRun)
            .join(WorkshopRun, WorkshopAssignment.run_id == WorkshopRun.id)
            .where(WorkshopRun.id.in_([r.id for r in runs]))
            .options(selectinload(WorkshopRun.room), selectinload(WorkshopRun.slot))) if runs else []:
        rooms_of[person_id, run.slot.day_id].append(run.room.name)
    sections = []
    for the_day in _days(event, day):
        present = sorted((p for p in people if any(d.id == the_day.id for d in p.days)),
                         key=lambda p: (p.sort_name, p.id))
        sections.append(Section(format_day(the_day.date, "full"), [
            [p.full_name, p.accessibility_needs or "", ", ".join(sorted(set(rooms_of[p.id, the_day.id])))]
            for p in present]))
    return ListTable("accessibility", _("Accessibility needs"), [_("Name"), _("Needs"), _("Workshop rooms")],
                     sections, widths=[28, 50, 22])


def _time(event: Event, moment) -> str:
    return f"{moment.astimezone(ZoneInfo(event.timezone)):%H:%M}" if moment else ""


def assembly_register(event: Event, session: StatutorySession) -> ListTable:
    """For the minutes of ``session``: each full member's attendance, the recorded quorums and votes.

    A member is present when its voting delegate (else its alternate) came into the hall during the
    session, represented when the member holding its proxy was present; time in is the first entry
    of the person by whom it was present.
    """
    figures, first_in = assembly.attendance(session)
    f = figures.figures
    named = assembly.mandates(event)
    present = {a.member.id: a for a in f.present}
    represented = {a.member.id: a for a in f.represented}
    rows = []
    for member in f.members:
        mandate = named.get(member.id)
        voter = mandate.voter.full_name if mandate else ""
        alternate = mandate.alternate.full_name if mandate and mandate.alternate else ""
        time_in = ""
        if member.id in present:
            by = present[member.id].by
            person = member.voter if by == "voter" else member.alternate
            attendance = _("Present (voting delegate)") if by == "voter" else _("Present (alternate)")
            time_in = _time(event, first_in.get(person))
        elif member.id in represented:
            attendance = _("Represented by %(member)s", member=represented[member.id].holder.name)
        else:
            attendance = _("Absent")
        rows.append([member.name, str(member.votes), voter, alternate, attendance, time_in])
    sections = [Section(None, rows, note=_(
        "%(present)d members present, %(represented)d represented, %(absent)d absent; "
        "%(votes)d of %(total)d votes.", present=len(f.present), represented=len(f.represented),
        absent=len(f.missing), votes=f.votes_present, total=f.votes_total))]
    quorums = [[_time(event, r.recorded_at), str(r.present), str(r.represented), f"{r.votes_present}/{r.votes_total}",
                str(r.votes_needed), _("Reached") if r.quorum else _("Not reached")]
               for r in assembly.quorum_records(session)]
    sections.append(Section(_("Recorded quorums"), quorums, columns=[
        _("Time"), _("Members present"), _("Members represented"), _("Votes present"), _("Votes needed"), _("Quorum")]))
    votes = [[_time(event, v.recorded_at), v.motion, str(v.votes_for), str(v.votes_against), str(v.abstentions),
              str(v.votes_present)] for v in assembly.vote_results(session)]
    sections.append(Section(_("Vote results"), votes, columns=[
        _("Time"), _("Motion"), _("For"), _("Against"), _("Abstentions"), _("Votes present")],
        widths=[10, 50, 10, 10, 10, 10]))
    title = _("Attendance register: %(session)s, %(day)s", session=session.name,
              day=format_day(session.day, "long"))
    return ListTable("assembly-register", title,
                     [_("Member"), _("Votes"), _("Voting delegate"), _("Alternate"), _("Attendance"), _("Time in")],
                     sections, widths=[24, 7, 18, 18, 25, 8], landscape=True,
                     signatures=[_("The chair"), _("The secretary")])


def _amount(value) -> str:
    return "" if value is None else f"{value:.2f}"


def travel_support(event: Event, locale: str) -> ListTable:
    """Every travel support request, for the accountant: amounts as plain numbers, each with its currency."""
    rows = []
    for travel in requests_of(event):
        person = travel.participant
        committed = travel.status in (TravelStatus.GRANTED, TravelStatus.CLAIMED, TravelStatus.PAID)
        rows.append([f"TS-{travel.id:04d}", person.full_name, person.organization_label or "",
                     country_name(person.country, locale), str(TravelStatus.label_of(travel.status)),
                     _amount(travel.estimated_total), travel.currency,
                     _amount(travel.granted_eur if committed else None), _amount(travel.claimed_total),
                     _amount(travel.paid_eur), travel.paid_on.isoformat() if travel.paid_on else ""])
    return ListTable("travel-support", _("Travel support"), [
        _("Reference"), _("Name"), _("Organization"), _("Country"), _("Status"), _("Requested"), _("Currency"),
        _("Granted (EUR)"), _("Claimed (in the currency)"), _("Paid (EUR)"), _("Paid on")],
        [Section(None, rows)], widths=[8, 14, 14, 9, 8, 9, 6, 9, 9, 8, 8], landscape=True)


def rooming(event: Event) -> ListTable:
    """For each hotel: who sleeps there, their nights, the room type, and the roommate; nothing else."""
    sections = []
    for index, (hotel, placed) in enumerate(accommodation.rooming_list(event)):
        names = {r.participant_id: r.participant.full_name for r in placed}
        rows = [[r.participant.full_name, format_day(r.check_in, "medium"), format_day(r.check_out, "medium"),
                 str(len(r.nights)), str(RoomType.label_of(r.block.room_type)), names.get(r.roommate_id, "")]
                for r in placed]
        sections.append(Section(hotel.name, rows, note=hotel.address, new_page=index > 0))
    return ListTable("rooming", _("Rooming list"),
                     [_("Name"), _("Check-in"), _("Check-out"), _("Nights"), _("Room type"), _("Shares with")],
                     sections, widths=[28, 15, 15, 8, 16, 18], landscape=True)


def build(kind: str, event: Event, *, day: EventDay | None = None, group_by: str = "name", locale: str = "en",
          with_names: bool = False, session: StatutorySession | None = None) -> ListTable:
    """The list ``kind`` (one of ``KINDS``) for ``event``; ``session`` for the ``SESSION_KINDS``."""
    if kind in SESSION_KINDS:
        if session is None or session.event_id != event.id:
            raise ValueError(f"the list {kind!r} needs one of the event's statutory sessions")
        return assembly_register(event, session)
    if kind == "participants":
        return participants(event, group_by, locale)
    if kind == "participants-full":
        return participants_full(event, group_by, locale)
    if kind == "sign-in":
        return sign_in(event, day)
    if kind == "rosters":
        return rosters(event, day, locale)
    if kind == "catering":
        return catering(event, day, with_names)
    if kind == "accessibility":
        return accessibility(event, day)
    if kind == "doors":
        return doors(event, day)
    if kind == "travel-support":
        return travel_support(event, locale)
    if kind == "rooming":
        return rooming(event)
    raise ValueError(f"unknown list {kind!r}")
