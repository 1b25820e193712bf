"""The chair's pages, under /manage/assembly: statutory sessions, the live quorum, the projector,
recording the quorum and vote results.

Organizers only, except the projector and its figures (``status.json``), which desk staff may open
too: they show member organizations and counts, never a person.
"""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _

from lsi_assembly.assembly import services
from lsi_assembly.assembly.forms import SessionForm, VoteForm
from lsi_assembly.assembly.models import StatutorySession
from lsi_assembly.assembly.quorum import simple_fraction
from lsi_assembly.assembly.services import AssemblyError
from lsi_assembly.auth.models import Role
from lsi_assembly.auth.permissions import allow, guard_blueprint
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.event_scope import get_in_event_or_404, load_event
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db

bp = Blueprint("manage_assembly", __name__, url_prefix="/manage/assembly")
guard_blueprint(bp)
load_event(bp, current_event)

#: How often the pages ask for fresh figures with JavaScript (milliseconds): the projector, the chair's page.
PROJECTOR_POLL_MS = 2000
CHAIR_POLL_MS = 5000


@bp.app_template_filter("quorum_fraction")
def quorum_fraction_text(value: Decimal) -> str:
    """A quorum fraction as people say it: 1/2, 2/3, else a decimal in the reader's language (0,55)."""
    simple = simple_fraction(value)
    if simple is not None and simple.denominator > 1:
        return f"{simple.numerator}/{simple.denominator}"
    return format_decimal(Decimal(value).normalize(), format="0.####")


def _session_form(session: StatutorySession | None = None) -> SessionForm:
    event = g.event
    form = SessionForm(obj=session, event=event, name_taken=lambda name: services.session_name_taken(
        event, name, excluding=session.id if session else None))
    if session is not None and not form.is_submitted():
        form.quorum_fraction.data = quorum_fraction_text(session.quorum_fraction).replace(",", ".")
    return form


def _save_session(form: SessionForm, session: StatutorySession | None) -> StatutorySession | None:
    """Add or change the session from a valid form; None (and the reason on the form) when a rule refuses."""
    values = {"starts_at": form.starts_at.data, "ends_at": form.ends_at.data,
              "quorum_fraction": form.quorum_fraction.fraction}
    try:
        if session is None:
            session = services.add_session(g.event, form.name.data, form.chosen_day, **values)
        else:
            services.change_session(session, form.name.data, form.chosen_day, **values)
    except AssemblyError as error:
        db.session.rollback()
        form.name.errors = [*form.name.errors, str(error)]
        return None
    db.session.commit()
    return session


@bp.route("/", methods=["GET", "POST"])
@allow(Role.ORGANIZER)
def index():
    """The sessions of the event with their live quorum, and the form to add one."""
    event = g.event
    form = _session_form()
    if form.validate_on_submit():
        session = _save_session(form, None)
        if session is not None:
            flash(_("The session “%(name)s” is added.", name=session.name), "success")
            return redirect(url_for("manage_assembly.index"))
    sessions = services.list_sessions(event)
    return render_template("assembly/index.html", event=event, form=form,
                           sessions=[(s, services.status(s).as_dict()) for s in sessions],
                           poll_ms=CHAIR_POLL_MS), 422 if form.errors else 200


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@allow(Role.ORGANIZER)
def edit_session(session_id: int):
    """Change a session; delete it while nothing happened in it."""
    session = get_in_event_or_404(StatutorySession, session_id)
    form = _session_form(session)
    if form.validate_on_submit() and _save_session(form, session) is not None:
        flash(_("The session is saved."), "success")
        return redirect(url_for("manage_assembly.index"))
    return render_template("assembly/edit.html", event=g.event, form=form, session=session,
                           in_use=services.session_in_use(session)), 422 if form.errors else 200


@bp.post("/sessions/<int:session_id>/delete")
@allow(Role.ORGANIZER)
def delete_session(session_id: int):
    """Delete a session nobody entered and in which nothing was recorded."""
    session = get_in_event_or_404(StatutorySession, session_id)
    name = session.name
    try:
        services.delete_session(session)
    except AssemblyError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("manage_assembly.edit_session", session_id=session_id))
    db.session.commit()
    flash(_("The session “%(name)s” is deleted.", name=name), "success")
    return redirect(url_for("manage_assembly.index"))


def _chair_page(session: StatutorySession, vote_form: VoteForm):
    status = services.status(session).as_dict()
    return render_template("assembly/session.html", event=g.event, session=session, status=status,
                           vote_form=vote_form, records=services.quorum_records(session),
                           votes=services.vote_results(session), poll_ms=CHAIR_POLL_MS, now=utcnow()), (
        422 if vote_form.errors else 200)


@bp.get("/sessions/<int:session_id>")
@allow(Role.ORGANIZER)
def session(session_id: int):
    """The chair's page: the live figures and members, the recorded quorums, the vote form and results."""
    return _chair_page(get_in_event_or_404(StatutorySession, session_id), VoteForm())


@bp.post("/sessions/<int:session_id>/quorum")
@allow(Role.ORGANIZER)
def record_quorum(session_id: int):
    """Record the quorum now (who, when, the figures, the members present and represented)."""
    session = get_in_event_or_404(StatutorySession, session_id)
    record = services.record_quorum(session)
    db.session.commit()
    flash(_("Quorum recorded: %(present)d votes present, %(needed)d needed: %(outcome)s.",
            present=record.votes_present, needed=record.votes_needed,
            outcome=_("reached") if record.quorum else _("not reached")), "success")
    return redirect(url_for("manage_assembly.session", session_id=session.id) + "#recorded-quorums")


@bp.post("/sessions/<int:session_id>/votes")
@allow(Role.ORGANIZER)
def record_vote(session_id: int):
    """Record a vote's result; refused (nothing saved) when more votes were cast than are present now."""
    session = get_in_event_or_404(StatutorySession, session_id)
    form = VoteForm()
    if form.validate_on_submit():
        try:
            result = services.record_vote(session, form.motion.data, form.votes_for.data, form.votes_against.data,
                                          form.abstentions.data)
        except AssemblyError as error:
            db.session.rollback()
            form.votes_for.errors = [*form.votes_for.errors, str(error)]
        else:
            db.session.commit()
            flash(_("Vote result recorded: %(for)d for, %(against)d against, %(abstentions)d abstentions.",
                    **{"for": result.votes_for, "against": result.votes_against,
                       "abstentions": result.abstentions}), "success")
            return redirect(url_for("manage_assembly.session", session_id=session.id) + "#vote-results")
    return _chair_page(session, form)


@bp.get("/sessions/<int:session_id>/projector")
@allow(Role.DESK, Role.ORGANIZER)
def projector(session_id: int):
    """The figures in large type for the hall's screen; reloads itself every 10 s, or updates every 2 s with JS."""
    session = get_in_event_or_404(StatutorySession, session_id)
    return render_template("assembly/projector.html", event=g.event, session=session,
                           status=services.status(session).as_dict(), poll_ms=PROJECTOR_POLL_MS, now=utcnow())


@bp.get("/sessions/<int:session_id>/status.json")
@allow(Role.DESK, Role.ORGANIZER)
def status_json(session_id: int):
    """The quorum now, as ``flask assembly status --json`` prints it."""
    session = get_in_event_or_404(StatutorySession, session_id)
    return jsonify(services.status(session).as_dict())
