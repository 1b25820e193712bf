"""The pages every audience shares: the language switch (blueprint ``i18n``)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request

from lsi_assembly.core.i18n import COOKIE, safe_next

bp = Blueprint("i18n", __name__)


@bp.get("/language/<code>")
def switch(code: str):
    """Remember the chosen language and go back to the page it was chosen on."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    response = redirect(safe_next(request.args.get("next")))
    response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
