"""Certificates as PDF (A4, one page each) and as the text the verification page shows: the same words.

``certificate_text`` puts a certificate into words in one language; the PDF template and the
``/verify`` page both show those words, so the page says exactly what the paper says. Many
certificates are laid out in one process per core (``core.pdf.render_numbered_parts``); fewer, or
on one core, in chunks one after the other, so that a progress bar moves.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import render_template

from lsi_assembly.core.dates import format_day, format_days
from lsi_assembly.core.localized import localized
from lsi_assembly.core.pdf import PartFailed, join_pdfs, render_numbered_parts, render_pdf, workers
from lsi_assembly.documents.models import Certificate
from lsi_assembly.documents.services import grouped, venue_date

log = logging.getLogger(__name__)

STYLESHEETS = ("css/certificates.css",)
#: From this many certificates on, they are laid out in one process per core.
PARALLEL_FROM = 150
#: Certificates laid out at once in one process: the progress moves by this many.
CHUNK = 50


@dataclass
class CertificateText:
    """What one certificate says, in one language: plain strings for the PDF and the verification page."""

    code: str
    url: str
    name: str
    organization: str | None
    event_name: str
    place_and_dates: str
    days: list[str]
    issued: str
    signatory: str
    signatory_title: str | None
    superseded: str | None


def _dates(certificate: Certificate, locale: str) -> str:
    start, end = certificate.event_start, certificate.event_end
    if start is None:
        return ""
    return format_days(start, end or start, locale)


def certificate_text(certificate: Certificate, locale: str, url: str) -> CertificateText:
    """The certificate in words of ``locale``; ``url`` is its verification address."""
    return CertificateText(
        code=grouped(certificate.code),
        url=url,
        name=certificate.name,
        organization=certificate.organization,
        event_name=localized(certificate, "event_name", locale),
        place_and_dates=", ".join(filter(None, (localized(certificate, "event_place", locale),
                                                _dates(certificate, locale)))),
        days=[format_day(day, "full", locale) for day in certificate.day_dates],
        issued=format_day(venue_date(certificate, certificate.issued_at), "long", locale),
        signatory=certificate.signatory,
        signatory_title=certificate.signatory_title,
        superseded=(format_day(venue_date(certificate, certificate.superseded_at), "long", locale)
                    if certificate.superseded_at else None),
    )


def certificates_html(texts: list[CertificateText], locale: str) -> str:
    """One HTML document with a page per certificate."""
    return render_template("documents/certificate.html", texts=texts, locale=locale)


def render_certificates(texts: list[CertificateText], locale: str, *,
                        progress: Callable[[int, int], None] | None = None, parallel: bool | None = None) -> bytes:
    """The certificates as one PDF, a page each; ``progress(done, total)`` as they are laid out."""
    total = len(texts)
    if not total:
        raise ValueError("no certificate to render")
    report = progress or (lambda _done, _total: None)
    if parallel is None:
        parallel = total >= PARALLEL_FROM and workers() > 1
    if parallel:
        size = -(-total // workers())
        documents = [certificates_html(texts[i:i + size], locale) for i in range(0, total, size)]
        try:
            # Laying the pages out is most of the work; writing the parts and joining them, the rest.
            pdf = render_numbered_parts(documents, STYLESHEETS,
                                        progress=lambda _step, _pages: report(total * 9 // 10, total))
        except PartFailed:
            log.warning("certificates laid out in one process: a part failed", exc_info=True)
        else:
            report(total, total)
            return pdf
    pdfs = []
    for start in range(0, total, CHUNK):
        pdfs.append(render_pdf(certificates_html(texts[start:start + CHUNK], locale), STYLESHEETS))
        report(min(start + CHUNK, total), total)
    return pdfs[0] if len(pdfs) == 1 else join_pdfs(pdfs)
