"""The organizers' pages for registrations: list, detail, edit, actions one by one or in bulk."""
from __future__ import annotations

import io
import re
import secrets
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from lsi_assembly.auth.models import Role
from lsi_assembly.auth.permissions import allow, guard_blueprint
from lsi_assembly.auth.services import session_value, set_session_value
from lsi_assembly.core.audit import entries_for
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.event_scope import get_in_event_or_404, load_event
from lsi_assembly.core.forms import options, page_number
from lsi_assembly.core.i18n import current_language, safe_next
from lsi_assembly.core.tabular import MEDIA_TYPES, table_file
from lsi_assembly.events.models import Event
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.registration.forms import (
    BulkActionForm,
    ImportConfirmForm,
    ImportUploadForm,
    StaffParticipantForm,
)
from lsi_assembly.registration.fields import ORGANIZER_FIELDS, Kind
from lsi_assembly.registration.models import Category, Decision, Participant, Status
from lsi_assembly.registration.queries import RegistrationFilter, registrations_query, unconfirmed_count
from lsi_assembly.registration.services import (
    ACTIONS,
    ActionOutcome,
    apply_action,
    confirm_deadline,
    edit_registration,
    waitlist_position,
)
from lsi_assembly.registration.transfer import (
    ImportFileError,
    apply_import,
    export_rows,
    plan_import,
)

#: The organizers' pages, under /manage/registrations.
bp = Blueprint("manage_registrations", __name__, url_prefix="/manage/registrations")
guard_blueprint(bp)
load_event(bp, current_event)

PER_PAGE = 50
#: What the organizers' edit saves as the form gives it; the organization and the days are set below.
_EDITED_ONE_BY_ONE = tuple(spec for spec in ORGANIZER_FIELDS if spec.kind not in (Kind.ORGANIZATION, Kind.DAYS))
#: What secrets.token_urlsafe(16) makes; anything else is refused before touching the file system.
UPLOAD_TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")
#: Uploads waiting for confirmation longer than this are deleted.
UPLOAD_MAX_AGE = timedelta(hours=2)


def _organizations(event: Event) -> list[Organization]:
    return list(db.session.scalars(
        sa.select(Organization).where(Organization.event_id == event.id).order_by(Organization.name)))


def _done_message(action: str, count: int) -> str:
    if action == "approve":
        return ngettext("%(num)d registration approved.", "%(num)d registrations approved.", count)
    if action == "admit":
        return ngettext("%(num)d person moved off the waiting list.", "%(num)d people moved off the waiting list.",
                        count)
    if action == "reject":
        return ngettext("%(num)d registration rejected.", "%(num)d registrations rejected.", count)
    return ngettext("%(num)d registration cancelled.", "%(num)d registrations cancelled.", count)


def _report(outcome: ActionOutcome, action: str) -> None:
    if outcome.changed:
        flash(_done_message(action, len(outcome.changed)) + " " + _("The people concerned are told by e-mail."),
              "success")
    if outcome.skipped:
        flash(ngettext("%(num)d registration was left as it was: the action does not apply to its status.",
                       "%(num)d registrations were left as they were: the action does not apply to their status.",
                       len(outcome.skipped)), "info")
    for participant in outcome.promoted:
        flash(_("%(name)s moved off the waiting list into the freed place.", name=participant.full_name), "info")
    for name in sorted(outcome.over_quota):
        flash(_("%(organization)s now has more delegates than its quota.", organization=name), "warning")


SEARCH_KEY = "registrations_q"


def _filters() -> RegistrationFilter:
    return RegistrationFilter.from_args(request.args, q=session_value(current_user.session_key, SEARCH_KEY, ""))


@bp.route("/", methods=["GET", "POST"])
@allow(Role.ORGANIZER)
def index():
    """List registrations with search, filters, sorting and pages.

    The filter form is POSTed: its search words (often a name) go to the staff session on the server,
    never to the cookie or a URL; the other filters (none of them personal) to the address of the page
    it redirects to.
    """
    event = g.event
    if request.method == "POST":
        words = (request.form.get("q") or "").replace("\x00", "").strip()[:100]
        set_session_value(current_user.session_key, SEARCH_KEY, words or None)
        db.session.commit()
        return redirect(url_for("manage_registrations.index", **RegistrationFilter.from_args(request.form).args()))
    if request.args.get("clear"):
        set_session_value(current_user.session_key, SEARCH_KEY, None)
        db.session.commit()
        return redirect(url_for("manage_registrations.index"))
    filters = _filters()
    page = db.paginate(registrations_query(event, filters), page=page_number(request.args.get("page")), per_page=PER_PAGE,
                       max_per_page=PER_PAGE, error_out=False)
    bulk = BulkActionForm()
    bulk.action.choices = options(Decision.choices())
    # ?select=page ticks every box on the page, ?select=all every registration matching the filters:
    # both work without JavaScript (with it, a header checkbox ticks the page).
    selection = request.args.get("select") if request.args.get("select") in ("page", "all") else None
    return render_template("registrations/index.html", event=event, page=page, filters=filters, bulk=bulk,
                           selection=selection, organizations=_organizations(event), statuses=list(Status),
                           categories=list(Category), unconfirmed=unconfirmed_count(event))


@bp.get("/<int:participant_id>")
@allow(Role.ORGANIZER)
def detail(participant_id: int):
    """Show one registration, its actions and its history."""
    participant = get_in_event_or_404(Participant, participant_id)
    return render_template("registrations/detail.html", participant=participant, event=participant.event,
                           history=entries_for("participant", participant.id),
                           actions=[a for a in ACTIONS.values() if participant.status in a.sources],
                           position=waitlist_position(participant), confirm_deadline=confirm_deadline(participant))


@bp.route("/<int:participant_id>/edit", methods=["GET", "POST"])
@allow(Role.ORGANIZER)
def edit(participant_id: int):
    """Change a registration's details (its status changes through the actions)."""
    participant = get_in_event_or_404(Participant, participant_id)
    event = participant.event

    def email_taken(email: str) -> bool:
        return db.session.scalar(sa.select(Participant.id).where(
            Participant.event_id == event.id, Participant.email == email, Participant.id != participant.id)) is not None

    form = StaffParticipantForm(obj=participant, event=event, locale=current_language(),
                                organizations=_organizations(event), email_taken=email_taken)
    if request.method == "GET":
        form.days.data = [day.id for day in participant.days]
        form.languages.data = ", ".join(participant.languages or [])
        form.latin_name.data = participant.latin_name or participant.badge_latin_name or ""  # a suggestion
        form.organization_id.data = participant.organization_id or 0
    if form.validate_on_submit():
        old_email = participant.email
        change = edit_registration(participant, form.answers(_EDITED_ONE_BY_ONE),
                                   organization_id=form.organization_id.data or None,
                                   organization_name=form.organization_name.data,
                                   days=[day for day in event.days if day.id in set(form.days.data)])
        db.session.commit()
        flash(_("The registration is saved."), "success")
        if participant.email != old_email:
            flash(_("The e-mail address changed: the old personal link no longer works, and a new one was sent to "
                    "the new address."), "info")
        if change.waitlisted:
            flash(_("The organization's quota is full: %(name)s is now on its waiting list.",
                    name=participant.full_name), "warning")
        if change.admitted:
            flash(_("%(name)s now has a place.", name=participant.full_name), "info")
        for promoted in change.promoted:
            flash(_("%(name)s moved off the waiting list into the freed place.", name=promoted.full_name), "info")
        return redirect(url_for("manage_registrations.detail", participant_id=participant.id))
    return render_template("registrations/edit.html", form=form, participant=participant, event=event), (
        422 if form.errors else 200)


@bp.route("/<int:participant_id>/<any(approve, admit, reject, cancel):action>", methods=["GET", "POST"])
@allow(Role.ORGANIZER)
def act(participant_id: int, action: str):
    """Apply one action to one registration and e-mail the person (GET asks for confirmation)."""
    participant = get_in_event_or_404(Participant, participant_id)
    if request.method == "GET":
        return render_template("registrations/confirm.html", participant=participant, action=action,
                               event=participant.event)
    _report(apply_action(action, [participant]), action)
    db.session.commit()
    return redirect(url_for("manage_registrations.detail", participant_id=participant.id))


@bp.post("/bulk")
@allow(Role.ORGANIZER)
def bulk():
    """Apply one action to every registration ticked in the list, or to all those matching its filters."""
    event = g.event
    # The list offers its actions above and below the table: take the one next to the button pressed.
    formdata = request.form.copy()
    chosen = formdata.get(f"action-{formdata.get('apply', 'top')}")
    if chosen is not None:
        formdata["action"] = chosen
    form = BulkActionForm(formdata=formdata)
    form.action.choices = options(Decision.choices())
    back = safe_next(request.form.get("next") or url_for("manage_registrations.index"))
    if not form.validate_on_submit():
        flash(_("Please tick the registrations again: the selection could not be read.") if form.ids.errors
              else _("Please choose an action."), "error")
        return redirect(back)
    if form.all_matching.data == "1":
        # The filters come from the form, the search words from the session, as on the list itself.
        filters = RegistrationFilter.from_args(request.form, q=session_value(current_user.session_key, SEARCH_KEY, ""))
        ids = [participant.id for participant in db.session.scalars(registrations_query(event, filters))]
        if str(len(ids)) != form.matching.data:
            flash(_("The list changed since you selected all of it: nothing was done. Please check the list and "
                    "select again."), "error")
            return redirect(back)
    else:
        ids = (form.ids.data or [])[:1000]
    participants = list(db.session.scalars(
        sa.select(Participant).where(Participant.event_id == event.id, Participant.id.in_(ids)))) if ids else []
    if not participants:
        flash(_("Please tick at least one registration."), "error")
        return redirect(back)
    _report(apply_action(form.action.data, participants), form.action.data)
    db.session.commit()
    return redirect(back)


@bp.get("/export.<any(csv, xlsx):fmt>")
@allow(Role.ORGANIZER)
def export(fmt: str):
    """Download the registrations matching the list's filters as CSV or Excel."""
    event = g.event
    participants = db.session.scalars(registrations_query(event, _filters()))
    rows = export_rows(participants)
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return send_file(io.BytesIO(table_file(rows, fmt, title="Participants")), mimetype=MEDIA_TYPES[fmt],
                     as_attachment=True, download_name=f"participants-{stamp}.{fmt}")


def _upload_path(token: str) -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"import-{token}.csv"


def _delete_stale_uploads() -> None:
    """Remove uploaded lists (personal data) nobody confirmed within UPLOAD_MAX_AGE."""
    limit = time.time() - UPLOAD_MAX_AGE.total_seconds()
    for path in Path(current_app.config["UPLOAD_FOLDER"]).glob("import-*.csv"):
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


@bp.route("/import", methods=["GET", "POST"])
@allow(Role.ORGANIZER)
def import_form():
    """Upload a CSV file and see, line by line, what importing it would do (nothing is written yet)."""
    event = g.event
    form = ImportUploadForm()
    if form.validate_on_submit():
        raw = form.file.data.read()
        try:
            plan = plan_import(event, raw)
        except ImportFileError as error:
            form.file.errors = [str(error)]
        else:
            token = secrets.token_urlsafe(16)
            _upload_path(token).write_bytes(raw)
            _delete_stale_uploads()
            confirm = ImportConfirmForm(token=token, notify=form.notify.data)
            return render_template("registrations/import_plan.html", plan=plan, confirm=confirm, event=event)
    return render_template("registrations/import.html", form=form, event=event), 422 if form.errors else 200


@bp.post("/import/confirm")
@allow(Role.ORGANIZER)
def import_confirm():
    """Import the file checked in the dry run: all of it, or its valid lines only if so chosen."""
    event = g.event
    form = ImportConfirmForm()
    token = form.token.data or ""
    path = _upload_path(token) if form.validate_on_submit() and UPLOAD_TOKEN.fullmatch(token) else None
    if path is None or not path.exists():
        flash(_("This import has expired or was already done. Please upload the file again."), "error")
        return redirect(url_for("manage_registrations.import_form"))
    plan = plan_import(event, path.read_bytes())
    if not plan.valid and not form.valid_only.data:
        flash(_("Some lines are not valid: correct the file, or choose to import only the valid lines."), "error")
        return render_template("registrations/import_plan.html", plan=plan, confirm=form, event=event), 422
    created, updated = apply_import(event, plan, valid_only=form.valid_only.data, notify=form.notify.data,
                                    locale=current_language())
    db.session.commit()
    path.unlink(missing_ok=True)
    flash(_("Import done: %(created)d created, %(updated)d updated, %(rejected)d lines left out.",
            created=created, updated=updated, rejected=plan.count("reject") if form.valid_only.data else 0),
          "success")
    return redirect(url_for("manage_registrations.index"))
