"""Printing voting cards through the badge engine: the one path used by the organizers' page and the command line.

``card_layout`` places and fits the texts (pure), Jinja writes the sheets, ``core.pdf`` prints them.
Runs are rendered in chunks of whole sheets, one after the other, so that ``progress(done, total)``
moves as cards are finished; the chunks are joined into one PDF.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import render_template
from flask_babel import ngettext
from flask_babel import gettext as _

from lsi_assembly.assembly import services
from lsi_assembly.assembly.card_layout import CardText, PlacedCard, card_boxes, crop_marks, place_card
from lsi_assembly.assembly.models import VotingCard
from lsi_assembly.badges.layout import Preset
from lsi_assembly.core.dates import format_days
from lsi_assembly.core.i18n import current_language
from lsi_assembly.core.localized import localized
from lsi_assembly.core.pdf import join_pdfs, render_pdf
from lsi_assembly.events.models import Event

STYLESHEETS = ("css/voting_cards.css",)
#: Cards a chunk (whole A4 sheets): the progress moves every chunk, a chunk costs little to join.
CHUNK = 40


def event_dates(event: Event) -> str:
    """The event's days as people read them in the current language ("25–27 June 2027")."""
    start, end = event.first_day, event.last_day
    if start is None:
        return ""
    return format_days(start, end or start)


def card_text(card: VotingCard, event: Event) -> CardText:
    """What ``card`` says, in the current language: the member whose vote it carries, its votes, who holds it."""
    holder = card.participant
    holders_member = holder.organization
    proxy = card.organization_id != holder.organization_id
    dates = event_dates(event)
    return CardText(
        code=card.code,
        title=_("Voting card"),
        event=localized(event, "name"),
        assembly=_("General Assembly · %(dates)s", dates=dates) if dates else _("General Assembly"),
        vote_of=_("Vote of"),
        member=card.organization.name,
        votes=ngettext("%(num)d vote", "%(num)d votes", card.votes),
        holder=_("Held by %(holder)s", holder=holder.full_name),
        role=_("Voting delegate of %(member)s", member=holders_member.name if holders_member else ""),
        proxy=_("By proxy of %(member)s", member=card.organization.name) if proxy else None,
        code_label=_("Card code"),
    )


def _sheets(cards: list[PlacedCard], per_page: int) -> list[list[PlacedCard]]:
    return [cards[i:i + per_page] for i in range(0, len(cards), per_page)]


def cards_html(placed: list[PlacedCard], sheet: Preset) -> str:
    """The HTML of the sheets of ``placed`` cards."""
    return render_template("assembly/voting_card_sheet.html", sheet=sheet, sheets=_sheets(placed, sheet.per_page),
                           boxes=card_boxes(sheet.badge_width, sheet.badge_height), positions=sheet.positions(),
                           marks=crop_marks(sheet), language=current_language())


def render_cards(texts: list[CardText], sheet: Preset, progress: Callable[[int, int], None] | None = None) -> bytes:
    """Fit and print voting cards on ``sheet`` and return the PDF."""
    boxes = card_boxes(sheet.badge_width, sheet.badge_height)
    placed = [place_card(text, boxes) for text in texts]
    total = len(placed)
    size = max(sheet.per_page, CHUNK // sheet.per_page * sheet.per_page)
    pdfs = []
    for start in range(0, total, size):
        pdfs.append(render_pdf(cards_html(placed[start:start + size], sheet), STYLESHEETS))
        if progress:
            progress(min(start + size, total), total)
    return pdfs[0] if len(pdfs) == 1 else join_pdfs(pdfs)


def print_and_record(event: Event, sheet: Preset, *, not_printed: bool,
                     progress: Callable[[int, int], None] | None = None,
                     cards_ready: Callable[[], None] | None = None) -> tuple[bytes, int]:
    """Bring the voting cards up to date, print the valid ones (``not_printed``: only those never printed)
    and note them as printed; returns (PDF, number of cards). The caller commits.

    ``cards_ready`` is called once the cards are up to date and their texts read, before the
    rendering: a caller commits there (``cards_ready=db.session.commit``) so that the event's lock,
    taken to bring the cards up to date, is not held while the PDF is made.
    """
    cards = services.voting_cards_to_print(event, not_printed=not_printed)
    texts = [card_text(card, event) for card in cards]
    if cards_ready is not None:
        cards_ready()
    if not cards:
        return b"", 0
    pdf = render_cards(texts, sheet, progress)
    services.record_card_prints(cards)
    return pdf, len(cards)
