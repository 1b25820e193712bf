"""Dates and times for a European audience (core.dates): British English and French, 24-hour clock,
the venue's time zone, never a date in figures only; and no module formats dates around it."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from lsi_assembly.core.dates import format_clock, format_day, format_days, format_moment

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2027, 6, 24)
#: 16:05 UTC is 18:05 in Paris (summer time).
MOMENT = datetime(2027, 6, 24, 16, 5, tzinfo=UTC)


@pytest.mark.parametrize(("width", "english", "french"), [
    ("full", "Thursday, 24 June 2027", "jeudi 24 juin 2027"),
    ("long", "24 June 2027", "24 juin 2027"),
    ("medium", "24 Jun 2027", "24 juin 2027"),
    ("short", "24 Jun 2027", "24 juin 2027"),
    ("EEE d MMM", "Thu 24 Jun", "jeu. 24 juin"),
])
def test_a_day_is_written_day_month_year_in_both_languages(width, english, french):
    assert format_day(DAY, width, "en") == english
    assert format_day(DAY, width, "fr") == french


def test_no_width_writes_a_date_in_figures_that_reads_differently_across_the_atlantic():
    for language in ("en", "fr"):
        for width in ("full", "long", "medium", "short"):
            written = format_day(date(2026, 11, 12), width, language)
            assert not re.search(r"\d+/\d+", written), written
            assert "12" in written and "2026" in written


def test_times_are_on_the_24_hour_clock_without_seconds():
    assert format_clock(time(18, 5, 59), "en") == "18:05"
    assert format_clock(time(9, 0), "fr") == "09:00"
    assert format_clock(MOMENT, "en", zone="Europe/Paris") == "18:05"
    assert format_clock(MOMENT, "en", zone="UTC") == "16:05"


def test_a_moment_is_shown_in_the_venue_time_zone():
    assert format_moment(MOMENT, "medium", "en", zone="Europe/Paris") == "24 Jun 2027, 18:05"
    assert format_moment(MOMENT, "short", "fr", zone="Europe/Paris") == "24 juin 2027, 18:05"
    assert format_moment(MOMENT, "long", "en", zone="Europe/Paris") == "24 June 2027, 18:05"
    # 23:30 UTC is already the next day in Paris, and still the same day in Lisbon in winter.
    late = datetime(2026, 12, 11, 23, 30, tzinfo=UTC)
    assert format_day(late, "long", "en", zone="Europe/Paris") == "12 December 2026"
    assert format_moment(late, "medium", "en", zone="Europe/Lisbon") == "11 Dec 2026, 23:30"
    assert format_moment(late.replace(tzinfo=None), "medium", "en", zone="UTC") == "11 Dec 2026, 23:30"


def test_a_span_of_days_names_the_month_once():
    assert format_days(DAY, date(2027, 6, 26), "en") == "24–26 June 2027"
    assert format_days(DAY, date(2027, 6, 26), "fr") == "24–26 juin 2027"
    assert format_days(date(2027, 6, 30), date(2027, 7, 2), "en") == "30 June – 2 July 2027"
    assert format_days(date(2026, 12, 30), date(2027, 1, 2), "fr") == "30 décembre 2026 – 2 janvier 2027"
    assert format_days(DAY, DAY, "en") == "24 June 2027"


def test_dates_are_formatted_only_through_core_dates():
    """A direct Babel call would bring back "June 24, 2027" and "6/24/27" for English (ISO stamps in files are fine)."""
    direct = re.compile(r"\bbabel\.dates\b|from flask_babel import[^\n]*\bformat_(date|datetime|time|interval)\b"
                        r"|\.strftime\(\s*['\"][^'\"]*(%[yIpbBaAcx]|%[dm]/)")
    offenders = []
    for path in [*(ROOT / "lsi_assembly").rglob("*.py"), *(ROOT / "templates").rglob("*.*")]:
        if path.name == "dates.py" and path.parent.name == "core" or path.suffix not in {".py", ".html", ".txt"}:
            continue
        offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in direct.finditer(path.read_text("utf-8"))]
    assert offenders == []
