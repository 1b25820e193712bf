"""Registration pages: the form, the confirmation of the address, and the personal link to view, edit, cancel or sign out."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from lsi_assembly.core.bots import Verdict
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.event_scope import event_optional, load_event, without_event
from lsi_assembly.core.i18n import current_language
from lsi_assembly.events.models import Event
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db, limiter
from lsi_assembly.organizations.models import Organization
from lsi_assembly.organizations.services import find_by_invitation
from lsi_assembly.privacy.consent import acknowledge_notice
from lsi_assembly.privacy.settings import notice_version
from lsi_assembly.registration.forms import (
    CancelForm,
    ConfirmAddressForm,
    ParticipantDetailsForm,
    RegistrationForm,
    RequestLinkForm,
    SignOutLinksForm,
)
from lsi_assembly.registration.fields import FIELDS
from lsi_assembly.registration.links import participant_from_link
from lsi_assembly.registration.models import Status
from lsi_assembly.registration.services import (
    EDITABLE_FIELDS,
    RegistrationData,
    cancel_registration,
    confirm_address,
    erase_registrations,
    find_by_email,
    is_expired,
    register,
    renew_access_key,
    send_personal_link,
    update_registration,
    waitlist_position,
)

log = logging.getLogger(__name__)
#: The public pages: the form, its confirmation and the personal link.
bp = Blueprint("registration", __name__)
#: The form's pages need the event; a personal link names its own (``without_event``).
load_event(bp, current_event)


def _member_organizations(event: Event) -> list[Organization]:
    return list(db.session.scalars(
        sa.select(Organization)
        .where(Organization.event_id == event.id, Organization.is_active.is_(True))
        .order_by(Organization.name)
    ))


def _details(form: ParticipantDetailsForm) -> dict:
    """The answers a person may give and later change (``services.EDITABLE_FIELDS``), and the days chosen."""
    return dict(details=form.answers(FIELDS[name] for name in EDITABLE_FIELDS), day_ids=list(form.days.data))


def _rate_limit() -> str:
    return current_app.config["REGISTER_RATE_LIMIT"]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_rate_limit, methods=["POST"])
def register_form():
    """Show and process the delegate registration form."""
    event = g.event
    state = event.registration_state()
    if state != "open":
        return render_template("registration/closed.html", event=event, state=state)
    organizations = _member_organizations(event)
    invite = request.args.get("invite")
    invited = find_by_invitation(event, invite)
    if invite and invited is None and request.method == "GET":
        flash(_("This invitation link is no longer valid: please choose your organization below."), "warning")
    form = RegistrationForm(event=event, locale=current_language(), organizations=organizations)
    if invited is not None and request.method == "GET":
        form.organization_id.data = invited.id
    verdict = form.bot_verdict(current_app.config["REGISTER_MIN_SECONDS"]) if form.is_submitted() else None
    if verdict == Verdict.TRAPPED:
        # A program filled the hidden field: answer as to anyone, store nothing, send nothing.
        log.info("registration refused: the hidden field was filled")
        _remember_address(form.email.data)
        return redirect(url_for("registration.done"))
    if form.validate_on_submit() and verdict == Verdict.PASSED:
        organization_id = form.organization_id.data or None
        register(event, RegistrationData(
            email=form.email.data,
            category=form.category.data,
            organization_id=organization_id,
            organization_name=form.organization_name.data if organization_id is None else None,
            **_details(form),
        ), locale=current_language())
        db.session.commit()
        # The same page whether the address was new or already registered: the page must not tell a
        # stranger who is registered. The e-mail, which only the address's owner reads, says which.
        _remember_address(form.email.data)
        return redirect(url_for("registration.done"))
    form.stamp()
    status = 422 if form.is_submitted() else 200
    return render_template("registration/form.html", event=event, form=form, invited=invited,
                           invite=invite if invited else None, too_quick=verdict == Verdict.TOO_QUICK), status


def _remember_address(email: str | None) -> None:
    """Keep the address typed for the next page, in this browser's session (never in the URL)."""
    session["registration_submitted"] = True
    session["registration_address"] = (email or "").strip()[:254]


@bp.get("/register/done")
def done():
    """Name the address written to and say what comes next (no personal data in the URL).

    The page is the same for a new and an already registered address: it shows only what the
    person typed themselves, and the e-mail, which only the address's owner reads, says which it was.
    """
    event = g.event
    if not session.get("registration_submitted"):
        return redirect(url_for("registration.register_form"))
    return render_template("registration/done.html", event=event, address=session.get("registration_address"))


def _unconfirmed_page(participant, token: str):
    """The page of a registration whose address is not confirmed: one button, or "too late"."""
    if is_expired(participant):
        return _expired_page(participant.event)
    return render_template("registration/confirm_address.html", participant=participant, token=token,
                           event=participant.event, form=ConfirmAddressForm(),
                           hours=current_app.config["REGISTRATION_CONFIRM_HOURS"])


def _expired_page(event):
    return render_template("registration/expired.html", event=event,
                           hours=current_app.config["REGISTRATION_CONFIRM_HOURS"]), 410


@bp.get("/registration/<token>")
@without_event
def manage(token: str):
    """Show a registration to the person holding its personal link (or the button to confirm the address)."""
    participant = participant_from_link(token)
    if participant.status == Status.UNCONFIRMED:
        return _unconfirmed_page(participant, token)
    return render_template("registration/manage.html", participant=participant, token=token,
                           event=participant.event, position=waitlist_position(participant))


@bp.post("/registration/<token>/confirm")
@without_event
def confirm(token: str):
    """Confirm the address (a POST with its CSRF token: a mail scanner following the link changes nothing)."""
    participant = participant_from_link(token)
    event = participant.event
    form = ConfirmAddressForm()
    if participant.status != Status.UNCONFIRMED or not form.validate_on_submit():
        return redirect(url_for("registration.manage", token=token))
    confirmed = confirm_address(participant)
    db.session.commit()
    if not confirmed:
        return _expired_page(event)
    flash(_("Thank you: your address is confirmed."), "success")
    return redirect(url_for("registration.manage", token=token))


@bp.route("/registration/<token>/edit", methods=["GET", "POST"])
@without_event
def edit(token: str):
    """Let the person change their details."""
    participant = participant_from_link(token)
    if participant.status == Status.CANCELLED:
        flash(_("This registration is cancelled. Register again to take part."), "error")
        return redirect(url_for("registration.manage", token=token))
    if participant.status == Status.UNCONFIRMED:
        return redirect(url_for("registration.manage", token=token))
    event = participant.event
    form = ParticipantDetailsForm(obj=participant, event=event, locale=current_language())
    if request.method == "GET":
        form.days.data = [day.id for day in participant.days]
        form.languages.data = ", ".join(participant.languages or [])
        form.latin_name.data = participant.latin_name or participant.badge_latin_name or ""  # a suggestion
    if form.validate_on_submit():
        update_registration(participant, RegistrationData(
            email=participant.email, category=participant.category, **_details(form)
        ))
        db.session.commit()
        flash(_("Your changes are saved."), "success")
        return redirect(url_for("registration.manage", token=token))
    return render_template("registration/edit.html", form=form, participant=participant, token=token,
                           event=event), 422 if form.errors else 200


@bp.route("/registration/<token>/cancel", methods=["GET", "POST"])
@without_event
def cancel(token: str):
    """Ask for confirmation, then cancel the registration."""
    participant = participant_from_link(token)
    if participant.status == Status.UNCONFIRMED:
        return redirect(url_for("registration.manage", token=token))
    form = CancelForm()
    if participant.status != Status.CANCELLED and form.validate_on_submit():
        cancel_registration(participant)
        db.session.commit()
        session["registration_cancelled"] = True
        return redirect(url_for("registration.cancelled"))
    return render_template("registration/cancel.html", form=form, participant=participant, token=token,
                           event=participant.event)


@bp.post("/registration/<token>/privacy")
@without_event
def accept_privacy(token: str):
    """Record that someone registered by the organizers has accepted the privacy notice."""
    participant = participant_from_link(token)
    if participant.privacy_accepted_at is None and request.form.get("accept") == "y":
        acknowledge_notice(participant, notice_version(participant.event))
        db.session.commit()
        flash(_("Thank you: your acceptance of the privacy notice is recorded."), "success")
    return redirect(url_for("registration.manage", token=token))


@bp.get("/registration/cancelled")
@event_optional
def cancelled():
    """Confirm a cancellation (the old personal link no longer works)."""
    if not session.pop("registration_cancelled", False):
        return redirect(url_for("main.index"))
    return render_template("registration/cancelled.html", event=g.event)


@bp.route("/registration/<token>/sign-out", methods=["GET", "POST"])
@without_event
def sign_out_links(token: str):
    """Ask, then sign out every link sent so far and e-mail a new one to the registered address."""
    participant = participant_from_link(token)
    if participant.status in (Status.CANCELLED, Status.UNCONFIRMED):
        return redirect(url_for("registration.manage", token=token))
    form = SignOutLinksForm()
    if form.validate_on_submit():
        if not renew_access_key(participant):
            flash(_("Your address has had many e-mails from us in the last hour, so nothing was changed. "
                    "Please try again in an hour."), "error")
            return redirect(url_for("registration.manage", token=token))
        db.session.commit()
        session["registration_links_renewed"] = True
        return redirect(url_for("registration.links_renewed"))
    return render_template("registration/sign_out.html", form=form, participant=participant, token=token,
                           event=participant.event)


@bp.get("/registration/signed-out")
@event_optional
def links_renewed():
    """Say that the old links are signed out and a new one is on its way."""
    if not session.pop("registration_links_renewed", False):
        return redirect(url_for("main.index"))
    return render_template("registration/signed_out.html", event=g.event)


@bp.route("/registration/link", methods=["GET", "POST"])
@limiter.limit(_rate_limit, methods=["POST"])
def request_link():
    """E-mail the personal link again to a registered address (without saying whether it is)."""
    event = g.event
    form = RequestLinkForm()
    if form.validate_on_submit():
        participant = find_by_email(event, form.email.data)
        if participant is not None and is_expired(participant):
            erase_registrations([participant])  # never confirmed in time: nothing to send a link to
            db.session.commit()
        elif participant is not None:
            send_personal_link(participant)
            db.session.commit()
        flash(_("If this address is registered, its personal link is on its way. "
                "Please check your inbox (and spam folder)."), "success")
        return redirect(url_for("registration.request_link"))
    return render_template("registration/request_link.html", form=form, event=event), (
        422 if form.errors else 200)
