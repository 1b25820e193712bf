"""The organizers' pages under /manage/visa-letters: the requests, each one's decision, the letterhead."""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lsi_assembly.auth.models import Role
from lsi_assembly.auth.permissions import allow, guard_blueprint
from lsi_assembly.badges.logo import MAX_BYTES, LogoRefused, check_logo
from lsi_assembly.core.event_scope import load_event
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.visas.forms import ApproveForm, CorrectionForm, DeclineForm, LetterheadForm, RevokeForm
from lsi_assembly.visas.models import LetterStatus, VisaLetter
from lsi_assembly.visas.personal_data import deletion_date
from lsi_assembly.visas.services import (
    FILE_NAME,
    NotAllowed,
    approve,
    ask_correction,
    decline,
    default_language,
    letter_pdf,
    letterhead_for,
    letters,
    revoke,
    stored_letterhead,
)

bp = Blueprint("manage_visas", __name__, url_prefix="/manage/visa-letters")
guard_blueprint(bp)
load_event(bp, current_event)


def _letter(letter_id: int) -> VisaLetter:
    letter = db.get_or_404(VisaLetter, letter_id)
    if letter.event_id != g.event.id:
        abort(404)
    return letter


@bp.get("/")
@allow(Role.ORGANIZER)
def index():
    """The requests for visa letters, with their statuses (filtered by status if asked)."""
    status = request.args.get("status", "")
    if status not in {member.value for member in LetterStatus}:
        status = ""
    return render_template("visas/index.html", event=g.event, letters=letters(g.event, status or None),
                           status=status, statuses=LetterStatus.choices(), letterhead=letterhead_for(g.event))


def _detail(letter: VisaLetter, approve_form=None, correction_form=None, decline_form=None, status: int = 200):
    if approve_form is None:
        approve_form = ApproveForm(formdata=None, language=default_language(letter))
    return render_template(
        "visas/detail.html", event=g.event, letter=letter, approve_form=approve_form,
        correction_form=correction_form or CorrectionForm(formdata=None),
        decline_form=decline_form or DeclineForm(formdata=None), revoke_form=RevokeForm(formdata=None),
        letterhead=letterhead_for(g.event), deleted_on=deletion_date(g.event)), status


@bp.get("/<int:letter_id>")
@allow(Role.ORGANIZER)
def detail(letter_id: int):
    """One request: the passport data sent, and the decisions."""
    return _detail(_letter(letter_id))


def _decided(letter: VisaLetter, decide: Callable[[], object], done: Callable[[], str]):
    """Apply an organizer's decision; a request decided meanwhile (or its data deleted) changes nothing."""
    try:
        decide()
    except NotAllowed:
        db.session.rollback()
        flash(_("This request was decided meanwhile (or its data deleted): nothing was changed."), "error")
    else:
        db.session.commit()
        flash(done(), "success")
    return redirect(url_for("manage_visas.detail", letter_id=letter.id))


@bp.post("/<int:letter_id>/approve")
@allow(Role.ORGANIZER)
def approve_letter(letter_id: int):
    """Issue the letter and e-mail it to the participant."""
    letter = _letter(letter_id)
    form = ApproveForm()
    if not letterhead_for(g.event).complete:
        flash(_("Fill in the letterhead first (address and signatory): the letter is printed on it."), "error")
        return redirect(url_for("manage_visas.settings"))
    if not form.validate_on_submit():
        return _detail(letter, approve_form=form, status=422)
    return _decided(letter, lambda: approve(letter, costs=form.costs.data, costs_note=form.costs_note.data,
                                            language=form.language.data, by=current_user.email),
                    lambda: _("The letter %(reference)s is issued and e-mailed to the participant.",
                              reference=letter.reference))


@bp.post("/<int:letter_id>/correction")
@allow(Role.ORGANIZER)
def ask_for_correction(letter_id: int):
    """Send the request back to the participant with what to correct."""
    letter = _letter(letter_id)
    form = CorrectionForm()
    if not form.validate_on_submit():
        return _detail(letter, correction_form=form, status=422)
    return _decided(letter, lambda: ask_correction(letter, form.message.data),
                    lambda: _("The participant is asked to correct their request."))


@bp.post("/<int:letter_id>/decline")
@allow(Role.ORGANIZER)
def decline_letter(letter_id: int):
    """Decline the request with a reason (e-mailed)."""
    letter = _letter(letter_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        return _detail(letter, decline_form=form, status=422)
    return _decided(letter, lambda: decline(letter, form.reason.data),
                    lambda: _("The request is declined; the participant is told why."))


@bp.post("/<int:letter_id>/revoke")
@allow(Role.ORGANIZER)
def revoke_letter(letter_id: int):
    """Revoke an issued letter: its verification page says so from now on."""
    letter = _letter(letter_id)
    if not RevokeForm().validate_on_submit():
        return redirect(url_for("manage_visas.detail", letter_id=letter_id))
    return _decided(letter, lambda: revoke(letter, current_user.email), lambda: _("The letter is revoked."))


@bp.get("/<int:letter_id>/letter.pdf")
@allow(Role.ORGANIZER)
def letter_file(letter_id: int):
    """The letter as issued, as a PDF (also once revoked: what was sent), while its passport data is held."""
    letter = _letter(letter_id)
    if letter.status not in (LetterStatus.ISSUED, LetterStatus.REVOKED) or letter.passport_deleted_at is not None:
        abort(404)
    response = make_response(letter_pdf(letter))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f"attachment; filename={FILE_NAME}"
    return response


def _settings_page(form: LetterheadForm, status: int = 200):
    return render_template("visas/settings.html", event=g.event, form=form, letterhead=letterhead_for(g.event)), status


@bp.get("/settings")
@allow(Role.ORGANIZER)
def settings():
    """The letterhead: address, signatory, logo and signature image."""
    return _settings_page(LetterheadForm(formdata=None, obj=letterhead_for(g.event)))


def _image(field) -> tuple[bytes, str] | None:
    """The uploaded image of ``field`` checked by content (None: nothing uploaded); errors on the field."""
    if not field.data or not getattr(field.data, "filename", None):
        return None
    try:
        image = check_logo(field.data.read(MAX_BYTES + 1))
    except LogoRefused as refused:
        field.errors = [str(refused)]
        raise
    return image.data, image.media_type


@bp.post("/settings")
@allow(Role.ORGANIZER)
def save_settings():
    """Save the letterhead (images only when a new one is uploaded)."""
    form = LetterheadForm()
    if not form.validate_on_submit():
        return _settings_page(form, 422)
    try:
        logo, signature = _image(form.logo), _image(form.signature)
    except LogoRefused:
        return _settings_page(form, 422)
    letterhead = stored_letterhead(g.event)
    letterhead.address = form.address.data
    letterhead.signatory_name = form.signatory_name.data
    letterhead.signatory_title = form.signatory_title.data or None
    if logo:
        letterhead.logo, letterhead.logo_type = logo
    if signature:
        letterhead.signature, letterhead.signature_type = signature
    db.session.commit()
    flash(_("The letterhead is saved."), "success")
    return redirect(url_for("manage_visas.settings"))
