"""Absolute links for e-mails, built from BASE_URL when it is set."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


class NoBaseURL(RuntimeError):
    """A link must be built outside a request (a command) and BASE_URL is not set."""


def external_url(endpoint: str, **values) -> str:
    """Return the absolute URL of ``endpoint``: under BASE_URL when configured, else the request's host."""
    base = current_app.config.get("BASE_URL")
    if has_request_context():
        return base + url_for(endpoint, **values) if base else url_for(endpoint, _external=True, **values)
    if not base:
        raise NoBaseURL("Set BASE_URL (e.g. https://assembly.example.org) to send links from a command.")
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)
