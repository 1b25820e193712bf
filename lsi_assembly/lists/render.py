"""Writing a list as PDF (A4, the event's header, page X of Y, the table header on every page, rows
never split), CSV (UTF-8 that Excel opens) or Excel, with the same content and the same privacy rule."""
from __future__ import annotations

import io

from flask import render_template

from lsi_assembly.core.database import utcnow
from lsi_assembly.core.pdf import render_pdf
from lsi_assembly.core.tabular import write_csv, write_xlsx
from lsi_assembly.events.models import Event
from lsi_assembly.lists.tables import ListTable

FORMATS = ("pdf", "csv", "xlsx")
MEDIA_TYPES = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def list_pdf(table: ListTable, event: Event) -> bytes:
    """The list as a PDF."""
    return render_pdf(render_template("lists/table.html", table=table, event=event, generated=utcnow()),
                      ("css/lists.css",))


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
