"""The working-day calendar against the real `holidays` tables, overrides and properties.

No database: the calendar is pure Python. Expected dates are what holidays 0.109 publishes for
Vietnam; the official 2026 Tết break (Sat 14 – Sun 22 Feb) is fully covered by its Mon–Fri
holidays plus the weekends, so no override is needed for it.
"""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviews.workdays import DayOverride, WorkCalendar, meeting_lead_days_ok, schedule

VN = holidays.country_holidays("VN", language="vi")
CAL = WorkCalendar(country_holidays=VN)
D = date.fromisoformat


def span(first: str, last: str) -> list[date]:
    start, end = D(first), D(last)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# -- Tết ---------------------------------------------------------------------------------------

TET_2026 = {
    "2026-02-16": "Giao thừa Tết Nguyên Đán",
    "2026-02-17": "Tết Nguyên Đán",
    "2026-02-18": "Mùng hai Tết Nguyên Đán",
    "2026-02-19": "Mùng ba Tết Nguyên Đán",
    "2026-02-20": "Mùng bốn Tết Nguyên Đán",
}

TET_2027 = {
    "2027-02-04": "29 Tết",
    "2027-02-05": "Giao thừa Tết Nguyên Đán",
    "2027-02-06": "Tết Nguyên Đán",
    "2027-02-07": "Mùng hai Tết Nguyên Đán",
    "2027-02-08": "Mùng ba Tết Nguyên Đán",
    "2027-02-09": "Mùng bốn Tết Nguyên Đán",
    "2027-02-10": "Mùng năm Tết Nguyên Đán",
}


def test_holiday_name_does_give_vietnamese_tet_names_when_tet_2026() -> None:
    assert {d: CAL.holiday_name(D(d)) for d in TET_2026} == TET_2026


def test_is_working_day_does_close_whole_official_break_when_tet_2026() -> None:
    assert not any(CAL.is_working_day(d) for d in span("2026-02-14", "2026-02-22"))
    assert CAL.is_working_day(D("2026-02-13"))  # Friday before: 27 Tết
    assert CAL.is_working_day(D("2026-02-23"))  # Monday after: mùng 7
    # The weekends of the break are plain weekends, not holidays.
    assert CAL.holiday_name(D("2026-02-14")) is None


def test_holiday_name_does_move_weekend_tet_days_to_weekdays_when_tet_2027() -> None:
    # Tết 2027 falls on Saturday: Saturday's day moves back (29 Tết), Sunday's forward.
    assert {d: CAL.holiday_name(D(d)) for d in TET_2027} == TET_2027
    assert not any(CAL.is_working_day(d) for d in span("2027-02-04", "2027-02-10"))
    assert CAL.is_working_day(D("2027-02-03"))
    assert CAL.is_working_day(D("2027-02-11"))


def test_add_working_days_does_land_after_break_when_started_before_tet_2026() -> None:
    start = D("2026-02-12")  # Thursday
    assert CAL.add_working_days(start, 1) == D("2026-02-13")
    assert CAL.add_working_days(start, 2) == D("2026-02-23")
    assert CAL.add_working_days(start, 3) == D("2026-02-24")
    assert CAL.working_days_between(start, D("2026-02-24")) == 3


def test_add_working_days_does_jump_back_over_break_when_n_negative_across_tet_2027() -> None:
    assert CAL.add_working_days(D("2027-02-11"), -1) == D("2027-02-03")
    assert CAL.previous_working_day(D("2027-02-11")) == D("2027-02-03")
    assert CAL.next_working_day(D("2027-02-03")) == D("2027-02-11")
    assert CAL.working_days_between(D("2027-02-11"), D("2027-02-03")) == -1


def test_add_working_days_does_follow_extended_break_when_override_adds_tet_days() -> None:
    # Had the government extended Tết 2027 by a day, paid back by a Saturday, the operator
    # enters both rows; the package alone would not know them.
    extra_off = DayOverride(D("2027-02-11"), is_working_day=False, reason="Nghỉ thêm Tết")
    worked = DayOverride(D("2027-02-20"), is_working_day=True, reason="Làm bù ngày 11/02")
    cal = WorkCalendar([extra_off, worked], country_holidays=VN)

    assert CAL.add_working_days(D("2027-02-03"), 1) == D("2027-02-11")
    assert cal.add_working_days(D("2027-02-03"), 1) == D("2027-02-12")
    assert cal.holiday_name(D("2027-02-11")) == "Nghỉ thêm Tết"
    assert cal.is_working_day(D("2027-02-20"))
    assert cal.holiday_name(D("2027-02-20")) is None
    # The swap keeps the month's count unchanged.
    feb = (D("2027-01-31"), D("2027-02-28"))
    assert cal.working_days_between(*feb) == CAL.working_days_between(*feb)


# -- other public holidays and substitute days ---------------------------------------------------


def test_is_working_day_does_close_apr_30_and_may_1_when_they_fall_on_weekdays_2026() -> None:
    assert CAL.holiday_name(D("2026-04-30")) == "Ngày Chiến thắng"
    assert CAL.holiday_name(D("2026-05-01")) == "Ngày Quốc tế Lao động"
    assert CAL.is_working_day(D("2026-04-29"))
    assert CAL.add_working_days(D("2026-04-29"), 1) == D("2026-05-04")


def test_holiday_name_does_give_substitute_day_when_may_1_2027_is_saturday() -> None:
    assert not CAL.is_working_day(D("2027-04-30"))
    assert CAL.holiday_name(D("2027-05-01")) == "Ngày Quốc tế Lao động"
    assert CAL.holiday_name(D("2027-05-03")) == "Ngày Quốc tế Lao động (nghỉ bù)"
    assert not CAL.is_working_day(D("2027-05-03"))
    assert CAL.next_working_day(D("2027-04-29")) == D("2027-05-04")


def test_holiday_name_does_give_substitute_day_when_hung_kings_2026_is_sunday() -> None:
    assert CAL.holiday_name(D("2026-04-26")) == "Ngày Giỗ Tổ Hùng Vương"
    assert CAL.holiday_name(D("2026-04-27")) == "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"
    assert not CAL.is_working_day(D("2026-04-27"))
    assert CAL.next_working_day(D("2026-04-24")) == D("2026-04-28")


def test_is_working_day_does_close_national_day_and_adjacent_day_when_sep_2() -> None:
    # 2026: 1–2 Sep, plus Monday 31 Aug swapped for Saturday 22 Aug (from the package).
    assert [CAL.holiday_name(d) for d in span("2026-08-31", "2026-09-02")] == [
        "Ngày nghỉ (thay cho ngày 22/08/2026)",
        "Quốc khánh",
        "Quốc khánh",
    ]
    assert CAL.is_working_day(D("2026-08-22"))  # Saturday worked in exchange
    assert CAL.is_working_day(D("2026-09-03"))
    # 2027: Thursday 2 Sep and Friday 3 Sep.
    assert not CAL.is_working_day(D("2027-09-02"))
    assert not CAL.is_working_day(D("2027-09-03"))
    assert CAL.next_working_day(D("2027-09-01")) == D("2027-09-06")


def test_is_working_day_does_open_saturday_when_swap_is_declared_in_the_next_year() -> None:
    # The 2018 table swaps Monday 31 Dec 2018 for Saturday 5 Jan 2019, the 2015 table Friday
    # 2 Jan 2015 for Saturday 27 Dec 2014: a fresh calendar must see them from either year.
    cal = WorkCalendar()
    assert cal.is_working_day(D("2019-01-05"))
    assert cal.is_working_day(D("2014-12-27"))
    assert cal.holiday_name(D("2018-12-31")) == "Ngày nghỉ (thay cho ngày 05/01/2019)"


def test_is_working_day_does_use_weekdays_only_when_no_holidays_injected() -> None:
    cal = WorkCalendar(country_holidays={})
    assert cal.is_working_day(D("2026-02-17"))  # Tết, but this calendar knows no holidays
    assert not cal.is_working_day(D("2026-02-21"))
    assert cal.working_days_between(D("2026-03-01"), D("2026-03-31")) == 22


# -- overrides ---------------------------------------------------------------------------------


def test_is_working_day_does_open_saturday_when_override_says_working() -> None:
    saturday = D("2026-10-10")
    cal = WorkCalendar([DayOverride(saturday, True, "Làm bù")], country_holidays=VN)
    assert not CAL.is_working_day(saturday)
    assert cal.is_working_day(saturday)
    assert cal.holiday_name(saturday) is None
    assert cal.next_working_day(D("2026-10-09")) == saturday


def test_is_working_day_does_close_weekday_when_override_says_day_off() -> None:
    tuesday = D("2026-10-13")
    cal = WorkCalendar([DayOverride(tuesday, False, "Nghỉ đột xuất")], country_holidays=VN)
    assert not cal.is_working_day(tuesday)
    assert cal.holiday_name(tuesday) == "Nghỉ đột xuất"
    assert cal.add_working_days(D("2026-10-12"), 1) == D("2026-10-14")


def test_is_working_day_does_let_override_win_when_it_contradicts_the_package() -> None:
    cal = WorkCalendar(
        [
            DayOverride(D("2026-11-24"), True, "Không áp dụng"),
            DayOverride(D("2026-08-22"), False, "Hủy làm bù"),
        ],
        country_holidays=VN,
    )
    assert cal.is_working_day(D("2026-11-24"))
    assert cal.holiday_name(D("2026-11-24")) is None
    assert not cal.is_working_day(D("2026-08-22"))
    assert cal.holiday_name(D("2026-08-22")) == "Hủy làm bù"


def test_init_does_reject_overrides_when_two_rows_disagree_on_one_day() -> None:
    day = D("2026-10-13")
    with pytest.raises(ValueError, match="2026-10-13"):
        WorkCalendar([DayOverride(day, False, "a"), DayOverride(day, True, "b")])


# -- rolling and milestones ----------------------------------------------------------------------


def test_add_working_days_does_roll_forward_when_n_is_zero() -> None:
    assert CAL.add_working_days(D("2026-02-13"), 0) == D("2026-02-13")
    assert CAL.add_working_days(D("2026-02-14"), 0) == D("2026-02-23")
    assert CAL.add_working_days(D("2026-02-14"), 1) == D("2026-02-23")
    assert CAL.add_working_days(D("2026-02-14"), -1) == D("2026-02-13")


def test_meeting_lead_days_ok_does_reject_when_circulated_monday_for_thursday() -> None:
    assert meeting_lead_days_ok(D("2026-03-09"), D("2026-03-12"), 3, CAL) == (False, 2)


def test_meeting_lead_days_ok_does_accept_when_circulated_friday_for_next_thursday() -> None:
    assert meeting_lead_days_ok(D("2026-03-06"), D("2026-03-12"), 3, CAL) == (True, 3)


def test_meeting_lead_days_ok_does_skip_tet_when_circulated_before_the_break() -> None:
    # Between Thu 12 Feb and Wed 25 Feb 2026 only Fri 13, Mon 23 and Tue 24 count.
    assert meeting_lead_days_ok(D("2026-02-12"), D("2026-02-25"), 3, CAL) == (True, 3)
    assert meeting_lead_days_ok(D("2026-02-13"), D("2026-02-25"), 3, CAL) == (False, 2)


def test_meeting_lead_days_ok_does_count_zero_when_meeting_not_after_circulation() -> None:
    assert meeting_lead_days_ok(D("2026-03-12"), D("2026-03-12"), 3, CAL) == (False, 0)
    assert meeting_lead_days_ok(D("2026-03-12"), D("2026-03-09"), 0, CAL) == (True, 0)


def test_schedule_does_place_milestones_after_tet_when_opening_before_it() -> None:
    offsets = {
        "self_report_due": 0,
        "circulation": 5,
        "meeting": 8,
        "appraisal": 10,
        "decision": 12,
        "announcement": 13,
    }
    assert schedule(D("2026-02-09"), offsets, CAL) == {
        "self_report_due": D("2026-02-09"),
        "circulation": D("2026-02-23"),
        "meeting": D("2026-02-26"),
        "appraisal": D("2026-03-02"),
        "decision": D("2026-03-04"),
        "announcement": D("2026-03-05"),
    }


def test_schedule_does_roll_opening_forward_when_opening_is_a_holiday() -> None:
    assert schedule(D("2027-02-06"), {"self_report_due": 0}, CAL) == {
        "self_report_due": D("2027-02-11")
    }


# -- properties --------------------------------------------------------------------------------

dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))
steps = st.integers(min_value=-300, max_value=300)
overrides = st.lists(
    st.builds(DayOverride, day=dates, is_working_day=st.booleans(), reason=st.just("x")),
    max_size=40,
    unique_by=lambda o: o.day,
)
calendars = st.one_of(
    st.just(CAL), overrides.map(lambda rows: WorkCalendar(rows, country_holidays=VN))
)


@given(calendars, dates, st.integers(min_value=0, max_value=300))
def test_working_days_between_does_invert_add_when_start_is_a_working_day(
    cal: WorkCalendar, a: date, n: int
) -> None:
    start = cal.next_working_day(a)
    assert cal.working_days_between(start, cal.add_working_days(start, n)) == n
    assert cal.working_days_between(start, cal.add_working_days(start, -n)) == -n


@given(calendars, dates, st.integers(min_value=1, max_value=300))
def test_working_days_between_does_invert_add_when_n_positive_from_any_day(
    cal: WorkCalendar, a: date, n: int
) -> None:
    assert cal.working_days_between(a, cal.add_working_days(a, n)) == n


@given(calendars, dates, steps, steps)
def test_add_working_days_does_grow_strictly_when_n_grows(
    cal: WorkCalendar, a: date, n: int, m: int
) -> None:
    lo, hi = sorted((n, m))
    if lo == hi or ((lo, hi) == (0, 1) and not cal.is_working_day(a)):
        # From a day off, n = 0 rolls forward to the same day n = 1 reaches.
        assert cal.add_working_days(a, lo) == cal.add_working_days(a, hi)
    else:
        assert cal.add_working_days(a, lo) < cal.add_working_days(a, hi)


@given(calendars, dates, steps)
def test_add_working_days_does_return_a_working_day_when_any_n(
    cal: WorkCalendar, a: date, n: int
) -> None:
    assert cal.is_working_day(cal.add_working_days(a, n))


@given(calendars, dates, st.integers(min_value=-15, max_value=15))
def test_add_working_days_does_match_stepping_day_by_day_when_n_small(
    cal: WorkCalendar, a: date, n: int
) -> None:
    if n == 0:
        expected = a
        while not cal.is_working_day(expected):
            expected += timedelta(days=1)
    else:
        step = timedelta(days=1 if n > 0 else -1)
        expected, left = a, abs(n)
        while left:
            expected += step
            left -= cal.is_working_day(expected)
    assert cal.add_working_days(a, n) == expected


@given(calendars, dates, dates)
def test_working_days_between_does_flip_sign_when_arguments_swap(
    cal: WorkCalendar, a: date, b: date
) -> None:
    assert cal.working_days_between(a, b) == -cal.working_days_between(b, a)
    assert cal.working_days_between(a, a) == 0


@given(calendars, dates, dates, dates)
def test_working_days_between_does_add_up_when_split_at_any_date(
    cal: WorkCalendar, a: date, b: date, c: date
) -> None:
    total = cal.working_days_between(a, c)
    assert cal.working_days_between(a, b) + cal.working_days_between(b, c) == total


@given(calendars, dates, st.integers(min_value=0, max_value=400))
def test_working_days_between_does_match_counting_when_any_span(
    cal: WorkCalendar, a: date, days: int
) -> None:
    b = a + timedelta(days=days)
    counted = sum(cal.is_working_day(a + timedelta(days=i)) for i in range(1, days + 1))
    assert cal.working_days_between(a, b) == counted
    lead = sum(cal.is_working_day(a + timedelta(days=i)) for i in range(1, days))
    assert meeting_lead_days_ok(a, b, 3, cal) == (lead >= 3, lead)


@settings(max_examples=50)
@given(overrides, dates)
def test_is_working_day_does_follow_overrides_when_random_table(
    rows: list[DayOverride], a: date
) -> None:
    cal = WorkCalendar(rows, country_holidays=VN)
    for row in rows:
        assert cal.is_working_day(row.day) is row.is_working_day
        assert cal.holiday_name(row.day) == (None if row.is_working_day else row.reason)
    if a not in {row.day for row in rows}:
        assert cal.is_working_day(a) is CAL.is_working_day(a)
