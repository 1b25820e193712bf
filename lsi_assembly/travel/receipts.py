"""Receipts: checked by their content (not their name), stored outside the web root under random names."""
from __future__ import annotations

import io
import secrets
from pathlib import Path

from flask import abort, current_app, make_response
from flask_babel import format_currency
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

#: Largest receipt accepted (bytes), and most receipts sent with one claim.
MAX_RECEIPT_BYTES = 5 * 1024 * 1024
MAX_RECEIPTS = 5
#: The claim's body may hold that many receipts, and its few fields.
CLAIM_BODY_LIMIT = MAX_RECEIPTS * MAX_RECEIPT_BYTES + 256 * 1024

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


class ReceiptRefused(ValueError):
    """The file is not a receipt we accept; the message says why, for the person."""


def receipt_type(data: bytes) -> str:
    """Return the content type of a receipt (PDF, JPEG or PNG) found in its bytes; raise ReceiptRefused."""
    if not data:
        raise ReceiptRefused(_l("The file is empty."))
    if len(data) > MAX_RECEIPT_BYTES:
        raise ReceiptRefused(_l("The file is larger than %(size)d MB.", size=MAX_RECEIPT_BYTES // (1024 * 1024)))
    if data.startswith(b"%PDF-"):
        try:
            reader = PdfReader(io.BytesIO(data))
            if len(reader.pages) < 1:
                raise ReceiptRefused(_l("This PDF file has no pages."))
        except (PyPdfError, ValueError, KeyError, TypeError, OSError):
            raise ReceiptRefused(_l("This PDF file cannot be read. Please scan or save the receipt again.")) from None
        return "application/pdf"
    for magic, pillow_format, content_type in ((_PNG, "PNG", "image/png"), (_JPEG, "JPEG", "image/jpeg")):
        if data.startswith(magic):
            try:
                with Image.open(io.BytesIO(data)) as image:
                    if image.format != pillow_format:
                        raise ReceiptRefused(_l("This image cannot be read."))
                    image.verify()
            except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
                raise ReceiptRefused(_l("This image cannot be read. Please take the photo again.")) from None
            return content_type
    raise ReceiptRefused(_l("Only PDF files and JPEG or PNG images are accepted, whatever the file's name says."))


def receipts_folder() -> Path:
    """The folder of the receipts: inside UPLOAD_FOLDER, outside the static folder; made on first use."""
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "receipts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_receipt(data: bytes) -> str:
    """Write a checked receipt under a fresh random name; return that name."""
    name = secrets.token_hex(16)
    (receipts_folder() / name).write_bytes(data)
    return name


def receipt_path(stored_name: str) -> Path:
    """The file of a stored receipt."""
    return receipts_folder() / stored_name


def delete_receipt_file(stored_name: str) -> None:
    """Delete a receipt's file (nothing if it is already gone)."""
    receipt_path(stored_name).unlink(missing_ok=True)


def receipt_response(receipt):
    """Send a receipt (a ``TravelReceipt``) as a download: never shown inline, its type not sniffed.

    Read whole (at most MAX_RECEIPT_BYTES) rather than streamed: no file stays open after the response.
    """
    path = receipt_path(receipt.stored_name)
    if not path.is_file():
        abort(404)
    response = make_response(path.read_bytes())
    response.headers["Content-Type"] = receipt.content_type
    response.headers["Content-Disposition"] = f"attachment; filename=receipt-{receipt.id}.{receipt.extension}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def format_money(amount, currency: str = "EUR") -> str:
    """An amount with its currency in the reader's language ("1 250,50 €", "€1,250.50"); "—" for none."""
    if amount is None:
        return "—"
    return format_currency(amount, currency)
