"""Travel support's personal data: retention rules, erasure and the person's export.

- ``travel_receipts``: the receipt files (and their rows) go some time after the event (default 180 days:
  the accountant needs them to close the accounts).
- ``travel_details``: the route and the reasons written by the person or the organizers are blanked later;
  the amounts stay, attached to the registration, which the ``participants`` rule anonymizes.
- Erasure or anonymization of a person deletes their receipts and blanks the texts at once.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from lsi_assembly.core.personal_data import RetentionRule, register_eraser, register_exporter, register_rule
from lsi_assembly.extensions import db
from lsi_assembly.travel.models import CostKind, TravelReceipt, TravelRequest
from lsi_assembly.travel.receipts import delete_receipt_file
from lsi_assembly.travel.services import delete_receipts, request_of


#: How old a receipt file without a row must be to be taken for the leftover of a failed claim.
ORPHAN_AGE = timedelta(days=1)


def _blank_texts(travel: TravelRequest) -> None:
    travel.route = ""
    travel.reason = ""
    travel.conditions = None
    travel.decline_reason = None


def _purge_receipts(run) -> int:
    count = 0
    for event in run.events():
        if not run.due(event):
            continue
        receipts = db.session.scalars(sa.select(TravelReceipt).join(TravelRequest).where(
            TravelRequest.event_id == event.id)).all()
        count += len(receipts)
        if not run.dry_run:
            for receipt in receipts:
                delete_receipt_file(receipt.stored_name)
                db.session.delete(receipt)
            db.session.flush()
    if not run.dry_run:
        count += _delete_orphan_files(run.now)
    return count


def _delete_orphan_files(now) -> int:
    """Files left by a claim whose transaction failed: no row names them. Only those older than a day: a
    claim being sent at this moment has written its files and not yet committed its rows."""
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "receipts"
    if not folder.is_dir():
        return 0
    known = set(db.session.scalars(sa.select(TravelReceipt.stored_name)))
    limit = (now - ORPHAN_AGE).timestamp()
    orphans = [path for path in folder.iterdir()
               if path.is_file() and path.name not in known and path.stat().st_mtime < limit]
    for path in orphans:
        path.unlink(missing_ok=True)
    return len(orphans)


def _purge_details(run) -> int:
    count = 0
    for event in run.events():
        if not run.due(event):
            continue
        where = (TravelRequest.event_id == event.id,
                 sa.or_(TravelRequest.route != "", TravelRequest.reason != "", TravelRequest.conditions.is_not(None),
                        TravelRequest.decline_reason.is_not(None)))
        requests = db.session.scalars(sa.select(TravelRequest).where(*where)).all()
        count += len(requests)
        if not run.dry_run:
            for travel in requests:
                _blank_texts(travel)
            db.session.flush()
    return count


register_rule(RetentionRule(
    "travel_receipts", _l("Travel support: the receipts sent with a claim (files)"),
    _l("%(days)s days after the Assembly ends"), 180, _purge_receipts, order=80, min_days=1, max_days=3650,
    after_event=True))
register_rule(RetentionRule(
    "travel_details", _l("Travel support: the route and the reasons given (the amounts are kept, without a name, "
                         "for the accounts)"),
    _l("%(days)s days after the Assembly ends"), 365, _purge_details, order=81, max_days=3650, after_event=True))


@register_eraser
def erase_travel(participant) -> None:
    """Delete the person's receipts and blank the texts of their request; the amounts stay for the accounts."""
    travel = request_of(participant)
    if travel is None:
        return
    delete_receipts(travel)
    _blank_texts(travel)
    db.session.flush()


def _money(value) -> str | None:
    return None if value is None else str(value)


@register_exporter("travel_support")
def export_travel(participant) -> dict | None:
    """The person's request, decision, claim and payment (receipts by date and type, not their content)."""
    travel = request_of(participant)
    if travel is None:
        return None
    return {
        "status": travel.status,
        "currency": travel.currency,
        "estimated": {kind.value: _money(travel.estimated(kind)) for kind in CostKind},
        "route": travel.route,
        "reason": travel.reason,
        "granted_eur": _money(travel.granted_eur),
        "conditions": travel.conditions,
        "decline_reason": travel.decline_reason,
        "decided_at": travel.decided_at.isoformat() if travel.decided_at else None,
        "claimed": ({kind.value: _money(travel.claimed(kind)) for kind in CostKind}
                    if travel.claimed_at else None),
        "claimed_at": travel.claimed_at.isoformat() if travel.claimed_at else None,
        "receipts": [{"uploaded_at": r.uploaded_at.isoformat(), "type": r.content_type, "size": r.size}
                     for r in travel.receipts],
        "paid_eur": _money(travel.paid_eur),
        "paid_on": travel.paid_on.isoformat() if travel.paid_on else None,
    }
