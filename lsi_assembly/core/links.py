"""Absolute links for e-mails, built from BASE_URL when it is set."""
from __future__ import annotations

from flask import current_app, url_for


def external_url(endpoint: str, **values) -> str:
    """Return the absolute URL of ``endpoint``, under BASE_URL when configured."""
    base = current_app.config.get("BASE_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
