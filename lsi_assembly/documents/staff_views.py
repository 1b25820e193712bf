"""The organizers' pages for certificates of attendance, under /manage/documents: printing them in bulk."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from lsi_assembly.auth.models import Role
from lsi_assembly.auth.permissions import allow, guard_blueprint
from lsi_assembly.core.event_scope import load_event
from lsi_assembly.core.i18n import current_language
from lsi_assembly.core.jobs import job_work, new_job, recent_jobs, start_job
from lsi_assembly.documents.forms import CertificatesForm
from lsi_assembly.documents.render import certificate_text, render_certificates
from lsi_assembly.documents.services import (
    count_eligible,
    count_issued,
    eligible_participants,
    issue_certificates,
    verify_base,
    verify_url,
)
from lsi_assembly.events.models import Event
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization

bp = Blueprint("manage_documents", __name__, url_prefix="/manage/documents")
guard_blueprint(bp)
load_event(bp, current_event)


def _form(event: Event, **kwargs) -> CertificatesForm:
    organizations = db.session.scalars(sa.select(Organization).where(Organization.event_id == event.id)
                                       .order_by(Organization.name))
    return CertificatesForm(organizations=list(organizations), **kwargs)


def _page(event: Event, form: CertificatesForm | None = None, status: int = 200):
    recent = recent_jobs("certificates")
    return render_template("documents/certificates.html", event=event, eligible=count_eligible(event),
                           issued=count_issued(event), recent=recent,
                           form=form or _form(event, formdata=None)), status


@bp.get("/certificates")
@allow(Role.ORGANIZER)
def certificates():
    """Certificates of attendance: how many people may have one, and printing them in bulk."""
    return _page(g.event)


@bp.post("/certificates")
@allow(Role.ORGANIZER)
def print_certificates():
    """Issue and print the certificates of everyone checked in (or of one organization) in the background."""
    event = g.event
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
    job = new_job("certificates", count, current_user.id, **options)
    db.session.commit()  # before the job starts: the worker reads the committed row
    start_job(job)
    return redirect(url_for("manage.job", job_id=job.id))


@job_work("certificates")
def _work(progress, *, event_id: int, organization_id: int | None, locale: str,
          base: str) -> tuple[bytes, str, str]:
    """The job: issue the certificates (the job commits them) and print them (runs in the worker)."""
    event = db.session.get(Event, event_id)
    certificates = issue_certificates(event, organization_id)
    with force_locale(locale):
        texts = [certificate_text(c, locale, verify_url(c.code, base)) for c in certificates]
        pdf = render_certificates(texts, locale, progress=progress)
        message = ngettext("%(num)d certificate", "%(num)d certificates", len(texts))
    return pdf, f"certificates-{date.today():%Y-%m-%d}.pdf", message
