"""Badge codes, what a badge shows, which badges to print, and the log of prints."""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lsi_assembly.badges.layout import PRESETS, Preset, metrics
from lsi_assembly.badges.models import BadgeCode, BadgePreset, BadgePrint
from lsi_assembly.core.countries import country_name
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.dates import format_day
from lsi_assembly.core.localized import localized
from lsi_assembly.core.locking import lock
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant, Status, participant_days
from lsi_assembly.workshops.assignment import schedules_of
from lsi_assembly.workshops.models import WorkshopRun

#: Crockford's base32: digits and capitals without I, L, O and U, so a code read aloud or typed by a
#: scanner survives; 26 characters carry 130 random bits.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 26
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})


def new_code() -> str:
    """A fresh, unguessable badge code (130 bits from the system's secure random source)."""
    number = secrets.randbits(5 * CODE_LENGTH)
    return "".join(ALPHABET[(number >> (5 * i)) & 31] for i in range(CODE_LENGTH))


def normalize_code(raw: str) -> str | None:
    """The code a scanner or a person typed, cleaned up; None when it cannot be a badge code."""
    cleaned = "".join(c for c in (raw or "").upper() if c.isalnum()).translate(_READ_AS)
    if len(cleaned) != CODE_LENGTH or any(c not in ALPHABET for c in cleaned):
        return None
    return cleaned


def valid_code(participant: Participant) -> BadgeCode:
    """The participant's valid badge code, issued on first use.

    Two requests issuing at once: the partial unique index lets one win; the other reads its code.
    """
    stmt = sa.select(BadgeCode).where(BadgeCode.participant_id == participant.id, BadgeCode.revoked_at.is_(None))
    code = db.session.scalar(stmt)
    if code is not None:
        return code
    try:
        with db.session.begin_nested():
            code = BadgeCode(participant_id=participant.id, code=new_code())
            db.session.add(code)
        return code
    except IntegrityError:
        return db.session.scalar(stmt)


def valid_codes(participants: list[Participant]) -> dict[int, BadgeCode]:
    """Valid codes of many participants at once, issuing the missing ones."""
    ids = [p.id for p in participants]
    codes = {}
    for chunk in range(0, len(ids), 500):
        for code in db.session.scalars(sa.select(BadgeCode).where(
                BadgeCode.participant_id.in_(ids[chunk:chunk + 500]), BadgeCode.revoked_at.is_(None))):
            codes[code.participant_id] = code
    missing = [p for p in participants if p.id not in codes]
    if missing:
        rows = [BadgeCode(participant_id=p.id, code=new_code()) for p in missing]
        try:
            with db.session.begin_nested():  # all at once: thousands of savepoints cost a second
                db.session.add_all(rows)
            codes.update((row.participant_id, row) for row in rows)
        except IntegrityError:  # someone issued one of them meanwhile: one by one, each reads the winner
            for participant in missing:
                codes[participant.id] = valid_code(participant)
    return codes


def reissue(participant: Participant) -> BadgeCode:
    """Revoke the participant's code (a lost badge) and issue a new one.

    The participant's row is locked first, so two reissues at once (a double click, two desks) run
    one after the other: the second revokes the first's new code and issues its own.
    """
    lock(Participant, participant.id)
    db.session.execute(sa.update(BadgeCode).where(
        BadgeCode.participant_id == participant.id, BadgeCode.revoked_at.is_(None)).values(revoked_at=utcnow()))
    code = BadgeCode(participant_id=participant.id, code=new_code())
    db.session.add(code)
    db.session.flush()
    return code


def participant_for_code(event: Event, raw: str) -> tuple[Participant | None, bool]:
    """The participant a scanned code belongs to, and whether the code was revoked."""
    code = normalize_code(raw)
    if code is None:
        return None, False
    row = db.session.scalar(sa.select(BadgeCode).join(Participant).where(
        BadgeCode.code == code, Participant.event_id == event.id))
    if row is None:
        return None, False
    return row.participant, row.revoked_at is not None


def presets(event: Event) -> dict[str, Preset]:
    """The built-in badge sizes and those the organizers added, by name."""
    found = dict(PRESETS)
    for row in db.session.scalars(sa.select(BadgePreset).where(BadgePreset.event_id == event.id)
                                  .order_by(BadgePreset.name)):
        found[row.name] = Preset(row.name, row.name, row.page_width, row.page_height, row.badge_width,
                                 row.badge_height, row.columns, row.rows, row.gap_x, row.gap_y)
    return found


@dataclass
class BadgeContent:
    """What one badge shows (front and back): plain data for the template and the print log."""

    participant_id: int
    name: str
    full_name: str | None
    organization: str | None
    country_code: str
    country: str  # the country's name in the language of the print run
    languages: str
    category: str
    photo_consent: bool
    code: str
    #: The name in Latin letters, under a name in another script (None for a Latin name).
    latin_name: str | None = None
    #: The person's workshops: (when, in the run's language; title; room).
    schedule: list[tuple[str, str, str]] = field(default_factory=list)
    #: The same, in a form that does not depend on the language: what the fingerprint uses.
    schedule_key: list[tuple[str, str, str]] = field(default_factory=list)

    def fingerprint(self) -> str:
        """A hash of what the badge shows, the same in any language, to tell whether a print is out of date."""
        shown = {"name": self.name, "full_name": self.full_name, "organization": self.organization,
                 "country": self.country_code, "languages": self.languages, "category": self.category,
                 "photo_consent": self.photo_consent, "code": self.code, "schedule": self.schedule_key}
        if self.latin_name:  # only then: the prints made before the Latin line stay up to date
            shown["latin_name"] = self.latin_name
        return hashlib.sha256(json.dumps(shown, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def missing_letters(self) -> str:
        """The letters of the printed texts that the shipped font has no glyph for (empty: none)."""
        font = metrics()
        text = " ".join(filter(None, (self.name, self.latin_name, self.full_name, self.organization)))
        return "".join(sorted({c for c in text if not font.covers(c)}))


def badge_content(participant: Participant, code: BadgeCode, locale: str,
                  schedule: list[WorkshopRun] = ()) -> BadgeContent:
    """What ``participant``'s badge shows, country names and dates in ``locale``."""
    name = participant.badge_name
    return BadgeContent(
        participant_id=participant.id,
        name=name,
        # A protected person's badge: the name on badge only, no organization.
        full_name=participant.full_name if participant.full_name != name and not participant.protected else None,
        organization=participant.badge_organization,
        country_code=participant.country,
        country=country_name(participant.country, locale),
        languages=", ".join(participant.languages or []),
        category=str(participant.category),
        photo_consent=participant.photo_consent,
        code=code.code,
        latin_name=participant.badge_latin_name,
        schedule=[(f"{format_day(run.slot.day.date, 'EEE d MMM', locale)} "
                   f"{run.slot.starts_at:%H:%M}–{run.slot.ends_at:%H:%M}",
                   localized(run.workshop, "title", locale), run.room.name)
                  for run in schedule],
        schedule_key=[(f"{run.slot.day.date.isoformat()} {run.slot.starts_at:%H:%M}",
                       localized(run.workshop, "title", locale),
                       run.room.name) for run in schedule],
    )


@dataclass
class BadgeFilter:
    """Which badges to print; empty fields do not filter. Only confirmed participants get badges."""

    organization_id: int | None = None
    category: str | None = None
    day_id: int | None = None
    not_printed: bool = False
    changed: bool = False
    participant_ids: list[int] | None = None


def last_prints(participant_ids: list[int]) -> dict[int, BadgePrint]:
    """Each participant's most recent print."""
    latest = {}
    for chunk in range(0, len(participant_ids), 500):
        for row in db.session.scalars(sa.select(BadgePrint).where(
                BadgePrint.participant_id.in_(participant_ids[chunk:chunk + 500])).order_by(BadgePrint.id)):
            latest[row.participant_id] = row
    return latest


def select_for_print(event: Event, wanted: BadgeFilter) -> list[Participant]:
    """The confirmed participants matching ``wanted``, by family name (``changed`` is applied later)."""
    stmt = (sa.select(Participant).where(Participant.event_id == event.id, Participant.status == Status.CONFIRMED)
            .options(selectinload(Participant.organization), selectinload(Participant.days),
                     selectinload(Participant.event))
            .order_by(Participant.sort_name, Participant.id))
    if wanted.organization_id:
        stmt = stmt.where(Participant.organization_id == wanted.organization_id)
    if wanted.category:
        stmt = stmt.where(Participant.category == wanted.category)
    if wanted.day_id:
        stmt = stmt.where(sa.exists().where(participant_days.c.participant_id == Participant.id,
                                            participant_days.c.event_day_id == wanted.day_id))
    if wanted.not_printed:
        stmt = stmt.where(~sa.exists().where(BadgePrint.participant_id == Participant.id))
    if wanted.participant_ids is not None:
        stmt = stmt.where(Participant.id.in_(wanted.participant_ids))
    return list(db.session.scalars(stmt))


def badges_for(event: Event, wanted: BadgeFilter, locale: str) -> list[BadgeContent]:
    """The content of every badge to print for ``wanted`` (issuing codes as needed).

    The published workshops are always read (one query): they are on the back, and a change in them
    makes a printed badge out of date whether or not this run prints backs.
    """
    people = select_for_print(event, wanted)
    codes = valid_codes(people)
    schedules = schedules_of(event) if event.assignment_published_at is not None else {}
    contents = [badge_content(p, codes[p.id], locale, schedules.get(p.id, [])) for p in people]
    if wanted.changed:
        printed = last_prints([p.id for p in people])
        contents = [c for c in contents if c.participant_id in printed
                    and printed[c.participant_id].content_hash != c.fingerprint()]
    return contents


def record_prints(contents: list[BadgeContent], preset: str, actor: str, user_id: int | None) -> None:
    """Log that these badges were printed (when, who, which code, what they showed)."""
    codes = {row.code: row.id for row in db.session.scalars(
        sa.select(BadgeCode).where(BadgeCode.code.in_([c.code for c in contents])))} if contents else {}
    now = utcnow()
    db.session.add_all(BadgePrint(participant_id=c.participant_id, code_id=codes[c.code], printed_at=now,
                                  user_id=user_id, actor=actor, preset=preset, content_hash=c.fingerprint())
                       for c in contents)
    db.session.flush()
