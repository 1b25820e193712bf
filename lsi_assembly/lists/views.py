"""The organizers' lists page: every list as PDF (printed in the background, with progress), CSV or Excel."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from lsi_assembly.assembly.models import StatutorySession
from lsi_assembly.assembly.services import AssemblyError, find_session, list_sessions
from lsi_assembly.auth.models import Role
from lsi_assembly.auth.permissions import allow, guard_blueprint
from lsi_assembly.core.event_scope import load_event
from lsi_assembly.core.i18n import current_language
from lsi_assembly.core.jobs import job_work, new_job, start_job
from lsi_assembly.events.models import Event
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.lists.render import MEDIA_TYPES, list_file, list_pdf
from lsi_assembly.lists.tables import GROUPINGS, KINDS, SESSION_KINDS, build

bp = Blueprint("manage_lists", __name__, url_prefix="/manage/lists")
guard_blueprint(bp)
load_event(bp, current_event)


def _choices(event: Event) -> dict:
    """The list asked for, from the query string (404 for anything unknown)."""
    kind = request.args.get("kind", "")
    fmt = request.args.get("format", "pdf")
    group_by = request.args.get("group_by", "name")
    if kind not in KINDS or fmt not in MEDIA_TYPES or group_by not in GROUPINGS:
        abort(404)
    day_id = request.args.get("day", "")
    day = next((d for d in event.days if str(d.id) == day_id), None)
    if day_id and day is None:
        abort(404)
    session = None
    if kind in SESSION_KINDS:
        try:
            session = find_session(event, request.args.get("session", ""))
        except AssemblyError:
            abort(404)
    return {"kind": kind, "fmt": fmt, "group_by": group_by, "day": day, "session": session,
            "with_names": request.args.get("with_names") == "1"}


@bp.get("/")
@allow(Role.ORGANIZER)
def index():
    """Every list, with its options and formats."""
    event = g.event
    return render_template("lists/index.html", event=event, kinds=KINDS, groupings=GROUPINGS,
                           sessions=list_sessions(event))


@bp.post("/sharing")
@allow(Role.ORGANIZER)
def sharing():
    """Offer the shared participant list to confirmed participants (on their personal page), or stop."""
    event = g.event
    event.participant_list_shared = request.form.get("shared") == "y"
    db.session.commit()
    flash(_("Confirmed participants can now download the participant list from their personal page.")
          if event.participant_list_shared else _("The participant list is no longer offered to participants."),
          "success")
    return redirect(url_for("manage_lists.index"))


@bp.get("/file")
@allow(Role.ORGANIZER)
def download():
    """One list: CSV and Excel at once; a PDF is printed in the background (its page shows progress)."""
    event = g.event
    chosen = _choices(event)
    name = f"{chosen['kind']}{'-' + chosen['day'].date.isoformat() if chosen['day'] else ''}.{chosen['fmt']}"
    if chosen["session"] is not None:
        name = f"{chosen['kind']}-{chosen['session'].id}.{chosen['fmt']}"
    if chosen["fmt"] == "pdf":
        job = new_job("list", 0, current_user.id, kind=chosen["kind"], event_id=event.id,
                      day_id=chosen["day"].id if chosen["day"] else None,
                      session_id=chosen["session"].id if chosen["session"] else None,
                      group_by=chosen["group_by"], with_names=chosen["with_names"], name=name,
                      locale=current_language())
        db.session.commit()  # before the job starts: the worker reads the committed row
        start_job(job)
        return redirect(url_for("manage.job", job_id=job.id))
    table = build(chosen["kind"], event, day=chosen["day"], group_by=chosen["group_by"], locale=current_language(),
                  with_names=chosen["with_names"], session=chosen["session"])
    response = make_response(list_file(table, event, chosen["fmt"]))
    response.headers["Content-Type"] = MEDIA_TYPES[chosen["fmt"]]
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    return response


@job_work("list")
def _pdf_work(progress, *, kind: str, event_id: int, day_id: int | None, session_id: int | None, group_by,
              with_names, name: str, locale: str) -> tuple[bytes, str, str]:
    """The job: one list as a PDF (runs in the worker)."""
    the_event = db.session.get(Event, event_id)
    the_day = next((d for d in the_event.days if d.id == day_id), None)
    the_session = db.session.get(StatutorySession, session_id) if session_id else None
    with force_locale(locale):
        table = build(kind, the_event, day=the_day, group_by=group_by, locale=locale,
                      with_names=with_names, session=the_session)
        # Steps, in percent: rows chosen, pages laid out (long lists, in parts), file written.
        progress(5, 100)
        pdf = list_pdf(table, the_event, progress=lambda _step, _pages: progress(75, 100))
        progress(100, 100)
        return pdf, name, _("%(list)s, %(rows)d rows", list=table.title, rows=table.row_count)
