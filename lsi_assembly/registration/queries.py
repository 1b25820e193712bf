"""Finding registrations for the back office: search, filters, sorting (read-only)."""
from __future__ import annotations

from dataclasses import dataclass, fields

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lsi_assembly.core.forms import parse_id
from lsi_assembly.core.search import like_pattern, search_terms
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.registration.models import Category, Participant, Status, participant_days

_FAMILY = Participant.sort_name
#: Sort keys: names folded (case and accents aside); an empty organization sorts last on both databases.
SORTS = {
    "name": (Participant.sort_name,),
    "organization": (sa.func.coalesce(Organization.search_name, sa.func.lower(Participant.organization_name)),
                     _FAMILY),
    "country": (Participant.country, _FAMILY),
    "status": (Participant.status, _FAMILY),
    "category": (Participant.category, _FAMILY),
    "registered": (Participant.created_at,),
}


def _text(value: str | None, length: int) -> str:
    """A query-string value, without NUL (PostgreSQL refuses it in text), cut to ``length``."""
    return (value or "").replace("\x00", "").strip()[:length]


@dataclass
class RegistrationFilter:
    """What the organizer asked for on the list page (every field optional)."""

    q: str = ""
    status: str = ""
    category: str = ""
    organization: int | None = None
    country: str = ""
    day: int | None = None
    dietary: bool = False
    accessibility: bool = False
    sort: str = "name"

    @classmethod
    def from_args(cls, args, q: str = "") -> RegistrationFilter:
        """Read the filter from query-string arguments, ignoring what does not make sense.

        The search words ``q`` are not read from the URL: a name is personal data, and URLs end up in
        browser histories and server logs. The list keeps them in the session instead.
        """
        sort = args.get("sort", "name")
        return cls(
            q=_text(q, 100),
            status=_text(args.get("status"), 20),
            category=_text(args.get("category"), 20),
            organization=parse_id(args.get("organization")),
            country=_text(args.get("country"), 2).upper(),
            day=parse_id(args.get("day")),
            dietary=args.get("dietary") == "1",
            accessibility=args.get("accessibility") == "1",
            sort=sort if sort.lstrip("-") in SORTS else "name",
        )

    def args(self, **changes) -> dict[str, str]:
        """Return the non-empty fields but the search words as query-string arguments, with ``changes``."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "q"} | changes
        return {k: ("1" if v is True else str(v)) for k, v in values.items() if v not in (None, "", False)}


def registrations_query(event: Event, f: RegistrationFilter) -> sa.Select:
    """Build the SELECT of the participants matching ``f``, sorted as asked."""
    stmt = (
        sa.select(Participant)
        .outerjoin(Organization, Participant.organization_id == Organization.id)
        .where(Participant.event_id == event.id)
        .options(selectinload(Participant.organization), selectinload(Participant.days))
    )
    for term in search_terms(f.q):  # every word must match, in any order
        pattern = like_pattern(term)
        stmt = stmt.where(sa.or_(Participant.search_text.like(pattern, escape="\\"),
                                 Organization.search_name.like(pattern, escape="\\")))
    if f.status:
        stmt = stmt.where(Participant.status == f.status)
    else:  # registrations whose address is not confirmed are shown only when asked for
        stmt = stmt.where(Participant.status != Status.UNCONFIRMED)
    if f.category:
        stmt = stmt.where(Participant.category == f.category)
    if f.organization:
        stmt = stmt.where(Participant.organization_id == f.organization)
    if f.country:
        stmt = stmt.where(Participant.country == f.country)
    if f.day:
        stmt = stmt.where(sa.exists().where(participant_days.c.participant_id == Participant.id,
                                            participant_days.c.event_day_id == f.day))
    if f.dietary:
        stmt = stmt.where(sa.or_(sa.func.json_array_length(Participant.dietary) > 0,
                                 Participant.dietary_notes.is_not(None)))
    if f.accessibility:
        stmt = stmt.where(Participant.accessibility_needs.is_not(None))  # encrypted: "" is stored as NULL
    columns = SORTS[f.sort.lstrip("-")]
    descending = f.sort.startswith("-")
    return stmt.order_by(*((c.desc() if descending else c.asc()).nulls_last() for c in columns), Participant.id)


def unconfirmed_count(event: Event) -> int:
    """How many registrations of ``event`` wait for their address to be confirmed."""
    return db.session.scalar(sa.select(sa.func.count()).where(
        Participant.event_id == event.id, Participant.status == Status.UNCONFIRMED)) or 0


@dataclass
class QuotaRow:
    organization: Organization
    confirmed: int
    pending: int
    waitlisted: int

    @property
    def held(self) -> int:
        return self.confirmed + self.pending


def quota_overview(event: Event, active_only: bool = True) -> list[QuotaRow]:
    """Each organization with its delegates by status, against its quota (one query)."""
    def count(status: Status):
        return sa.func.count(Participant.id).filter(Participant.status == status)

    rows = db.session.execute(
        sa.select(Organization, count(Status.CONFIRMED), count(Status.PENDING), count(Status.WAITLISTED))
        .outerjoin(Participant, sa.and_(Participant.organization_id == Organization.id,
                                        Participant.category == Category.DELEGATE))
        .where(Organization.event_id == event.id, Organization.is_active.is_(True) if active_only else sa.true())
        .group_by(Organization.id)
        .order_by(Organization.name)
    )
    return [QuotaRow(org, confirmed, pending, waitlisted) for org, confirmed, pending, waitlisted in rows]
