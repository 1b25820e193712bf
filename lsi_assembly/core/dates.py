"""Dates and times as people read them, in every page, e-mail, list, badge and certificate.

The audience is European: English dates are written the British way ("24 June 2027", never
"June 24, 2027"), French ones "24 juin 2027", and every time is on the 24-hour clock ("18:30"). A
date never comes out as figures only ("11/12/26" is 11 December in Paris and 12 November in New
York): the "short" and "medium" widths both give "24 Jun 2027".

Widths for dates: ``full`` (Thursday, 24 June 2027), ``long`` (24 June 2027), ``medium`` or
``short`` (24 Jun 2027); any other string is a CLDR pattern such as ``"EEE d MMM"`` (Thu 24 Jun).
Times are always ``HH:mm``. Moments (aware datetimes, stored in UTC) are shown in the venue's time
zone: ``zone`` when given, else the request's (the event's, see ``app._timezone``), else UTC.

The Jinja filters ``dateformat``, ``datetimeformat`` and ``timeformat`` (Flask-Babel's names, so
templates keep working) and Python code all go through these functions, never through
``babel.dates`` or Flask-Babel's ``format_*`` directly (a test checks that).
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_time as _babel_time
from flask import has_app_context
from flask_babel import get_locale, get_timezone

#: The conventions each interface language is written in, when they are not the language's default:
#: English for a European audience is British English (day before month, 24-hour clock).
FORMAT_LOCALES = {"en": "en_GB"}
#: The widths that would write a date in figures only: they give the abbreviated month instead.
NUMERIC_WIDTHS = {"short": "medium"}
#: The one clock pattern: 24 hours, minutes, no seconds.
CLOCK = "HH:mm"


def format_locale(language: str | Locale | None = None) -> Locale:
    """Return the locale whose conventions dates in ``language`` follow (the request's by default)."""
    code = str(language or (get_locale() if has_app_context() else None) or "en")
    return Locale.parse(FORMAT_LOCALES.get(code, code))


def _zone(zone: str | tzinfo | None) -> tzinfo:
    if isinstance(zone, str):
        return ZoneInfo(zone)
    return zone or (get_timezone() if has_app_context() else None) or UTC


def local(moment: datetime, zone: str | tzinfo | None = None) -> datetime:
    """Return ``moment`` in the venue's time zone (a naive datetime is taken to be UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_zone(zone))


def format_day(value: date | datetime, width: str = "long", language: str | None = None,
               zone: str | tzinfo | None = None) -> str:
    """Write the date ``value`` ("24 June 2027"); a datetime is first put in the venue's time zone."""
    if isinstance(value, datetime):
        value = local(value, zone).date()
    width = NUMERIC_WIDTHS.get(width, width)
    return _babel_date(value, width, locale=format_locale(language))


def format_clock(value: time | datetime, language: str | None = None, zone: str | tzinfo | None = None) -> str:
    """Write the time of ``value`` on the 24-hour clock ("18:30"), a datetime in the venue's time zone."""
    if isinstance(value, datetime):
        value = local(value, zone).time()
    return _babel_time(value, CLOCK, locale=format_locale(language))


def format_moment(value: datetime, width: str = "medium", language: str | None = None,
                  zone: str | tzinfo | None = None) -> str:
    """Write a date and time in the venue's time zone: "24 Jun 2027, 18:30" (``width`` is the date's)."""
    moment = local(value, zone)
    locale = format_locale(language)
    date_width = NUMERIC_WIDTHS.get(width, width)
    glue = locale.datetime_formats.get(date_width) or locale.datetime_formats["medium"]
    return (str(glue).replace("'", "")
            .replace("{1}", format_day(moment.date(), date_width, locale))
            .replace("{0}", format_clock(moment.time(), locale)))


def format_days(start: date, end: date, language: str | None = None) -> str:
    """Write a span of days: "24–26 June 2027", "30 June – 2 July 2027", "24 juin 2027" for one day."""
    locale = format_locale(language)
    if end == start:
        return format_day(start, "long", locale)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{format_day(end, 'long', locale)}"
    first = format_day(start, "d MMMM" if start.year == end.year else "long", locale)
    return f"{first} – {format_day(end, 'long', locale)}"


def install_filters(jinja_env) -> None:
    """Make the templates' ``dateformat``, ``datetimeformat`` and ``timeformat`` filters use these rules."""
    jinja_env.filters.update(
        dateformat=lambda value, width="long", zone=None: format_day(value, width, zone=zone),
        datetimeformat=lambda value, width="medium", zone=None: format_moment(value, width, zone=zone),
        timeformat=lambda value, width=None, zone=None: format_clock(value, zone=zone),
        daysformat=lambda start, end: format_days(start, end),
    )
