"""The project's one way to make a PDF: HTML and CSS through WeasyPrint, fetching only the app's own files.

Stylesheets refer to fonts and images under ``static/`` by relative URLs (resolved to ``file://``),
to QR codes by ``qr:TEXT`` (drawn by segno when WeasyPrint asks for them, so in whichever process
renders) and to other generated images by ``data:`` URLs. Anything else (another file, any network
URL) is refused and stops the rendering, so no PDF can pull in a file or a URL it should not. The
stylesheets and the font configuration are parsed once per process and reused: a single badge
reprint then costs milliseconds, not the hundreds it takes to parse fonts again.

Long documents can be laid out in several processes at once (``render_numbered_parts``): each part is
a document of its own, and "page X of Y" stays right across them because each part numbers its pages
from the page counts of the parts before it (see ``_render_part``).
"""
from __future__ import annotations

import io
import logging
import multiprocessing
import os
import resource
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import segno
import weasyprint.layout
from pypdf import PdfReader, PdfWriter
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


def qr_png(text: str, scale: int = 4) -> bytes:
    """A QR code of ``text`` as a PNG: medium error correction, ``scale`` pixels a module, quiet zone included."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
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


def workers() -> int:
    """How many processes a long document is worth splitting over (the cores, at most 4)."""
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def process_context():
    """The multiprocessing context for rendering: a fork server with WeasyPrint already imported.

    Not a plain fork: the web process has threads (jobs, database pools) that a fork would copy in
    whatever state they are in.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["lsi_assembly.core.pdf"])
    return context


class PartFailed(RuntimeError):
    """A part of a document could not be rendered in its own process."""


def join_pdfs(pdfs: list[bytes]) -> bytes:
    """One PDF of several, pages in order (the first one's title kept)."""
    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(io.BytesIO(pdf))
    metadata = PdfReader(io.BytesIO(pdfs[0])).metadata if pdfs else None
    if metadata:
        writer.add_metadata({key: value for key, value in metadata.items() if isinstance(value, str)})
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def render_numbered_parts(documents: list[str], stylesheets: tuple[str, ...] = (),
                          progress=None, stats: dict | None = None) -> bytes:
    """Render consecutive parts of one document, each in its own process, as one PDF.

    The page counters of the margin boxes (``counter(page)``, ``counter(pages)``) run across the
    parts as if they were one document. Every part must start on a new page. ``progress(step)`` is
    called with "laid-out" (with the total of pages) once every part is paginated. Raises
    ``PartFailed`` when a part cannot be rendered (the caller may then render the whole in one go).
    ``stats``, if given, receives the parts' page counts and each process's peak RSS in MB.
    """
    if len(documents) == 1:
        return render_pdf(documents[0], stylesheets)
    context = process_context()
    connections, processes = [], []
    try:
        for document in documents:
            mine, theirs = context.Pipe()
            process = context.Process(target=_render_part, args=(theirs, document, stylesheets), daemon=True)
            process.start()
            theirs.close()
            connections.append(mine)
            processes.append(process)
        deadline = time.monotonic() + PARTS_TIMEOUT
        counts = [_receive(connection, "pages", deadline) for connection in connections]
        total = sum(counts)
        if progress:
            progress("laid-out", total)
        before = 0
        for connection, count in zip(connections, counts, strict=True):
            connection.send((before, total))
            before += count
        results = [_receive(connection, "pdf", deadline) for connection in connections]
        pdfs = [pdf for pdf, _rss in results]
        if stats is not None:
            stats.update(parts=len(documents), pages=counts, peak_rss_mb=[rss / 1024 for _pdf, rss in results])
    except OSError as error:  # no process could be started (out of memory, a sandbox without fork)
        raise PartFailed(f"no process to render in: {error!r}") from error
    finally:
        for connection in connections:
            connection.close()  # a part still waiting for its numbers then stops
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()
    return join_pdfs(pdfs)


#: How long the parts of one document may take in all before they are given up (then the caller
#: lays the document out in one process): generous, the longest list takes about a minute.
PARTS_TIMEOUT = 20 * 60


def _receive(connection, expected: str, deadline: float):
    try:
        if not connection.poll(max(0.0, deadline - time.monotonic())):
            raise PartFailed(f"a rendering process did not answer within {PARTS_TIMEOUT} s")
        kind, value = connection.recv()
    except (EOFError, OSError) as error:
        raise PartFailed(f"a rendering process ended early: {error!r}") from error
    if kind != expected:
        raise PartFailed(f"a rendering process failed: {value}")
    return value


def _render_part(connection, document: str, stylesheets: tuple[str, ...]) -> None:
    """In a process of its own: render one part, numbering its pages after the parts before it.

    WeasyPrint makes the margin boxes (where the page numbers are) only once the whole part is
    paginated, through ``weasyprint.layout.make_margin_boxes(context, page, state)``, ``state[1]``
    holding the page counters. Wrapped here (this process renders nothing else), its first call
    sends this part's page count to the parent and waits for the pages before it and the total;
    then every page's counters are shifted by them. WeasyPrint is pinned in requirements.txt and a
    test checks the numbering, so a change of this internal cannot go unnoticed.
    """
    original = weasyprint.layout.make_margin_boxes
    shift: list[tuple[int, int]] = []

    def numbered(context, page, state):
        if not shift:
            connection.send(("pages", state[1]["pages"][0]))
            shift.append(connection.recv())
        before, total = shift[0]
        counters = dict(state[1])
        counters["page"] = [counters["page"][0] + before]
        counters["pages"] = [total]
        return original(context, page, (state[0], counters, *state[2:]))

    weasyprint.layout.make_margin_boxes = numbered
    try:
        pdf = render_pdf(document, stylesheets)
    except BaseException as error:  # reported to the parent, which decides what to do
        try:
            connection.send(("error", repr(error)))
        except OSError:
            pass  # the parent has gone or given up
        raise
    finally:
        weasyprint.layout.make_margin_boxes = original
    connection.send(("pdf", (pdf, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)))  # kB on Linux
    connection.close()
