"""Figures for the back office overview."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.registration.models import Category, Participant, Status


@dataclass
class QuotaRow:
    organization: Organization
    confirmed: int
    pending: int
    waitlisted: int

    @property
    def held(self) -> int:
        return self.confirmed + self.pending


def status_counts(event: Event) -> dict[str, int]:
    """Count registrations of ``event`` by status."""
    rows = db.session.execute(
        sa.select(Participant.status, sa.func.count())
        .where(Participant.event_id == event.id)
        .group_by(Participant.status)
    )
    counts = {status.value: 0 for status in Status}
    counts.update({status: count for status, count in rows})
    return counts


def quota_overview(event: Event) -> list[QuotaRow]:
    """Each active organization with its delegates by status, against its quota (one query)."""
    def count(status: Status):
        return sa.func.count(Participant.id).filter(Participant.status == status)

    rows = db.session.execute(
        sa.select(Organization, count(Status.CONFIRMED), count(Status.PENDING), count(Status.WAITLISTED))
        .outerjoin(Participant, sa.and_(Participant.organization_id == Organization.id,
                                        Participant.category == Category.DELEGATE))
        .where(Organization.event_id == event.id, Organization.is_active.is_(True))
        .group_by(Organization.id)
        .order_by(Organization.name)
    )
    return [QuotaRow(org, confirmed, pending, waitlisted) for org, confirmed, pending, waitlisted in rows]
