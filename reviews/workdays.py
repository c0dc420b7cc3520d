"""Vietnamese working days: the arithmetic behind every review deadline.

A day is a working day when it is Monday–Friday and not a public holiday (Tết and substitute
days included, as published by the `holidays` package), or a Saturday/Sunday the government
swapped into a working day (the package's ``weekend_workdays``). The operator's override table
wins over all of that, because the government announces swaps and extra days off every year and
the package lags behind.

Pure Python, no database: the Django model of the override table lives elsewhere and is turned
into `DayOverride` values before it reaches this module.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

import holidays

COUNTRY = "VN"
LANGUAGE = "vi"
ONE_DAY = timedelta(days=1)
_SATURDAY = 5


@dataclass(frozen=True)
class DayOverride:
    """One row of the operator's table: a swapped working day or an extra day off."""

    day: date
    is_working_day: bool
    reason: str


class _Year(NamedTuple):
    days: tuple[date, ...]  # the year's working days, ascending, for bisecting
    members: frozenset[date]  # the same days, for one-lookup membership


class WorkCalendar:
    """Working days in Vietnam, computed one calendar year at a time and cached.

    Rank notation used in the docstrings: ``R(d)`` is the number of working days on or before
    ``d`` (counted from any fixed origin). Every method is defined through it, which is what
    makes the arithmetic consistent.
    """

    def __init__(
        self,
        overrides: Iterable[DayOverride] = (),
        *,
        country_holidays: Mapping[date, str] | None = None,
    ) -> None:
        """Build a calendar; `country_holidays` replaces the package's VN holidays (tests).

        A `holidays.HolidayBase` with ``expand=True`` is loaded lazily a year at a time; any
        other mapping is read as is, and its ``weekend_workdays`` attribute, if present, lists
        weekend days worked in exchange for a day off. Raises ValueError when two overrides
        name the same day differently.
        """
        by_day: dict[date, DayOverride] = {}
        for override in overrides:
            known = by_day.setdefault(override.day, override)
            if known != override:
                raise ValueError(f"Conflicting overrides for {override.day.isoformat()}")
        self._overrides = by_day
        self._holidays: Mapping[date, str] = (
            country_holidays
            if country_holidays is not None
            else holidays.country_holidays(COUNTRY, language=LANGUAGE)
        )
        self._years: dict[int, _Year] = {}
        # Years are built at most once; the lock keeps the shared holidays object from being
        # expanded by two threads at the same time.
        self._lock = threading.Lock()

    # -- single days ---------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        """Whether `d` is a working day."""
        return d in self._year(d.year).members

    def holiday_name(self, d: date) -> str | None:
        """Why `d` is off: the override's reason or the Vietnamese holiday name.

        None for working days and for ordinary Saturdays and Sundays.
        """
        override = self._overrides.get(d)
        if override is not None:
            return None if override.is_working_day else override.reason
        if self.is_working_day(d):
            return None
        return self._holidays.get(d)

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after `d` (``add_working_days(d, 1)``)."""
        return self.add_working_days(d, 1)

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before `d` (``add_working_days(d, -1)``)."""
        return self.add_working_days(d, -1)

    # -- arithmetic ----------------------------------------------------------------------

    def add_working_days(self, start: date, n: int) -> date:
        """The `n`-th working day after `start` (n > 0) or before it (n < 0).

        `start` itself never counts for n != 0: Friday + 1 is Monday, Saturday + 1 is Monday,
        Monday - 1 is the previous Friday, Sunday - 1 is the Friday before. n == 0 rolls
        forward: `start` if it is a working day, else the next working day.

        Hence ``working_days_between(start, result) == n`` for every n > 0, and for n <= 0
        when `start` is a working day.
        """
        if n == 0:
            return start if self.is_working_day(start) else self.add_working_days(start, 1)
        year = start.year
        days = self._year(year).days
        if n > 0:
            k = bisect_right(days, start) + n - 1
            while k >= len(days):
                k -= len(days)
                year += 1
                days = self._year(year).days
            return days[k]
        k = bisect_left(days, start) + n
        while k < 0:
            year -= 1
            days = self._year(year).days
            k += len(days)
        return days[k]

    def working_days_between(self, a: date, b: date) -> int:
        """The number of working days d with a < d <= b; negated when b < a.

        Equals ``R(b) - R(a)``, so it is antisymmetric and additive:
        ``wdb(a, b) + wdb(b, c) == wdb(a, c)``.
        """
        if b < a:
            return -self.working_days_between(b, a)
        days_a = self._year(a.year).days
        if a.year == b.year:
            return bisect_right(days_a, b) - bisect_right(days_a, a)
        count = len(days_a) - bisect_right(days_a, a)
        for year in range(a.year + 1, b.year):
            count += len(self._year(year).days)
        return count + bisect_right(self._year(b.year).days, b)

    # -- cache ---------------------------------------------------------------------------

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._years.get(year)
            if cached is None:
                cached = self._years[year] = self._build_year(year)
            return cached

    def _build_year(self, year: int) -> _Year:
        # A lookup makes an expanding HolidayBase populate the year (and its swapped weekend
        # workdays, which the package records even when they cross New Year).
        self._holidays.get(date(year, 1, 1))
        weekend_workdays: Iterable[date] = getattr(self._holidays, "weekend_workdays", ())
        worked_weekends = frozenset(weekend_workdays)
        first = date(year, 1, 1).toordinal()
        last = date(year, 12, 31).toordinal()
        days = tuple(
            d
            for d in map(date.fromordinal, range(first, last + 1))
            if self._is_working_uncached(d, worked_weekends)
        )
        return _Year(days=days, members=frozenset(days))

    def _is_working_uncached(self, d: date, worked_weekends: frozenset[date]) -> bool:
        override = self._overrides.get(d)
        if override is not None:
            return override.is_working_day
        if d.weekday() >= _SATURDAY:
            return d in worked_weekends
        return d not in self._holidays


def meeting_lead_days_ok(
    circulated_on: date, meeting_on: date, required: int, calendar: WorkCalendar
) -> tuple[bool, int]:
    """Whether drafts circulated on `circulated_on` left `required` working days before the meeting.

    Counts the full working days strictly between the two dates: neither the circulation day
    nor the meeting day counts (circulated Friday, meeting next Thursday: Mon, Tue, Wed = 3).
    Returns ``(count >= required, count)``; count is 0 when the meeting is not after the
    circulation day.
    """
    if meeting_on <= circulated_on:
        lead = 0
    else:
        lead = calendar.working_days_between(circulated_on, meeting_on - ONE_DAY)
    return lead >= required, lead


def schedule(opening: date, offsets: Mapping[str, int], calendar: WorkCalendar) -> dict[str, date]:
    """Each milestone's date: ``add_working_days(opening, offset)``."""
    return {name: calendar.add_working_days(opening, offset) for name, offset in offsets.items()}
