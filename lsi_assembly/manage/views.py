"""The organizers' dashboard, the audit log and (for administrators) staff accounts."""
import sqlalchemy as sa
from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lsi_assembly.auth.forms import StaffAccountForm, StaffRoleForm
from lsi_assembly.auth.models import Role, User
from lsi_assembly.auth.permissions import allow, guard_blueprint
from lsi_assembly.auth.services import create_user, find_user, make_reset_token
from lsi_assembly.core.audit import AuditEntry
from lsi_assembly.core.event_scope import event_optional, load_event, without_event
from lsi_assembly.core.forms import page_number, parse_id
from lsi_assembly.core.i18n import current_language
from lsi_assembly.core.jobs import Job, restart_job, send_result, start_job
from lsi_assembly.core.links import external_url
from lsi_assembly.core.mail import queue_mail
from lsi_assembly.events.forms import EventTextsForm
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.manage.services import dashboard, timeline_chart

bp = Blueprint("manage", __name__, url_prefix="/manage")
guard_blueprint(bp)
load_event(bp, current_event)

AUDIT_KINDS = ("participant", "organization", "user", "check_in", "public_event", "event", "event_day")


@bp.get("/")
@event_optional
@allow(Role.ORGANIZER)
def index():
    """Show who is coming at a glance: counts, catering, quotas and registrations over time."""
    event = g.event
    if event is None:
        return render_template("manage/index.html", event=None)
    figures = dashboard(event)
    return render_template("manage/index.html", event=event, figures=figures,
                           chart=timeline_chart(figures.timeline))


@bp.get("/audit")
@event_optional
@allow(Role.ORGANIZER)
def audit():
    """The whole audit log, newest first, filtered by kind of record (and one record)."""
    kind = request.args.get("kind", "")
    record = request.args.get("id", "")
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id.desc())
    if kind in AUDIT_KINDS:
        stmt = stmt.where(AuditEntry.entity_type == kind)
        entity_id = parse_id(record)
        if entity_id is not None:
            stmt = stmt.where(AuditEntry.entity_id == entity_id)
    page = db.paginate(stmt, page=page_number(request.args.get("page")), per_page=50, max_per_page=50,
                       error_out=False)
    return render_template("manage/audit.html", page=page, kind=kind, kinds=AUDIT_KINDS, event=g.event,
                           filters={k: v for k, v in (("kind", kind), ("id", record)) if v})


@bp.route("/event", methods=["GET", "POST"])
@allow(Role.ORGANIZER)
def event():
    """The event's own texts in English and French: its name, venue and each day's label (not its dates)."""
    event = g.event
    form = EventTextsForm(obj=event)
    if form.validate_on_submit() and len(form.days.entries) == len(event.days):
        event.name, event.name_fr = form.name.data, form.name_fr.data or None
        event.venue, event.venue_fr = form.venue.data or None, form.venue_fr.data or None
        for day, entry in zip(event.days, form.days.entries, strict=True):
            day.label, day.label_fr = entry.form.label.data or None, entry.form.label_fr.data or None
        db.session.commit()
        flash(_("The event's texts are saved."), "success")
        return redirect(url_for("manage.event"))
    posted = request.method == "POST"
    if posted and len(form.days.entries) != len(event.days):
        form = EventTextsForm(formdata=None, obj=event)
        flash(_("The event's days have changed meanwhile: please check the form and save again."), "error")
    return render_template("manage/event.html", form=form, event=event,
                           days=list(zip(event.days, form.days.entries))), 422 if posted else 200


@bp.route("/users", methods=["GET", "POST"])
@event_optional
@allow()
def users():
    """List staff accounts; create one, whose owner gets a link to set a password."""
    form = StaffAccountForm()
    if form.validate_on_submit():
        if find_user(form.email.data) is not None:
            form.email.errors = [_("An account with this address already exists.")]
        else:
            user = create_user(form.email.data, None, Role(form.role.data), name=form.name.data)
            queue_mail(user.email, "account_created", current_language(), user=user,
                       link=external_url("auth.reset_password_form", token=make_reset_token(user, invite=True)))
            db.session.commit()
            flash(_("The account is created; %(email)s has been sent a link to choose a password.",
                    email=user.email), "success")
            return redirect(url_for("manage.users"))
    accounts = db.session.scalars(sa.select(User).order_by(User.active.desc(), User.email)).all()
    return render_template("manage/users.html", form=form, accounts=accounts, event=g.event,
                           role_form=StaffRoleForm), 422 if form.errors else 200


@bp.post("/users/<int:user_id>")
@without_event
@allow()
def update_user(user_id: int):
    """Change an account's role, or switch it off or on (never one's own)."""
    user = db.get_or_404(User, user_id)
    form = StaffRoleForm()
    if user.id == current_user.id:
        flash(_("You cannot change your own account here: ask another administrator."), "error")
    elif form.validate_on_submit():
        user.role = form.role.data
        user.active = form.active.data
        db.session.commit()
        flash(_("The account %(email)s is saved.", email=user.email), "success")
    return redirect(url_for("manage.users"))


@bp.get("/jobs/<int:job_id>")
@without_event
@allow(Role.ORGANIZER)
def job(job_id: int):
    """How a background job is doing; the page refreshes itself until it is done.

    A done workshop assignment leads to its report, with the job's word on it."""
    job = db.get_or_404(Job, job_id)
    if job.kind == "assignment" and job.status == "done":
        flash(job.message or "", "success")
        return redirect(url_for("manage_assignment.report"))
    return render_template("manage/job.html", job=db.get_or_404(Job, job_id))


@bp.post("/jobs/<int:job_id>/restart")
@without_event
@allow(Role.ORGANIZER)
def job_restart(job_id: int):
    """Start again a job that failed or whose worker died (same choices, a fresh run)."""
    job = db.get_or_404(Job, job_id)
    if restart_job(job):
        db.session.commit()  # before the worker takes it
        start_job(job)
        flash(_("The print run was started again."), "success")
    else:
        flash(_("This print run is not stopped: it cannot be started again."), "error")
    return redirect(url_for("manage.job", job_id=job_id))


@bp.get("/jobs/<int:job_id>/download")
@without_event
@allow(Role.ORGANIZER)
def job_download(job_id: int):
    """The result of a finished job."""
    return send_result(db.get_or_404(Job, job_id))
