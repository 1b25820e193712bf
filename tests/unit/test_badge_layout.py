"""The pure badge layout: sheet geometry, duplex backs, and names fitted to their boxes from font metrics."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from lsi_assembly.badges.layout import (
    name_size,
    LINE_HEIGHT,
    MM_PER_PT,
    PRESETS,
    SAFETY,
    Box,
    Preset,
    badge_boxes,
    fit_block,
    fit_text,
    metrics,
)

NAMES = Path(__file__).resolve().parents[1] / "data" / "names-europe.csv"


def hard_names() -> list[str]:
    """Names in Latin with diacritics, Greek, Cyrillic, very long compounds (the shared test data)."""
    with NAMES.open(encoding="utf-8") as rows:
        names = [f"{row['given_name']} {row['family_name']}" for row in csv.DictReader(rows)]
    return names + ["Maximilian-Alexander Konstantin Freiherr von und zu Liechtenstein-Habsburg-Lothringen",
                    "Αλεξάνδρα-Παναγιώτα Παπαδημητροπούλου-Χατζηγεωργίου", "Щ" * 60]


def test_the_layout_module_imports_without_flask_or_sqlalchemy():
    code = ("import sys, lsi_assembly.badges.layout; "
            "print(sorted(m for m in ('flask', 'sqlalchemy', 'flask_sqlalchemy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"


def test_four_a6_badges_tile_an_a4_sheet():
    preset = PRESETS["a6"]
    # A6 is 105 x 148 mm; A4 is 210 x 297: half a millimetre to spare above and below.
    assert [(b.x, b.y) for b in preset.positions()] == [(0, 0.5), (105, 0.5), (0, 148.5), (105, 148.5)]
    assert preset.problems() == []


def test_ten_inserts_are_centred_on_a4():
    preset = PRESETS["insert-90x54"]
    boxes = preset.positions()
    assert len(boxes) == 10 and preset.margin_x == pytest.approx(15) and preset.margin_y == pytest.approx(13.5)
    assert boxes[1].x == pytest.approx(105) and boxes[2].y == pytest.approx(67.5)


def test_the_back_of_a_badge_lies_behind_its_front_when_a_portrait_sheet_is_turned_over():
    preset = Preset("test", "test", 210, 297, 90, 54, 2, 5, gap_x=4, gap_y=2)
    positions, backs = preset.positions(), preset.back_positions()
    # Row by row, left to right on the front: on the back the two columns swap, rows stay.
    assert [(round(b.x, 3), round(b.y, 3)) for b in backs[:2]] == [(round(positions[1].x, 3), round(positions[1].y, 3)),
                                                                  (round(positions[0].x, 3), round(positions[0].y, 3))]
    assert backs[9].x == pytest.approx(positions[8].x) and backs[9].y == pytest.approx(positions[8].y)


def test_a_landscape_sheet_turned_over_its_long_edge_swaps_rows_not_columns():
    preset = Preset("wide", "wide", 297, 210, 90, 60, 3, 3)
    positions, backs = preset.positions(), preset.back_positions()
    assert backs[0].x == pytest.approx(positions[6].x) and backs[0].y == pytest.approx(positions[6].y)
    assert backs[2].x == pytest.approx(positions[8].x) and backs[4].y == pytest.approx(positions[4].y)


@pytest.mark.parametrize(("preset", "problem"), [
    (Preset("big", "", 210, 297, 120, 80, 2, 1), "the badges do not fit on the page"),
    (Preset("tiny", "", 210, 297, 30, 20, 1, 1), "a badge must be at least 40 x 30 mm"),
    (Preset("none", "", 210, 297, 90, 54, 0, 1), "at least one column and one row"),
])
def test_an_impossible_sheet_is_refused_with_a_reason(preset, problem):
    assert problem in preset.problems()


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_part_of_a_badge_stays_inside_it(name):
    preset = PRESETS[name]
    boxes = badge_boxes(preset.badge_width, preset.badge_height)
    for box in (boxes.band, boxes.logo, boxes.event, boxes.name, boxes.latin, boxes.full_name, boxes.organization,
                boxes.details, boxes.qr,
                boxes.photo_marker):
        assert box.x >= 0 and box.y >= 0
        assert box.right <= preset.badge_width + 1e-9 and box.bottom <= preset.badge_height + 1e-9
    assert boxes.qr.width >= 20  # a QR code of about 22 mm decodes from a 150 dpi scan


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_hard_name_fits_its_box_on_every_badge_size(name):
    preset = PRESETS[name]
    box = badge_boxes(preset.badge_width, preset.badge_height).name
    font = metrics(bold=True)
    for text in hard_names():
        fitted = fit_text(text, box, 48, min_pt=12, bold=True)
        assert font.covers(text), text  # no glyph missing: nothing prints as an empty box
        assert all(font.width(line, fitted.size_pt) <= box.width * SAFETY + 1e-6 for line in fitted.lines), text
        assert len(fitted.lines) * fitted.size_pt * LINE_HEIGHT * MM_PER_PT <= box.height + 1e-6, text
        assert "".join(fitted.lines).replace(" ", "") == text.replace(" ", ""), text  # nothing lost


def test_a_short_name_stays_on_one_line_in_large_type():
    box = badge_boxes(90, 54).name
    fitted = fit_text("Anna Nowak", box, 40, bold=True)
    assert fitted.lines == ("Anna Nowak",) and fitted.size_pt >= 20


def test_a_long_name_breaks_at_a_space_or_after_a_hyphen_never_before_one():
    box = badge_boxes(105, 148).name  # A6: the name box holds two lines of the one name size
    fitted = fit_text("Łucja Wiśniewska-Żółkiewska", box, name_size(box), bold=True)
    assert len(fitted.lines) == 2 and not fitted.lines[1].startswith(("-", "–"))
    assert fitted.lines[0].endswith(("-", "Łucja"))


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_name_that_fits_at_the_one_name_size_gets_it(name):
    preset = PRESETS[name]
    box = badge_boxes(preset.badge_width, preset.badge_height).name
    size = name_size(box)
    assert size >= 20  # large type, from afar
    for text in ("Anna Nowak", "Ola Berg", "Ivo Kralj", "X Æ", "Aigerim Nowak", "Edona Krasniqi"[:13]):
        assert fit_text(text, box, size, bold=True).size_pt == size, text
    longer = fit_text("Maximilian-Alexander Freiherr von Liechtenstein", box, size, bold=True)
    assert longer.size_pt < size  # only longer names shrink


def test_text_is_normalized_so_decomposed_input_measures_and_prints_composed():
    decomposed = "Jiří Dvořák".replace("ř", "r\u030c").replace("í", "i\u0301").replace("á", "a\u0301")
    assert fit_text(decomposed, Box(0, 0, 80, 20), 30).lines == ("Jiří Dvořák",)


def test_a_word_longer_than_the_box_at_the_smallest_size_is_cut_rather_than_overflowing():
    box = Box(0, 0, 40, 20)
    fitted = fit_text("W" * 200, box, 30)
    font = metrics()
    assert fitted.size_pt < 4.0 and len(fitted.lines) <= 2
    assert all(font.width(line, fitted.size_pt) <= box.width for line in fitted.lines)
    assert "".join(fitted.lines) == "W" * 200


def test_an_absurdly_long_name_on_one_line_shrinks_instead_of_breaking_its_limit():
    box = Box(0, 0, 50, 4.6)
    text = ("Maria da Conceição Albuquerque de Vasconcelos Figueiredo Magalhães Pereira Sampaio Nogueira Lobo "
            "Castelo Branco")
    fitted = fit_text(text, box, 14, max_lines=1)
    assert fitted.lines == (text,) and metrics().width(text, fitted.size_pt) <= box.width


def test_a_block_of_paragraphs_shrinks_until_it_fits():
    box = Box(0, 0, 80, 40)
    paragraphs = [("My workshops", True)] + [(f"Thu 24 Jun 14:00–15:30 · Workshop number {i} · Salle {i}", False)
                                             for i in range(8)]
    size, lines = fit_block(paragraphs, box, 9)
    assert size < 9 and len(lines) * size * LINE_HEIGHT * MM_PER_PT <= box.height
    assert lines[0] == ("My workshops", True)
