"""Fixed dates of the season ([calendar.deadlines]): HD 43 §4 sets days of the year, not
working-day offsets, e.g. ratings finished before 31/12, records up by 01/02 of the next year.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .reader import TableReader, choices_text

# finish: the season's end for most units; special_finish: for units with a special calendar
# (OrgUnit.has_special_calendar), instead of finish; records: the record file sent up.
DEADLINES: tuple[str, ...] = ("finish", "special_finish", "records")
DAY_PATTERN = re.compile(r"(\d\d)-(\d\d)")


@dataclass(frozen=True)
class Deadline:
    code: str
    name: str  # the text before the date: "Hoàn thành … trước ngày"
    month: int
    day: int
    next_year: bool  # the day falls in the year after the rating year

    def date_for(self, year: int) -> dt.date:
        """The date in the season of rating year `year`."""
        return dt.date(year + 1 if self.next_year else year, self.month, self.day)


def read_deadlines(calendar: TableReader) -> tuple[Deadline, ...]:
    """The optional [calendar.deadlines] table, in the order of DEADLINES."""
    table = calendar.table("deadlines", optional=True)
    for name in table.names():
        if name not in DEADLINES:
            raise table.error(
                name,
                f"không có mốc này; chọn trong {choices_text(DEADLINES)}",
                f"no such deadline; choose from {choices_text(DEADLINES)}",
            )
    deadlines = []
    for code in DEADLINES:
        if code not in table.names():
            continue
        item = table.table(code)
        month, day = _month_day(item)
        deadlines.append(
            Deadline(
                code=code,
                name=item.string("name"),
                month=month,
                day=day,
                next_year=item.boolean("next_year", default=False),
            )
        )
        item.finish()
    table.finish()
    return tuple(deadlines)


def _month_day(item: TableReader) -> tuple[int, int]:
    text = item.string("day")
    match = DAY_PATTERN.fullmatch(text)
    try:
        if not match:
            raise ValueError(text)
        month, day = int(match.group(1)), int(match.group(2))
        dt.date(2027, month, day)  # a common year: 29/02 would not exist every year
    except ValueError:
        raise item.error(
            "day",
            f'"{text}" không phải ngày dạng "MM-DD" có trong mọi năm (ví dụ "12-31")',
            f'"{text}" is not a day "MM-DD" that exists every year (e.g. "12-31")',
        ) from None
    return month, day
