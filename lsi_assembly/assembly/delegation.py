"""A member's delegation: the focal point's signed link, what its delegation page shows and does, the
organizers' overview of every member, and the proxy form as a PDF.

The focal point is the organization's contact (``contact_name``, ``contact_email``). Its link signs
``[organization id, delegation key]`` (``core.tokens.DELEGATION_LINK``): nothing personal, no expiry
of its own. Each e-mail sends a new key, so the links sent before stop working: sending the link
again is how organizers replace one; "Revoke the link" stops it without sending another, and a change
of the contact e-mail address (``organizations.services``) does so too. Like every service, these functions flush and never commit.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from lsi_assembly.assembly import quorum
from lsi_assembly.assembly.forms import MandateForm, ProxyForm
from lsi_assembly.assembly.models import Mandate, Proxy, StatutorySession
from lsi_assembly.assembly.services import (
    AssemblyError,
    active_proxies,
    give_proxy,
    list_sessions,
    mandates,
    proxies_revocable,
    remove_mandate,
    revoke_proxy,
    set_mandate,
)
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.dates import format_clock, format_day, format_days
from lsi_assembly.core.forms import parse_id
from lsi_assembly.core.links import external_url
from lsi_assembly.core.localized import localized
from lsi_assembly.core.mail import queue_mail
from lsi_assembly.core.pdf import render_pdf
from lsi_assembly.core.tokens import DELEGATION_LINK, BadToken, sign, unsign
from lsi_assembly.events.models import Event
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Membership, Organization
from lsi_assembly.registration.models import Category, Participant, Status
from lsi_assembly.registration.queries import quota_overview

#: The template (and outbox kind) of the e-mail carrying the link.
LINK_MAIL = "delegation_link"
#: What the audit log names as the actor of a change made through a delegation link.
FOCAL_POINT = "focal point"
STYLESHEETS = ("css/proxy.css",)


# The link


def delegation_link(organization: Organization) -> str | None:
    """The absolute delegation link of ``organization`` (None before one was sent)."""
    if not organization.delegation_key:
        return None
    return external_url("delegation.page", token=sign(DELEGATION_LINK, [organization.id, organization.delegation_key]))


def organization_from_token(token: str) -> Organization | None:
    """The organization a delegation link names, if the link is genuine and still the latest sent, and the
    organization is active and of the event being organized (an old event's links no longer open)."""
    try:
        value = unsign(DELEGATION_LINK, token)
    except BadToken:
        return None
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[1], str)):
        return None
    organization_id = parse_id(value[0])
    organization = db.session.get(Organization, organization_id) if organization_id else None
    if organization is None or not organization.delegation_key:
        return None
    if not secrets.compare_digest(organization.delegation_key.encode(), value[1].encode()):
        return None
    if not organization.is_active:
        return None
    event = current_event()
    if event is None or organization.event_id != event.id:
        return None
    return organization


def revoke_delegation_link(organization: Organization) -> bool:
    """Make the member's delegation link stop working without sending a new one (e.g. the focal point
    left); False when it had none. The audit log shows the change, not the key."""
    if not organization.delegation_key:
        return False
    organization.delegation_key = organization.delegation_link_sent_at = None
    db.session.flush()
    return True



def mail_locale(organization: Organization) -> str:
    """The focal point's language: that of their registration if they registered, else the default one."""
    locale = db.session.scalar(sa.select(Participant.locale).where(
        Participant.event_id == organization.event_id, Participant.email == (organization.contact_email or "").lower(),
        Participant.status != Status.UNCONFIRMED)) if organization.contact_email else None
    return locale if locale in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def send_delegation_link(organization: Organization, *, now: datetime | None = None) -> bool:
    """E-mail a new delegation link to the focal point (the previous links stop working); False without
    a contact e-mail address (nothing is changed then)."""
    if not organization.contact_email:
        return False
    organization.delegation_key = secrets.token_urlsafe(32)
    organization.delegation_link_sent_at = now or utcnow()
    db.session.flush()
    queue_mail(organization.contact_email, LINK_MAIL, mail_locale(organization), organization=organization,
               event=organization.event, link=delegation_link(organization))
    return True


def send_delegation_links(event: Event, *, now: datetime | None = None) -> tuple[int, int]:
    """E-mail the link to every active full member's focal point; return (sent, skipped: no e-mail address)."""
    sent = skipped = 0
    now = now or utcnow()
    for organization in db.session.scalars(sa.select(Organization).where(
            Organization.event_id == event.id, Organization.membership == Membership.FULL,
            Organization.is_active.is_(True)).order_by(Organization.search_name, Organization.id)):
        if send_delegation_link(organization, now=now):
            sent += 1
        else:
            skipped += 1
    return sent, skipped


# The page


def _as_member(organization: Organization) -> quorum.Member:
    return quorum.Member(organization.id, organization.name, organization.votes,
                         full=organization.membership == Membership.FULL)


def _is_confirmed_delegate(person: Participant | None, organization: Organization) -> bool:
    return (person is not None and person.organization_id == organization.id
            and person.category == Category.DELEGATE and person.status == Status.CONFIRMED)


@dataclass
class Delegation:
    """What a member's delegation page shows."""

    organization: Organization
    confirmed: int
    pending: int
    waitlisted: int
    #: Its registrations holding a place or cancelled (the waiting list apart), by name.
    registrations: list[Participant]
    #: Its delegates on the waiting list, first in line first.
    waiting: list[Participant]
    #: Its confirmed delegates: who may hold the mandate.
    delegates: list[Participant]
    mandate: Mandate | None
    #: The proxy it gave (None: it votes itself).
    proxy_given: Proxy | None
    #: The proxies other members gave it.
    proxies_held: list[Proxy]
    #: Full members it may give its proxy to now.
    holders: list[Organization]
    revocable: bool
    sessions: list[StatutorySession]
    invitation: str | None = None
    link: str | None = None
    max_proxies: int = 1
    forms: dict = field(default_factory=dict)

    @property
    def held(self) -> int:
        return self.confirmed + self.pending

    @property
    def membership_label(self) -> str:
        return Membership.label_of(self.organization.membership)

    @property
    def votes(self) -> bool:
        return self.organization.membership == Membership.FULL

    @property
    def voter_ok(self) -> bool:
        return self.mandate is not None and _is_confirmed_delegate(self.mandate.voter, self.organization)


def _eligible_holders(event: Event, organization: Organization, proxies: list[Proxy]) -> list[Organization]:
    pure = [quorum.Proxy(p.giver_id, p.holder_id) for p in proxies]
    giver, most = _as_member(organization), current_app.config["ASSEMBLY_MAX_PROXIES"]
    return [other for other in db.session.scalars(sa.select(Organization).where(
                Organization.event_id == event.id, Organization.membership == Membership.FULL,
                Organization.id != organization.id).order_by(Organization.search_name, Organization.id))
            if quorum.proxy_refusal(giver, _as_member(other), pure, most) is None]


def delegation(organization: Organization, *, mandate_form: MandateForm | None = None,
               proxy_form: ProxyForm | None = None) -> Delegation:
    """Everything the delegation page of ``organization`` shows, with its forms (fresh unless given)."""
    event = organization.event
    people = list(db.session.scalars(sa.select(Participant).where(
        Participant.event_id == event.id, Participant.organization_id == organization.id,
        Participant.status != Status.UNCONFIRMED).order_by(Participant.sort_name, Participant.id)))
    waiting = sorted((p for p in people if p.status == Status.WAITLISTED and p.category == Category.DELEGATE),
                     key=lambda p: (p.status_changed_at, p.id))
    delegates = [p for p in people if _is_confirmed_delegate(p, organization)]

    def count(status: Status) -> int:
        return sum(1 for p in people if p.category == Category.DELEGATE and p.status == status)
    proxies = active_proxies(event)
    mandate = mandates(event).get(organization.id)
    page = Delegation(
        organization=organization, confirmed=count(Status.CONFIRMED), pending=count(Status.PENDING),
        waitlisted=len(waiting), registrations=[p for p in people if p.status != Status.WAITLISTED],
        waiting=waiting, delegates=delegates, mandate=mandate,
        proxy_given=next((p for p in proxies if p.giver_id == organization.id), None),
        proxies_held=[p for p in proxies if p.holder_id == organization.id],
        holders=_eligible_holders(event, organization, proxies) if organization.membership == Membership.FULL else [],
        revocable=proxies_revocable(event), sessions=list_sessions(event),
        invitation=(external_url("registration.register_form", invite=organization.invite_token)
                    if organization.invite_token and organization.is_active else None),
        link=delegation_link(organization), max_proxies=current_app.config["ASSEMBLY_MAX_PROXIES"])
    if mandate_form is None:
        mandate_form = MandateForm(delegates, formdata=None, data={
            "voter_id": mandate.voter_id if mandate else None,
            "alternate_id": mandate.alternate_id if mandate else None})
    if proxy_form is None:
        proxy_form = ProxyForm(page.holders, formdata=None)
    page.forms = {"mandate": mandate_form, "proxy": proxy_form}
    return page


def _own_person(organization: Organization, person_id: int | None) -> Participant | None:
    """A registration of ``organization`` by id (never someone else's, whose name must not show)."""
    if person_id is None:
        return None
    return db.session.scalar(sa.select(Participant).where(
        Participant.id == person_id, Participant.organization_id == organization.id,
        Participant.event_id == organization.event_id, Participant.status != Status.UNCONFIRMED))


def apply_mandate(organization: Organization, form: MandateForm) -> bool:
    """Set the mandate from a validated form; False (and the reason on the form's field) when refused."""
    voter = _own_person(organization, form.voter_id.data)
    alternate = _own_person(organization, form.alternate_id.data)
    if voter is None:
        form.voter_id.errors.append(_("Please choose one of the confirmed delegates."))
        return False
    if form.alternate_id.data is not None and alternate is None:
        form.alternate_id.errors.append(_("Please choose one of the confirmed delegates."))
        return False
    try:
        set_mandate(organization.event, organization, voter, alternate)
    except AssemblyError as error:
        (form.alternate_id if error.about == "alternate" else form.voter_id).errors.append(str(error))
        return False
    return True


def apply_proxy(organization: Organization, form: ProxyForm) -> bool:
    """Give the proxy from a validated form; False (and the reason on the form's field) when refused."""
    holder_id = form.holder_id.data
    holder = db.session.get(Organization, holder_id) if holder_id is not None else None
    if holder is None or holder.event_id != organization.event_id:
        form.holder_id.errors.append(_("Please choose one of the members listed."))
        return False
    try:
        give_proxy(organization.event, organization, holder)
    except AssemblyError as error:
        form.holder_id.errors.append(str(error))
        return False
    return True


def withdraw_mandate(organization: Organization) -> bool:
    """Remove the member's mandate; returns whether there was one."""
    return remove_mandate(organization.event, organization)


def take_back_proxy(organization: Organization) -> Proxy:
    """Revoke the member's proxy (AssemblyError when none is given or the session has started)."""
    return revoke_proxy(organization.event, organization)


# The organizers' overview


@dataclass
class DelegationRow:
    """One member in the organizers' table of delegations."""

    organization: Organization
    confirmed: int
    quota: int
    mandate: Mandate | None
    voter_ok: bool
    proxy_given: Proxy | None
    proxies_held: list[Proxy]

    @property
    def missing_voter(self) -> bool:
        """A full member with neither a voting delegate nor a proxy given: its vote would be lost."""
        return (self.organization.membership == Membership.FULL and self.organization.is_active
                and not self.voter_ok and self.proxy_given is None)


def delegation_rows(event: Event) -> list[DelegationRow]:
    """Every organization of ``event`` with its delegates, mandate and proxies (full members first)."""
    named = mandates(event)
    proxies = active_proxies(event)
    rows = []
    for quota in quota_overview(event, active_only=False):
        organization = quota.organization
        mandate = named.get(organization.id)
        rows.append(DelegationRow(
            organization=organization, confirmed=quota.confirmed, quota=organization.delegate_quota,
            mandate=mandate, voter_ok=mandate is not None and _is_confirmed_delegate(mandate.voter, organization),
            proxy_given=next((p for p in proxies if p.giver_id == organization.id), None),
            proxies_held=[p for p in proxies if p.holder_id == organization.id]))
    rows.sort(key=lambda row: row.organization.membership != Membership.FULL)
    return rows


# The proxy form


def _event_dates(event: Event, locale: str) -> str:
    first, last = event.first_day, event.last_day
    if first is None:
        return ""
    return format_days(first, last or first, locale)


def _session_line(session: StatutorySession, locale: str) -> str:
    text = f"{session.name}, {format_day(session.day, 'full', locale)}"
    if session.starts_at:
        text += f", {format_clock(session.starts_at, locale)}"
    return text


def proxy_form_pdf(organization: Organization, locale: str) -> bytes:
    """The proxy form of ``organization`` in ``locale``, to be signed by its board: the holder named if
    a proxy is given, else a line to fill in by hand."""
    event = organization.event
    proxy = next((p for p in active_proxies(event) if p.giver_id == organization.id), None)
    place = ", ".join(filter(None, (localized(event, "venue", locale), event.city)))
    with force_locale(locale):
        html = render_template(
            "assembly/proxy_form.html", locale=locale, event=event, giver=organization,
            holder=proxy.holder if proxy else None, place=place, dates=_event_dates(event, locale),
            sessions=[_session_line(s, locale) for s in list_sessions(event)],
            max_proxies=current_app.config["ASSEMBLY_MAX_PROXIES"])
    return render_pdf(html, STYLESHEETS)


def pdf_locale(requested: str | None, current: str) -> str:
    """The language of the proxy form: ``?lang=`` if it is one of the app's, else the viewer's."""
    return requested if requested in current_app.config["LANGUAGES"] else current
