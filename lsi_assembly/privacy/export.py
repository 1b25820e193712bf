"""The person's data export (GDPR art. 15 and 20): everything held about them, as one JSON document.

The format is documented in docs/privacy.md ("The data export"); ``format`` is its version.
Secrets are left out (the personal link's key); every registered domain adds its section
(``core.personal_data.register_exporter``).
"""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from lsi_assembly.badges.models import BadgeCode
from lsi_assembly.checkin.models import CheckIn
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.mail import OutboxMessage
from lsi_assembly.core.personal_data import exporters
from lsi_assembly.extensions import db
from lsi_assembly.privacy.consent import consent_log
from lsi_assembly.public.models import PublicAttendee, PublicEvent
from lsi_assembly.registration.fields import PARTICIPANT_FIELDS, Kind, Privacy
from lsi_assembly.registration.models import Participant
from lsi_assembly.workshops.models import Preference, WorkshopAssignment

FORMAT = "lsi-assembly/personal-data/1"


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _registration(participant: Participant) -> dict:
    data = {}
    for spec in PARTICIPANT_FIELDS:
        if spec.privacy is Privacy.SECRET:
            continue
        if spec.kind is Kind.DAYS:
            data["days"] = [day.date.isoformat() for day in participant.days]
        elif spec.kind is Kind.ORGANIZATION and spec.name == "organization_id":
            data["organization"] = participant.organization_label
        elif spec.name != "organization_name":
            data[spec.name] = _plain(getattr(participant, spec.name))
    data["event"] = participant.event.name
    return data


def personal_data(participant: Participant) -> dict:
    """Everything held about the person, JSON-ready."""
    preferences = db.session.scalars(sa.select(Preference).where(Preference.participant_id == participant.id)
                                     .order_by(Preference.rank)).all()
    seats = db.session.scalars(sa.select(WorkshopAssignment).where(
        WorkshopAssignment.participant_id == participant.id)).all()
    check_ins = db.session.scalars(sa.select(CheckIn).where(CheckIn.participant_id == participant.id)
                                   .order_by(CheckIn.checked_in_at)).all()
    mails = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == participant.email)
                               .order_by(OutboxMessage.created_at)).all()
    badges = db.session.scalars(sa.select(BadgeCode).where(BadgeCode.participant_id == participant.id)).all()
    public = db.session.scalars(sa.select(PublicAttendee).join(PublicEvent).where(
        PublicEvent.event_id == participant.event_id, PublicAttendee.email == participant.email)).all()
    export = {
        "format": FORMAT,
        "exported_at": utcnow().isoformat(),
        "registration": _registration(participant),
        "consents": [{"consent": record.kind, "given": record.given, "at": record.at.isoformat(),
                      "notice_version": record.notice_version, "by": record.by}
                     for record in consent_log(participant)],
        "workshop_choices": [{"rank": p.rank, "workshop": p.workshop.title} for p in preferences],
        "workshop_seats": [{"workshop": s.run.workshop.title, "starts_at": s.run.slot.starts_at.isoformat(),
                            "ends_at": s.run.slot.ends_at.isoformat(), "room": s.run.room.name} for s in seats],
        "check_ins": [{"at": c.checked_in_at.isoformat(), "day": c.day.date.isoformat()} for c in check_ins],
        "badges": [{"issued_at": b.issued_at.isoformat(),
                    "revoked_at": b.revoked_at.isoformat() if b.revoked_at else None} for b in badges],
        "emails": [{"subject": m.subject, "queued_at": m.created_at.isoformat(),
                    "sent_at": m.sent_at.isoformat() if m.sent_at else None, "body": m.body_text or None}
                   for m in mails],
        "public_event": [{"name": a.name, "email": a.email, "affiliation": a.affiliation, "status": a.status,
                          "accessibility_needs": a.accessibility_needs, "registered_at": a.created_at.isoformat()}
                         for a in public],
    }
    for section, exporter in sorted(exporters().items()):
        export[section] = exporter(participant)
    return export


def export_json(participant: Participant) -> bytes:
    """The export as a UTF-8 JSON file."""
    return json.dumps(personal_data(participant), ensure_ascii=False, indent=2, default=_plain).encode("utf-8")
