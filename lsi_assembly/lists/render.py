"""Writing a list as PDF (A4, the event's header, page X of Y, the table header on every page, rows
never split), CSV (UTF-8 that Excel opens) or Excel, with the same content and the same privacy rule."""
from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from flask import current_app, render_template

from lsi_assembly.core.database import utcnow
from lsi_assembly.core.jobs import jobs_folder
from lsi_assembly.core.localized import localized
from lsi_assembly.core.pdf import PartFailed, render_numbered_parts, render_pdf, workers
from lsi_assembly.core.tabular import write_csv, write_xlsx
from lsi_assembly.events.models import Event
from lsi_assembly.lists.tables import ListTable, Section

log = logging.getLogger(__name__)

STYLESHEETS = ("css/lists.css",)
#: From this many lines on, a PDF list is laid out in several processes (one per core): WeasyPrint
#: takes about 3 ms a line, and starting the processes about half a second.
PARALLEL_FROM = 1200
#: A heading, its note and the space around them, counted in lines when a list is cut into parts.
HEADING_LINES = 3
#: How far (a share of a part's lines) a cut may move to fall between two sections instead of inside one.
CUT_TOLERANCE = 0.15

FORMATS = ("pdf", "csv", "xlsx")
MEDIA_TYPES = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _lines(section: Section) -> int:
    return len(section.rows) + section.blank_rows + HEADING_LINES


def split_sections(sections: list[Section], parts: int) -> list[list[Section]]:
    """Cut a list's sections into ``parts`` consecutive parts of about as many lines each.

    A cut falls between two sections when one starts near the middle (preferably one that starts a
    new page anyway), else between two rows of a section: its second half is marked ``continued``
    and keeps the section's title (for the running header) without a heading of its own. Blank lines
    stay at the end of their section. Every part starts on a new page when printed.
    """
    starts, total = [], 0
    for section in sections:
        starts.append(total)
        total += _lines(section)
    size = total / parts
    cuts: list[tuple[int, int]] = []  # (section, row): the next part starts there
    for k in range(1, parts):
        target = size * k
        after = cuts[-1] if cuts else (0, 0)
        near = [i for i in range(1, len(sections))
                if abs(starts[i] - target) <= size * CUT_TOLERANCE and (i, 0) > after]
        if near:
            cuts.append((min(near, key=lambda i: (not sections[i].new_page, abs(starts[i] - target))), 0))
            continue
        index = max(i for i in range(len(sections)) if starts[i] <= target)
        row = round(target - starts[index] - HEADING_LINES)
        row = min(max(row, 1), len(sections[index].rows) - 1)
        cut = (index, row) if row >= 1 else (index + 1, 0)
        if cut > after and cut[0] < len(sections):
            cuts.append(cut)
    result: list[list[Section]] = []
    position = (0, 0)
    for end in [*cuts, (len(sections), 0)]:
        part = []
        for index in range(position[0], min(end[0] + 1, len(sections))):
            section = sections[index]
            first = position[1] if index == position[0] else 0
            last = end[1] if index == end[0] else len(section.rows)
            if index == end[0] and end[1] == 0:
                break
            piece = replace(section, rows=section.rows[first:last],
                            blank_rows=section.blank_rows if last == len(section.rows) else 0,
                            continued=first > 0 or section.continued)
            if not part:
                piece.new_page = False  # a part starts on a new page by itself
            part.append(piece)
        if part:
            result.append(part)
        position = end
    return result


def _document(table: ListTable, event: Event, sections: list[Section], first: bool, generated,
              last: bool = True) -> str:
    return render_template("lists/table.html", table=table, event=event, sections=sections, first=first,
                           last=last, generated=generated)


def list_pdf(table: ListTable, event: Event, *, parallel: bool | None = None,
             progress: Callable[[str, int], None] | None = None, stats: dict | None = None) -> bytes:
    """The list as a PDF; long lists are laid out in one process per core, numbered as one document.

    ``progress("laid-out", pages)`` is called once the pages are known, when the list is laid out in
    parts. ``stats`` (see ``core.pdf.render_numbered_parts``) is filled when it is.
    """
    generated = utcnow()
    lines = sum(_lines(section) for section in table.sections)
    if parallel is None:
        parallel = lines >= PARALLEL_FROM and workers() > 1
    if parallel:
        parts = split_sections(table.sections, max(2, workers()))
        documents = [_document(table, event, part, index == 0, generated, index == len(parts) - 1)
                     for index, part in enumerate(parts)]
        try:
            return render_numbered_parts(documents, STYLESHEETS, progress, stats)
        except PartFailed:
            log.warning("list %s laid out in one process: a part failed", table.kind, exc_info=True)
    return render_pdf(_document(table, event, table.sections, True, generated), STYLESHEETS)


def fingerprint(table: ListTable, event: Event, locale: str) -> str:
    """A digest of everything a list's PDF shows but its date: the same digest, the same pages."""
    content = [locale, localized(event, "name", locale), event.city, table.kind, table.title, table.columns,
               table.widths, table.landscape,
               [(s.title, s.note, s.rows, s.blank_rows, s.new_page, s.columns, s.widths) for s in table.sections],
               table.signatures]
    return hashlib.sha256(json.dumps(content, default=str).encode("utf-8")).hexdigest()


def cached_list_pdf(table: ListTable, event: Event, locale: str, variant: str) -> bytes:
    """The list's PDF, made once for as long as its content does not change (the shared list).

    Kept in ``JOBS_FOLDER`` beside the background jobs' files and removed with them after a while
    (it holds names); a changed list gets a new file, since its name is the content's digest, and the
    earlier versions of the same language and ``variant`` (e.g. the grouping) are deleted then.
    """
    prefix = f"list-{table.kind}-{locale}-{variant}-"
    path = jobs_folder(current_app) / f"{prefix}{fingerprint(table, event, locale)}.pdf"
    if path.is_file():
        return path.read_bytes()
    pdf = list_pdf(table, event)
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(pdf)
        os.replace(partial, path)  # whole or not at all, even with two requests at once
    except OSError:
        log.warning("the shared list could not be kept for next time", exc_info=True)
        Path(partial).unlink(missing_ok=True)
        return pdf
    for older in path.parent.glob(f"{prefix}*.pdf"):
        if older != path:  # an earlier version: it may hold someone who has since withdrawn their consent
            older.unlink(missing_ok=True)
    return pdf


def list_file(table: ListTable, event: Event, fmt: str) -> bytes:
    """The list in ``fmt`` (pdf, csv or xlsx)."""
    if fmt == "pdf":
        return list_pdf(table, event)
    if fmt == "csv":
        text = io.StringIO()
        write_csv(table.flat_rows(), text)
        return text.getvalue().encode("utf-8")
    if fmt == "xlsx":
        data = io.BytesIO()
        write_xlsx(table.flat_rows(), data, title=table.title[:31])
        return data.getvalue()
    raise ValueError(f"unknown format {fmt!r}")
