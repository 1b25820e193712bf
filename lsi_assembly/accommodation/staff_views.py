"""The organizers' accommodation pages, under /manage/accommodation: hotels and blocks, the requests,
the automatic proposal, moves by hand and publication."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import format_decimal, ngettext

from lsi_assembly.accommodation.forms import BlockForm, ConfirmForm, HotelForm, MoveForm
from lsi_assembly.accommodation.models import Hotel, RoomBlock, RoomRequest, RoomType
from lsi_assembly.accommodation.services import (
    AccommodationError,
    active_requests,
    add_block,
    add_hotel,
    delete_block,
    delete_hotel,
    hotels,
    move,
    possible_nights,
    problems,
    propose,
    publish,
    unpublished,
)
from lsi_assembly.auth.models import Role
from lsi_assembly.auth.permissions import allow, guard_blueprint
from lsi_assembly.core.event_scope import get_in_event_or_404, load_event
from lsi_assembly.events.models import Event
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db

bp = Blueprint("manage_accommodation", __name__, url_prefix="/manage/accommodation")
guard_blueprint(bp)
load_event(bp, current_event)


def _block_form(event: Event, hotel: Hotel, formdata=None) -> BlockForm:
    kwargs = {} if formdata is not None else {"formdata": None}
    return BlockForm(prefix=f"hotel{hotel.id}", nights=possible_nights(event), **kwargs)


def _page(event: Event, hotel_form: HotelForm | None = None, block_forms: dict | None = None, status: int = 200):
    the_hotels = hotels(event)
    forms = {hotel.id: _block_form(event, hotel) for hotel in the_hotels}
    forms.update(block_forms or {})
    requests = active_requests(event)
    return render_template("accommodation/manage.html", event=event, hotels=the_hotels, block_forms=forms,
                           hotel_form=hotel_form or HotelForm(formdata=None), requests=requests,
                           problems=problems(event), unpublished=len(unpublished(event)),
                           money=_money), status


def _money(amount) -> str:
    """An amount in euros as the page's language writes it (95.00, 95,00)."""
    return format_decimal(amount, format="#,##0.00")


@bp.get("/")
@allow(Role.ORGANIZER)
def index():
    """Hotels and room blocks, the requests and where each person sleeps."""
    return _page(g.event)


@bp.post("/hotels")
@allow(Role.ORGANIZER)
def create_hotel():
    """Add a hotel."""
    form = HotelForm()
    if not form.validate_on_submit():
        return _page(g.event, hotel_form=form, status=422)
    add_hotel(g.event, form.name.data, form.address.data)
    db.session.commit()
    flash(_("The hotel is added."), "success")
    return redirect(url_for("manage_accommodation.index"))


@bp.post("/hotels/<int:hotel_id>/delete")
@allow(Role.ORGANIZER)
def remove_hotel(hotel_id: int):
    """Delete a hotel and its blocks (the people placed there are no longer placed)."""
    hotel = get_in_event_or_404(Hotel, hotel_id)
    if ConfirmForm().validate_on_submit():
        delete_hotel(hotel)
        db.session.commit()
        flash(_("The hotel is deleted."), "success")
    return redirect(url_for("manage_accommodation.index"))


@bp.post("/hotels/<int:hotel_id>/blocks")
@allow(Role.ORGANIZER)
def create_block(hotel_id: int):
    """Hold rooms of one type at a hotel for some nights."""
    event = g.event
    hotel = get_in_event_or_404(Hotel, hotel_id)
    form = _block_form(event, hotel, formdata=True)
    if form.validate_on_submit():
        try:
            add_block(hotel, form.room_type.data, form.rooms.data,
                      [night for night in possible_nights(event) if night.isoformat() in form.nights.data],
                      form.price.data)
        except AccommodationError as error:
            db.session.rollback()
            form.nights.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The rooms are added."), "success")
            return redirect(url_for("manage_accommodation.index"))
    return _page(event, block_forms={hotel.id: form}, status=422)


@bp.post("/blocks/<int:block_id>/delete")
@allow(Role.ORGANIZER)
def remove_block(block_id: int):
    """Delete a block of rooms (the people placed in it are no longer placed)."""
    block = get_in_event_or_404(RoomBlock, block_id)
    if ConfirmForm().validate_on_submit():
        delete_block(block)
        db.session.commit()
        flash(_("The rooms are deleted."), "success")
    return redirect(url_for("manage_accommodation.index"))


@bp.post("/propose")
@allow(Role.ORGANIZER)
def make_proposal():
    """Replace every placement with the automatic proposal."""
    if ConfirmForm().validate_on_submit():
        proposal = propose(g.event)
        db.session.commit()
        flash(_("Proposal made: %(placed)d people placed, %(unplaced)d without a room.",
                placed=len(proposal.placements), unplaced=len(proposal.unplaced)),
              "success" if not proposal.unplaced else "warning")
    return redirect(url_for("manage_accommodation.index"))


def _move_form(event: Event, room_request: RoomRequest, formdata=True) -> MoveForm:
    blocks = [(block, f"{hotel.name} · {RoomType.label_of(block.room_type)}")
              for hotel in hotels(event) for block in hotel.blocks]
    people = [r.participant for r in active_requests(event) if r.participant_id != room_request.participant_id]
    kwargs = {} if formdata else {"formdata": None, "data": {"block_id": room_request.block_id,
                                                            "roommate_id": room_request.roommate_id}}
    return MoveForm(blocks=blocks, people=people, **kwargs)


@bp.route("/requests/<int:room_request_id>", methods=["GET", "POST"])
@allow(Role.ORGANIZER)
def placement(room_request_id: int):
    """Move one person by hand: another block, alone or with another roommate."""
    event = g.event
    room_request = get_in_event_or_404(RoomRequest, room_request_id)
    form = _move_form(event, room_request, formdata=request.method == "POST")
    if form.validate_on_submit():
        block = db.session.get(RoomBlock, form.block_id.data) if form.block_id.data else None
        mate = (db.session.scalar(sa.select(RoomRequest).where(RoomRequest.participant_id == form.roommate_id.data))
                if form.roommate_id.data else None)
        if block is not None and block.hotel.event_id != event.id:
            block = None
        try:
            if form.roommate_id.data and mate is None:
                raise AccommodationError(_("This person has not asked for a room."))
            move(room_request, block, mate)
        except AccommodationError as error:
            db.session.rollback()
            form.block_id.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Saved. The person is e-mailed at the next publication."), "success")
            return redirect(url_for("manage_accommodation.index"))
    return render_template("accommodation/placement.html", event=event, request=room_request, form=form), (
        422 if form.errors else 200)


@bp.post("/publish")
@allow(Role.ORGANIZER)
def publish_rooms():
    """E-mail each person whose room is new or changed since the last publication."""
    if ConfirmForm().validate_on_submit():
        sent = publish(g.event)
        db.session.commit()
        flash(ngettext("%(num)d person is e-mailed their room.", "%(num)d people are e-mailed their room.", sent),
              "success")
    return redirect(url_for("manage_accommodation.index"))
