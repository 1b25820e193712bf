"""The organizers' travel support pages: the requests, each decision and payment, the budget and its chart."""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lsi_assembly.auth.models import Role
from lsi_assembly.auth.permissions import allow, guard_blueprint
from lsi_assembly.core.audit import entries_for
from lsi_assembly.core.event_scope import get_in_event_or_404, load_event
from lsi_assembly.core.i18n import current_language
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.travel import privacy  # noqa: F401  (registers the retention rules, eraser and export)
from lsi_assembly.travel.forms import BudgetForm, DecisionForm, PaymentForm
from lsi_assembly.travel.models import CostKind, TravelReceipt, TravelRequest, TravelStatus
from lsi_assembly.travel.receipts import format_money, receipt_response
from lsi_assembly.travel.services import (
    TRANSITIONS,
    TravelError,
    budget_of,
    budget_report,
    decline,
    grant,
    mark_paid,
    requests_of,
    set_budget,
)

bp = Blueprint("manage_travel", __name__, url_prefix="/manage/travel")
bp.add_app_template_filter(format_money, "money")
bp.add_app_template_global(TravelStatus, "TravelStatus")
guard_blueprint(bp)
load_event(bp, current_event)


@bp.get("/")
@allow(Role.ORGANIZER)
def index():
    """Every request, by status, with the budget's totals."""
    event = g.event
    status = request.args.get("status", "")
    if status and status not in TravelStatus.__members__.values():
        abort(404)
    return render_template("travel/index.html", event=event, requests=requests_of(event, status or None),
                           status=status, report=budget_report(event, current_language()),
                           budget_form=BudgetForm(amount=budget_of(event)))


@bp.post("/budget")
@allow(Role.ORGANIZER)
def save_budget():
    """Set the travel support budget (EUR)."""
    form = BudgetForm()
    if form.validate_on_submit():
        set_budget(g.event, form.amount.data)
        db.session.commit()
        flash(_("The travel support budget is saved."), "success")
    else:
        flash(_("The budget was not saved: %(problem)s", problem=" ".join(
            str(e) for errors in form.errors.values() for e in errors)), "error")
    return redirect(url_for("manage_travel.index"))


@bp.get("/budget")
@allow(Role.ORGANIZER)
def budget():
    """Requested, granted, claimed, paid and remaining, by country and organization, with a chart."""
    event = g.event
    return render_template("travel/budget.html", event=event, report=budget_report(event, current_language()))


def _page(travel: TravelRequest, decision: DecisionForm | None = None, payment: PaymentForm | None = None,
          code: int = 200):
    sources = {action: allowed for action, (allowed, _target) in TRANSITIONS.items()}
    decision = decision or DecisionForm(data={"granted_eur": travel.granted_eur, "conditions": travel.conditions,
                                              "decline_reason": travel.decline_reason})
    payment = payment or PaymentForm(data={"paid_eur": travel.granted_eur})
    return render_template("travel/request.html", travel=travel, person=travel.participant, kinds=list(CostKind),
                           decision=decision, payment=payment, sources=sources,
                           history=entries_for("travel_request", travel.id)), code


@bp.get("/<int:request_id>")
@allow(Role.ORGANIZER)
def detail(request_id: int):
    """One request: the estimate, the decision, the claim with its receipts, the payment, its history."""
    return _page(get_in_event_or_404(TravelRequest, request_id))


def _saved(travel: TravelRequest, change: Callable[[], object], done: str):
    """Apply an organizer's change to a request; one the request's status no longer allows changes nothing."""
    try:
        change()
    except TravelError as error:
        db.session.rollback()
        flash(str(error.args[0]), "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("manage_travel.detail", request_id=travel.id))


@bp.post("/<int:request_id>/decide")
@allow(Role.ORGANIZER)
def decide(request_id: int):
    """Grant an amount in euros with conditions, or decline with a reason; the person is e-mailed."""
    travel = get_in_event_or_404(TravelRequest, request_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _page(travel, decision=form, code=422)
    if form.decision.data == "grant":
        change = lambda: grant(travel, form.granted_eur.data, form.conditions.data or "")  # noqa: E731
    else:
        change = lambda: decline(travel, form.decline_reason.data or "")  # noqa: E731
    return _saved(travel, change, _("The decision is saved and the person has been e-mailed."))


@bp.post("/<int:request_id>/pay")
@allow(Role.ORGANIZER)
def pay(request_id: int):
    """Record the payment of a claim."""
    travel = get_in_event_or_404(TravelRequest, request_id)
    form = PaymentForm()
    if not form.validate_on_submit():
        return _page(travel, payment=form, code=422)
    return _saved(travel, lambda: mark_paid(travel, form.paid_eur.data, form.paid_on.data),
                  _("The payment is recorded."))


@bp.get("/<int:request_id>/receipts/<int:receipt_id>")
@allow(Role.ORGANIZER)
def receipt(request_id: int, receipt_id: int):
    """Download one receipt of a request."""
    travel = get_in_event_or_404(TravelRequest, request_id)
    found = db.session.get(TravelReceipt, receipt_id)
    if found is None or found.request_id != travel.id:
        abort(404)
    return receipt_response(found)
