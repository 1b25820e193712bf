"""The organizers' page of the public event: settings, counts, the list and its export, a message to all.

The entry desk's pages live in ``desk_views``."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lsi_assembly.auth.models import Role
from lsi_assembly.auth.permissions import allow, guard_blueprint
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.event_scope import load_event
from lsi_assembly.core.forms import page_number
from lsi_assembly.core.tabular import MEDIA_TYPES, table_file
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.public import services
from lsi_assembly.public.forms import MessageForm, PublicEventForm
from lsi_assembly.public.models import AttendeeStatus, PublicEvent

bp = Blueprint("manage_public", __name__, url_prefix="/manage/public")
guard_blueprint(bp)
load_event(bp, current_event)

ORGANIZERS = (Role.ORGANIZER,)
PAGE_SIZE = 100
#: The public event's default date and times: 25 June of the Assembly, 18:00-20:30 at the venue.
DEFAULT_DAY, DEFAULT_START, DEFAULT_END = (6, 25), (18, 0), (20, 30)


def _local(event, moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(event.timezone))


def _utc(event, day, clock) -> datetime:
    return datetime.combine(day, clock).replace(tzinfo=ZoneInfo(event.timezone)).astimezone(timezone.utc)


@bp.route("/", methods=["GET", "POST"])
@allow(*ORGANIZERS)
def index():
    """Settings, counts with a picture of the room, the list (filter, search, pages)."""
    event = g.event
    public_event = services.public_event_of(event)
    if public_event is not None:
        services.sweep(public_event)
        db.session.commit()
    form = PublicEventForm(obj=public_event)
    if request.method == "GET":
        if public_event is not None:
            starts, ends = _local(event, public_event.starts_at), _local(event, public_event.ends_at)
            form.date.data, form.starts.data, form.ends.data = starts.date(), starts.time(), ends.time()
        else:
            day = next((d.date for d in event.days if (d.date.month, d.date.day) == DEFAULT_DAY),
                       event.first_day)
            form.title.data = _("Public event")
            form.date.data = day
            form.starts.data = datetime(2000, 1, 1, *DEFAULT_START).time()
            form.ends.data = datetime(2000, 1, 1, *DEFAULT_END).time()
            form.venue.data = event.venue
            form.venue_fr.data = event.venue_fr
    if form.validate_on_submit():
        if public_event is None:
            public_event = PublicEvent(event=event)
            db.session.add(public_event)
        else:
            services.lock(public_event)
        for name in ("title", "description", "venue", "capacity", "confirm_hours", "claim_hours", "is_open"):
            setattr(public_event, name, getattr(form, name).data)
        for name in ("title_fr", "description_fr", "venue_fr"):  # empty: the English text is shown
            setattr(public_event, name, getattr(form, name).data or None)
        public_event.no_show_percent = form.no_show_percent.data or 0
        public_event.starts_at = _utc(event, form.date.data, form.starts.data)
        public_event.ends_at = _utc(event, form.date.data, form.ends.data)
        db.session.flush()
        offered = services.offer_free_seats(public_event, utcnow())  # more seats: the line moves up
        db.session.commit()
        flash(_("Saved.") + (" " + _("%(count)d people on the waiting list were offered a seat.",
                                     count=len(offered)) if offered else ""), "success")
        return redirect(url_for("manage_public.index"))
    status = request.args.get("status") or None
    if status not in {s.value for s in AttendeeStatus}:
        status = None
    page = page_number(request.args.get("page"))
    people, total = [], 0
    counts = None
    if public_event is not None:
        stmt = services.attendees_query(public_event, status)
        total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
        people = list(db.session.scalars(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
        counts = services.counts(public_event)
    return render_template("public/manage.html", event=event, public_event=public_event, form=form,
                           counts=counts, people=people, total=total, page=page, page_size=PAGE_SIZE,
                           status=status, statuses=list(AttendeeStatus),
                           local=lambda moment: _local(event, moment) if moment else None), \
        422 if form.errors else 200


def _own_public_event() -> PublicEvent:
    public_event = services.public_event_of(g.event)
    if public_event is None:
        abort(404)
    return public_event


EXPORT_COLUMNS = ("name", "email", "affiliation", "status", "language", "accessibility_needs", "registered_at",
                  "confirmed_at", "waiting_since", "checked_in_at")


@bp.get("/export.<fmt>")
@allow(*ORGANIZERS)
def export(fmt: str):
    """The whole list as CSV or Excel (formula cells neutralized), in the order of the page."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    public_event = _own_public_event()
    event = public_event.event
    stamp = lambda moment: _local(event, moment).strftime("%Y-%m-%d %H:%M") if moment else ""  # noqa: E731
    rows = [list(EXPORT_COLUMNS)] + [
        [p.name, p.email, p.affiliation or "", p.status, p.locale, p.accessibility_needs or "", stamp(p.created_at),
         stamp(p.confirmed_at), stamp(p.queued_at), stamp(p.checked_in_at)]
        for p in db.session.scalars(services.attendees_query(public_event))]
    response = make_response(table_file(rows, fmt, title="Public event"))
    response.headers["Content-Type"] = MEDIA_TYPES[fmt]
    response.headers["Content-Disposition"] = f"attachment; filename=public-event.{fmt}"
    return response


@bp.route("/message", methods=["GET", "POST"])
@allow(*ORGANIZERS)
def message():
    """Write to every confirmed attendee (a change of venue, of time)."""
    public_event = _own_public_event()
    form = MessageForm()
    if form.validate_on_submit():
        count = services.message_confirmed(public_event, form.subject.data, form.body.data)
        db.session.commit()
        flash(_("The message goes out to %(count)d confirmed attendees.", count=count), "success")
        return redirect(url_for("manage_public.index"))
    return render_template("public/message.html", public_event=public_event, form=form,
                           confirmed=services.counts(public_event)["confirmed"]), 422 if form.errors else 200
