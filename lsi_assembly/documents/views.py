"""Certificates on the web: /verify for whoever holds a code, the personal download, the organizers' bulk print."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from lsi_assembly.auth.models import Role
from lsi_assembly.core.i18n import current_language
from lsi_assembly.core.jobs import Job, start_job
from lsi_assembly.core.permissions import allow, guard_blueprint
from lsi_assembly.documents.forms import CertificatesForm
from lsi_assembly.documents.render import certificate_text, render_certificates
from lsi_assembly.documents.services import (
    count_eligible,
    count_issued,
    eligible_participants,
    find_certificate,
    grouped,
    has_attended,
    issue_certificate,
    issue_certificates,
    normalize_code,
    verify_base,
    verify_url,
)
from lsi_assembly.events.models import Event
from lsi_assembly.events.services import current_event_or_404
from lsi_assembly.extensions import db, limiter
from lsi_assembly.organizations.models import Organization
from lsi_assembly.registration.links import participant_from_link

#: Public pages: /verify, and the personal download beside the personal page.
bp = Blueprint("documents", __name__)
#: The organizers' pages, under /manage/documents.
staff_bp = Blueprint("manage_documents", __name__, url_prefix="/manage/documents")
guard_blueprint(staff_bp)

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
    """Show what the certificate with this code says, to whoever holds the code (no sign-in)."""
    certificate = find_certificate(code)
    if certificate is None:
        return _not_found(code)
    if code != grouped(certificate.code):
        return redirect(url_for("documents.verify", code=grouped(certificate.code)))
    text = certificate_text(certificate, current_language(), verify_url(certificate.code))
    return _private(make_response(render_template("documents/verify.html", text=text, typed=text.code,
                                                  event=certificate.event)))


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


def _form(event: Event, **kwargs) -> CertificatesForm:
    organizations = db.session.scalars(sa.select(Organization).where(Organization.event_id == event.id)
                                       .order_by(Organization.name))
    return CertificatesForm(organizations=list(organizations), **kwargs)


def _page(event: Event, form: CertificatesForm | None = None, status: int = 200):
    recent = db.session.scalars(sa.select(Job).where(Job.kind == "certificates").order_by(Job.id.desc()).limit(5))
    return render_template("documents/certificates.html", event=event, eligible=count_eligible(event),
                           issued=count_issued(event), recent=list(recent),
                           form=form or _form(event, formdata=None)), status


@staff_bp.get("/certificates")
@allow(Role.ORGANIZER)
def certificates():
    """Certificates of attendance: how many people may have one, and printing them in bulk."""
    return _page(current_event_or_404())


@staff_bp.post("/certificates")
@allow(Role.ORGANIZER)
def print_certificates():
    """Issue and print the certificates of everyone checked in (or of one organization) in the background."""
    event = current_event_or_404()
    form = _form(event)
    if not form.validate_on_submit():
        return _page(event, form, 422)
    organization_id = form.organization_id.data
    count = len(eligible_participants(event, organization_id))
    if count == 0:
        flash(_("Nobody of this organization has been checked in: there is no certificate to print.")
              if organization_id else _("Nobody has been checked in yet: there is no certificate to print."), "error")
        return redirect(url_for("manage_documents.certificates"))
    options = {"event_id": event.id, "organization_id": organization_id, "locale": current_language(),
               "base": verify_base()}
    job = start_job("certificates", count, current_user.id, lambda progress: _work(progress, **options))
    return redirect(url_for("manage.job", job_id=job.id))


def _work(progress, *, event_id: int, organization_id: int | None, locale: str,
          base: str) -> tuple[bytes, str, str]:
    """The job: issue the certificates (the job commits them) and print them (runs in the background thread)."""
    event = db.session.get(Event, event_id)
    certificates = issue_certificates(event, organization_id)
    with force_locale(locale):
        texts = [certificate_text(c, locale, verify_url(c.code, base)) for c in certificates]
        pdf = render_certificates(texts, locale, progress=progress)
        message = ngettext("%(num)d certificate", "%(num)d certificates", len(texts))
    return pdf, f"certificates-{date.today():%Y-%m-%d}.pdf", message
