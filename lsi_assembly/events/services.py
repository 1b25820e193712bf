"""Finding the event the app serves."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from lsi_assembly.events.models import Event, EventDay
from lsi_assembly.extensions import db


def current_event() -> Event | None:
    """Return the event being organized: the one whose days come last."""
    last_day = (
        sa.select(sa.func.max(EventDay.date)).where(EventDay.event_id == Event.id).scalar_subquery()
    )
    stmt = (
        sa.select(Event)
        .options(selectinload(Event.days))
        .order_by(last_day.desc().nulls_last(), Event.id.desc())
        .limit(1)
    )
    return db.session.scalars(stmt).first()


def current_event_or_404() -> Event:
    """Return the event being organized, or answer 404 when there is none yet."""
    event = current_event()
    if event is None:
        abort(404)
    return event
