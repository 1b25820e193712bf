"""Back office pages."""
from flask import render_template

from lsi_assembly.auth.models import Role
from lsi_assembly.core.permissions import allow
from lsi_assembly.events.services import current_event
from lsi_assembly.manage import bp
from lsi_assembly.manage.services import quota_overview, status_counts


@bp.get("/")
@allow(Role.ORGANIZER)
def index():
    """Overview: registrations by status, and each organization against its quota."""
    event = current_event()
    if event is None:
        return render_template("manage/index.html", event=None, counts={}, quotas=[])
    return render_template("manage/index.html", event=event, counts=status_counts(event),
                           quotas=quota_overview(event))
