"""The home page, the privacy notice and a health check."""
from flask import render_template

from lsi_assembly.events.services import current_event
from lsi_assembly.main import bp


@bp.get("/")
def index():
    """Present the Assembly."""
    return render_template("main/index.html", event=current_event())


@bp.get("/privacy")
def privacy():
    """Say what is collected, why, who sees it and for how long."""
    return render_template("main/privacy.html", event=current_event())


@bp.get("/health")
def health():
    """Answer load balancers and benchmarks without touching the database."""
    return {"status": "ok"}
