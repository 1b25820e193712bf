"""The person's privacy pages, from their personal link: download my data, delete my data, the new notice."""
from __future__ import annotations

from flask import Blueprint, Response, flash, g, redirect, render_template, session, url_for
from flask_babel import gettext as _

from lsi_assembly.core.event_scope import event_optional, load_event, without_event
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.privacy.consent import acknowledge_notice
from lsi_assembly.privacy.erasure import erase
from lsi_assembly.privacy.export import export_json
from lsi_assembly.privacy.forms import AcknowledgeNoticeForm, EraseMyDataForm
from lsi_assembly.privacy.settings import notice_version
from lsi_assembly.registration.links import participant_from_link
from lsi_assembly.registration.models import Status

bp = Blueprint("privacy", __name__)
load_event(bp, current_event)


@bp.route("/registration/<token>/erase", methods=["GET", "POST"])
@without_event
def erase_my_data(token: str):
    """Say what erasure deletes, then delete the registration and the person's data."""
    participant = participant_from_link(token)
    if participant.status == Status.UNCONFIRMED:
        return redirect(url_for("registration.manage", token=token))
    form = EraseMyDataForm()
    if form.validate_on_submit():
        erase(participant, reason="", by="participant")
        db.session.commit()
        session["registration_erased"] = True
        return redirect(url_for("privacy.erased"))
    return render_template("privacy/erase.html", form=form, participant=participant, token=token,
                           event=participant.event), 422 if form.errors else 200


@bp.get("/registration/erased")
@event_optional
def erased():
    """Confirm the erasure (the personal link no longer works; the page names no one)."""
    if not session.pop("registration_erased", False):
        return redirect(url_for("main.index"))
    return render_template("privacy/erased.html", event=g.event)


@bp.get("/registration/<token>/data")
@without_event
def my_data(token: str):
    """Download everything held about the person, as a JSON file."""
    participant = participant_from_link(token)
    return Response(export_json(participant), mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="my-assembly-data.json"', "Cache-Control": "no-store"})


@bp.post("/registration/<token>/notice")
@without_event
def acknowledge(token: str):
    """Record that the person has read the privacy notice's new version."""
    participant = participant_from_link(token)
    if AcknowledgeNoticeForm().validate_on_submit():
        acknowledge_notice(participant, notice_version(participant.event))
        db.session.commit()
        flash(_("Thank you: your acceptance of the new privacy notice is recorded."), "success")
    return redirect(url_for("registration.manage", token=token))
