"""Badge sheets as PDF: the layout module places and sizes everything, Jinja writes it, WeasyPrint prints it.

Large runs are split into chunks of whole sheets; with two or more cores the chunks are printed by a
pool of processes (a fork server with WeasyPrint preloaded) and joined with pypdf, which nearly
halves the time of a thousand badges on these 2-core machines. ``progress(done, total)`` is called as
badges are finished.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lsi_assembly.badges.layout import (
    LINE_HEIGHT,
    MM_PER_PT,
    BadgeBoxes,
    Box,
    FittedText,
    Preset,
    badge_boxes,
    fit_block,
    fit_text,
    name_size,
)
from lsi_assembly.badges.services import BadgeContent
from lsi_assembly.core.pdf import join_pdfs, process_context, render_pdf, workers

log = logging.getLogger(__name__)

STYLESHEETS = ("css/badges.css",)
#: Below this many badges one process is quicker than starting a pool (about 0.8 s to start).
PARALLEL_FROM = 200
#: Chunks per worker process: equal chunks keep both cores busy to the end, and more than one each
#: lets the progress move in steps (a chunk costs only its own font subset and a little merging).
CHUNKS_PER_WORKER = 4


@dataclass
class PlacedBadge:
    """A badge with its texts fitted to its boxes, ready for the template."""

    content: BadgeContent
    name: FittedText
    #: The name in Latin letters (a name in another script), or None.
    latin: FittedText | None
    full_name: FittedText | None
    organization: FittedText | None
    details: FittedText
    category_size: float
    marker: FittedText
    #: The back: font size and lines ``(text, bold)``; None without a back side.
    back: tuple[float, list] | None = None


def _max_pt(height_mm: float, lines: int, cap: float) -> float:
    return min(cap, height_mm / (lines * LINE_HEIGHT * MM_PER_PT))


def back_box(boxes: BadgeBoxes, width: float, height: float) -> Box:
    """The text area of a badge's back."""
    return Box(boxes.padding, boxes.padding, width - 2 * boxes.padding, height - 2 * boxes.padding)


def place(content: BadgeContent, boxes: BadgeBoxes, details_label: Callable[[BadgeContent], str],
          back: list[tuple[str, bool]] | None = None, size: tuple[float, float] | None = None) -> PlacedBadge:
    """Fit every text of a badge to its box; ``back`` paragraphs ``(text, bold)`` to the back's area."""
    name = fit_text(content.name, boxes.name, name_size(boxes.name), min_pt=12, bold=True)
    latin = (fit_text(content.latin_name, boxes.latin, _max_pt(boxes.latin.height, 1, min(18, name.size_pt * 0.6)),
                      max_lines=1, bold=True) if content.latin_name else None)
    full_name = (fit_text(content.full_name, boxes.full_name, _max_pt(boxes.full_name.height, 1, 14), max_lines=1)
                 if content.full_name else None)
    organization = (fit_text(content.organization, boxes.organization,
                             _max_pt(boxes.organization.height, 1, 16), min_pt=7, bold=True)
                    if content.organization else None)
    details = fit_text(details_label(content), boxes.details, _max_pt(boxes.details.height, 1, 11), max_lines=2)
    return PlacedBadge(
        content=content, name=name, latin=latin, full_name=full_name, organization=organization, details=details,
        category_size=round(_max_pt(boxes.band.height, 1, 40) * 0.62, 2),
        marker=marker_text(boxes),
        back=fit_block(back, back_box(boxes, *size), 9) if back is not None and size else None,
    )


def marker_text(boxes: BadgeBoxes) -> FittedText:
    """The "no photos" marker, fitted inside its box's border and padding (never clipped)."""
    inner = Box(0, 0, boxes.photo_marker.width - 2.4, boxes.photo_marker.height - 1.0)
    return fit_text(_("NO PHOTOS, PLEASE"), inner, _max_pt(inner.height, 1, 10), min_pt=4, max_lines=1, bold=True)


def event_header(event_name: str, boxes: BadgeBoxes, name_pt: float) -> FittedText:
    """The event's name beside the logo: up to two lines, always smaller than the person's name."""
    return fit_text(event_name, boxes.event, min(_max_pt(boxes.event.height, 1, 14), name_pt * 0.5),
                    min_pt=5, max_lines=2, bold=True)


def sheets(badges: list, per_page: int) -> list[list]:
    """Split badges into sheets."""
    return [badges[i:i + per_page] for i in range(0, len(badges), per_page)]


@dataclass(frozen=True)
class Branding:
    """What every badge of a run shows of the event: its name and the organizers' logo."""

    event_name: str
    #: The logo's URL for WeasyPrint: a ``data:`` URL of the uploaded logo, or the default under static/.
    logo_url: str = "img/badge-logo.png"


def badge_html(placed: list[PlacedBadge], preset: Preset, crop_marks: bool, back: bool, category_labels: dict,
               branding: Branding | None = None) -> str:
    """The HTML of the sheets for ``placed`` badges (fronts, and backs after each front if ``back``)."""
    boxes = badge_boxes(preset.badge_width, preset.badge_height)
    branding = branding or Branding("")
    return render_template(
        "badges/sheet.html", preset=preset, sheets=sheets(placed, preset.per_page), boxes=boxes,
        branding=branding, event_title=event_header(branding.event_name, boxes, name_size(boxes.name)),
        back_area=back_box(boxes, preset.badge_width, preset.badge_height), positions=preset.positions(),
        back_positions=preset.back_positions(), crop_marks=crop_marks, cut_lines=preset.cut_lines(), back=back,
        category_labels=category_labels)


def _pool() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers(), mp_context=process_context())


def render_badges(placed: list[PlacedBadge], preset: Preset, *, crop_marks: bool = False, back: bool = False,
                  category_labels: dict | None = None, branding: Branding | None = None,
                  progress: Callable[[int, int], None] | None = None, parallel: bool | None = None) -> bytes:
    """Print the badges on sheets of ``preset`` and return the PDF."""
    total = len(placed)
    labels = category_labels or {}
    if parallel is None:
        parallel = total >= PARALLEL_FROM and workers() > 1
    if not parallel:
        pdf = render_pdf(badge_html(placed, preset, crop_marks, back, labels, branding), STYLESHEETS)
        if progress:
            progress(total, total)
        return pdf
    sheets_total = -(-total // preset.per_page)
    size = -(-sheets_total // (workers() * CHUNKS_PER_WORKER)) * preset.per_page  # whole sheets a chunk
    chunks = [placed[i:i + size] for i in range(0, total, size)]
    documents = [badge_html(chunk, preset, crop_marks, back, labels, branding) for chunk in chunks]
    try:
        pdfs = _render_in_pool(chunks, documents, progress, total)
    except (BrokenProcessPool, OSError):
        # No second process (out of memory, a sandbox without fork): one process still gets it done.
        log.warning("badges printed in one process: the process pool failed", exc_info=True)
        pdfs = []
        for done, document in enumerate(documents, start=1):
            pdfs.append(render_pdf(document, STYLESHEETS))
            if progress:
                progress(min(done * size, total), total)
    return join_pdfs(pdfs)


def _render_in_pool(chunks: list, documents: list[str], progress, total: int) -> list[bytes]:
    pdfs = []
    done = 0
    with _pool() as pool:
        for chunk, pdf in zip(chunks, pool.map(render_pdf, documents, [STYLESHEETS] * len(documents)), strict=True):
            pdfs.append(pdf)
            done += len(chunk)
            if progress:
                progress(done, total)
    return pdfs


#: The word printed in each category's band (short: it must read from afar).
BAND_WORDS = {
    "delegate": _l("Delegate"), "observer": _l("Observer"), "speaker": _l("Speaker"), "press": _l("Press"),
    "secretariat": _l("Secretariat"), "staff": _l("Staff"), "guest": _l("Guest"),
}


def details_line(content: BadgeContent) -> str:
    """Country, then the languages the person speaks."""
    if content.languages:
        return _("%(country)s · speaks %(languages)s", country=content.country, languages=content.languages)
    return content.country


def back_paragraphs(content: BadgeContent, info: str | None) -> list[tuple[str, bool]]:
    """The back of a badge: the person's workshops, then the event's practical information."""
    paragraphs: list[tuple[str, bool]] = []
    if content.schedule:
        paragraphs.append((_("My workshops"), True))
        paragraphs.extend((f"{when} · {title} · {room}", False) for when, title, room in content.schedule)
    if info:
        if paragraphs:
            paragraphs.append(("", False))
        paragraphs.append((_("Practical information"), True))
        paragraphs.extend((line, False) for line in info.splitlines())
    return paragraphs


def prepare(contents: list[BadgeContent], preset: Preset, with_back: bool, info: str | None) -> list[PlacedBadge]:
    """Fit the texts of every badge for ``preset``."""
    boxes = badge_boxes(preset.badge_width, preset.badge_height)
    size = (preset.badge_width, preset.badge_height)
    return [place(content, boxes, details_line, back_paragraphs(content, info) if with_back else None, size)
            for content in contents]


def print_badges(contents: list[BadgeContent], preset: Preset, *, with_back: bool, crop_marks: bool,
                 info: str | None, branding: Branding | None = None, progress: Callable[[int, int], None] | None = None,
                 parallel: bool | None = None) -> bytes:
    """Fit and print badges: the PDF of ``contents`` on ``preset`` sheets."""
    return render_badges(prepare(contents, preset, with_back, info), preset, crop_marks=crop_marks, back=with_back,
                         category_labels={key: str(label) for key, label in BAND_WORDS.items()},
                         branding=branding,
                         progress=progress, parallel=parallel)
