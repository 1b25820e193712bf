"""Printing badges and logging every print: the one path used by the web, the desk and the command line."""
from __future__ import annotations

import logging
from collections.abc import Callable

from lsi_assembly.badges.layout import Preset
from lsi_assembly.badges.render import print_badges
from lsi_assembly.badges.services import BadgeFilter, badges_for, record_prints
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db

log = logging.getLogger(__name__)


def print_and_log(event: Event, wanted: BadgeFilter, preset: Preset, *, with_back: bool, crop_marks: bool,
                  locale: str, actor: str, user_id: int | None,
                  progress: Callable[[int, int], None] | None = None) -> tuple[bytes, int]:
    """Print the badges ``wanted`` and log each print; returns (PDF, number of badges). The caller commits.

    Badge codes issued on the way are committed before the (possibly long) rendering, so a desk
    printing or reissuing one of these badges meanwhile does not wait for the whole run.
    """
    contents = badges_for(event, wanted, locale)
    db.session.commit()
    if not contents:
        return b"", 0
    for content in contents:
        if content.missing_letters():
            # The id only: the letters are part of a name, which stays out of the log.
            log.warning("the badge font has no glyph for some letters of participant %s's badge",
                        content.participant_id)
    pdf = print_badges(contents, preset, with_back=with_back, crop_marks=crop_marks,
                       info=event.badge_info if with_back else None, progress=progress)
    record_prints(contents, preset.name, actor, user_id)
    return pdf, len(contents)
