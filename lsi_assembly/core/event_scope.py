"""The event of a request, loaded once into ``g.event``, and rows fetched by id within it.

A blueprint whose pages belong to the event being organized installs ``load_event(bp, find_event)``
(``find_event`` is ``events.services.current_event``, passed in because core imports no domain
package). Before each of its views, ``g.event`` is set, and a request answers 404 when there is no
event, unless the view is marked ``@event_optional`` (``g.event`` is then None). A view marked
``@without_event`` loads nothing: a personal link names its own event, and the health check must not
touch the database. On a staff blueprint, install the role guard first: an anonymous visitor is
sent to the sign-in page whether or not there is an event.

``get_in_event_or_404(Model, id)`` returns the row with that id if it belongs to ``g.event``, else
404, so that an id typed into a URL never reaches another event's data. A model with an
``event_id`` column is filtered on it; one that reaches its event through relationships names them
in an ``event_path`` class attribute (``WorkshopRun.event_path = ("workshop",)``).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, g, request

from lsi_assembly.extensions import db

Row = TypeVar("Row")
#: What a view declares (``view.event_use``): the default, ``REQUIRED``, answers 404 without an event.
REQUIRED, OPTIONAL, UNUSED = "required", "optional", "unused"


def event_optional(view: Callable) -> Callable:
    """Mark a view that also works without an event (``g.event`` is then None)."""
    view.event_use = OPTIONAL
    return view


def without_event(view: Callable) -> Callable:
    """Mark a view that needs no event at all: nothing is loaded for it."""
    view.event_use = UNUSED
    return view


def load_event(blueprint: Blueprint, find_event: Callable[[], object | None]) -> None:
    """Set ``g.event = find_event()`` before every view of ``blueprint`` (404 without one, see above)."""

    def load() -> None:
        use = getattr(current_app.view_functions.get(request.endpoint or ""), "event_use", REQUIRED)
        if use == UNUSED:
            return
        g.event = find_event()
        if g.event is None and use == REQUIRED:
            abort(404)

    blueprint.before_request(load)


def get_in_event_or_404(model: type[Row], object_id: int) -> Row:
    """Return the ``model`` row with ``object_id`` if it belongs to this request's event, else answer 404."""
    stmt = sa.select(model).where(model.id == object_id)
    owner = model
    for name in getattr(model, "event_path", ()):
        relationship = getattr(owner, name)
        stmt = stmt.join(relationship)
        owner = relationship.property.mapper.class_
    row = db.session.scalar(stmt.where(owner.event_id == g.event.id))
    if row is None:
        abort(404)
    return row
