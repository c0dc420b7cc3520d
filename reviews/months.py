"""Month counts in calendar months ("6 months since admission", "3 months of sick leave").

The convention, shown to users wherever a month count decides something: a span of days is
counted with its first and last day included, and N months run from a day to the end of the
day before the same day N months later — admitted on 15/06, a member has 6 months at the end
of 14/12. When the month N later has no such day (31/08 + 6 months), the N months end with
that month's last day (28/02, or 29/02 in a leap year), as Bộ luật Dân sự 2015 (Art. 148)
ends a term counted in months.
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta

ONE_DAY = dt.timedelta(days=1)


def months_end(start: dt.date, months: int) -> dt.date:
    """The last day of `months` calendar months counted from `start` (included)."""
    if months <= 0:
        return start - ONE_DAY
    target = start + relativedelta(months=months)  # clamps 31/08 + 6 months to 28/02
    return target - ONE_DAY if target.day == start.day else target


def has_months(start: dt.date, through: dt.date, months: int) -> bool:
    """Whether the days `start` … `through` (both included) make at least `months` months."""
    return through >= months_end(start, months)


def whole_months(start: dt.date, through: dt.date) -> int:
    """The whole calendar months in the days `start` … `through` (both included)."""
    if through < start:
        return 0
    months = (through.year - start.year) * 12 + through.month - start.month + 1
    while months > 0 and months_end(start, months) > through:
        months -= 1
    return months


def months_and_days(start: dt.date, through: dt.date) -> tuple[int, int]:
    """The span `start` … `through` (both included) as whole months and the days left over."""
    months = whole_months(start, through)
    return months, (through - months_end(start, months)).days


def span_of_days(start: dt.date, days: int) -> dt.date:
    """The last day of `days` consecutive days from `start`: several separate absences are
    counted as if they followed each other from the first one's start."""
    return start + dt.timedelta(days=days - 1)


def duration_text(months: int, days: int) -> str:
    """'3 tháng 10 ngày', '3 tháng', '20 ngày', '0 ngày'."""
    parts = [f"{months} tháng"] if months else []
    if days or not months:
        parts.append(f"{days} ngày")
    return " ".join(parts)
