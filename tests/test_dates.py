"""parse_date: common news date forms, and nothing invented for partial or impossible dates."""

from __future__ import annotations

import datetime as dt

import pytest

from newsearch.text.dates import day_key, parse_date

D = dt.date
T = dt.time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Reuters-21578, with its quirks
        ("26-FEB-1987 15:01:01.79", (D(1987, 2, 26), T(15, 1, 1))),
        (" 5-MAR-1987  09:02:03.12", (D(1987, 3, 5), T(9, 2, 3))),
        ("  3-APR-1987 07:09:42.28", (D(1987, 4, 3), T(7, 9, 42))),
        ("27-MAR-1987 00:02:59.13&#5;&#5;&#5;RM", (D(1987, 3, 27), T(0, 2, 59))),
        ("31-MAR-1987 605:12:19.12", (D(1987, 3, 31), None)),  # broken time: the day alone
        # RFC 822 (RSS), with an offset: the local time as written
        ("Mon, 28 Apr 2025 09:16:00 +0900", (D(2025, 4, 28), T(9, 16))),
        ("Sun, 27 Apr 2025 18:00:00 GMT", (D(2025, 4, 27), T(18, 0))),
        # as printed on news sites
        ("28 Apr. 2025", (D(2025, 4, 28), None)),
        ("28 Apr. 2025, 09:16", (D(2025, 4, 28), T(9, 16))),
        ("April 28, 2025", (D(2025, 4, 28), None)),
        ("Sept. 3, 2024", (D(2024, 9, 3), None)),
        ("Monday, April 28, 2025 at 9:16 AM EST", (D(2025, 4, 28), T(9, 16))),
        ("28/04/2025", (D(2025, 4, 28), None)),
        # ISO 8601
        ("2025-04-28", (D(2025, 4, 28), None)),
        ("2025-04-28T09:16:00Z", (D(2025, 4, 28), T(9, 16))),
        ("2025-04-28T09:16:00.123+02:00", (D(2025, 4, 28), T(9, 16))),
        ("2025-04-28 09:16", (D(2025, 4, 28), T(9, 16))),
        ("20250428", (D(2025, 4, 28), None)),
    ],
)
def test_common_forms(text: str, expected: tuple[dt.date, dt.time | None]) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2025-04",  # partial: no day
        "April 2025",
        "2025",
        "28 April",  # no year
        "12:30",
        "2025-02-30",  # impossible
        "30-FEB-1987",
        "2025-02-30T10:00:00",
        "1799-12-31",  # absurd years
        "2999-01-01",
        "",
        "   ",
        "yesterday",
        "hello world",
        "Page 12",
        "1714291200",  # a bare number
        "x" * 500,
        "&#5;&#5;",
    ],
)
def test_not_a_date(text: str) -> None:
    assert parse_date(text) is None


def test_next_year_is_allowed_but_not_later() -> None:
    year = dt.date.today().year
    assert parse_date(f"{year + 1}-01-01") == (D(year + 1, 1, 1), None)
    assert parse_date(f"{year + 2}-01-01") is None


def test_never_raises_on_odd_input() -> None:
    for text in ["\x00\x01", "99999999999999999999", "Mon, 99 Foo 2025", "-" * 50, "۲۰۲۵"]:
        assert parse_date(text) is None or isinstance(parse_date(text), tuple)
    assert parse_date(None) is None  # type: ignore[arg-type]


def test_day_keys_sort_as_dates_for_any_year() -> None:
    """The index stores days as strings; filters and sorting compare them as strings."""
    days = [dt.date(950, 7, 1), dt.date(1000, 1, 1), dt.date(1987, 3, 9), dt.date(2024, 12, 31)]
    assert sorted(days, key=day_key) == days
    assert day_key(dt.date(1987, 3, 9)) == "19870309"
