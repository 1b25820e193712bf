"""The organizers' logo on the badges: checked on upload, kept in the database, given to WeasyPrint.

A logo is a PNG (recognized by its signature, not its name) or an SVG that is parsed and refused if it
could run or fetch anything: no DOCTYPE or entities, no scripts, no event attributes, no
``foreignObject``, and no reference outside the file (``href`` only to ``#`` fragments, no ``url()``
but ``url(#...)``). It is stored in the event's row (``Event.badge_logo``): it survives restarts and
goes with the database's backups. WeasyPrint receives it as a ``data:`` URL, written once per
document in a style rule (``core.pdf.StaticOnlyFetcher`` fetches nothing else); without an upload the
default logo under ``static/img`` is used.
"""
from __future__ import annotations

import base64
import re
import struct
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from lsi_assembly.events.models import Event

#: The largest logo accepted (a badge logo is a few centimetres wide: 1 MB is plenty).
MAX_BYTES = 1024 * 1024
#: The logo used when the organizers uploaded none (under static/).
DEFAULT_LOGO = "img/badge-logo.png"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG = "image/png"
SVG = "image/svg+xml"
#: The largest PNG, in pixels a side (a bomb of a small file but huge image is refused).
MAX_PIXELS = 5000

_SAFE_HREF = re.compile(r"\s*#")
_URL = re.compile(r"url\(\s*['\"]?\s*([^)'\"]*)", re.IGNORECASE)
_REFUSED_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "audio", "video", "handler",
                     "listener", "set", "animate"}


class LogoRefused(ValueError):
    """The uploaded file is not a logo the badges can use; the message says why, for the organizer."""


@dataclass(frozen=True)
class Logo:
    data: bytes
    media_type: str


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _check_svg(data: bytes) -> None:
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise LogoRefused(_l("This SVG file declares a DOCTYPE or entities: save it as plain SVG, or as PNG."))
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise LogoRefused(_l("This file is not a readable SVG image.")) from error
    if _local(root.tag) != "svg":
        raise LogoRefused(_l("This file is not a readable SVG image."))
    for element in root.iter():
        if not isinstance(element.tag, str) or _local(element.tag) in _REFUSED_ELEMENTS:
            raise LogoRefused(_l("This SVG file contains scripts or embedded content: please upload a plain "
                                 "drawing, or a PNG."))
        texts = list(element.attrib.items())
        if _local(element.tag) == "style":
            texts.append(("style", element.text or ""))
        for attribute, value in texts:
            name = _local(attribute)
            if name.startswith("on"):
                raise LogoRefused(_l("This SVG file contains scripts or embedded content: please upload a "
                                     "plain drawing, or a PNG."))
            if name == "href" and not _SAFE_HREF.match(value):
                raise LogoRefused(_l("This SVG file refers to other files or addresses: please upload a "
                                     "self-contained drawing, or a PNG."))
            if "@import" in value.lower() or any(not url.startswith("#") for url in _URL.findall(value)):
                raise LogoRefused(_l("This SVG file refers to other files or addresses: please upload a "
                                     "self-contained drawing, or a PNG."))


def check_logo(data: bytes) -> Logo:
    """The logo in ``data`` with its media type, or ``LogoRefused`` saying what is wrong."""
    if not data:
        raise LogoRefused(_l("Please choose a file."))
    if len(data) > MAX_BYTES:
        raise LogoRefused(_l("This file is larger than 1 MB: please upload a smaller logo."))
    if data.startswith(PNG_SIGNATURE):
        if len(data) < 24 or data[12:16] != b"IHDR":
            raise LogoRefused(_l("This file is not a readable PNG image."))
        width, height = struct.unpack(">II", data[16:24])
        if not (0 < width <= MAX_PIXELS and 0 < height <= MAX_PIXELS):
            raise LogoRefused(_l("This image is too large: at most 5000 pixels a side."))
        return Logo(data, PNG)
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith((b"<?xml", b"<svg", b"<!--")):
        _check_svg(data)
        return Logo(data, SVG)
    raise LogoRefused(_l("Please upload a PNG or SVG image."))


def data_url(data: bytes, media_type: str) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def logo_url(event: Event) -> str:
    """The URL WeasyPrint draws the event's logo from: the uploaded one, or the default."""
    if event.badge_logo and event.badge_logo_type in (PNG, SVG):
        return data_url(event.badge_logo, event.badge_logo_type)
    return DEFAULT_LOGO
