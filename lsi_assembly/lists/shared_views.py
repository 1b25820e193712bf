"""What participants see of the lists: the shared participant list, from their personal link."""
from __future__ import annotations

from flask import Blueprint, abort, make_response, request

from lsi_assembly.core.i18n import current_language
from lsi_assembly.lists.render import cached_list_pdf
from lsi_assembly.lists.tables import GROUPINGS, build
from lsi_assembly.registration.links import participant_from_link
from lsi_assembly.registration.models import Status

bp = Blueprint("shared_list", __name__)


@bp.get("/registration/<token>/participants.pdf")
def participant_list(token: str):
    """The shared participant list, for confirmed participants, when the organizers offer it."""
    participant = participant_from_link(token)
    event = participant.event
    if not event.participant_list_shared or participant.status != Status.CONFIRMED:
        abort(404)
    group_by = request.args.get("group_by", "name")
    group_by = group_by if group_by in GROUPINGS else "name"
    table = build("participants", event, group_by=group_by, locale=current_language())
    # Made once and kept while it does not change: at thousands of names a PDF takes seconds to make.
    response = make_response(cached_list_pdf(table, event, current_language(), group_by))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = "attachment; filename=participants.pdf"
    return response
