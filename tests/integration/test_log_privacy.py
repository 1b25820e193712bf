"""The signed tokens of personal links never reach a log line: Flask's exception log, the development
server's access log and gunicorn's access log show "…" in their place."""
from __future__ import annotations

import logging

import pytest

from lsi_assembly.assembly import delegation_views
from lsi_assembly.core.log_privacy import HIDDEN, HideTokens, token_prefixes

TOKEN = "WzEsIkpXd2Z4R2pQRzZ3In0.ZsBkYg.q9m3vXc0bUo2-Lr3kHfRz_8x1aE"


def test_every_signed_token_url_of_the_app_is_covered(app):
    prefixes = token_prefixes(rule.rule for rule in app.url_map.iter_rules())
    for prefix in ("/delegation/", "/registration/", "/login/reset/", "/public/ticket/", "/public/claim/",
                   "/public/cancel/", "/public/confirm/"):
        assert prefix in prefixes


def test_flasks_exception_log_hides_the_delegation_token(app, client, caplog, monkeypatch):
    def broken(token):
        raise RuntimeError("boom")

    monkeypatch.setattr(delegation_views, "organization_from_token", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(app, "testing", False)
    with caplog.at_level(logging.ERROR):
        response = client.get(f"/delegation/{TOKEN}")
    assert response.status_code == 500
    [record] = [r for r in caplog.records if r.getMessage().startswith("Exception on")]
    assert record.getMessage() == f"Exception on /delegation/{HIDDEN} [GET]"
    assert TOKEN not in caplog.text and record.exc_info is not None  # the traceback is still there


@pytest.mark.parametrize(("logger", "message", "args", "expected"), [
    ("werkzeug", '%s - - [%s] "%s" %s -', ("127.0.0.1", "06/Dec/2026 04:00:00",
                                          f"POST /delegation/{TOKEN}/mandate HTTP/1.1", "302"),
     f'127.0.0.1 - - [06/Dec/2026 04:00:00] "POST /delegation/{HIDDEN}/mandate HTTP/1.1" 302 -'),
    ("werkzeug", "%s", (f"GET /registration/{TOKEN}/certificate.pdf?lang=fr HTTP/1.1",),
     f"GET /registration/{HIDDEN}/certificate.pdf?lang=fr HTTP/1.1"),
    # gunicorn's access log: its format with a dict of atoms, the Referer included.
    ("gunicorn.access", '%(h)s "%(r)s" %(s)s "%(f)s"',
     ({"h": "10.0.0.1", "r": f"GET /public/ticket/{TOKEN} HTTP/1.1", "s": "200",
       "f": f"https://assembly.example.org/login/reset/{TOKEN}"},),
     f'10.0.0.1 "GET /public/ticket/{HIDDEN} HTTP/1.1" 200 "https://assembly.example.org/login/reset/{HIDDEN}"'),
    # Plain words of a path stay readable.
    ("werkzeug", "%s", ("GET /registration/sent HTTP/1.1",), "GET /registration/sent HTTP/1.1"),
])
def test_access_logs_hide_the_tokens(app, caplog, logger, message, args, expected):
    with caplog.at_level(logging.INFO, logger=logger):
        logging.getLogger(logger).info(message, *args)
    assert [r.getMessage() for r in caplog.records if r.name == logger] == [expected]
    assert TOKEN not in caplog.text


def test_a_new_app_replaces_the_filter_instead_of_adding_one(make_app):
    make_app()
    make_app()
    for name in ("werkzeug", "gunicorn.access", "lsi_assembly.app"):
        assert sum(isinstance(f, HideTokens) for f in logging.getLogger(name).filters) == 1
