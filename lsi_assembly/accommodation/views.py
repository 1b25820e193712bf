"""The person's room request, from their personal link: ask, change, withdraw, and see the room given."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lsi_assembly.accommodation.forms import RoomRequestForm, WithdrawForm
from lsi_assembly.accommodation.models import RoomType, Sharing
from lsi_assembly.accommodation.services import (
    AccommodationError,
    can_ask,
    colleague_by_email,
    colleagues,
    named_colleague,
    published_room,
    request_of,
    save_request,
    stay_limits,
    suggested_stay,
    withdraw,
)
from lsi_assembly.extensions import db
from lsi_assembly.registration.links import participant_from_link

bp = Blueprint("accommodation", __name__)
# The enums whose labels the pages and e-mails show.
bp.add_app_template_global(RoomType, "RoomType")
bp.add_app_template_global(Sharing, "Sharing")


def _page(participant, token: str, form: RoomRequestForm | None, status: int = 200):
    current = request_of(participant)
    return render_template("accommodation/room.html", participant=participant, event=participant.event, token=token,
                           form=form, current=current, named=named_colleague(current) if current else None,
                           room=published_room(current) if current else None, limits=stay_limits(participant.event),
                           withdraw_form=WithdrawForm(prefix="withdraw")), status


@bp.route("/registration/<token>/room", methods=["GET", "POST"])
def room(token: str):
    """Ask for a hotel room (nights, sharing), change the request, and see the room given once published."""
    participant = participant_from_link(token)
    if not can_ask(participant):
        if request.method == "POST":
            return _page(participant, token, None, 403)
        return _page(participant, token, None)
    mates = colleagues(participant)
    form = RoomRequestForm(colleagues=mates)
    current = request_of(participant)
    if request.method == "GET":
        if current is not None:
            form.check_in.data, form.check_out.data = current.check_in, current.check_out
            form.sharing.data = current.sharing
            if current.wish_id in {m.id for m in mates}:
                form.colleague_id.data = current.wish_id
        else:
            form.check_in.data, form.check_out.data = suggested_stay(participant)
    if form.validate_on_submit():
        wish = None
        if form.sharing.data == Sharing.COLLEAGUE:
            if form.colleague_id.data:
                wish = next((m for m in mates if m.id == form.colleague_id.data), None)
            elif form.colleague_email.data:
                wish = colleague_by_email(participant, form.colleague_email.data)
                if wish is None:
                    form.colleague_email.errors.append(_(
                        "Nobody we can match is registered with this address: check it, or ask your colleague."))
            elif current is not None and current.wish_id is not None:
                wish = current.wish  # the colleague named before, by address
        if not form.errors:
            try:
                save_request(participant, form.check_in.data, form.check_out.data, form.sharing.data, wish)
            except AccommodationError as error:
                db.session.rollback()
                form.check_in.errors.append(str(error))
            else:
                db.session.commit()
                flash(_("Your room request is saved. We will write to you when the rooms are given out."), "success")
                return redirect(url_for("accommodation.room", token=token))
    return _page(participant, token, form, 422 if form.errors else 200)


@bp.post("/registration/<token>/room/withdraw")
def withdraw_request(token: str):
    """Withdraw the room request (and give up the room given)."""
    participant = participant_from_link(token)
    if WithdrawForm(prefix="withdraw").validate_on_submit() and withdraw(participant):
        db.session.commit()
        flash(_("Your room request is withdrawn."), "success")
    return redirect(url_for("accommodation.room", token=token))
