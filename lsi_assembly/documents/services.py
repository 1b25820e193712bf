"""Certificates of attendance: who may have one, issuing them (once, again only when they would change), codes.

A certificate is issued for a participant checked in at least once. Issuing again returns the same
certificate as long as what it says about the person (name, organization, days) is unchanged;
otherwise a new one is issued and the old one is marked superseded, so its code still verifies and
says that it was replaced.
"""
from __future__ import annotations

import secrets
import unicodedata
from collections import defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lsi_assembly.checkin.models import CheckIn
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.links import external_url
from lsi_assembly.core.localized import localized
from lsi_assembly.documents.models import Certificate
from lsi_assembly.events.models import Event, EventDay
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant

#: Crockford's base32, as for badge codes: no I, L, O or U, so that a code read aloud or typed survives.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: 16 characters carry 80 random bits: far beyond guessing, even without the rate limit on /verify.
CODE_LENGTH = 16
GROUP = 4
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})


def new_code() -> str:
    """A fresh, unguessable certificate code (from the system's secure random source; nothing personal)."""
    number = secrets.randbits(5 * CODE_LENGTH)
    return "".join(ALPHABET[(number >> (5 * i)) & 31] for i in range(CODE_LENGTH))


def grouped(code: str) -> str:
    """The code in groups of four joined by dashes, to read aloud or type: ``ABCD-EFGH-JKMN-PQRS``."""
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


def normalize_code(raw: str | None) -> str | None:
    """The code someone typed (any case, with or without dashes or spaces); None when it cannot be one."""
    cleaned = "".join(c for c in (raw or "").upper() if c.isalnum()).translate(_READ_AS)
    if len(cleaned) != CODE_LENGTH or any(c not in ALPHABET for c in cleaned):
        return None
    return cleaned


def find_certificate(raw: str | None) -> Certificate | None:
    """The certificate with the code ``raw`` (typed in any of the accepted ways), current or superseded."""
    code = normalize_code(raw)
    if code is None:
        return None
    return db.session.scalar(sa.select(Certificate).where(Certificate.code == code)
                             .options(selectinload(Certificate.event)))


def verify_base() -> str:
    """The absolute address of /verify (on BASE_URL when set); a certificate's page is below it."""
    return external_url("documents.verify_form")


def verify_url(code: str, base: str | None = None) -> str:
    """The public address that shows what the certificate with ``code`` says (no personal data in it).

    ``base`` is ``verify_base()``, given when it was taken in a request for work done outside one.
    """
    return f"{base or verify_base()}/{grouped(code)}"


def has_attended(participant: Participant) -> bool:
    """Tell whether the participant was checked in at least once (and so may have a certificate)."""
    return db.session.scalar(sa.select(sa.exists().where(CheckIn.participant_id == participant.id)))


def attended_days(event: Event, organization_id: int | None = None,
                  participant_id: int | None = None) -> dict[int, list[date]]:
    """The days each participant of ``event`` was checked in, in order, by participant id."""
    stmt = (sa.select(CheckIn.participant_id, EventDay.date).join(EventDay, CheckIn.day_id == EventDay.id)
            .join(Participant, CheckIn.participant_id == Participant.id)
            .where(Participant.event_id == event.id).order_by(EventDay.date))
    if organization_id is not None:
        stmt = stmt.where(Participant.organization_id == organization_id)
    if participant_id is not None:
        stmt = stmt.where(Participant.id == participant_id)
    days: dict[int, list[date]] = defaultdict(list)
    for person, day in db.session.execute(stmt):
        if day not in days[person]:
            days[person].append(day)
    return dict(days)


def _content(participant: Participant, days: list[date], event: Event) -> dict:
    """What a certificate for ``participant`` says now (the columns it freezes)."""
    config = current_app.config
    return {
        "participant_id": participant.id,
        "event_id": event.id,
        "name": unicodedata.normalize("NFC", participant.full_name),
        "organization": None if participant.badge_hide_organization else participant.organization_label,
        "days": [day.isoformat() for day in days],
        "event_name": localized(event, "name", "en"),
        "event_place": ", ".join(filter(None, (localized(event, "venue", "en"), event.city))),
        # French certificates print these (each falls back to the English text when the French is empty).
        "event_name_fr": localized(event, "name", "fr"),
        "event_place_fr": ", ".join(filter(None, (localized(event, "venue", "fr"), event.city))),
        "event_start": event.first_day,
        "event_end": event.last_day,
        "signatory": config["CERTIFICATE_SIGNATORY"],
        "signatory_title": config["CERTIFICATE_SIGNATORY_TITLE"] or None,
    }


def _says_the_same(certificate: Certificate, content: dict) -> bool:
    """Tell whether ``certificate`` says what ``content`` says about the person (name, organization, days).

    The event's and the signatory's lines do not count: a certificate stays true as issued when the
    secretariat changes the signatory afterwards.
    """
    return all(getattr(certificate, key) == content[key] for key in ("name", "organization", "days"))


def _current_certificate(participant_id: int, fresh: bool = False) -> Certificate | None:
    stmt = sa.select(Certificate).where(Certificate.participant_id == participant_id,
                                        Certificate.superseded_at.is_(None))
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    return db.session.scalar(stmt)


def issue_certificate(participant: Participant, days: list[date] | None = None) -> Certificate | None:
    """The participant's current certificate, issued or renewed as needed; None if never checked in.

    Two requests at once (a double click, the person and an organizer): the participant's row is
    locked before anything is written (on SQLite the database's write lock plays that part), and the
    partial unique index allows one current certificate, so the loser reads the winner's.
    """
    if days is None:
        days = attended_days(participant.event, participant_id=participant.id).get(participant.id, [])
    if not days:
        return None
    content = _content(participant, days, participant.event)
    current = _current_certificate(participant.id)
    if current is not None and _says_the_same(current, content):
        return current
    db.session.execute(sa.select(Participant.id).where(Participant.id == participant.id).with_for_update())
    current = _current_certificate(participant.id, fresh=True)
    if current is not None and _says_the_same(current, content):
        return current
    try:
        with db.session.begin_nested():
            if current is not None:
                current.superseded_at = utcnow()
                db.session.flush()  # before the new one: one current certificate at any moment
            certificate = Certificate(code=new_code(), **content)
            db.session.add(certificate)
        return certificate
    except IntegrityError:
        return _current_certificate(participant.id, fresh=True)


def eligible_participants(event: Event, organization_id: int | None = None) -> list[Participant]:
    """The participants checked in at least once (of one organization if given), alphabetically."""
    stmt = (sa.select(Participant).where(Participant.event_id == event.id,
                                         sa.exists().where(CheckIn.participant_id == Participant.id))
            .options(selectinload(Participant.organization)).order_by(Participant.sort_name, Participant.id))
    if organization_id is not None:
        stmt = stmt.where(Participant.organization_id == organization_id)
    return list(db.session.scalars(stmt))


def count_eligible(event: Event) -> int:
    """How many participants were checked in at least once."""
    return db.session.scalar(sa.select(sa.func.count(sa.distinct(CheckIn.participant_id)))
                             .join(Participant, CheckIn.participant_id == Participant.id)
                             .where(Participant.event_id == event.id))


def count_issued(event: Event) -> int:
    """How many participants hold a current certificate."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Certificate).where(
        Certificate.event_id == event.id, Certificate.superseded_at.is_(None)))


def issue_certificates(event: Event, organization_id: int | None = None) -> list[Certificate]:
    """The current certificates of everyone checked in (of one organization if given), issuing as needed.

    All new certificates are written at once; if another request issued one of them meanwhile, the
    whole batch is undone and each is issued on its own, which then reads the winner's.
    """
    days = attended_days(event, organization_id)
    # A check-in undone between the two queries: that person has no day left, and no certificate.
    people = [person for person in eligible_participants(event, organization_id) if days.get(person.id)]
    current = {c.participant_id: c for c in db.session.scalars(sa.select(Certificate).where(
        Certificate.event_id == event.id, Certificate.superseded_at.is_(None)))}
    result, new, replaced = [], [], []
    for person in people:
        content = _content(person, days[person.id], event)
        held = current.get(person.id)
        if held is not None and _says_the_same(held, content):
            result.append(held)
            continue
        certificate = Certificate(code=new_code(), **content)
        new.append(certificate)
        result.append(certificate)
        if held is not None:
            replaced.append(held)
    if not new:
        return result
    try:
        with db.session.begin_nested():
            now = utcnow()
            for held in replaced:
                held.superseded_at = now
            db.session.flush()
            db.session.add_all(new)
        return result
    except IntegrityError:
        return [issue_certificate(person, days[person.id]) for person in people]


def venue_date(certificate: Certificate, moment: datetime) -> date:
    """The date at the venue of ``moment`` (when the certificate was issued, or superseded)."""
    return moment.astimezone(ZoneInfo(certificate.event.timezone)).date()
