"""The project's one way to make a PDF: HTML and CSS through WeasyPrint, fetching only the app's own files.

Stylesheets refer to fonts and images under ``static/`` by relative URLs (resolved to ``file://``),
to QR codes by ``qr:TEXT`` (drawn by segno when WeasyPrint asks for them, so in whichever process
renders) and to other generated images by ``data:`` URLs. Anything else (another file, any network
URL) is refused and stops the rendering, so no PDF can pull in a file or a URL it should not. The
stylesheets and the font configuration are parsed once per process and reused: a single badge
reprint then costs milliseconds, not the hundreds it takes to parse fonts again.
"""
from __future__ import annotations

import io
import logging
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import segno
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

STATIC_ROOT = Path(__file__).resolve().parents[2] / "static"
# WeasyPrint reports every step of every page at INFO, and a missing glyph with the text around it
# at WARNING: too much for the application's log, and the text is people's names.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
logging.getLogger("weasyprint").setLevel(logging.ERROR)


class RefusedURL(FatalURLFetchingError):
    """A document asked for a resource outside the app's static folder."""


class StaticOnlyFetcher(URLFetcher):
    """Serve ``data:`` URLs and files under ``static/``; refuse everything else."""

    def fetch(self, url, headers=None):
        scheme, _, rest = url.partition(":")
        scheme = scheme.lower()
        if scheme == "qr":
            return URLFetcherResponse(url, qr_png(unquote(rest)), {"Content-Type": "image/png"})
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(unquote(urlsplit(url).path)).resolve()
            if path.is_relative_to(STATIC_ROOT) and path.is_file():
                return URLFetcherResponse(path.as_uri(), path.read_bytes(), status=200)
        raise RefusedURL(f"refused to fetch {url!r}: only files under static/ and data: URLs may be used")


def qr_png(text: str) -> bytes:
    """A QR code of ``text`` as a PNG: medium error correction, 4 pixels a module, quiet zone included."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=4, border=4)
    return buffer.getvalue()


_local = threading.local()


def _font_config() -> FontConfiguration:
    # One per thread: WeasyPrint's font configuration is not meant to be shared between threads.
    if getattr(_local, "fonts", None) is None:
        _local.fonts = FontConfiguration()
        _local.stylesheets = {}
    return _local.fonts


def stylesheet(relative: str) -> CSS:
    """A stylesheet under ``static/``, parsed once per thread and file version.

    Kept beside the thread's font configuration: its ``@font-face`` rules register the fonts in that
    configuration, so a stylesheet parsed for another thread (even one whose id was reused) would
    leave this thread's configuration without them, and the text would fall back to system fonts.
    """
    fonts = _font_config()
    path = STATIC_ROOT / relative
    key = (str(path), path.stat().st_mtime)
    if key not in _local.stylesheets:
        _local.stylesheets[key] = CSS(filename=str(path), url_fetcher=StaticOnlyFetcher(), font_config=fonts)
    return _local.stylesheets[key]


def render_pdf(html: str, stylesheets: tuple[str, ...] = ()) -> bytes:
    """Render an HTML document with stylesheets under ``static/`` to PDF bytes."""
    document = HTML(string=html, base_url=STATIC_ROOT.as_uri() + "/", url_fetcher=StaticOnlyFetcher())
    return document.write_pdf(stylesheets=[stylesheet(name) for name in stylesheets], font_config=_font_config())
