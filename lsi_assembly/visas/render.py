"""Visa letters as PDF (A4, one page each): the words in the letter's language, laid out by WeasyPrint.

``letter_text`` puts a letter into words of one language (every word, so that letters of different
languages can share one document); ``templates/visas/letter.html`` only lays them out.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from flask import render_template
from flask_babel import gettext as _

from lsi_assembly.badges.logo import data_url
from lsi_assembly.core.countries import country_name
from lsi_assembly.core.dates import format_day, format_days
from lsi_assembly.core.localized import localized
from lsi_assembly.core.pdf import join_pdfs, render_pdf
from lsi_assembly.documents.services import grouped
from lsi_assembly.visas.models import CostCover, Letterhead, VisaLetter

STYLESHEETS = ("css/visa-letter.css",)
#: Letters laid out at once: the progress moves by this many.
CHUNK = 25


@dataclass
class LetterText:
    """What one letter says, in one language (plain strings; the template escapes them)."""

    language: str
    logo_url: str | None
    address_lines: list[str]
    signature_url: str | None
    signatory: str
    signatory_title: str | None
    place_and_date: str
    reference_label: str
    reference: str
    addressee: list[str]
    title: str
    subject: str
    salutation: str
    paragraphs: list[str]
    closing: str
    code_label: str
    code: str
    how: str
    url: str


def issue_date(letter: VisaLetter) -> date:
    """The letter's date: the day it was issued, at the venue."""
    return letter.issued_at.astimezone(ZoneInfo(letter.event.timezone)).date()


def assembly_dates(letter: VisaLetter, language: str) -> str:
    """The Assembly's dates in words (``24–26 June 2027``)."""
    event = letter.event
    if event.first_day is None:
        return ""
    return format_days(event.first_day, event.last_day or event.first_day, language)


def letter_text(letter: VisaLetter, letterhead: Letterhead, language: str, url: str) -> LetterText:
    """The letter in words of ``language`` (call within ``force_locale(language)``); ``url`` verifies it."""
    event = letter.event
    event_name = localized(event, "name", language)
    place = ", ".join(filter(None, (localized(event, "venue", language), event.city)))
    costs = str(CostCover.label_of(letter.costs)) if letter.costs else ""
    if letter.costs_note:
        costs = f"{costs} ({letter.costs_note})"
    paragraphs = [
        _("La Strada International invites %(name)s, a national of %(nationality)s, born on %(birth)s, holder of "
          "passport number %(passport)s valid until %(expiry)s, to take part in the %(event)s, held in %(place)s, "
          "%(dates)s.",
          name=letter.passport_name, nationality=country_name(letter.nationality, language),
          birth=format_day(letter.birth, "long", language), passport=letter.passport_number,
          expiry=format_day(letter.expiry, "long", language), event=event_name, place=place,
          dates=assembly_dates(letter, language)),
        _("La Strada International is the European network against trafficking in human beings; its General "
          "Assembly brings together the delegates of its member organizations."),
        _("Costs: %(costs)s.", costs=costs),
        _("We kindly ask you to grant the visa needed for this stay. This letter can be verified with its "
          "code at the address below."),
    ]
    return LetterText(
        language=language,
        logo_url=data_url(letterhead.logo, letterhead.logo_type) if letterhead.logo else None,
        address_lines=[line for line in letterhead.address.splitlines() if line.strip()],
        signature_url=data_url(letterhead.signature, letterhead.signature_type) if letterhead.signature else None,
        signatory=letterhead.signatory_name,
        signatory_title=letterhead.signatory_title,
        place_and_date=f"{event.city}, {format_day(issue_date(letter), 'long', language)}",
        reference_label=_("Reference"),
        reference=letter.reference or "",
        addressee=[_("To the visa section of the consulate"),
                   f"{letter.consulate_city}, {country_name(letter.consulate_country, language)}"],
        title=_("Invitation letter"),
        subject=_("Subject: invitation to the %(event)s", event=event_name),
        salutation=_("Dear Sir or Madam,"),
        paragraphs=paragraphs,
        closing=_("Yours faithfully,"),
        code_label=_("Verification code"),
        code=grouped(letter.code or ""),
        how=_("Whoever holds this code can check this letter at:"),
        url=url,
    )


def letters_html(texts: list[LetterText]) -> str:
    """One HTML document with a page per letter."""
    return render_template("visas/letter.html", texts=texts)


def render_letters(texts: list[LetterText], *,
                   progress: Callable[[int, int], None] | None = None) -> bytes:
    """The letters as one PDF, a page each; ``progress(done, total)`` as they are laid out."""
    total = len(texts)
    if not total:
        raise ValueError("no letter to render")
    pdfs = []
    for start in range(0, total, CHUNK):
        pdfs.append(render_pdf(letters_html(texts[start:start + CHUNK]), STYLESHEETS))
        if progress:
            progress(min(start + CHUNK, total), total)
    return pdfs[0] if len(pdfs) == 1 else join_pdfs(pdfs)


@dataclass
class VerificationText:
    """What /verify says of a letter: the letter, its date, the holder's name, the Assembly's dates; no more."""

    code: str
    reference: str
    issued: str
    holder: str | None
    event_name: str
    dates: str
    revoked: str | None


def verification_text(letter: VisaLetter, language: str) -> VerificationText:
    """The letter as its verification page shows it (holder None once the passport data is deleted)."""
    zone = ZoneInfo(letter.event.timezone)
    return VerificationText(
        code=grouped(letter.code or ""),
        reference=letter.reference or "",
        issued=format_day(issue_date(letter), "long", language) if letter.issued_at else "",
        holder=letter.passport_name,
        event_name=localized(letter.event, "name", language),
        dates=assembly_dates(letter, language),
        revoked=format_day(letter.revoked_at.astimezone(zone).date(), "long", language) if letter.revoked_at else None,
    )
