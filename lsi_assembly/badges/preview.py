"""A preview of one badge, rendered from the real template: the first page of the PDF as a PNG (pypdfium2).

The sample badge shows every part (a Cyrillic name with its Latin line, the full name, an organization,
the "no photos" marker), on a page of the badge's own size. Previews are kept in a small cache per
process, keyed by everything that changes them (size, event name, logo, language).
"""
from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict

import pypdfium2
from flask_babel import gettext as _

from lsi_assembly.badges.layout import Preset
from lsi_assembly.badges.logo import logo_url
from lsi_assembly.badges.render import BAND_WORDS, Branding, prepare, render_badges
from lsi_assembly.badges.services import BadgeContent
from lsi_assembly.core.countries import country_name
from lsi_assembly.core.localized import localized
from lsi_assembly.events.models import Event

#: Pixels a millimetre of the preview (about 200 dpi: sharp on a phone, small to send).
SCALE_DPI = 200
_CACHE: OrderedDict[str, bytes] = OrderedDict()
_LOCK = threading.Lock()
CACHE_SIZE = 32


def sample_content(locale: str) -> BadgeContent:
    return BadgeContent(participant_id=0, name="Марија Стојановска", full_name=None,
                        organization=_("La Strada International (sample)"), country_code="MK",
                        country=country_name("MK", locale), languages="English, Macedonian", category="delegate",
                        photo_consent=False, code="0" * 26, latin_name="Marija Stojanovska")


def preview_png(event: Event, preset: Preset, locale: str) -> bytes:
    """A PNG of one sample badge of ``preset``'s size, as the badges of ``event`` print."""
    logo = logo_url(event)
    key = hashlib.sha256(repr((preset.badge_width, preset.badge_height, localized(event, "name", locale), locale,
                               hashlib.sha256(logo.encode()).hexdigest())).encode()).hexdigest()
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    single = Preset("preview", "preview", preset.badge_width, preset.badge_height,
                    preset.badge_width, preset.badge_height)
    placed = prepare([sample_content(locale)], single, with_back=False, info=None)
    pdf = render_badges(placed, single, category_labels={k: str(v) for k, v in BAND_WORDS.items()},
                        branding=Branding(localized(event, "name", locale), logo), parallel=False)
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=SCALE_DPI / 72).to_pil()
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    png = buffer.getvalue()
    with _LOCK:
        _CACHE[key] = png
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return png
