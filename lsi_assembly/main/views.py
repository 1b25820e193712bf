"""The home page, the privacy notice, a health check and a readiness check."""
from flask import Blueprint, current_app, g, render_template

from lsi_assembly.core.event_scope import event_optional, load_event, without_event
from lsi_assembly.core.readiness import database_ready, queue_ready
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db, limiter
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
@limiter.exempt
def health():
    """Answer load balancers and benchmarks without touching the database."""
    return {"status": "ok"}


@bp.get("/ready")
@without_event
@limiter.exempt
def ready():
    """Answer 200 when the database and the task queue answer, else 503 naming the part that failed."""
    checks = {
        "database": database_ready(db.engine, current_app.config["READY_DB_TIMEOUT"]),
        "queue": queue_ready(current_app.config["QUEUE_URL"]),
    }
    body = {"status": "ready" if all(checks.values()) else "unavailable",
            "checks": {part: "ok" if fine else "failed" for part, fine in checks.items()}}
    response = current_app.json.response(body)
    response.status_code = 200 if all(checks.values()) else 503
    response.headers["Cache-Control"] = "no-store"
    return response
