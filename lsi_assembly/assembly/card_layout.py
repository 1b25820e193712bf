"""Voting card geometry and text fitting: pure Python, no Flask, no SQLAlchemy (the badge engine's layout).

A voting card is A6 portrait (105 x 148 mm), printed one per A6 page or four on an A4 sheet with
crop marks. Everything is in millimetres from the card's top-left corner, font sizes in points;
``place_card`` fits every text to its box with the badge engine's ``fit_text``, so a long member or
holder name gets smaller or goes on two lines instead of overflowing. The texts arrive already
translated (``CardText``): this module only measures and places them.
"""
from __future__ import annotations

from dataclasses import dataclass

from lsi_assembly.badges.layout import (
    LINE_HEIGHT,
    MM_PER_PT,
    SAFETY,
    Box,
    FittedText,
    Preset,
    fit_block,
    fit_text,
    metrics,
)

CARD_WIDTH = 105.0
CARD_HEIGHT = 148.0

#: The sheets cards are printed on: one card per A6 page, or four per A4 page (cut along the crop marks).
SHEETS: dict[str, Preset] = {preset.name: preset for preset in (
    Preset("a6", "A6, one card per page", CARD_WIDTH, CARD_HEIGHT, CARD_WIDTH, CARD_HEIGHT),
    Preset("a4", "A4, four cards per page with crop marks", 210, 297, CARD_WIDTH, CARD_HEIGHT, 2, 2),
)}

#: Crop marks: their length, and how far from the paper's edge they start (printers leave a few mm blank).
MARK_LENGTH = 5.0
EDGE_BLANK = 4.0


@dataclass(frozen=True)
class CardText:
    """What one voting card says, translated; ``proxy`` is None on a member's own card."""

    code: str
    title: str
    event: str
    assembly: str
    vote_of: str
    member: str
    votes: str
    holder: str
    role: str
    proxy: str | None
    code_label: str


@dataclass(frozen=True)
class CardBoxes:
    """The parts of a card, relative to its top-left corner."""

    band: Box
    event: Box
    assembly: Box
    vote_of: Box
    member: Box
    votes: Box
    holder: Box
    role: Box
    proxy: Box
    qr: Box
    code_label: Box
    code: Box
    padding: float


def card_boxes(width: float = CARD_WIDTH, height: float = CARD_HEIGHT) -> CardBoxes:
    """Place the parts of a portrait card of ``width`` x ``height`` mm (proportions of A6)."""
    pad = round(0.057 * width, 2)
    text = width - 2 * pad
    y = height / CARD_HEIGHT  # the A6 measurements below, scaled to this card's height
    band = Box(0, 0, width, 15 * y)
    event = Box(pad, band.bottom + 4 * y, text, 11 * y)
    assembly = Box(pad, event.bottom + 0.5 * y, text, 5.5 * y)
    vote_of = Box(pad, assembly.bottom + 5 * y, text, 5 * y)
    member = Box(pad, vote_of.bottom + 0.5 * y, text, 24 * y)
    votes = Box(pad, member.bottom + 1 * y, text, 10 * y)
    holder = Box(pad, votes.bottom + 3 * y, text, 11 * y)
    role = Box(pad, holder.bottom + 0.5 * y, text, 8.5 * y)
    proxy = Box(pad, role.bottom + 0.5 * y, text, 8.5 * y)
    qr_size = min(0.3 * width, height - proxy.bottom - pad - 1 * y)
    qr = Box(width - pad - qr_size, height - pad - qr_size, qr_size, qr_size)
    code = Box(pad, height - pad - 5 * y, width - 3 * pad - qr_size, 5 * y)
    code_label = Box(pad, code.y - 4.5 * y, code.width, 4.5 * y)
    return CardBoxes(band, event, assembly, vote_of, member, votes, holder, role, proxy, qr, code_label, code, pad)


@dataclass(frozen=True)
class PlacedCard:
    """A card with every text fitted to its box, ready for the template."""

    text: CardText
    title: FittedText
    event: FittedText
    assembly: FittedText
    vote_of: FittedText
    member: FittedText
    votes: FittedText
    holder: FittedText
    role: FittedText
    proxy: FittedText | None
    code_label: FittedText
    code: FittedText


def max_pt(box: Box, lines: int, cap: float) -> float:
    """The largest font size at which ``lines`` lines fill ``box``'s height, at most ``cap``."""
    return min(cap, box.height / (lines * LINE_HEIGHT * MM_PER_PT))


def fit_name(text: str, box: Box, cap: float, min_pt: float, bold: bool = False) -> FittedText:
    """``fit_text`` (one or two lines), or more lines when that prints a very long name larger.

    A member's name of a hundred letters reads better on three lines than in tiny type on two; the
    wrapped lines are used only if every one of them fits the box (a word longer than the box stays
    with ``fit_text``, which cuts it rather than overflow).
    """
    fitted = fit_text(text, box, max_pt(box, 1, cap), min_pt=min_pt, bold=bold)
    size, lines = fit_block([(" ".join(text.split()), bold)], box, max_pt(box, 1, cap))
    font = metrics(bold)
    if (size > fitted.size_pt and len(lines) * size * LINE_HEIGHT * MM_PER_PT <= box.height
            and all(font.width(line, size) <= box.width * SAFETY for line, _bold in lines)):
        return FittedText(size, tuple(line for line, _bold in lines))
    return fitted


def place_card(text: CardText, boxes: CardBoxes) -> PlacedCard:
    """Fit every text of a card to its box (long names shrink or break in two, never overflow).

    The title is set in capitals here, not by the stylesheet: what is measured is what is printed.
    """
    title_box = Box(boxes.padding, 0, boxes.band.width - 2 * boxes.padding, boxes.band.height)
    return PlacedCard(
        text=text,
        title=fit_text(text.title.upper(), title_box, max_pt(boxes.band, 1, 20), min_pt=8, max_lines=1, bold=True),
        event=fit_text(text.event, boxes.event, max_pt(boxes.event, 2, 14), min_pt=7, bold=True),
        assembly=fit_text(text.assembly, boxes.assembly, max_pt(boxes.assembly, 1, 11), min_pt=6, max_lines=1),
        vote_of=fit_text(text.vote_of, boxes.vote_of, max_pt(boxes.vote_of, 1, 10), min_pt=6, max_lines=1),
        member=fit_name(text.member, boxes.member, 30, min_pt=9, bold=True),
        votes=fit_text(text.votes, boxes.votes, max_pt(boxes.votes, 1, 24), min_pt=10, max_lines=1, bold=True),
        holder=fit_name(text.holder, boxes.holder, 14, min_pt=7),
        role=fit_name(text.role, boxes.role, 10, min_pt=6),
        proxy=fit_name(text.proxy, boxes.proxy, 11, min_pt=6, bold=True) if text.proxy else None,
        code_label=fit_text(text.code_label, boxes.code_label, max_pt(boxes.code_label, 1, 8), min_pt=5,
                            max_lines=1),
        code=fit_text(text.code, boxes.code, max_pt(boxes.code, 1, 9), min_pt=5, max_lines=1),
    )


def crop_marks(sheet: Preset) -> list[Box]:
    """Short lines on every cut between cards (a ``Box`` of width or height 0), none on a one-card sheet.

    Four A6 cards fill an A4 sheet to its edges, so there is no margin to draw marks in: they lie
    on the inner cuts themselves, from ``EDGE_BLANK`` mm inside the paper's edge (where printers can
    print) and as a cross where the cuts meet: on the cards, only over the band or the blank padding.
    """
    if sheet.per_page == 1:
        return []
    xs, ys = sheet.cut_lines()
    inner_xs = [x for x in xs if sheet.margin_x + 1e-6 < x < sheet.page_width - sheet.margin_x - 1e-6]
    inner_ys = [y for y in ys if sheet.margin_y + 1e-6 < y < sheet.page_height - sheet.margin_y - 1e-6]
    top, bottom = max(sheet.margin_y, EDGE_BLANK), min(sheet.page_height - sheet.margin_y,
                                                       sheet.page_height - EDGE_BLANK)
    left, right = max(sheet.margin_x, EDGE_BLANK), min(sheet.page_width - sheet.margin_x,
                                                       sheet.page_width - EDGE_BLANK)
    marks = []
    for x in inner_xs:
        marks += [Box(x, top, 0, MARK_LENGTH), Box(x, bottom - MARK_LENGTH, 0, MARK_LENGTH)]
        marks += [Box(x, y - MARK_LENGTH / 2, 0, MARK_LENGTH) for y in inner_ys]
    for y in inner_ys:
        marks += [Box(left, y, MARK_LENGTH, 0), Box(right - MARK_LENGTH, y, MARK_LENGTH, 0)]
        marks += [Box(x - MARK_LENGTH / 2, y, MARK_LENGTH, 0) for x in inner_xs]
    return marks
