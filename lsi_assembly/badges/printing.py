"""Printing badges and logging every print: the one path used by the web, the desk and the command line."""
from __future__ import annotations

import logging
from collections.abc import Callable

from lsi_assembly.badges.layout import Preset
from lsi_assembly.badges.logo import logo_url
from lsi_assembly.badges.render import Branding, print_badges
from lsi_assembly.badges.services import BadgeFilter, badges_for, record_prints
from lsi_assembly.core.localized import localized
from lsi_assembly.events.models import Event

log = logging.getLogger(__name__)


def print_and_log(event: Event, wanted: BadgeFilter, preset: Preset, *, with_back: bool, crop_marks: bool,
                  locale: str, actor: str, user_id: int | None,
                  progress: Callable[[int, int], None] | None = None,
                  codes_issued: Callable[[], None] | None = None) -> tuple[bytes, int]:
    """Print the badges ``wanted`` and log each print; returns (PDF, number of badges). The caller commits.

    ``codes_issued`` is called once the badge codes are issued, before the (possibly long) rendering:
    a caller printing many badges commits there (``codes_issued=db.session.commit``), so that a desk
    printing or reissuing one of these badges meanwhile does not wait for the whole run.
    """
    contents = badges_for(event, wanted, locale)
    if codes_issued is not None:
        codes_issued()
    if not contents:
        return b"", 0
    for content in contents:
        if content.missing_letters():
            # The id only: the letters are part of a name, which stays out of the log.
            log.warning("the badge font has no glyph for some letters of participant %s's badge",
                        content.participant_id)
    pdf = print_badges(contents, preset, with_back=with_back, crop_marks=crop_marks,
                       info=event.badge_info if with_back else None,
                       branding=Branding(localized(event, "name", locale), logo_url(event)), progress=progress)
    record_prints(contents, preset.name, actor, user_id)
    return pdf, len(contents)
