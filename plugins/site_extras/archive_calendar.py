"""Calendar-like year archives: twelve month grids marking the days that have stories.

Built from Pelican's own period archives (``context["period_archives"]``) in one pass over
the day archives, then a fixed 12 × 6 × 7 grid per year: linear in the number of days with
stories, whatever the number of stories.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAY_NAMES = tuple(calendar.day_name)


@dataclass(frozen=True, slots=True)
class Day:
    day: int
    count: int = 0
    url: str = ""  # the day archive, "" when the day has no story


@dataclass(frozen=True, slots=True)
class MonthGrid:
    year: int
    month: int
    name: str
    count: int
    url: str  # the month archive, "" when the month has no story
    weeks: tuple[tuple[Day | None, ...], ...]  # Monday first; None outside the month


@dataclass(frozen=True, slots=True)
class YearLink:
    year: int
    count: int
    url: str


def _counts(archives: list[dict]) -> dict[tuple[int, ...], tuple[int, str]]:
    return {tuple(a["period_num"]): (len(a["dates"]), a["url"]) for a in archives}


def year_calendars(period_archives: dict) -> dict[int, tuple[MonthGrid, ...]]:
    """For every year with stories, its twelve month grids."""
    days = _counts(period_archives.get("day", []))
    months = _counts(period_archives.get("month", []))
    years = sorted({key[0] for key in (*days, *months)} | _years(period_archives))
    grid = calendar.Calendar(firstweekday=calendar.MONDAY)
    calendars = {}
    for year in years:
        calendars[year] = tuple(
            _month(grid, year, month, days, months.get((year, month), (0, "")))
            for month in range(1, 13)
        )
    return calendars


def period_calendars(
    calendars: dict[int, tuple[MonthGrid, ...]],
) -> dict[tuple[int, ...], tuple[MonthGrid, ...]]:
    """The grids each period page shows, by its ``period_num``: a year page its twelve
    months, a month page its own month; a day page none (it has no entry).

    The period template looks its grids up here rather than in ``archive_calendars``:
    render_pool keys a page by the items it looks up, so a month page then depends on its
    own month and a day page on no grid at all. With the year's grids, every day and month
    page of a year was rendered again whenever one story was added to that year (~340
    pages at 20,000 stories, one of which changed)."""
    periods: dict[tuple[int, ...], tuple[MonthGrid, ...]] = {}
    for year, months in calendars.items():
        periods[(year,)] = months
        for grid in months:
            periods[(year, grid.month)] = (grid,)
    return periods


def _years(period_archives: dict) -> set[int]:
    return {a["period_num"][0] for a in period_archives.get("year", [])}


def _month(grid, year: int, month: int, days: dict, summary: tuple[int, str]) -> MonthGrid:
    weeks = []
    for week in grid.monthdayscalendar(year, month):
        row = []
        for day in week:
            if not day:
                row.append(None)
                continue
            count, url = days.get((year, month, day), (0, ""))
            row.append(Day(day, count, url))
        weeks.append(tuple(row))
    count, url = summary
    return MonthGrid(year, month, calendar.month_name[month], count, url, tuple(weeks))


def year_links(period_archives: dict) -> list[YearLink]:
    """Every year with stories, newest first, with its count and archive URL."""
    links = [
        YearLink(a["period_num"][0], len(a["dates"]), a["url"])
        for a in period_archives.get("year", [])
    ]
    return sorted(links, key=lambda link: link.year, reverse=True)
