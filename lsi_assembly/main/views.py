"""The home page, the privacy notice and a health check."""
from flask import Blueprint, g, render_template

from lsi_assembly.core.event_scope import event_optional, load_event, without_event
from lsi_assembly.events.services import current_event
from lsi_assembly.privacy.services import schedule_rows
from lsi_assembly.privacy.settings import settings_for
from lsi_assembly.public.services import public_event_of

bp = Blueprint("main", __name__)
load_event(bp, current_event)


@bp.get("/")
@event_optional
def index():
    """Present the Assembly (and its public event, once the organizers open it)."""
    event = g.event
    public_event = public_event_of(event)
    return render_template("main/index.html", event=event,
                           public_event=public_event if public_event is not None and public_event.is_open else None)


@bp.get("/privacy")
@event_optional
def privacy():
    """Say what is collected, why, who sees it and for how long."""
    event = g.event
    return render_template("main/privacy.html", event=event,
                           settings=settings_for(event) if event is not None else None,
                           schedule=schedule_rows(event))


@bp.get("/health")
@without_event
def health():
    """Answer load balancers and benchmarks without touching the database."""
    return {"status": "ok"}
