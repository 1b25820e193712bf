"""Badge geometry and text fitting: pure Python, no Flask, no SQLAlchemy (fontTools reads glyph widths).

Everything is in millimetres from the top-left corner, font sizes in points. A ``Preset`` says how
badges of one size sit on a sheet; ``badge_boxes`` places the parts of a badge inside it; ``fit_text``
chooses the font size (and the line break) that makes a text fit its box, from the advance widths of
the font the PDF embeds. CSS cannot shrink text to fit, so the size is decided here and written into
the HTML; the template sets ``white-space: nowrap`` so the lines are exactly the ones computed.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont

MM_PER_PT = 25.4 / 72
FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
REGULAR = FONT_DIR / "NotoSans-Regular.ttf"
BOLD = FONT_DIR / "NotoSans-Bold.ttf"
#: Share of a box's width a line may fill: room for kerning and shaping differences.
SAFETY = 0.96
#: Line height as a multiple of the font size (the CSS uses the same value).
LINE_HEIGHT = 1.2
#: Below this size text is no longer readable; reached only by absurdly long names.
FLOOR_PT = 4.0
#: What an absurd text (hundreds of letters) may shrink to rather than overflow its box.
SMALLEST_PT = 1.0


@dataclass(frozen=True)
class Box:
    """A rectangle: left, top, width, height in mm."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height


@dataclass(frozen=True)
class Preset:
    """Badges of one size laid out on sheets of one size (a grid, centred on the page)."""

    name: str
    label: str
    page_width: float
    page_height: float
    badge_width: float
    badge_height: float
    columns: int = 1
    rows: int = 1
    gap_x: float = 0.0
    gap_y: float = 0.0

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def grid_width(self) -> float:
        return self.columns * self.badge_width + (self.columns - 1) * self.gap_x

    @property
    def grid_height(self) -> float:
        return self.rows * self.badge_height + (self.rows - 1) * self.gap_y

    @property
    def margin_x(self) -> float:
        return (self.page_width - self.grid_width) / 2

    @property
    def margin_y(self) -> float:
        return (self.page_height - self.grid_height) / 2

    def problems(self) -> list[str]:
        """What makes this preset unusable (empty when it is fine)."""
        found = []
        if min(self.page_width, self.page_height, self.badge_width, self.badge_height) <= 0:
            found.append("sizes must be positive")
        if self.columns < 1 or self.rows < 1:
            found.append("at least one column and one row")
        if self.gap_x < 0 or self.gap_y < 0:
            found.append("gaps cannot be negative")
        if self.grid_width > self.page_width + 1e-9 or self.grid_height > self.page_height + 1e-9:
            found.append("the badges do not fit on the page")
        if self.badge_width < 40 or self.badge_height < 30:
            found.append("a badge must be at least 40 x 30 mm")
        return found

    def positions(self) -> list[Box]:
        """Where each badge of a sheet sits, row by row, left to right."""
        return [Box(self.margin_x + column * (self.badge_width + self.gap_x),
                    self.margin_y + row * (self.badge_height + self.gap_y), self.badge_width, self.badge_height)
                for row in range(self.rows) for column in range(self.columns)]

    def back_positions(self) -> list[Box]:
        """Where the back of each badge sits on the back of the sheet (duplex, flipped on the long edge).

        Turning a portrait sheet over its long (vertical) edge mirrors it left to right: the back of
        the badge in column c lies in column ``columns - 1 - c``, at the same height. A landscape
        sheet's long edge is horizontal: turning it over mirrors it top to bottom instead.
        """
        if self.page_width > self.page_height:
            return [Box(box.x, self.page_height - box.y - box.height, box.width, box.height)
                    for box in self.positions()]
        return [Box(self.page_width - box.x - box.width, box.y, box.width, box.height) for box in self.positions()]

    def cut_lines(self) -> tuple[list[float], list[float]]:
        """The x and y positions of every badge edge, for crop marks."""
        xs = sorted({round(v, 3) for box in self.positions() for v in (box.x, box.right)})
        ys = sorted({round(v, 3) for box in self.positions() for v in (box.y, box.bottom)})
        return xs, ys


PRESETS: dict[str, Preset] = {preset.name: preset for preset in (
    Preset("a6", "A6 portrait, 4 on an A4 sheet (lanyard pouches)", 210, 297, 105, 148, 2, 2),
    Preset("insert-90x54", "90 x 54 mm, 10 on an A4 sheet (badge inserts)", 210, 297, 90, 54, 2, 5),
    Preset("card-86x54", "86 x 54 mm, one per page (card printers)", 86, 54, 86, 54, 1, 1),
)}


@dataclass(frozen=True)
class BadgeBoxes:
    """The parts of one badge, relative to its top-left corner."""

    band: Box
    #: The organizers' logo and, beside it, the event's name.
    logo: Box
    event: Box
    name: Box
    #: The name in Latin letters, for a name in another script.
    latin: Box
    full_name: Box
    organization: Box
    details: Box
    qr: Box
    photo_marker: Box
    padding: float


def badge_boxes(width: float, height: float) -> BadgeBoxes:
    """Place the parts of a badge of ``width`` x ``height`` mm (portrait or landscape).

    From the top: the category band, the logo and the event's name, the name (the largest type), its
    Latin line, the full name, the organization and the details, stacked without gaps; the QR code at
    the bottom right and the "no photos" marker at the bottom left, inside the padding.
    """
    pad = round(max(3.0, 0.055 * min(width, height)), 2)
    if height > width:  # portrait: text across the whole width, the QR code bottom right
        band = Box(0, 0, width, height * 0.085)
        qr_size = min(width * 0.34, height * 0.24)
        gap = pad * 0.6
        header_height = height * 0.07
        shares = (0.22, 0.05, 0.045, 0.11, 0.08)  # name, Latin line, full name, organization, details
        marker_height = min(qr_size * 0.4, height * 0.07)
        marker_width = width - 3 * pad - qr_size
    else:  # landscape: the QR code on the right, beside the lower lines
        band = Box(0, 0, width, height * 0.13)
        qr_size = min(height * 0.42, width * 0.3)
        gap = pad * 0.35
        header_height = height * 0.09
        shares = (0.24, 0.07, 0.065, 0.12, 0.075)
        marker_height = height * 0.085
        marker_width = width - 3 * pad - qr_size
    qr = Box(width - pad - qr_size, height - pad - qr_size, qr_size, qr_size)
    top = band.bottom + gap
    logo = Box(pad, top, min(header_height * 2.5, (width - 2 * pad) * 0.3), header_height)
    event = Box(logo.right + pad * 0.6, top, width - pad - logo.right - pad * 0.6, header_height)
    top = event.bottom + gap
    photo_marker = Box(pad, height - pad - marker_height, marker_width, marker_height)
    # The lines share what is left above the marker (a small badge shrinks them all alike).
    room = photo_marker.y - 0.3 - top - 0.5 * (len(shares) - 1)
    scale = min(1.0, room / (height * sum(shares)))
    parts = []
    for share in shares:
        box_height = height * share * scale
        # A line clear of the QR code may use the whole width; the others stop before it.
        text_width = width - 2 * pad if top + box_height <= qr.y else width - 3 * pad - qr_size
        parts.append(Box(pad, top, text_width, box_height))
        top += box_height + 0.5
    name, latin, full_name, organization, details = parts
    return BadgeBoxes(band, logo, event, name, latin, full_name, organization, details, qr, photo_marker, pad)


#: A short name of the usual length: every name as short as this prints at a badge's one name size.
REFERENCE_NAME = "Aigerim Nowak"
#: The largest name size on any badge.
NAME_CAP_PT = 48.0


def name_size(box: Box) -> float:
    """The one size of the names on a badge whose name box is ``box``.

    Every name that fits at this size (one line, or two where the box holds two) is printed at it;
    only longer names shrink. Tall boxes take two lines of the largest size the height allows (given
    name above family name); shallow ones the size at which a usual short name fills one line.
    """
    two_lines = box.height / (2 * LINE_HEIGHT * MM_PER_PT)
    one_line = box.height / (LINE_HEIGHT * MM_PER_PT)
    reference = box.width * SAFETY / metrics(bold=True).width(REFERENCE_NAME, 1.0)
    # Down to a quarter point, the step of ``fit_text``: two lines of this size must fit the box exactly.
    return math.floor(min(NAME_CAP_PT, max(two_lines, min(one_line, reference))) * 4 - 1e-6) / 4


class FontMetrics:
    """Advance widths of a TrueType font's glyphs, to measure a line of text without rendering it."""

    def __init__(self, path: Path) -> None:
        font = TTFont(str(path), lazy=True)
        self.units = font["head"].unitsPerEm
        metrics = font["hmtx"].metrics
        cmap = font.getBestCmap()
        self.advance = {codepoint: metrics[glyph][0] for codepoint, glyph in cmap.items()}
        self.missing = metrics[".notdef"][0]
        font.close()

    def covers(self, text: str) -> bool:
        """Tell whether every character of ``text`` has a glyph (no empty boxes)."""
        return all(ord(c) in self.advance or unicodedata.category(c).startswith(("Z", "C")) for c in text)

    def width(self, text: str, size_pt: float) -> float:
        """The width of ``text`` on one line at ``size_pt``, in mm."""
        units = sum(self.advance.get(ord(c), self.missing) for c in text)
        return units / self.units * size_pt * MM_PER_PT


@lru_cache(maxsize=4)
def metrics(bold: bool = False) -> FontMetrics:
    """The metrics of the shipped font (loaded once)."""
    return FontMetrics(BOLD if bold else REGULAR)


@dataclass(frozen=True)
class FittedText:
    """A text set to fit its box: the size and the lines (one or two)."""

    size_pt: float
    lines: tuple[str, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        return " ".join(self.lines)


_BREAK = re.compile(r"(?<=[\s\-‐–/])")


def _splits(text: str) -> list[tuple[str, str]]:
    """Every way to put ``text`` on two lines at a space or after a hyphen or slash."""
    pieces = [piece for piece in _BREAK.split(text) if piece]
    pairs = [("".join(pieces[:i]).rstrip(), "".join(pieces[i:]).lstrip()) for i in range(1, len(pieces))]
    return [(first, second) for first, second in pairs if first and second and second[0] not in "-‐–/"]


def fit_text(text: str, box: Box, max_pt: float, min_pt: float = 7.0, max_lines: int = 2,
             bold: bool = False, step: float = 0.25) -> FittedText:
    """The largest size from ``max_pt`` down at which ``text`` fits ``box`` on at most ``max_lines`` lines.

    At each size one line is tried first, then the most balanced break at a space or after a hyphen:
    a name on two lines in large type reads better from afar than one line in small type. Goes below
    ``min_pt`` (down to 4 pt) rather than overflow, and as a last resort cuts a single word that is
    longer than the box even then.
    """
    text = " ".join(unicodedata.normalize("NFC", text or "").split())
    if not text:
        return FittedText(max_pt, ())
    font = metrics(bold)
    room = box.width * SAFETY
    size = max_pt
    while size >= FLOOR_PT - 1e-9:
        one_line_fits = size * LINE_HEIGHT * MM_PER_PT <= box.height
        if one_line_fits and font.width(text, size) <= room:
            return FittedText(size, (text,))
        if max_lines >= 2 and 2 * size * LINE_HEIGHT * MM_PER_PT <= box.height:
            best = min(_splits(text), key=lambda pair: max(font.width(pair[0], size), font.width(pair[1], size)),
                       default=None)
            if best and max(font.width(best[0], size), font.width(best[1], size)) <= room:
                return FittedText(size, best)
        size = round(size - step, 2)
    # Too long even at the floor: wrap at spaces, cut words only where one is wider than the box, and
    # keep shrinking until the lines fit the box's width and height and ``max_lines``.
    size = FLOOR_PT
    while True:
        lines = _cut(text, font, room, size)
        if (len(lines) <= max(max_lines, 1) and len(lines) * size * LINE_HEIGHT * MM_PER_PT <= box.height) \
                or size <= SMALLEST_PT:
            return FittedText(size, tuple(lines))
        size = round(size - step, 2)


def _cut(text: str, font: FontMetrics, room: float, size: float) -> list[str]:
    """Greedy lines at spaces; a word wider than ``room`` is cut between letters."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if font.width(candidate, size) <= room:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for char in word:
            if current and font.width(current + char, size) > room:
                lines.append(current)
                current = char
            else:
                current += char
    lines.append(current)
    return lines


def wrap(text: str, width: float, size_pt: float, bold: bool = False) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` mm at ``size_pt`` (greedy, at spaces)."""
    font = metrics(bold)
    room = width * SAFETY
    lines: list[str] = []
    for paragraph in (text or "").splitlines():
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if current and font.width(candidate, size_pt) > room:
                lines.append(current)
                current = word
            else:
                current = candidate
        lines.append(current)
    return lines


def fit_block(paragraphs: list[tuple[str, bool]], box: Box, max_pt: float, step: float = 0.25) -> tuple[float, list]:
    """The largest size at which paragraphs ``(text, bold)``, each wrapped, fit ``box``; and their lines.

    Returns ``(size, [(line, bold), ...])``. A word wider than the box at the floor size is still
    one line (it is then the only thing that can exceed the box; the back of a badge has no such word).
    """
    size = max_pt
    while True:
        lines = [(line, bold) for text, bold in paragraphs for line in wrap(text, box.width, size, bold)]
        if len(lines) * size * LINE_HEIGHT * MM_PER_PT <= box.height or size <= FLOOR_PT:
            return size, lines
        size = max(FLOOR_PT, round(size - step, 2))
