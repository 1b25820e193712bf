"""Travel support: apply, decide, claim, pay; the budget's figures. Services flush; the request commits.

Each change of status goes through ``_move``, which refuses a transition that the table ``TRANSITIONS``
does not allow (no paying a declined request, no claim before a grant). Changes are written to the audit
log by its hook (``TravelRequest`` is audited). Two organizers deciding the same request at once: the
row is locked (``with_for_update``) while it is read for a change, so the second sees the first's status.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from lsi_assembly.core.countries import country_name
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.mail import queue_mail
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from lsi_assembly.registration.links import personal_link
from lsi_assembly.registration.models import Participant, Status
from lsi_assembly.travel.models import CostKind, TravelBudget, TravelReceipt, TravelRequest, TravelStatus
from lsi_assembly.travel.receipts import delete_receipt_file, store_receipt

ZERO = Decimal("0.00")
#: Registrations that may ask for travel support.
MAY_APPLY = (Status.PENDING, Status.CONFIRMED, Status.WAITLISTED)
#: For each action, the statuses it may start from, and where it leads.
TRANSITIONS = {
    "apply": ((TravelStatus.REQUESTED,), TravelStatus.REQUESTED),
    "grant": ((TravelStatus.REQUESTED, TravelStatus.GRANTED, TravelStatus.DECLINED), TravelStatus.GRANTED),
    "decline": ((TravelStatus.REQUESTED, TravelStatus.GRANTED), TravelStatus.DECLINED),
    "claim": ((TravelStatus.GRANTED, TravelStatus.CLAIMED), TravelStatus.CLAIMED),
    "pay": ((TravelStatus.CLAIMED,), TravelStatus.PAID),
}
#: Statuses whose granted amount is committed from the budget.
COMMITTED = (TravelStatus.GRANTED, TravelStatus.CLAIMED, TravelStatus.PAID)


class TravelError(ValueError):
    """A change that is not allowed now; the message says why, for the person or the organizer."""


def _move(travel: TravelRequest, action: str) -> None:
    sources, target = TRANSITIONS[action]
    if travel.status not in sources:
        raise TravelError(_l("This cannot be done to a request that is “%(status)s”.",
                             status=TravelStatus.label_of(travel.status)))
    travel.status = target


def _locked(travel: TravelRequest) -> TravelRequest:
    return db.session.scalars(sa.select(TravelRequest).where(TravelRequest.id == travel.id)
                              .with_for_update().execution_options(populate_existing=True)).one()


def request_of(participant: Participant) -> TravelRequest | None:
    """The person's travel support request, if they made one."""
    return db.session.scalar(sa.select(TravelRequest).where(TravelRequest.participant_id == participant.id))


def may_apply(participant: Participant) -> bool:
    """Tell whether this registration may ask for travel support (or change its request)."""
    travel = request_of(participant)
    return participant.status in MAY_APPLY and participant.anonymized_at is None and (
        travel is None or travel.status == TravelStatus.REQUESTED)


@dataclass
class Application:
    """What the person asks for: estimates per kind (in ``currency``), the route and why."""

    currency: str
    estimates: dict[str, Decimal]
    route: str
    reason: str


def apply(participant: Participant, application: Application) -> TravelRequest:
    """Make or change the person's request (while it awaits a decision). Flushes."""
    if participant.status not in MAY_APPLY or participant.anonymized_at is not None:
        raise TravelError(_l("Only a registration that is not cancelled can ask for travel support."))
    travel = request_of(participant)
    if travel is None:
        travel = TravelRequest(event_id=participant.event_id, participant_id=participant.id,
                               status=TravelStatus.REQUESTED)
        db.session.add(travel)
    else:
        travel = _locked(travel)
        _move(travel, "apply")
    travel.currency = application.currency
    for kind in CostKind:
        setattr(travel, f"estimated_{kind}", application.estimates.get(kind, ZERO) or ZERO)
    travel.route = application.route.strip()
    travel.reason = application.reason.strip()
    if travel.estimated_total <= 0:
        raise TravelError(_l("Give at least one estimated cost."))
    db.session.flush()
    return travel


def _mail_decision(travel: TravelRequest, template: str) -> None:
    participant = travel.participant
    queue_mail(participant.email, template, participant.locale, participant=participant, travel=travel,
               link=personal_link(participant.access_key), event=participant.event)


def grant(travel: TravelRequest, amount_eur: Decimal, conditions: str) -> None:
    """Grant ``amount_eur`` with ``conditions`` and e-mail the person. Flushes."""
    if amount_eur <= 0:
        raise TravelError(_l("The granted amount must be more than zero."))
    travel = _locked(travel)
    _move(travel, "grant")
    travel.granted_eur = amount_eur
    travel.conditions = conditions.strip() or None
    travel.decline_reason = None
    travel.decided_at = utcnow()
    db.session.flush()
    _mail_decision(travel, "travel_granted")


def decline(travel: TravelRequest, reason: str) -> None:
    """Decline with ``reason`` and e-mail the person. Flushes."""
    if not reason.strip():
        raise TravelError(_l("Say why the request is declined: the person reads it."))
    travel = _locked(travel)
    _move(travel, "decline")
    travel.granted_eur = None
    travel.conditions = None
    travel.decline_reason = reason.strip()
    travel.decided_at = utcnow()
    db.session.flush()
    _mail_decision(travel, "travel_declined")


def claim(travel: TravelRequest, amounts: dict[str, Decimal], receipts: list[tuple[str, bytes]]) -> None:
    """Record what was spent (in the request's currency) and store the receipts, already checked
    (``receipts.receipt_type``): (content type, bytes). Flushes; a file written for a request whose
    transaction then fails is left without a row and deleted by the next purge of receipts."""
    travel = _locked(travel)
    _move(travel, "claim")
    if sum(amounts.values(), ZERO) <= 0:
        raise TravelError(_l("Give at least one amount spent."))
    if not receipts and not travel.receipts:
        raise TravelError(_l("Add at least one receipt."))
    for kind in CostKind:
        setattr(travel, f"claimed_{kind}", amounts.get(kind, ZERO) or ZERO)
    travel.claimed_at = utcnow()
    for content_type, data in receipts:
        travel.receipts.append(TravelReceipt(stored_name=store_receipt(data), content_type=content_type,
                                             size=len(data)))
    db.session.flush()


def mark_paid(travel: TravelRequest, amount_eur: Decimal, paid_on: date) -> None:
    """Record the payment of a claimed request. Flushes."""
    if amount_eur <= 0:
        raise TravelError(_l("The amount paid must be more than zero."))
    travel = _locked(travel)
    _move(travel, "pay")
    travel.paid_eur = amount_eur
    travel.paid_on = paid_on
    db.session.flush()


def delete_receipts(travel: TravelRequest) -> int:
    """Delete a request's receipts, files and rows. Flushes; returns how many."""
    receipts = list(travel.receipts)
    for receipt in receipts:
        delete_receipt_file(receipt.stored_name)
        travel.receipts.remove(receipt)
    db.session.flush()
    return len(receipts)


def budget_of(event: Event) -> Decimal:
    """The event's travel budget in euros (zero until organizers set it)."""
    return db.session.scalar(sa.select(TravelBudget.amount_eur).where(TravelBudget.event_id == event.id)) or ZERO


def set_budget(event: Event, amount_eur: Decimal) -> None:
    """Set the event's travel budget. Flushes."""
    if amount_eur < 0:
        raise TravelError(_l("The budget cannot be negative."))
    budget = db.session.scalar(sa.select(TravelBudget).where(TravelBudget.event_id == event.id))
    if budget is None:
        budget = TravelBudget(event_id=event.id)
        db.session.add(budget)
    budget.amount_eur = amount_eur
    db.session.flush()


def requests_of(event: Event, status: str | None = None) -> list[TravelRequest]:
    """The event's requests, oldest first (of one status, if given)."""
    stmt = (sa.select(TravelRequest).where(TravelRequest.event_id == event.id)
            .options(selectinload(TravelRequest.participant).selectinload(Participant.organization),
                     selectinload(TravelRequest.receipts))
            .order_by(TravelRequest.created_at, TravelRequest.id))
    if status:
        stmt = stmt.where(TravelRequest.status == status)
    return list(db.session.scalars(stmt))


@dataclass
class Figures:
    """Sums for the budget page: euros for what organizers decide and pay, per currency for what people ask."""

    #: Estimates of every request not declined, per currency (never added across currencies).
    requested: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    granted: Decimal = ZERO
    #: Amounts claimed, per currency of the request.
    claimed: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    paid: Decimal = ZERO
    count: int = 0

    def add(self, travel: TravelRequest) -> None:
        self.count += 1
        if travel.status != TravelStatus.DECLINED:
            self.requested[travel.currency] += travel.estimated_total
        if travel.status in COMMITTED:
            self.granted += travel.granted_eur or ZERO
        if travel.claimed_total is not None and travel.status in (TravelStatus.CLAIMED, TravelStatus.PAID):
            self.claimed[travel.currency] += travel.claimed_total
        if travel.status == TravelStatus.PAID:
            self.paid += travel.paid_eur or ZERO


@dataclass
class BudgetReport:
    """The budget page: the totals, then the same by country and by organization."""

    budget: Decimal
    total: Figures
    by_country: list[tuple[str, Figures]]
    by_organization: list[tuple[str, Figures]]

    @property
    def remaining(self) -> Decimal:
        """What is left to grant: the budget less every amount granted (claimed and paid included)."""
        return self.budget - self.total.granted

    @property
    def unpaid(self) -> Decimal:
        """Granted but not paid yet."""
        return self.total.granted - self.total.paid


def budget_report(event: Event, locale: str) -> BudgetReport:
    """Work out the budget page's figures, with Decimal arithmetic only."""
    total = Figures()
    countries: dict[str, Figures] = defaultdict(Figures)
    organizations: dict[str, Figures] = defaultdict(Figures)
    for travel in requests_of(event):
        person = travel.participant
        total.add(travel)
        countries[country_name(person.country, locale) if person.country else "—"].add(travel)
        organizations[person.organization_label or "—"].add(travel)
    ordered = lambda groups: sorted(groups.items(), key=lambda item: (-item[1].granted, item[0]))  # noqa: E731
    return BudgetReport(budget_of(event), total, ordered(countries), ordered(organizations))
