"""Publication dates as news sources write them, parsed without inventing missing parts.

``parse_date`` accepts the common forms (Reuters ``26-FEB-1987 15:01:01.79``, RFC 822
``Mon, 28 Apr 2025 09:16:00 +0900``, ``28 Apr. 2025``, ``April 28, 2025``, ISO 8601 ...) and
returns ``(date, time or None)``, or ``None`` when the text does not name a whole, possible day.
The time is the local time as written (any UTC offset or zone name is ignored), naive.
"""

from __future__ import annotations

import datetime as dt
import re

from dateutil import parser as _dateutil_parser  # type: ignore[import-untyped,unused-ignore]

MIN_YEAR = 1800
MAX_TEXT = 120

# Two defaults differing in every field: a part the text does not give comes out different.
_DEFAULT_A = dt.datetime(2000, 1, 1, 0, 0, 0)
_DEFAULT_B = dt.datetime(2004, 2, 2, 1, 1, 1)

_ENTITY = re.compile(r"&#\d+;|&[a-zA-Z]+;")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPACES = re.compile(r"\s+")
# "28 Apr. 2025" -> "28 Apr 2025"; also "Sept." -> "Sep".
_MONTH_DOT = re.compile(
    r"\b(jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.", flags=re.IGNORECASE
)
_SEPT = re.compile(r"\bsept\b", flags=re.IGNORECASE)
# Leading date-time: the longest prefix that is made only of date/time characters and words.
_TRAILING_NOISE = re.compile(r"^(.*?\d)(?:\s*[A-Za-z]{1,3})?\s*$")
_ONLY_NUMBER = re.compile(r"^\d{1,7}$")
# Fast paths for the two commonest machine forms (Reuters' and ISO 8601); dateutil does the rest.
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_LEWIS = re.compile(
    r"^(\d{1,2})-([A-Za-z]{3})-(\d{4})(?: (\d{1,3}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$"
)
_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?"
    r" ?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$"
)


def _parse_both(text: str, fuzzy: bool) -> tuple[dt.datetime, dt.datetime] | None:
    try:
        a = _dateutil_parser.parse(text, default=_DEFAULT_A, fuzzy=fuzzy, ignoretz=True)
        b = _dateutil_parser.parse(text, default=_DEFAULT_B, fuzzy=fuzzy, ignoretz=True)
    except (ValueError, OverflowError, TypeError, ArithmeticError, LookupError):
        return None
    if not isinstance(a, dt.datetime) or not isinstance(b, dt.datetime):
        return None
    return a, b


def _to_result(a: dt.datetime, b: dt.datetime) -> tuple[dt.date, dt.time | None] | None:
    if a.year != b.year or a.month != b.month or a.day != b.day:
        return None  # the text lacks the year, the month or the day
    this_year = dt.date.today().year
    if not MIN_YEAR <= a.year <= this_year + 1:
        return None
    time: dt.time | None = None
    if a.hour == b.hour:
        minute = a.minute if a.minute == b.minute else 0
        second = a.second if a.second == b.second else 0
        time = dt.time(a.hour, minute, second)
    return a.date(), time


def _clean(text: str) -> str:
    text = _ENTITY.sub(" ", text)
    text = _CONTROL.sub(" ", text)
    text = _MONTH_DOT.sub(lambda m: m.group(1), text)
    text = _SEPT.sub("Sep", text)
    return _SPACES.sub(" ", text).strip()


def parse_date(text: str) -> tuple[dt.date, dt.time | None] | None:
    """The publication day (and time of day, if given) named by ``text``, else ``None``.

    Never raises. Partial dates (``2025-04``, ``April 2025``), impossible days (``2025-02-30``)
    and years before 1800 or after next year give ``None``.
    """
    try:
        return _parse_date(text)
    except Exception:  # a date we cannot read is simply no date
        return None


def _fast(text: str) -> tuple[bool, tuple[dt.date, dt.time | None] | None]:
    """``(True, result)`` for a Reuters or ISO string, ``(False, None)`` for any other form."""
    match = _ISO.match(text)
    if match:
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    else:
        match = _LEWIS.match(text)
        if not match or match[2].lower() not in _MONTHS:
            return False, None
        year, month, day = int(match[3]), _MONTHS[match[2].lower()], int(match[1])
    if not MIN_YEAR <= year <= dt.date.today().year + 1:
        return True, None
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return True, None
    try:
        time = (
            None if match[4] is None else dt.time(int(match[4]), int(match[5]), int(match[6] or 0))
        )
    except ValueError:
        time = None  # a broken time ("605:12:19.12") after a good date: the date alone
    return True, (date, time)


def _parse_date(text: str) -> tuple[dt.date, dt.time | None] | None:
    if not isinstance(text, str):
        return None
    cleaned = _clean(text)
    if not cleaned or len(cleaned) > MAX_TEXT:
        return None
    handled, result = _fast(cleaned)
    if handled:
        return result
    if _ONLY_NUMBER.match(cleaned) and len(cleaned) != 8:
        return None  # a bare number is not a date (but 20250428 is)
    attempts = [(cleaned, False)]
    match = _TRAILING_NOISE.match(cleaned)
    if match and match.group(1) != cleaned:
        # Trailing noise such as "27-MAR-1987 00:02:59.13 RM": cut after the last digit.
        attempts.append((match.group(1), False))
    attempts.append((cleaned, True))
    for candidate, fuzzy in attempts:
        pair = _parse_both(candidate, fuzzy=fuzzy)
        if pair is not None:
            return _to_result(*pair)
    return None


def day_key(d: dt.date) -> str:
    """The day as the index stores it, ``YYYYMMDD`` (zero-padded for any year), so that
    string order is date order. Arithmetic: ``strftime`` is ~10x slower, and does not pad
    years before 1000."""
    return f"{(d.year * 100 + d.month) * 100 + d.day:08d}"
