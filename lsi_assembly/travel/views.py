"""Travel support from the personal link (apply, see the decision, claim with receipts, get one's receipts
back), and from the focal point's delegation link (apply for a delegate of the member)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lsi_assembly.assembly.delegation import FOCAL_POINT, organization_from_token
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.registration.links import participant_from_link
from lsi_assembly.registration.models import Participant, Status
from lsi_assembly.travel import privacy  # noqa: F401  (registers the retention rules, eraser and export)
from lsi_assembly.travel.forms import ApplicationForm, ClaimForm
from lsi_assembly.travel.models import CostKind, TravelReceipt, TravelRequest, TravelStatus
from lsi_assembly.travel.receipts import (
    CLAIM_BODY_LIMIT,
    MAX_RECEIPT_BYTES,
    MAX_RECEIPTS,
    ReceiptRefused,
    format_money,
    receipt_response,
    receipt_type,
)
from lsi_assembly.travel.services import MAY_APPLY, Application, TravelError, apply, claim, may_apply, request_of

#: Public pages beside the personal link (no event loaded: the link names its own).
bp = Blueprint("travel", __name__)
bp.add_app_template_filter(format_money, "money")
bp.add_app_template_global(TravelStatus, "TravelStatus")


def _person(token: str) -> Participant:
    participant = participant_from_link(token)
    if participant.status == Status.UNCONFIRMED or participant.anonymized_at is not None:
        abort(404)
    return participant


@bp.route("/registration/<token>/travel", methods=["GET", "POST"])
def personal(token: str):
    """The person's travel support: the application (while undecided), the decision, the claim and payment."""
    participant = _person(token)
    travel = request_of(participant)
    form = None
    if may_apply(participant):
        form = ApplicationForm(obj=travel)
        if form.validate_on_submit():
            try:
                apply(participant, Application(form.currency.data, form.estimates(), form.route.data or "",
                                               form.reason.data or ""))
            except TravelError as error:
                db.session.rollback()
                flash(str(error.args[0]), "error")
                return render_template("travel/personal.html", participant=participant, travel=travel,
                                       form=form, token=token, kinds=list(CostKind)), 422
            db.session.commit()
            flash(_("Your request for travel support is saved. The organizers will write to you when they have "
                    "decided."), "success")
            return redirect(url_for("travel.personal", token=token))
    elif request.method == "POST":
        abort(405)
    return render_template("travel/personal.html", participant=participant, travel=travel, form=form, token=token,
                           kinds=list(CostKind)), 422 if form is not None and form.errors else 200


def _checked_receipts(form: ClaimForm) -> list[tuple[str, bytes]] | None:
    files = [file for file in (form.receipts.data or []) if getattr(file, "filename", "")]
    if len(files) > MAX_RECEIPTS:
        form.receipts.errors.append(_("Please send at most %(count)d receipts at a time.", count=MAX_RECEIPTS))
        return None
    checked, problems = [], []
    for file in files:
        data = file.stream.read(MAX_RECEIPT_BYTES + 1)
        try:
            checked.append((receipt_type(data), data))
        except ReceiptRefused as error:
            # The name the person gave is shown back to them only, escaped by the template.
            problems.append(f"{file.filename[:80]}: {error.args[0]}")
    if problems:
        form.receipts.errors.extend(problems)
        return None
    return checked


@bp.route("/registration/<token>/travel/claim", methods=["GET", "POST"])
def claim_form(token: str):
    """Claim what was spent, with receipts (the only form that takes large uploads: see ``upload_limit``)."""
    participant = _person(token)
    travel = request_of(participant)
    if travel is None or travel.status not in (TravelStatus.GRANTED, TravelStatus.CLAIMED):
        flash(_("You can claim your costs once travel support has been granted to you."), "error")
        return redirect(url_for("travel.personal", token=token))
    form = ClaimForm(data={f"claimed_{kind}": travel.claimed(kind) for kind in CostKind})
    if form.validate_on_submit():
        receipts = _checked_receipts(form)
        if receipts is not None:
            try:
                claim(travel, form.amounts(), receipts)
            except TravelError as error:
                db.session.rollback()
                form.receipts.errors.append(str(error.args[0]))
            else:
                db.session.commit()
                flash(_("Your claim is sent. The organizers will pay it after checking the receipts."), "success")
                return redirect(url_for("travel.personal", token=token))
    return render_template("travel/claim.html", participant=participant, travel=travel, form=form, token=token,
                           max_receipts=MAX_RECEIPTS), 422 if form.errors else 200


#: The claim's body holds the receipts: its own limit, read by the app's request class (app.FormLimitedRequest).
claim_form.upload_limit = CLAIM_BODY_LIMIT


@bp.get("/registration/<token>/travel/receipts/<int:receipt_id>")
def my_receipt(token: str, receipt_id: int):
    """One of the person's own receipts (404 for anyone else's)."""
    participant = _person(token)
    travel = request_of(participant)
    receipt = db.session.get(TravelReceipt, receipt_id)
    if travel is None or receipt is None or receipt.request_id != travel.id:
        abort(404)
    return receipt_response(receipt)


def _organization(token: str) -> Organization:
    """The member a focal point's delegation link names (404 when forged or replaced); the audit log then
    names the focal point."""
    organization = organization_from_token(token)
    if organization is None:
        abort(404)
    g.audit_actor = FOCAL_POINT
    return organization


def _delegates(organization: Organization) -> list[Participant]:
    """The organization's registrations a focal point may ask travel support for (protected people are not
    shown to them: they ask themselves)."""
    return list(db.session.scalars(sa.select(Participant).where(
        Participant.organization_id == organization.id, Participant.event_id == organization.event_id,
        Participant.status.in_(MAY_APPLY), Participant.protected.is_(False), Participant.anonymized_at.is_(None))
        .order_by(Participant.sort_name, Participant.id)))


@bp.get("/delegation/<token>/travel")
def delegation(token: str):
    """The focal point's view of travel support: each delegate of the member, with their request's status."""
    organization = _organization(token)
    people = _delegates(organization)
    requests = {travel.participant_id: travel for travel in db.session.scalars(
        sa.select(TravelRequest).where(TravelRequest.participant_id.in_([p.id for p in people])))} if people else {}
    return render_template("travel/delegation.html", organization=organization, people=people, requests=requests,
                           token=token)


@bp.route("/delegation/<token>/travel/<int:participant_id>", methods=["GET", "POST"])
def for_delegate(token: str, participant_id: int):
    """A focal point asks travel support for a delegate of their organization (while it awaits a decision)."""
    organization = _organization(token)
    person = next((p for p in _delegates(organization) if p.id == participant_id), None)
    if person is None:
        abort(404)
    travel = request_of(person)
    if not may_apply(person):
        flash(_("This request has been decided: only the delegate can follow it up, from their personal link."),
              "error")
        return redirect(url_for("travel.delegation", token=token))
    form = ApplicationForm(obj=travel)
    if form.validate_on_submit():
        try:
            apply(person, Application(form.currency.data, form.estimates(), form.route.data or "",
                                      form.reason.data or ""))
        except TravelError as error:
            db.session.rollback()
            form.estimated_travel.errors = [*form.estimated_travel.errors, str(error.args[0])]
        else:
            db.session.commit()
            flash(_("The request for travel support is saved. The organizers will write to the delegate."),
                  "success")
            return redirect(url_for("travel.delegation", token=token))
    return render_template("travel/for_delegate.html", organization=organization, person=person, form=form,
                           token=token), 422 if form.errors else 200
