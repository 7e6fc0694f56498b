"""Recognise and parse the date lines scraped pages carry ("Tue Apr 11 2017", "11 April 2017")."""

from __future__ import annotations

import datetime as dt
import re

from dateutil import parser as dateparser

from newsarchive.errors import InputRejected

# A date line is short and made only of date words: weekday/month names, numbers,
# separators, an optional time and zone. Anything else ("Reuters reported on ...")
# is prose, not a date line.
_DATE_WORDS = (
    r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?|"
    r"am|pm|a\.m\.|p\.m\.|utc|gmt|[a-z]{2,4}t|updated|published|posted|on|at|of|the|"
    r"\d{1,4}(?:st|nd|rd|th)?|t\d|z"
)
_DATE_LINE = re.compile(rf"^(?:(?:{_DATE_WORDS})[\s,./:+\-–|]*)+$", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|2\d\d\d)(?!\d)")
_LABEL = re.compile(r"^(?:updated|published|posted)\s*:?\s*", re.IGNORECASE)

MAX_DATE_LINE = 60
# The years a story may be dated in. A fixed window, not "up to now": a check against the clock
# would accept an input today and refuse it later, and builds must not depend on when they run.
# Year 0 cannot be represented at all; 9999 and other far-future years are scraping errors
# (and would overflow date arithmetic in feeds and time zones).
MIN_YEAR, MAX_YEAR = 1800, 2199


def parse_date_line(line: str) -> dt.datetime | None:
    """The datetime a standalone date line names, or None when the line is not one.

    Accepts the common written forms: ``Tue Apr 11 2017``, ``April 11, 2017``,
    ``11 April 2017``, ``2017-04-11``, ``2017-04-11T09:30:00Z``, ``11/04/2017``
    (day first, as most agencies outside the US write it; ISO order always wins),
    with an optional time. A line must carry a four-digit year.
    """
    text = line.strip()
    if not text or len(text) > MAX_DATE_LINE or not _YEAR.search(text):
        return None
    if not _DATE_LINE.match(text):
        return None
    text = _LABEL.sub("", text)
    fast = _plain_date(text)
    if fast is not None:
        return fast
    try:
        return dateparser.parse(text, dayfirst=not re.match(r"^\d{4}", text))
    except (ValueError, OverflowError):
        return None


# The forms most date lines take (a date, perhaps HH:MM, no zone): parsed here, because
# dateutil's general parser costs ~37 µs a line, this ~4 µs. Only names dateutil
# itself knows are accepted (tests/test_dates.py checks both agree); anything else goes to
# dateutil.
_MONTHS = {name: number for number, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1) for name in names}
_WEEKDAYS = ("mon", "monday", "tue", "tuesday", "wed", "wednesday", "thu", "thursday", "fri",
             "friday", "sat", "saturday", "sun", "sunday")
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_TIME = r"(?:\s+(?P<hour>\d{1,2}):(?P<minute>\d{2}))?"
_PLAIN_FORMS = (
    # [Weekday[,]] Month D[,] YYYY [HH:MM]: "Tue Apr 11 2017 09:30", "April 11, 2017"
    re.compile(rf"(?:(?:{_WEEKDAY}),?\s+)?(?P<month>{_MONTH})\s+(?P<day>\d{{1,2}}),?\s+"
               rf"(?P<year>\d{{4}}){_TIME}", re.IGNORECASE),
    # [Weekday[,]] D Month[,] YYYY [HH:MM]: "11 April 2017", "Tuesday, 11 April 2017"
    re.compile(rf"(?:(?:{_WEEKDAY}),?\s+)?(?P<day>\d{{1,2}})\s+(?P<month>{_MONTH}),?\s+"
               rf"(?P<year>\d{{4}}){_TIME}", re.IGNORECASE),
    # YYYY-MM-DD
    re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"),
)


def _plain_date(text: str) -> dt.datetime | None:
    """The date of a line in one of ``_PLAIN_FORMS``; None for anything else, a day that does
    not exist included (dateutil then decides, as it would have: it may read "2017-13-01" as
    the 13th of January)."""
    for form in _PLAIN_FORMS:
        match = form.fullmatch(text)
        if match is not None:
            month = match["month"]
            number = int(month) if month.isdigit() else _MONTHS[month.lower()]
            clock = match.groupdict()  # the ISO form has no time
            try:
                return dt.datetime(int(match["year"]), number, int(match["day"]),
                                   int(clock.get("hour") or 0), int(clock.get("minute") or 0))
            except ValueError:
                return None
    return None


def iso_date(value: dt.datetime) -> str:
    """ISO 8601 for the Date field: a bare date when the time is midnight and no zone is known."""
    if value.tzinfo is None and value.time() == dt.time(0, 0):
        return value.date().isoformat()
    return value.isoformat(timespec="seconds" if value.second else "minutes")


def plausible_date(value: dt.datetime) -> dt.datetime:
    """``value`` when its year is in ``MIN_YEAR``–``MAX_YEAR``; ``InputRejected`` otherwise."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise InputRejected(
            f"implausible date {value.date().isoformat()}: stories are dated between "
            f"{MIN_YEAR} and {MAX_YEAR}")
    return value
