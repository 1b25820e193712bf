"""Certificates on the web: /verify for whoever holds a code, and the personal download."""
from __future__ import annotations

from flask import Blueprint, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lsi_assembly.core.i18n import current_language
from lsi_assembly.documents.render import certificate_text, render_certificates
from lsi_assembly.documents.services import (
    find_certificate,
    grouped,
    has_attended,
    issue_certificate,
    normalize_code,
    verify_url,
)
from lsi_assembly.extensions import db, limiter
from lsi_assembly.registration.links import participant_from_link
from lsi_assembly.visas.render import verification_text
from lsi_assembly.visas.services import find_letter

#: Public pages: /verify, and the personal download beside the personal page.
bp = Blueprint("documents", __name__)

#: One limit for both /verify pages: typing codes and following them count together.
verify_limit = limiter.shared_limit(lambda: current_app.config["VERIFY_RATE_LIMIT"], scope="verify")

bp.add_app_template_global(has_attended, "has_attended")


def _private(response):
    """What a certificate says is for whoever holds its code: no search engine, no shared cache."""
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/verify")
@verify_limit
def verify_form():
    """Ask for a certificate's code; a code typed in any way leads to its page."""
    raw = request.args.get("code", "")
    if not raw.strip():
        return _private(make_response(render_template("documents/verify.html", text=None, typed="")))
    code = normalize_code(raw)
    if code is None:
        return _not_found(raw)
    return redirect(url_for("documents.verify", code=grouped(code)))


def _not_found(typed: str):
    return _private(make_response(render_template("documents/verify.html", text=None, typed=typed[:40],
                                                  not_found=True), 404))


@bp.get("/verify/<code>")
@verify_limit
def verify(code: str):
    """Show what the document with this code says, to whoever holds the code (no sign-in): a certificate of
    attendance or a visa letter (``visas``), the one verification page of every document the app issues."""
    certificate = find_certificate(code)
    if certificate is None:
        return _verify_letter(code)
    if code != grouped(certificate.code):
        return redirect(url_for("documents.verify", code=grouped(certificate.code)))
    text = certificate_text(certificate, current_language(), verify_url(certificate.code))
    return _private(make_response(render_template("documents/verify.html", text=text, typed=text.code,
                                                  event=certificate.event)))


def _verify_letter(code: str):
    """A visa letter's page: the letter, its date, the holder's name as in the passport, the Assembly's dates."""
    letter = find_letter(code)
    if letter is None:
        return _not_found(code)
    if code != grouped(letter.code):
        return redirect(url_for("documents.verify", code=grouped(letter.code)))
    text = verification_text(letter, current_language())
    return _private(make_response(render_template("documents/verify.html", text=None, letter=text,
                                                  typed=text.code)))


@bp.get("/registration/<token>/certificate.pdf")
def my_certificate(token: str):
    """The person's certificate of attendance, once they were checked in (404 before)."""
    participant = participant_from_link(token)
    certificate = issue_certificate(participant)
    if certificate is None:
        return render_template("errors/error.html", code=404, title=_("No certificate yet"), message=_(
            "A certificate of attendance is issued once you have been checked in at the Assembly's desk.")), 404
    locale = current_language()
    pdf = render_certificates([certificate_text(certificate, locale, verify_url(certificate.code))], locale)
    db.session.commit()
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = "attachment; filename=certificate-of-attendance.pdf"
    return response
