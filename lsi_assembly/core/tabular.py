"""Tables in files: CSV in (UTF-8, with or without BOM, comma or semicolon), CSV and XLSX out.

Every cell written is neutralized: text that a spreadsheet would read as a formula gets a leading
quote, which reading a file back removes again.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask_babel import gettext as _
from openpyxl import Workbook

#: Characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 20_000


class TableFileError(Exception):
    """The file as a whole cannot be read (encoding, columns, size): nothing was imported."""


def neutralize(value) -> str:
    """Render a value for a spreadsheet cell; text that would start a formula gets a leading quote."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _unneutralize(text: str) -> str:
    return text[1:] if len(text) > 1 and text[0] == "'" and text[1] in "=+-@" else text


def read_csv_rows(raw: bytes, required: Iterable[str]) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Decode a CSV file into (lower-cased column names, rows numbered by their line in the file)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TableFileError(_(
            "The file is not UTF-8 text (unreadable byte at position %(position)d). "
            "In your spreadsheet, save it as “CSV UTF-8”.", position=error.start)) from None
    if not text.strip():
        raise TableFileError(_("The file is empty."))
    header = text.splitlines()[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        columns = [c.strip().lower() for c in next(reader)]
        doubled = sorted({c for c in columns if c and columns.count(c) > 1})
        if doubled:
            raise TableFileError(_("These columns appear more than once: %(columns)s.", columns=", ".join(doubled)))
        required = list(required)
        missing = [c for c in required if c not in columns]
        if missing:
            raise TableFileError(_("Missing required columns: %(missing)s. The first line must name the columns: "
                                   "%(columns)s.", missing=", ".join(missing), columns=",".join(required)))
        rows = []
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise TableFileError(_("The file has more than %(max)d lines.", max=MAX_ROWS))
            padded = values + [""] * (len(columns) - len(values))
            rows.append((reader.line_num,
                         {c: _unneutralize(v.replace("\x00", "").strip()) for c, v in zip(columns, padded, strict=False)}))
    except csv.Error as error:
        raise TableFileError(_("The file is not a readable CSV file (line %(line)d): %(reason)s",
                               line=reader.line_num, reason=str(error))) from None
    return columns, rows


def write_csv(rows: Iterable[list], stream: io.TextIOBase) -> None:
    """Write rows as CSV with a BOM, so that Excel reads it as UTF-8; every cell neutralized."""
    stream.write("\ufeff")
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerows([neutralize(v) for v in row] for row in rows)


def write_xlsx(rows: Iterable[list], stream, title: str = "Sheet") -> None:
    """Write rows to an Excel workbook; every cell neutralized, so none is stored as a formula."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    for row in rows:
        sheet.append([neutralize(v) for v in row])
    workbook.save(stream)


MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def table_file(rows: Iterable[list], fmt: str, title: str = "Sheet") -> bytes:
    """The rows as a CSV (``fmt="csv"``) or Excel (``"xlsx"``) file, every cell neutralized."""
    if fmt == "csv":
        text = io.StringIO()
        write_csv(rows, text)
        return text.getvalue().encode("utf-8")
    buffer = io.BytesIO()
    write_xlsx(rows, buffer, title=title)
    return buffer.getvalue()
