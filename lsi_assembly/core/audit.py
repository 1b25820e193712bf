"""The audit log: who changed what on participants, organizations and staff accounts, and when.

One hook records every change, whichever service or view made it: after each flush, the changed
columns of audited objects (old and new value) are written to ``audit_entries`` in the same
transaction, so an entry exists exactly when the change was committed. A hook rather than calls in
each service: a forgotten call would silently leave a change unrecorded.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from flask import g, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_sqlalchemy.session import Session
from markupsafe import Markup, escape
from sqlalchemy.orm import Mapped, mapped_column

from lsi_assembly.core.countries import country_name
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.dates import format_day, format_moment
from lsi_assembly.core.enums import LabelledEnum
from lsi_assembly.core.i18n import current_language
from lsi_assembly.extensions import db

#: Columns never written to the log: bookkeeping.
IGNORED = {"updated_at", "search_text", "search_name", "sort_name", "quota_version", "last_login_at", "failed_logins",
           "locked_until", "created_at", "status_changed_at"}
#: Written instead of the values of a hidden field (a secret, or a health-related note that must not
#: outlive its deletion in the record itself): the log says that it changed, not what it was.
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


#: How the log names its actors to a reader.
ACTOR_LABELS = {"participant": _l("the participant"), "command line": _l("command line"),
                "focal point": _l("the focal point (delegation link)")}


@dataclass(frozen=True)
class Audited:
    """How one kind of record is logged: its name in the log, what its fields are called, what is hidden."""

    entity_type: str
    #: What a reader sees for each field (a field without one shows its name).
    labels: Mapping[str, str]
    #: Fields whose values are never written (a change is noted as HIDDEN): secrets, health-related notes.
    hidden: frozenset[str]
    #: Fields holding members of a labelled enum (or lists of them): the log shows their labels.
    values: Mapping[str, type[LabelledEnum]]
    #: The audited model: its foreign keys tell which record an id names (``organization_id``: 33).
    model: type | None = None


#: Audited classes, filled by ``audit``.
_AUDITED: dict[type, Audited] = {}
#: The same by entity name, for reading the log.
_BY_ENTITY: dict[str, Audited] = {}


def audit(entity_type: str, *, labels: Mapping[str, str], hidden: Iterable[str] = (),
          values: Mapping[str, type[LabelledEnum]] | None = None):
    """Class decorator: record every change to instances of this model.

    The model's package says what its fields are called (``labels``), whose values must never be
    written (``hidden``) and which hold labelled enums (``values``): the log knows no domain itself.
    """
    def decorator(cls):
        audited = Audited(entity_type, dict(labels), frozenset(hidden), dict(values or {}), cls)
        _AUDITED[cls] = audited
        _BY_ENTITY[entity_type] = audited
        return cls
    return decorator


def _plain(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, db.Model):
        return str(getattr(value, "date", None) or getattr(value, "name", None) or value.id)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _changes(obj, created: bool, hidden: frozenset[str]) -> dict:
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
        if key in hidden:
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
            audited = _AUDITED.get(type(obj))
            if audited is None:
                continue
            changes = {} if action == "deleted" else _changes(obj, action == "created", audited.hidden)
            if action == "changed" and not changes:
                continue
            rows.append({"entity_type": audited.entity_type, "entity_id": obj.id, "action": action,
                         "changes": changes})
    if rows:
        actor_id, actor = current_actor()
        now = utcnow()
        session.connection().execute(
            sa.insert(AuditEntry),
            [{**row, "actor_user_id": actor_id, "actor": actor, "created_at": now} for row in rows],
        )


def field_label(entity_type: str, field: str) -> str:
    """Name a logged field to a reader (its own name if its model gave no label)."""
    audited = _BY_ENTITY.get(entity_type)
    return audited.labels.get(field, field) if audited else field


def _referenced_model(model: type | None, field: str) -> type | None:
    """Return the model a foreign-key column of ``model`` points to (None for any other field)."""
    column = sa.inspect(model).columns.get(field) if model is not None else None
    if column is None or len(column.foreign_keys) != 1:
        return None
    table = next(iter(column.foreign_keys)).column.table
    return next((mapper.class_ for mapper in db.Model.registry.mappers if table in mapper.tables), None)


def _record_name(record) -> str:
    """Name a record to a reader: a person by their full name, a day by its date, else its name or e-mail."""
    for attribute in ("full_name", "name", "title", "email"):
        name = getattr(record, attribute, None)
        if name:
            return str(name)
    day = getattr(record, "date", None)
    return format_day(day, "medium") if day is not None else str(record.id)


def _referenced_name(model: type | None, field: str, value) -> str | None:
    """Name the record an id in the log points to ("Organization: ACCEM", not "Organization: 33")."""
    target = _referenced_model(model, field)
    if target is None or not isinstance(value, int) or isinstance(value, bool):
        return None
    record = db.session.get(target, value)
    return _record_name(record) if record is not None else _("%(id)s (deleted)", id=value)


def shown_value(entity_type: str, field: str, value) -> Markup:
    """Show a logged value to a reader: an enum's label, a referenced record's name, a country's name, else
    as ``display_value`` does (HTML-escaped)."""
    audited = _BY_ENTITY.get(entity_type)
    if audited is not None and value is not None:
        name = _referenced_name(audited.model, field, value)
        if name is not None:
            return escape(name)
        if field == "country" and isinstance(value, str):
            return escape(country_name(value, current_language()))
    labelled = audited.values.get(field) if audited is not None else None
    if labelled is not None and value:
        if isinstance(value, list):
            return Markup(", ").join(labelled.label_of(item) for item in value)
        try:
            return escape(labelled(value).label)
        except ValueError:
            pass  # not one of the enum's values (an old code): shown as it is
    return escape(display_value(value))


def display_value(value) -> str:
    """Show a logged value to a person: lists joined, yes/no for booleans, dates written out, a dash for nothing."""
    if value is None or value == [] or value == "":
        return "–"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, list):
        return ", ".join(display_value(v) for v in value)
    if isinstance(value, str):
        return _written_date(value)
    return str(value)


def _written_date(value: str) -> str:
    """Dates and moments are logged in ISO form (``_plain``): show them as the rest of the app does."""
    if len(value) == 10 and value[4] == value[7] == "-":
        try:
            return format_day(date.fromisoformat(value), "medium")
        except ValueError:
            return value
    if len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            return format_moment(datetime.fromisoformat(value), "medium")
        except ValueError:
            return value
    return value


def entries_for(entity_type: str, entity_id: int) -> list[AuditEntry]:
    """Return the log of one record, newest first."""
    return list(db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.id.desc())
    ))
