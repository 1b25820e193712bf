"""Member organizations: create, change, invitation links, the member list from a CSV file."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa
from email_validator import EmailNotValidError
from flask_babel import gettext as _

from lsi_assembly.assembly.services import refresh_voting_cards
from lsi_assembly.core.countries import country_names
from lsi_assembly.core.forms import normalize_email
from lsi_assembly.core.locking import lock
from lsi_assembly.core.search import fold
from lsi_assembly.core.tabular import read_csv_rows
from lsi_assembly.core.text import forbidden_characters, name_problem, normalize_text
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Membership, Organization

MEMBER_COLUMNS = ("name", "country")
OPTIONAL_MEMBER_COLUMNS = ("delegate_quota", "contact_name", "contact_email", "membership", "votes")
#: The fields the General Assembly counts: a change of either reissues the event's voting cards.
ASSEMBLY_FIELDS = ("membership", "votes")
#: What secrets.token_urlsafe(24) makes (32 characters), with room for longer tokens.
INVITE_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def find_by_invitation(event: Event, token: str | None) -> Organization | None:
    """Return the active organization whose invitation link carries ``token``.

    Only what ``renew_invitation`` makes is looked up: anything else (a NUL byte, which PostgreSQL
    refuses in text) never reaches the database.
    """
    if not token or not INVITE_TOKEN.fullmatch(token):
        return None
    return db.session.scalar(sa.select(Organization).where(
        Organization.event_id == event.id, Organization.invite_token == token, Organization.is_active.is_(True)))


def renew_invitation(organization: Organization) -> None:
    """Give the organization a new invitation link; the previous one stops working."""
    organization.invite_token = secrets.token_urlsafe(24)
    db.session.flush()


def revoke_invitation(organization: Organization) -> None:
    """Switch the organization's invitation link off."""
    organization.invite_token = None
    db.session.flush()


def name_taken(event: Event, name: str, excluding: int | None = None) -> bool:
    """Tell whether another organization of the event has this name (accents and case aside)."""
    stmt = sa.select(Organization.id).where(Organization.event_id == event.id, Organization.search_name == fold(name))
    if excluding is not None:
        stmt = stmt.where(Organization.id != excluding)
    return db.session.scalar(stmt.limit(1)) is not None


@dataclass
class MemberLine:
    line: int
    name: str
    action: str  # create, update or reject
    reasons: list[str] = field(default_factory=list)
    values: dict = field(default_factory=dict)


def plan_member_import(event: Event, raw: bytes) -> list[MemberLine]:
    """Check a member list (``name,country`` and optional ``delegate_quota,contact_name,contact_email,
    membership,votes``).

    An empty or missing ``membership`` or ``votes`` keeps an existing organization's value (a new one
    is a full member with one vote).
    """
    _columns, rows = read_csv_rows(raw, MEMBER_COLUMNS)
    existing = {o.search_name for o in db.session.scalars(sa.select(Organization).where(
        Organization.event_id == event.id))}
    countries = {}
    for locale in ("en", "fr"):
        for code, country in country_names(locale).items():
            countries[fold(country)] = code
            countries[code.lower()] = code
    seen: dict[str, int] = {}
    plan = []
    for number, row in rows:
        reasons = []
        name = normalize_text(row.get("name")) or ""
        if not name:
            reasons.append(_("%(column)s: missing", column="name"))
        elif len(name) > 200 or forbidden_characters(name) or "<" in name or ">" in name:
            reasons.append(_("%(column)s: contains characters that are not allowed or is too long", column="name"))
        elif problem := name_problem(name, column="name"):
            reasons.append(str(problem))
        elif fold(name) in seen:
            reasons.append(_("name: the same organization as line %(line)d", line=seen[fold(name)]))
        else:
            seen[fold(name)] = number
        country = countries.get(fold(row.get("country", "")))
        if country is None:
            reasons.append(_("country: “%(value)s” is not a known country or ISO code", value=row.get("country", "")))
        quota_text = row.get("delegate_quota", "").strip() or "2"
        if not (quota_text.isascii() and quota_text.isdecimal()) or len(quota_text) > 4 or int(quota_text) > 1000:
            reasons.append(_("delegate_quota: “%(value)s” is not a whole number from 0 to 1000", value=quota_text))
        contact_email = row.get("contact_email", "").strip() or None
        if contact_email:
            try:
                contact_email = normalize_email(contact_email)
            except EmailNotValidError:
                reasons.append(_("email: “%(value)s” is not a valid e-mail address", value=contact_email))
        contact_name = normalize_text(row.get("contact_name"))
        if contact_name and (len(contact_name) > 200 or forbidden_characters(contact_name)):
            reasons.append(_("%(column)s: contains characters that are not allowed or is too long",
                             column="contact_name"))
        elif problem := name_problem(contact_name, column="contact_name"):
            reasons.append(str(problem))
        assembly = {}
        membership_text = row.get("membership", "").strip()
        if membership_text:
            if fold(membership_text) in {m.value for m in Membership}:
                assembly["membership"] = Membership(fold(membership_text))
            else:
                reasons.append(_("membership: “%(value)s” is not one of full, associate, partner",
                                 value=membership_text))
        votes_text = row.get("votes", "").strip()
        if votes_text:
            if not (votes_text.isascii() and votes_text.isdecimal()) or len(votes_text) > 4 or int(votes_text) > 1000:
                reasons.append(_("votes: “%(value)s” is not a whole number from 0 to 1000", value=votes_text))
            else:
                assembly["votes"] = int(votes_text)
        if reasons:
            plan.append(MemberLine(number, name, "reject", reasons))
            continue
        plan.append(MemberLine(number, name, "update" if fold(name) in existing else "create", [], dict(
            name=name, country=country, delegate_quota=int(quota_text), contact_name=contact_name,
            contact_email=contact_email, **assembly)))
    return plan


def _changes_assembly(organization: Organization | None, values: dict) -> bool:
    if organization is None:
        return any(key in values for key in ASSEMBLY_FIELDS)
    return any(key in values and values[key] != getattr(organization, key) for key in ASSEMBLY_FIELDS)


def _forget_link_of_former_contact(organization: Organization, values: dict) -> None:
    """A new contact e-mail address: the delegation link sent to the former focal point stops working
    (the organizers send one to the new address)."""
    if "contact_email" in values and (values["contact_email"] or None) != (organization.contact_email or None):
        organization.delegation_key = organization.delegation_link_sent_at = None


def update_organization(organization: Organization, values: dict) -> None:
    """Change an organization's fields; a change of its membership or votes voids and reissues the
    voting cards it concerns (``assembly.services.refresh_voting_cards``), and a change of its contact
    e-mail address revokes its delegation link."""
    counts = _changes_assembly(organization, values)
    if counts:
        lock(Event, organization.event_id)  # the lock order: the event before the row is written
    _forget_link_of_former_contact(organization, values)
    for key, value in values.items():
        setattr(organization, key, value)
    db.session.flush()
    if counts:
        refresh_voting_cards(organization.event)


def apply_member_import(event: Event, plan: list[MemberLine]) -> tuple[int, int]:
    """Create and update organizations from a plan without rejected lines; return (created, updated).

    A line that changes a member's membership or votes voids and reissues the voting cards it concerns;
    one that changes its contact e-mail address revokes its delegation link.
    """
    if any(line.action == "reject" for line in plan):
        raise ValueError("the member list has rejected lines")
    lock(Event, event.id)  # the lock order: the event before organizations are written
    by_name = {o.search_name: o for o in db.session.scalars(sa.select(Organization).where(
        Organization.event_id == event.id))}
    created = updated = 0
    counts = False
    for line in plan:
        organization = by_name.get(fold(line.values["name"]))
        counts = counts or _changes_assembly(organization, line.values)
        if organization is None:
            db.session.add(Organization(event_id=event.id, **line.values))
            created += 1
        else:
            _forget_link_of_former_contact(organization, line.values)
            for key, value in line.values.items():
                setattr(organization, key, value)
            updated += 1
    db.session.flush()
    if counts:
        refresh_voting_cards(event)
    return created, updated

