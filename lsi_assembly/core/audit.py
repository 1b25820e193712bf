"""The audit log: who changed what on participants, organizations and staff accounts, and when.

One hook records every change, whichever service or view made it: after each flush, the changed
columns of audited objects (old and new value) are written to ``audit_entries`` in the same
transaction, so an entry exists exactly when the change was committed. A hook rather than calls in
each service: a forgotten call would silently leave a change unrecorded.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask import g, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_sqlalchemy.session import Session
from sqlalchemy.orm import Mapped, mapped_column

from lsi_assembly.core.database import utcnow
from lsi_assembly.extensions import db

#: Columns never written to the log: bookkeeping, or secrets (a change is noted, not its value).
IGNORED = {"updated_at", "search_text", "search_name", "sort_name", "quota_version", "last_login_at", "failed_logins",
           "locked_until", "created_at", "status_changed_at"}
#: Secrets, and health-related notes that must not outlive their deletion in the record itself.
SECRET = {"password_hash", "access_key", "invite_token", "accessibility_needs", "dietary_notes", "ticket_code"}
HIDDEN = "(changed)"


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index("ix_audit_entries_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: The staff account that made the change (None: the participant, the public form or a command).
    actor_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Who, in words: a staff e-mail, "participant" or "command line".
    actor: Mapped[str] = mapped_column(sa.String(254))
    #: ``participant``, ``organization`` or ``user``.
    entity_type: Mapped[str] = mapped_column(sa.String(30))
    entity_id: Mapped[int]
    #: ``created``, ``changed`` or ``deleted``.
    action: Mapped[str] = mapped_column(sa.String(20))
    #: ``{field: [old, new]}``.
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    def __repr__(self) -> str:
        return f"<AuditEntry {self.entity_type}:{self.entity_id} {self.action} by {self.actor!r}>"


#: How the log names fields and actors to a reader.
FIELD_LABELS = {
    "given_name": _l("Given name"), "family_name": _l("Family name"), "name_on_badge": _l("Name on badge"),
    "email": _l("E-mail address"), "category": _l("Category"), "status": _l("Status"),
    "organization_id": _l("Organization"), "organization_name": _l("Organization"), "country": _l("Country"),
    "job_title": _l("Job title"), "arrival_date": _l("Arrival date"), "departure_date": _l("Departure date"),
    "dietary": _l("Dietary requirements"), "dietary_notes": _l("Other dietary needs or allergies"),
    "accessibility_needs": _l("Accessibility needs"), "languages": _l("Languages"), "days": _l("Days"),
    "list_consent": _l("On the participant list"), "photo_consent": _l("May be photographed"),
    "privacy_accepted_at": _l("Privacy notice accepted"), "locale": _l("Language"),
    "email_confirmed_at": _l("E-mail address confirmed"),
    "access_key": _l("Personal link"), "event_id": _l("Event"), "name": _l("Name"),
    "delegate_quota": _l("Delegate quota"), "contact_name": _l("Contact person"),
    "contact_email": _l("Contact e-mail address"), "is_active": _l("Active"), "is_sample": _l("Sample data"),
    "invite_token": _l("Invitation link"), "role": _l("Role"), "active": _l("Active"),
    "password_hash": _l("Password"),
    "badge_hide_organization": _l("Organization left off the badge"), "desk_note": _l("Note for the check-in desk"),
    "needs_at_desk": _l("Needs shown at the desk"), "day_id": _l("Day"), "desk": _l("Desk"),
    "participant_id": _l("Participant"), "checked_in_at": _l("Checked in at"), "user_id": _l("Staff account"),
    "title": _l("Title"), "description": _l("Description"), "venue": _l("Venue"), "starts_at": _l("Starts at"),
    "ends_at": _l("Ends at"), "capacity": _l("Seats"), "no_show_percent": _l("Expected no-shows (percent)"),
    "is_open": _l("Registration is open"), "confirm_hours": _l("Hours to confirm the e-mail address"),
    "claim_hours": _l("Hours to claim a seat offered from the waiting list"),
}
ACTOR_LABELS = {"participant": _l("the participant"), "command line": _l("command line")}

#: Audited classes and their entity names, filled by ``audit``.
_AUDITED: dict[type, str] = {}


def audit(entity_type: str):
    """Class decorator: record every change to instances of this model."""
    def decorator(cls):
        _AUDITED[cls] = entity_type
        return cls
    return decorator


def _plain(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, db.Model):
        return str(getattr(value, "date", None) or getattr(value, "name", None) or value.id)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _changes(obj, created: bool) -> dict:
    state = sa.inspect(obj)
    changes = {}
    for attr in state.mapper.attrs:
        key = attr.key
        if key in IGNORED or isinstance(attr, sa.orm.RelationshipProperty) and attr.direction.name != "MANYTOMANY":
            continue
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        if isinstance(attr, sa.orm.RelationshipProperty):
            old = sorted(_plain(list(history.unchanged) + list(history.deleted)))
            new = sorted(_plain(list(history.unchanged) + list(history.added)))
        else:
            old = _plain(history.deleted[0]) if history.deleted else None
            new = _plain(history.added[0]) if history.added else None
        if old == new or (created and new in (None, [], "")):
            continue
        if key in SECRET:
            old, new = (None if created else HIDDEN), HIDDEN
        changes[key] = [old, new]
    return changes


def current_actor() -> tuple[int | None, str]:
    """Return (staff account id, label) of whoever is making the current change."""
    if g.get("audit_actor"):
        return None, g.audit_actor
    if has_request_context():
        if current_user and current_user.is_authenticated:
            return current_user.id, current_user.email
        return None, "participant"
    return None, "command line"


@sa.event.listens_for(Session, "after_flush")
def _record(session, flush_context) -> None:
    rows = []
    for objects, action in ((session.new, "created"), (session.dirty, "changed"), (session.deleted, "deleted")):
        for obj in objects:
            entity_type = _AUDITED.get(type(obj))
            if entity_type is None:
                continue
            changes = {} if action == "deleted" else _changes(obj, created=action == "created")
            if action == "changed" and not changes:
                continue
            rows.append({"entity_type": entity_type, "entity_id": obj.id, "action": action, "changes": changes})
    if rows:
        actor_id, actor = current_actor()
        now = utcnow()
        session.connection().execute(
            sa.insert(AuditEntry),
            [{**row, "actor_user_id": actor_id, "actor": actor, "created_at": now} for row in rows],
        )


def display_value(value) -> str:
    """Show a logged value to a person: lists joined, yes/no for booleans, a dash for nothing."""
    if value is None or value == [] or value == "":
        return "–"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def entries_for(entity_type: str, entity_id: int) -> list[AuditEntry]:
    """Return the log of one record, newest first."""
    return list(db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.id.desc())
    ))
