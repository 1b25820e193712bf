"""Participant lists in and out: CSV import with a line-by-line dry run, CSV and XLSX export.

Import columns (header names are contracts, see docs/import-export.md), each a field's ``column`` in
``fields.py``: required ``first_name,last_name,email,organization,country,category``; optional
``name_on_badge,job_title,days,dietary,accessibility,languages,list_consent,photo_consent``.
Exports start with the same columns, so an export can be imported again, then ``status`` and
``registered_at``. A new text or yes/no column needs nothing here; others are read by hand below.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from email_validator import EmailNotValidError
from flask_babel import gettext as _

from lsi_assembly.core.countries import country_names
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.forms import normalize_email
from lsi_assembly.core.locking import lock
from lsi_assembly.core.search import fold
from lsi_assembly.core.tabular import TableFileError, read_csv_rows
from lsi_assembly.core.text import forbidden_characters, name_problem, normalize_text
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.privacy.consent import consent_state, record_consents
from lsi_assembly.registration.fields import PARTICIPANT_FIELDS, Kind, column_fields, csv_columns
from lsi_assembly.registration.links import new_access_key
from lsi_assembly.registration.models import Category, Diet, Participant, Status
from lsi_assembly.registration.services import (
    change_days,
    change_status,
    decide_status,
    erase_registrations,
    keep_quota,
    participant_changes,
)

REQUIRED_COLUMNS = csv_columns(imported=True, required=True)
OPTIONAL_COLUMNS = csv_columns(imported=True, required=False)
EXPORT_COLUMNS = csv_columns()
DIET_CODES = {d.value for d in Diet}
YES = {"yes", "y", "oui", "true", "1", "x"}
NO = {"no", "n", "non", "false", "0", ""}
_IMPORTED = sorted((spec for spec in PARTICIPANT_FIELDS if spec.column and spec.column.imported),
                   key=lambda spec: spec.column.position)
#: Longest text per column (as on the registration form); a chosen value (country, category) is
#: checked against its choices instead.
MAX_LENGTHS = {spec.column.name: spec.max_length for spec in _IMPORTED
               if spec.max_length and spec.kind is not Kind.CHOICE}
MULTILINE = {spec.column.name for spec in _IMPORTED if spec.multiline}
#: Columns holding a name: invisible and direction characters are refused there (see ``name_problem``).
NAMES = {spec.column.name for spec in _IMPORTED if spec.is_name}
#: Columns read by hand in ``_check_line``; every other column holds one text or yes/no field.
READ_BY_HAND = {"first_name", "last_name", "email", "category", "organization", "country", "days", "dietary",
                "languages"}
#: Optional columns of one text field, taken as they are (trimmed, normalized).
TEXT_COLUMNS = [spec for spec in _IMPORTED if spec.column.name not in READ_BY_HAND and spec.kind is Kind.TEXT]
#: Columns of one yes/no field.
YES_NO_COLUMNS = [spec for spec in _IMPORTED if spec.column.name not in READ_BY_HAND and spec.kind is Kind.BOOL]

#: Kept under this name for callers: a file that cannot be read as a whole.
ImportFileError = TableFileError


@dataclass
class LineResult:
    """What importing one line would do."""

    line: int
    email: str
    name: str
    #: ``create``, ``update`` or ``reject``.
    action: str
    reasons: list[str] = field(default_factory=list)
    values: dict = field(default_factory=dict)


@dataclass
class ImportPlan:
    """The dry run of an import: every line with what would happen to it."""

    lines: list[LineResult]
    ignored_columns: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for line in self.lines if line.action == action)

    @property
    def valid(self) -> bool:
        return self.count("reject") == 0


def read_rows(raw: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Decode a participant list (see ``read_csv_rows``)."""
    return read_csv_rows(raw, REQUIRED_COLUMNS)


class _Lookups:
    """What the checks compare against: the event's organizations, days, countries, registrations."""

    def __init__(self, event: Event) -> None:
        self.event = event
        self.organizations = {o.search_name: o for o in db.session.scalars(
            sa.select(Organization).where(Organization.event_id == event.id))}
        self.days = {d.date: d for d in event.days}
        self.countries = {}
        for locale in ("en", "fr"):
            for code, name in country_names(locale).items():
                self.countries[fold(name)] = code
                self.countries[code.lower()] = code
        # A registration whose address was never confirmed is no registration yet: an import replaces it.
        self.existing = dict(db.session.execute(
            sa.select(Participant.email, Participant.id).where(Participant.event_id == event.id,
                                                               Participant.status != Status.UNCONFIRMED)).all())


def _check_line(number: int, row: dict[str, str], lookups: _Lookups, seen: dict[str, int],
                columns: set[str]) -> LineResult:
    """Check one line; ``values`` holds only what the file's columns give (absent columns stay as they are)."""
    reasons: list[str] = []
    values: dict = {}
    for column, limit in MAX_LENGTHS.items():
        text = row.get(column, "")
        if len(text) > limit:
            reasons.append(_("%(column)s: longer than %(max)d characters", column=column, max=limit))
        if forbidden_characters(text, multiline=column in MULTILINE):
            reasons.append(_("%(column)s: contains control characters", column=column))
        elif column not in MULTILINE and ("<" in text or ">" in text):
            reasons.append(_("%(column)s: contains < or >", column=column))
        elif column in NAMES and (problem := name_problem(text, column=column)):
            reasons.append(str(problem))
    given, family = normalize_text(row.get("first_name")), normalize_text(row.get("last_name"))
    if not given:
        reasons.append(_("%(column)s: missing", column="first_name"))
    if not family:
        reasons.append(_("%(column)s: missing", column="last_name"))
    values.update(given_name=given, family_name=family)
    for spec in TEXT_COLUMNS:
        if spec.column.name in columns:
            values[spec.name] = normalize_text(row.get(spec.column.name), multiline=spec.multiline)

    email = ""
    try:
        email = normalize_email(row.get("email", ""))
    except EmailNotValidError:
        reasons.append(_("email: “%(value)s” is not a valid e-mail address", value=row.get("email", "")))
    if email in seen:
        reasons.append(_("email: the same address as line %(line)d", line=seen[email]))
    elif email:
        seen[email] = number
    values["email"] = email

    category = row.get("category", "").strip().lower()
    if category not in {c.value for c in Category}:
        reasons.append(_("category: “%(value)s” is not one of %(choices)s", value=row.get("category", ""),
                         choices=", ".join(c.value for c in Category)))
    values["category"] = category

    organization_text = normalize_text(row.get("organization"))
    organization = lookups.organizations.get(fold(organization_text))
    if organization is not None:
        values.update(organization_id=organization.id, organization_name=None)
    elif category == Category.DELEGATE:
        reasons.append(_("organization: “%(value)s” is not a member organization", value=organization_text or ""))
    else:
        values.update(organization_id=None, organization_name=organization_text)

    country = lookups.countries.get(fold(row.get("country", "")))
    if country is None:
        reasons.append(_("country: “%(value)s” is not a known country or ISO code", value=row.get("country", "")))
    values["country"] = country

    days = []
    for part in filter(None, (p.strip() for p in row.get("days", "").split(";"))):
        try:
            day = lookups.days.get(date.fromisoformat(part))
        except ValueError:
            day = None
        if day is None:
            reasons.append(_("days: “%(value)s” is not a day of the event (YYYY-MM-DD)", value=part))
        else:
            days.append(day)
    if "days" in columns:
        values["days"] = days or list(lookups.event.days)

    if "dietary" in columns:
        diets, notes = [], []
        for part in filter(None, (p.strip() for p in row.get("dietary", "").split(";"))):
            code = part.lower().replace("-", "_").replace(" ", "_")
            if code in DIET_CODES:
                diets.append(code)
            else:
                notes.append(part)
        joined = "; ".join(notes)
        if len(joined) > MAX_LENGTHS["dietary"]:
            reasons.append(_("%(column)s: longer than %(max)d characters", column="dietary",
                             max=MAX_LENGTHS["dietary"]))
        values.update(dietary=diets, dietary_notes=joined or None)
    if "languages" in columns:
        values["languages"] = [p.strip()[:40] for p in row.get("languages", "").replace(";", ",").split(",")
                               if p.strip()][:12]

    for spec in YES_NO_COLUMNS:
        column = spec.column.name
        if column not in columns:
            continue
        answer = row.get(column, "").strip().lower()
        if answer not in YES | NO:
            reasons.append(_("%(column)s: “%(value)s” is not yes or no", column=column, value=row.get(column)))
        values[spec.name] = answer in YES

    name = " ".join(filter(None, (given, family)))
    if reasons:
        return LineResult(number, email, name, "reject", reasons)
    return LineResult(number, email, name, "update" if email in lookups.existing else "create", [], values)


def plan_import(event: Event, raw: bytes) -> ImportPlan:
    """Check every line of a CSV file against the event; change nothing."""
    columns, rows = read_rows(raw)
    lookups = _Lookups(event)
    seen: dict[str, int] = {}
    present = set(columns)
    return ImportPlan([_check_line(number, row, lookups, seen, present) for number, row in rows],
                      ignored_columns=[c for c in columns if c not in EXPORT_COLUMNS])


def apply_import(event: Event, plan: ImportPlan, valid_only: bool = False, notify: bool = False,
                 locale: str = "en", progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Create and update the registrations of a plan; return (created, updated).

    Unless ``valid_only``, a plan with a rejected line changes nothing (ValueError). New
    registrations are confirmed, or waitlisted beyond their organization's quota; with ``notify``
    each new person gets their personal link by e-mail. The whole import is one group of changes
    under the event's lock: the waiting lists and the workshop seats follow once, at the end.
    """
    if not plan.valid and not valid_only:
        raise ValueError("the file has rejected lines")
    created = updated = 0
    now = utcnow()
    lock(Event, event.id)
    with participant_changes() as changes:
        for result in plan.lines:
            if result.action == "reject":
                continue
            values = dict(result.values)
            days = values.pop("days", None)
            if result.action == "update":
                participant = db.session.scalar(sa.select(Participant).where(
                    Participant.event_id == event.id, Participant.email == result.email))
                before = (participant.organization_id, participant.category)
                consents_before = consent_state(participant)
                if days is not None:
                    change_days(participant, days, by="import")
                for key, value in values.items():
                    setattr(participant, key, value)
                if (participant.organization_id, participant.category) != before:
                    changes.note(participant)  # e.g. the voting cards follow a delegate who moved
                db.session.flush()
                keep_quota(event, participant, *before)
                record_consents(participant, consents_before, by="organizers")
                updated += 1
            else:
                unconfirmed = db.session.scalar(sa.select(Participant).where(
                    Participant.event_id == event.id, Participant.email == result.email,
                    Participant.status == Status.UNCONFIRMED))
                if unconfirmed is not None:
                    erase_registrations([unconfirmed])
                participant = Participant(event_id=event.id, access_key=new_access_key(), locale=locale,
                                          created_at=now, privacy_accepted_at=None, **values)
                participant.days = days if days is not None else list(event.days)
                # Decided before the new row joins the session, so that it is not counted in its own quota.
                status = decide_status(event, participant, admitted=Status.CONFIRMED)
                db.session.add(participant)
                change_status(participant, status, by="import", reason="imported", now=now, tell=notify)
                record_consents(participant, None, by="organizers")
                created += 1
            if progress:
                progress(1)
    return created, updated


def export_rows(participants: Iterable[Participant]) -> Iterator[list[str]]:
    """Yield the header, then one row per participant (the writers neutralize the cells)."""
    yield list(EXPORT_COLUMNS)
    for p in participants:
        yield [_export_cell(p, column) for column in EXPORT_COLUMNS]


#: Columns written by hand; every other column holds one field, written by its kind.
_EXPORTED_BY_HAND = {
    "organization": lambda p: p.organization_label,
    "days": lambda p: ";".join(d.date.isoformat() for d in p.days),
    "dietary": lambda p: ";".join([*(p.dietary or []), *([p.dietary_notes] if p.dietary_notes else [])]),
}


def _export_cell(participant: Participant, column: str):
    if column in _EXPORTED_BY_HAND:
        return _EXPORTED_BY_HAND[column](participant)
    (spec,) = column_fields(column)
    value = getattr(participant, spec.name)
    if spec.kind is Kind.BOOL:
        return "yes" if value else "no"
    if spec.kind is Kind.WORDS:
        return ", ".join(value or [])
    if spec.kind is Kind.TIMESTAMP:
        return value.strftime("%Y-%m-%d %H:%M")
    return value
