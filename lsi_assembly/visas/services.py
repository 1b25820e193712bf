"""Visa letters: asking, correcting, the organizers' decisions, numbering, and deleting the passport data.

Services change data and flush; the request (or command) commits. Each decision re-reads the letter
after taking the event's lock (``core.locking``, first in the lock order), so two organizers deciding at
once cannot both act on the same request, and the reference numbers of an event follow each other
without gaps: the next number is read under that lock and the unique (event, number) index backs it.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from sqlalchemy.orm import selectinload

from lsi_assembly.core.database import utcnow
from lsi_assembly.core.locking import lock
from lsi_assembly.core.mail import queue_mail
from lsi_assembly.documents.services import new_code, normalize_code, verify_base, verify_url
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from lsi_assembly.registration.links import personal_link
from lsi_assembly.registration.models import Participant, Status
from lsi_assembly.visas.models import EDITABLE, Letterhead, LetterStatus, VisaLetter
from lsi_assembly.visas.personal_data import ISSUED_MAIL, delete_passport_data
from lsi_assembly.visas.render import letter_text, render_letters

#: The PDF's file name, in the e-mail and the download.
FILE_NAME = "visa-invitation-letter.pdf"


class NotAllowed(Exception):
    """The letter is not in a state where this can be done (someone else decided first)."""


@dataclass(frozen=True)
class PassportData:
    """What the person sends: as in their passport, and the consulate they apply at."""

    passport_name: str
    nationality: str
    passport_number: str
    birth_date: date
    passport_expiry: date
    consulate_city: str
    consulate_country: str


def letter_for(participant: Participant) -> VisaLetter | None:
    """The participant's visa letter (request), if they asked for one."""
    return db.session.scalar(sa.select(VisaLetter).where(VisaLetter.participant_id == participant.id))


def can_request(participant: Participant) -> bool:
    """Tell whether the person may ask for a letter: a confirmed registration without one yet."""
    return participant.status == Status.CONFIRMED


def letters(event: Event, status: str | None = None) -> list[VisaLetter]:
    """The event's letters, newest request first (of one status if given)."""
    stmt = (sa.select(VisaLetter).where(VisaLetter.event_id == event.id)
            .options(selectinload(VisaLetter.participant)).order_by(VisaLetter.requested_at.desc(), VisaLetter.id.desc()))
    if status:
        stmt = stmt.where(VisaLetter.status == status)
    return list(db.session.scalars(stmt))


def issued_letters(event: Event, participant: Participant | None = None) -> list[VisaLetter]:
    """The event's issued letters whose passport data is still held, by reference."""
    stmt = sa.select(VisaLetter).where(VisaLetter.event_id == event.id, VisaLetter.status == LetterStatus.ISSUED,
                                       VisaLetter.passport_deleted_at.is_(None)).order_by(VisaLetter.number)
    if participant is not None:
        stmt = stmt.where(VisaLetter.participant_id == participant.id)
    return list(db.session.scalars(stmt))


def find_letter(raw: str | None) -> VisaLetter | None:
    """The letter with the verification code ``raw`` (typed in any of the accepted ways)."""
    code = normalize_code(raw)
    if code is None:
        return None
    return db.session.scalar(sa.select(VisaLetter).where(VisaLetter.code == code)
                             .options(selectinload(VisaLetter.event)))


def letterhead_for(event: Event) -> Letterhead:
    """The event's letterhead; an unsaved empty one when the organizers never saved theirs."""
    found = db.session.scalar(sa.select(Letterhead).where(Letterhead.event_id == event.id))
    return found if found is not None else Letterhead(event_id=event.id, address="", signatory_name="")


def stored_letterhead(event: Event) -> Letterhead:
    """The event's letterhead row, added to the session when there was none (for a change)."""
    letterhead = letterhead_for(event)
    if letterhead.id is None and letterhead not in db.session:
        db.session.add(letterhead)
    return letterhead


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip())


def save_request(participant: Participant, data: PassportData) -> VisaLetter:
    """Ask for a letter, or correct a request not decided yet (a request asked to be corrected goes back
    to the organizers). Raises NotAllowed when the person may not (not confirmed, or already decided)."""
    if not can_request(participant):
        raise NotAllowed("the registration is not confirmed")
    letter = letter_for(participant)
    if letter is None:
        letter = VisaLetter(event_id=participant.event_id, participant_id=participant.id)
        db.session.add(letter)
    elif not letter.editable:
        raise NotAllowed("the letter was decided already")
    letter.passport_name = _nfc(data.passport_name)
    letter.nationality = data.nationality
    letter.passport_number = _nfc(data.passport_number).upper()
    letter.birth_date = data.birth_date.isoformat()
    letter.passport_expiry = data.passport_expiry.isoformat()
    letter.consulate_city = _nfc(data.consulate_city)
    letter.consulate_country = data.consulate_country
    letter.status = LetterStatus.REQUESTED
    letter.requested_at = utcnow()
    db.session.flush()
    return letter


def _decide(letter: VisaLetter, allowed: tuple[str, ...]) -> VisaLetter:
    """Lock the event, read the letter as it is now, and check that the decision still applies."""
    lock(Event, letter.event_id)
    db.session.refresh(letter)
    if letter.status not in allowed or (letter.passport_deleted_at is not None and letter.status != LetterStatus.ISSUED):
        raise NotAllowed(f"the letter is {letter.status}")
    return letter


def reference_for(event: Event, number: int) -> str:
    """The printed reference of letter ``number`` of ``event``: ``LSI-2027-V-0001``."""
    year = (event.first_day or utcnow().date()).year
    return f"LSI-{year}-V-{number:04d}"


def approve(letter: VisaLetter, *, costs: str, costs_note: str | None, language: str, by: str) -> bytes:
    """Issue the letter: the next reference number of the event, a verification code, the PDF, e-mailed to
    the person as an attachment. Returns the PDF."""
    _decide(letter, EDITABLE)
    last = db.session.scalar(sa.select(sa.func.max(VisaLetter.number)).where(VisaLetter.event_id == letter.event_id))
    letter.number = (last or 0) + 1
    letter.reference = reference_for(letter.event, letter.number)
    letter.code = new_code()
    letter.costs, letter.costs_note, letter.language = costs, (costs_note or None), language
    letter.status = LetterStatus.ISSUED
    letter.issued_at, letter.issued_by, letter.message = utcnow(), by, None
    db.session.flush()
    pdf = letter_pdf(letter)
    participant = letter.participant
    if participant is not None:
        queue_mail(participant.email, ISSUED_MAIL, participant.locale, participant=participant,
                   letter=letter, link=personal_link(participant.access_key),
                   attachments=[(FILE_NAME, "application/pdf", pdf)])
    return pdf


def ask_correction(letter: VisaLetter, message: str) -> None:
    """Send the request back to the person with what to correct (e-mailed)."""
    _decide(letter, EDITABLE)
    letter.status, letter.message = LetterStatus.CORRECTION, message
    db.session.flush()
    _tell(letter, "visa_letter_correction")


def decline(letter: VisaLetter, reason: str) -> None:
    """Decline the request with a reason (e-mailed); the passport data goes at once: it is not needed."""
    _decide(letter, EDITABLE)
    letter.status, letter.message = LetterStatus.DECLINED, reason
    delete_passport_data(letter)
    _tell(letter, "visa_letter_declined")


def revoke(letter: VisaLetter, by: str) -> None:
    """Revoke an issued letter: /verify says so from now on; the person is told."""
    _decide(letter, (LetterStatus.ISSUED,))
    letter.status, letter.revoked_at, letter.revoked_by = LetterStatus.REVOKED, utcnow(), by
    db.session.flush()
    _tell(letter, "visa_letter_revoked")


def _tell(letter: VisaLetter, template: str) -> None:
    participant = letter.participant
    if participant is not None:
        queue_mail(participant.email, template, participant.locale, participant=participant, letter=letter,
                   link=personal_link(participant.access_key))


def letter_pdf(letter: VisaLetter, base: str | None = None) -> bytes:
    """The letter as a PDF in its language (the passport data must still be held)."""
    language = letter.language or "en"
    with force_locale(language):
        text = letter_text(letter, letterhead_for(letter.event), language,
                           verify_url(letter.code, base or verify_base()))
        return render_letters([text])


def letters_pdf(letters_: list[VisaLetter], base: str, progress=None) -> bytes:
    """Several letters in one PDF, each in its own language."""
    texts = []
    for letter in letters_:
        language = letter.language or "en"
        with force_locale(language):
            texts.append(letter_text(letter, letterhead_for(letter.event), language, verify_url(letter.code, base)))
    return render_letters(texts, progress=progress)


def default_language(letter: VisaLetter) -> str:
    """The letter's language by default: the person's, when it is one of the app's languages."""
    locale = letter.participant.locale if letter.participant is not None else "en"
    return locale if locale in current_app.config["LANGUAGES"] else "en"
