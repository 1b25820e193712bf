"""The pure voting card layout: A6 geometry, the A4 sheet's crop marks, and long names fitted to their boxes."""
from __future__ import annotations

import csv
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from lsi_assembly.assembly.card_layout import (
    CARD_HEIGHT,
    CARD_WIDTH,
    EDGE_BLANK,
    SHEETS,
    CardBoxes,
    CardText,
    card_boxes,
    crop_marks,
    place_card,
)
from lsi_assembly.badges.layout import LINE_HEIGHT, MM_PER_PT, SAFETY, Box, metrics

ROOT = Path(__file__).resolve().parents[2]
NAMES = ROOT / "tests" / "data" / "names-europe.csv"
LONG_MEMBER = ("Stichting Tegen Vrouwenhandel en Uitbuiting van Mensen in Nederland, België en Luxemburg "
               "(Nationaal Coördinatiecentrum)")
LONG_PERSON = "Maximilian-Alexander Konstantin Freiherr von und zu Liechtenstein-Habsburg-Lothringen"


def test_the_card_layout_imports_without_flask_or_sqlalchemy():
    code = ("import sys, lsi_assembly.assembly.card_layout; "
            "print(sorted(m for m in ('flask', 'sqlalchemy', 'flask_sqlalchemy', 'flask_babel') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_the_sheets_are_a6_alone_and_four_a6_on_a4():
    a6, a4 = SHEETS["a6"], SHEETS["a4"]
    assert (a6.page_width, a6.page_height, a6.per_page) == (105, 148, 1)
    assert (a4.page_width, a4.page_height, a4.per_page) == (210, 297, 4)
    assert (a4.badge_width, a4.badge_height) == (CARD_WIDTH, CARD_HEIGHT) == (105, 148)
    assert a6.problems() == [] and a4.problems() == []


def _inside(inner: Box, outer: Box) -> bool:
    return (outer.x - 1e-9 <= inner.x and inner.right <= outer.right + 1e-9
            and outer.y - 1e-9 <= inner.y and inner.bottom <= outer.bottom + 1e-9)


def _overlap(a: Box, b: Box) -> bool:
    return a.x < b.right - 1e-9 and b.x < a.right - 1e-9 and a.y < b.bottom - 1e-9 and b.y < a.bottom - 1e-9


def test_every_part_of_the_card_lies_inside_it_and_none_overlaps_another():
    boxes = card_boxes()
    card = Box(0, 0, CARD_WIDTH, CARD_HEIGHT)
    parts = {f.name: getattr(boxes, f.name) for f in fields(CardBoxes) if f.name != "padding"}
    for name, part in parts.items():
        assert _inside(part, card), name
        if name != "band":  # everything but the band keeps the padding
            assert _inside(part, Box(boxes.padding, boxes.padding, CARD_WIDTH - 2 * boxes.padding,
                                     CARD_HEIGHT - 2 * boxes.padding)), name
    names = sorted(parts)
    clashes = [(a, b) for i, a in enumerate(names) for b in names[i + 1:] if _overlap(parts[a], parts[b])]
    assert clashes == []
    assert boxes.qr.width == boxes.qr.height >= 25  # large enough for a phone at arm's length


def _text(member: str, holder: str, proxy: str | None) -> CardText:
    return CardText(code="0" * 26, title="Voting card", event="LSI General Assembly 2027",
                    assembly="General Assembly · Jun 24 – 26, 2027", vote_of="Vote of", member=member, votes="3 votes",
                    holder=f"Held by {holder}", role=f"Voting delegate of {member}",
                    proxy=f"By proxy of {member}" if proxy else None, code_label="Card code")


def _names() -> list[str]:
    with NAMES.open(encoding="utf-8") as rows:
        names = [f"{row['given_name']} {row['family_name']}" for row in csv.DictReader(rows)]
    return names + [LONG_PERSON, "Αλεξάνδρα-Παναγιώτα Παπαδημητροπούλου-Χατζηγεωργίου", "Щ" * 80]


@pytest.mark.parametrize("member", ["ALC Éire", LONG_MEMBER, "Ø" * 120])
def test_long_names_shrink_or_break_but_never_leave_their_box(member):
    boxes = card_boxes()
    for holder in _names():
        placed = place_card(_text(member, holder, proxy=True), boxes)
        for part in ("event", "assembly", "vote_of", "member", "votes", "holder", "role", "proxy", "code_label",
                     "code"):
            fitted, box = getattr(placed, part), getattr(boxes, part)
            bold = part in ("event", "member", "votes", "proxy")
            assert fitted.lines, part
            assert len(fitted.lines) * fitted.size_pt * LINE_HEIGHT * MM_PER_PT <= box.height + 1e-6, (part, holder)
            for line in fitted.lines:
                assert metrics(bold).width(line, fitted.size_pt) <= box.width * SAFETY + 1e-6, (part, line)
        # Nothing is lost: the lines put together are the whole text.
        assert placed.holder.text.replace(" ", "") == f"Held by {holder}".replace(" ", "")
        assert placed.member.text.replace(" ", "") == member.replace(" ", "")


def test_an_ordinary_member_name_is_printed_large():
    placed = place_card(_text("La Strada Polska", "Anna Kowalska", proxy=False), card_boxes())
    assert placed.member.lines == ("La Strada Polska",) and placed.member.size_pt >= 24
    assert placed.votes.size_pt >= 20 and placed.proxy is None
    assert placed.title.lines == ("VOTING CARD",)
    long = place_card(_text(LONG_MEMBER, LONG_PERSON, proxy=True), card_boxes())
    assert len(long.member.lines) >= 2 and long.member.size_pt >= 12  # on more lines, still readable


def test_crop_marks_lie_on_the_cuts_between_the_cards_within_the_printable_area():
    assert crop_marks(SHEETS["a6"]) == []
    sheet = SHEETS["a4"]
    marks = crop_marks(sheet)
    vertical = [m for m in marks if m.width == 0]
    horizontal = [m for m in marks if m.height == 0]
    assert len(vertical) == 3 and len(horizontal) == 3  # top, bottom and the middle cross, for each cut
    assert {round(m.x, 3) for m in vertical} == {105.0}
    assert {round(m.y, 3) for m in horizontal} == {round(sheet.margin_y + CARD_HEIGHT, 3)}
    for mark in marks:
        assert EDGE_BLANK - 1e-9 <= mark.x and mark.right <= sheet.page_width - EDGE_BLANK + 1e-9
        assert EDGE_BLANK - 1e-9 <= mark.y and mark.bottom <= sheet.page_height - EDGE_BLANK + 1e-9
    # On the cards, a mark never crosses a text or the QR code (only the band or the blank padding).
    boxes = card_boxes()
    parts = [getattr(boxes, f.name) for f in fields(CardBoxes) if f.name not in ("padding", "band")]
    for at in sheet.positions():
        for part in parts:
            placed = Box(at.x + part.x, at.y + part.y, part.width, part.height)
            for mark in marks:
                thick = Box(mark.x - 0.1, mark.y - 0.1, mark.width + 0.2, mark.height + 0.2)  # the line's width
                assert not _overlap(thick, placed), (mark, placed)
