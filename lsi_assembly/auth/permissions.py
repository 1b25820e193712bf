"""Who may see what: staff views declare their roles; one guard per staff blueprint enforces them.

A view marked ``@allow(Role.ORGANIZER)`` can be used by organizers and admins. The guard,
installed on a blueprint with ``guard_blueprint(bp)``, runs before every view of that blueprint:
anonymous visitors are sent to the sign-in page, other roles get 403, and a view that declares
no roles at all is refused to everyone, so a forgotten declaration fails closed.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, current_app, request
from flask_login import current_user

from lsi_assembly.auth.models import Role
from lsi_assembly.extensions import login_manager


def allow(*roles: Role) -> Callable:
    """Declare which staff roles may use a view (admins always may)."""
    allowed = frozenset({Role.ADMIN, *roles})

    def decorator(view: Callable) -> Callable:
        view.allowed_roles = allowed
        return view

    return decorator


def allowed_roles(endpoint: str | None) -> frozenset[Role]:
    """Return the roles declared by the view behind ``endpoint`` (empty if none)."""
    view = current_app.view_functions.get(endpoint or "")
    return getattr(view, "allowed_roles", frozenset())


def _enforce_roles():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in allowed_roles(request.endpoint):
        abort(403)
    return None


def guard_blueprint(blueprint: Blueprint) -> None:
    """Check every request to ``blueprint`` against the roles its view declares."""
    blueprint.before_request(_enforce_roles)
