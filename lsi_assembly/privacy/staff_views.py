"""The organizers' privacy pages: the settings and retention schedule, erasing and exporting one person."""
from __future__ import annotations

from flask import Blueprint, Response, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from lsi_assembly.auth.models import Role
from lsi_assembly.auth.permissions import allow, guard_blueprint
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.event_scope import get_in_event_or_404, load_event
from lsi_assembly.core.personal_data import retention_rules
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.privacy.erasure import erase
from lsi_assembly.privacy.export import export_json
from lsi_assembly.privacy.forms import ApplyScheduleForm, PrivacySettingsForm, StaffEraseForm, days_field
from lsi_assembly.privacy.purge import run_purge
from lsi_assembly.privacy.services import save_settings, schedule_rows
from lsi_assembly.privacy.settings import settings_for
from lsi_assembly.registration.models import Participant

bp = Blueprint("manage_privacy", __name__)
guard_blueprint(bp)
load_event(bp, current_event)


def _settings_form(event):
    """The settings form with one days field per configurable rule, filled from the saved settings."""
    rules = [rule for rule in retention_rules() if rule.configurable]

    class Form(PrivacySettingsForm):
        pass

    for rule in rules:
        setattr(Form, f"days_{rule.key}", days_field(str(rule.data), rule.min_days, rule.max_days))
    settings = settings_for(event)
    form = Form(obj=settings)
    if not form.is_submitted():
        for rule in rules:
            getattr(form, f"days_{rule.key}").data = (settings.retention_days or {}).get(rule.key, rule.default_days)
    return form, rules, settings


@bp.route("/manage/privacy", methods=["GET", "POST"])
@allow(Role.ORGANIZER)
def settings():
    """The controller named in the notice, the retention periods, and what the schedule deletes today."""
    event = g.event
    form, rules, stored = _settings_form(event)
    if form.validate_on_submit():
        changed = save_settings(event, {
            "controller_name": form.controller_name.data.strip(),
            "controller_address": form.controller_address.data.strip(),
            "controller_email": form.controller_email.data.strip().lower(),
            "dpo_name": (form.dpo_name.data or "").strip() or None,
            "dpo_email": (form.dpo_email.data or "").strip().lower() or None,
        }, {rule.key: getattr(form, f"days_{rule.key}").data for rule in rules})
        db.session.commit()
        flash(_("The privacy settings are saved; the privacy notice is now version %(version)s.",
                version=settings_for(event).notice_version) if changed else _("Nothing changed."), "success")
        return redirect(url_for("manage_privacy.settings"))
    due = run_purge(utcnow().date(), dry_run=True)
    db.session.rollback()
    return render_template("privacy/settings.html", form=form, rules=rules, settings=stored, event=event,
                           due=due, schedule=schedule_rows(event), apply_form=ApplyScheduleForm()), (
        422 if form.errors else 200)


@bp.post("/manage/privacy/purge")
@allow(Role.ORGANIZER)
def purge():
    """Apply the retention schedule now."""
    form = ApplyScheduleForm()
    if not form.validate_on_submit():
        flash(_("Please tick the box to confirm."), "error")
        return redirect(url_for("manage_privacy.settings"))
    results = run_purge(utcnow().date())
    db.session.commit()
    total = sum(count for _rule, count in results)
    flash(ngettext("The retention schedule is applied: %(num)d item deleted.",
                   "The retention schedule is applied: %(num)d items deleted.", total), "success")
    return redirect(url_for("manage_privacy.settings"))


@bp.route("/manage/registrations/<int:participant_id>/erase", methods=["GET", "POST"])
@allow(Role.ORGANIZER)
def erase_participant(participant_id: int):
    """Erase one person's data at their request (asks for the reason and a confirmation)."""
    participant = get_in_event_or_404(Participant, participant_id)
    if participant.anonymized_at is not None:
        flash(_("This registration's personal data is already erased."), "info")
        return redirect(url_for("manage_registrations.detail", participant_id=participant.id))
    form = StaffEraseForm()
    if form.validate_on_submit():
        erase(participant, reason=form.reason.data.strip(), by="organizer")
        db.session.commit()
        flash(_("The person's data is erased; their place and seats are free."), "success")
        return redirect(url_for("manage_registrations.index"))
    return render_template("privacy/staff_erase.html", form=form, participant=participant, event=g.event), (
        422 if form.errors else 200)


@bp.get("/manage/registrations/<int:participant_id>/data.json")
@allow(Role.ORGANIZER)
def participant_data(participant_id: int):
    """Download everything held about one person (to answer an access request)."""
    participant = get_in_event_or_404(Participant, participant_id)
    return Response(export_json(participant), mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="participant-{participant.id}-data.json"'})
