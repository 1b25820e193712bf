"""The person's side, from their personal link: ask for a visa letter, see its status, download it."""
from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lsi_assembly.core.database import utcnow
from lsi_assembly.core.event_scope import without_event
from lsi_assembly.core.i18n import current_language
from lsi_assembly.extensions import db
from lsi_assembly.registration.links import participant_from_link
from lsi_assembly.visas.forms import VisaRequestForm
from lsi_assembly.visas.models import LetterStatus
from lsi_assembly.visas.personal_data import deletion_date
from lsi_assembly.visas.services import (
    FILE_NAME,
    NotAllowed,
    PassportData,
    can_request,
    letter_for,
    letter_pdf,
    save_request,
)

#: Public pages beside the personal page.
bp = Blueprint("visas", __name__)

bp.add_app_template_global(letter_for, "visa_letter_for")
bp.add_app_template_global(LetterStatus.label_of, "visa_status_label")


@bp.route("/registration/<token>/visa-letter", methods=["GET", "POST"])
@without_event
def request_letter(token: str):
    """Ask for a visa invitation letter, or correct the request while the organizers have not decided."""
    participant = participant_from_link(token)
    letter = letter_for(participant)
    event = participant.event
    if not can_request(participant) or (letter is not None and not letter.editable):
        if letter is None:
            flash(_("A visa invitation letter can be asked for once your place is confirmed."), "error")
        return redirect(url_for("registration.manage", token=token) + "#visa-letter")
    form = VisaRequestForm(locale=current_language(), event_end=event.last_day, today=utcnow().date())
    if request.method == "GET" and letter is not None:
        form.passport_name.data = letter.passport_name
        form.nationality.data = letter.nationality
        form.passport_number.data = letter.passport_number
        form.birth_date.data = letter.birth
        form.passport_expiry.data = letter.expiry
        form.consulate_city.data = letter.consulate_city
        form.consulate_country.data = letter.consulate_country
    if form.validate_on_submit():
        try:
            save_request(participant, PassportData(
                passport_name=form.passport_name.data, nationality=form.nationality.data,
                passport_number=form.passport_number.data, birth_date=form.birth_date.data,
                passport_expiry=form.passport_expiry.data, consulate_city=form.consulate_city.data,
                consulate_country=form.consulate_country.data))
        except NotAllowed:
            db.session.rollback()
            flash(_("The organizers have decided on your request meanwhile: nothing was changed."), "error")
        else:
            db.session.commit()
            flash(_("Your request for a visa invitation letter is sent. We will write to you."), "success")
        return redirect(url_for("registration.manage", token=token) + "#visa-letter")
    return render_template("visas/request.html", form=form, participant=participant, token=token, event=event,
                           letter=letter, deleted_on=deletion_date(event)), 422 if form.errors else 200


@bp.get("/registration/<token>/visa-letter.pdf")
@without_event
def my_letter(token: str):
    """The person's issued letter (404 when there is none, or no longer: revoked, or its data deleted)."""
    participant = participant_from_link(token)
    letter = letter_for(participant)
    if letter is None or letter.status != LetterStatus.ISSUED or letter.passport_deleted_at is not None:
        abort(404)
    response = make_response(letter_pdf(letter))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f"attachment; filename={FILE_NAME}"
    return response
