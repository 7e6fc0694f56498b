"""Date lines: the quick parser for the common forms agrees with dateutil's general one."""

from __future__ import annotations

import itertools

import pytest
from dateutil import parser as dateparser

from newsarchive import dates
from newsarchive.dates import parse_date_line


def _dateutil(line: str):
    """What parse_date_line returned before the quick forms: dateutil on every line."""
    text = dates._LABEL.sub("", line.strip())
    try:
        return dateparser.parse(text, dayfirst=not text[:4].isdigit())
    except (ValueError, OverflowError):
        return None


def _lines():
    months = ["Jan", "jan", "January", "Feb", "February", "Sep", "Sept", "September", "May",
              "Dec", "DECEMBER", "Jun", "June"]
    weekdays = ["", "Tue ", "Tuesday, ", "sun ", "Mon, ", "Fri "]
    days = ["1", "01", "9", "11", "28", "29", "30", "31", "0", "00"]
    years = ["2017", "2000", "1900", "2024"]
    for weekday, month, day, year in itertools.product(weekdays, months, days, years):
        yield f"{weekday}{month} {day} {year}"
        yield f"{weekday}{month} {day}, {year}"
        yield f"{weekday}{day} {month} {year}"
        yield f"Updated: {weekday}{day} {month}, {year}"
    for year, month, day in itertools.product(years, ["01", "02", "12", "13", "00"],
                                              ["01", "29", "30", "31", "13", "00"]):
        yield f"{year}-{month}-{day}"
    for clock in ["09:30", "9:05", "23:59", "24:00", "12:60", "00:00"]:
        yield f"Tue Apr 11 2017 {clock}"
        yield f"11 April 2017 {clock}"
    yield from ["2017-04-11T09:30:00Z", "Tue Apr 11 2017 09:30:15", "11 April 2017 9:30 pm",
                "11/04/2017", "April 11 2017 10:30 GMT", "Posted on 3 March 2015"]


def test_quick_forms_give_what_dateutil_gives():
    lines = list(_lines())
    quick = 0
    for line in lines:
        assert parse_date_line(line) == _dateutil(line), line
        quick += dates._plain_date(dates._LABEL.sub("", line.strip())) is not None
    assert quick > len(lines) // 2  # most of these took the quick path


@pytest.mark.parametrize("line", ["Tue Apr 11 2017", "April 11, 2017", "11 April 2017",
                                  "2017-04-11", "Updated: 11 April 2017"])
def test_common_forms_are_read_without_dateutil(line, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("dateutil was asked")

    monkeypatch.setattr(dates.dateparser, "parse", refuse)
    assert parse_date_line(line).date().isoformat() == "2017-04-11"
