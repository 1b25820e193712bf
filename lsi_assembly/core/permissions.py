"""Who may see what: one decorator checks every management view against the staff roles."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from lsi_assembly.auth.models import Role
from lsi_assembly.extensions import login_manager


def roles_required(*roles: Role) -> Callable:
    """Let through signed-in staff whose role is listed (admins always); others get 302 or 403."""
    allowed = {Role.ADMIN, *roles}

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(allowed)
        return wrapped

    return decorator
