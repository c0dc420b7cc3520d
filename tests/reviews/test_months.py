"""Calendar-month arithmetic (reviews.months) and the eligibility rules that count months."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orgunits.models import PartyStatus, UnitKind
from reviews.models import Eligibility
from reviews.months import has_months, months_and_days, months_end, whole_months
from reviews.services.eligibility import (
    ExemptionRules,
    collective_eligibility,
    individual_eligibility,
)

dates = st.dates(min_value=dt.date(1945, 1, 1), max_value=dt.date(2100, 12, 31))
counts = st.integers(min_value=0, max_value=120)


def _admitted(admitted_on: dt.date, reference: dt.date) -> str:
    return individual_eligibility(
        rules=ExemptionRules(),
        year=reference.year,
        reference=reference,
        site_kind=UnitKind.PARTY_CELL,
        is_party_member=True,
        party_status=PartyStatus.ACTIVE,
        admitted_on=admitted_on,
    ).eligibility


# -- the boundaries, day by day ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        # 30/06 … 29/12 is 6 months: the member has them from the end of 29/12.
        (dt.date(2026, 12, 28), Eligibility.NOT_REVIEWED),
        (dt.date(2026, 12, 29), Eligibility.ELIGIBLE),
        (dt.date(2026, 12, 30), Eligibility.ELIGIBLE),
        (dt.date(2026, 12, 31), Eligibility.ELIGIBLE),
    ],
)
def test_months_since_admission_does_count_calendar_months_at_boundary_end_of_june(
    reference, expected
):
    assert _admitted(dt.date(2026, 6, 30), reference) == expected


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        (dt.date(2026, 12, 13), Eligibility.NOT_REVIEWED),
        (dt.date(2026, 12, 14), Eligibility.ELIGIBLE),
    ],
)
def test_months_since_admission_does_count_calendar_months_at_boundary_mid_month(
    reference, expected
):
    # The rule as the UI states it: from 15/06 to the end of 14/12 is 6 months.
    assert _admitted(dt.date(2026, 6, 15), reference) == expected


@pytest.mark.parametrize(
    ("admitted_on", "last_day_short", "first_day_full"),
    [
        # February has no 31st: the 6 months end with its last day.
        (dt.date(2026, 8, 31), dt.date(2027, 2, 27), dt.date(2027, 2, 28)),
        (dt.date(2026, 8, 29), dt.date(2027, 2, 27), dt.date(2027, 2, 28)),
        (dt.date(2026, 8, 28), dt.date(2027, 2, 26), dt.date(2027, 2, 27)),
        # In a leap year February has a 29th.
        (dt.date(2027, 8, 31), dt.date(2028, 2, 28), dt.date(2028, 2, 29)),
        (dt.date(2027, 8, 29), dt.date(2028, 2, 27), dt.date(2028, 2, 28)),
    ],
)
def test_months_since_admission_does_count_calendar_months_at_boundary_month_end(
    admitted_on, last_day_short, first_day_full
):
    assert _admitted(admitted_on, last_day_short) == Eligibility.NOT_REVIEWED
    assert _admitted(admitted_on, first_day_full) == Eligibility.ELIGIBLE


@pytest.mark.parametrize(
    ("admitted_on", "last_day_short", "first_day_full"),
    [
        # Admitted on 29/02: 6 months end on 28/08; 12 months on 28/02 of a common year.
        (dt.date(2028, 2, 29), dt.date(2028, 8, 27), dt.date(2028, 8, 28)),
    ],
)
def test_months_since_admission_does_count_calendar_months_at_boundary_leap_day(
    admitted_on, last_day_short, first_day_full
):
    assert _admitted(admitted_on, last_day_short) == Eligibility.NOT_REVIEWED
    assert _admitted(admitted_on, first_day_full) == Eligibility.ELIGIBLE
    assert months_end(admitted_on, 12) == dt.date(2029, 2, 28)


def test_months_since_admission_does_state_the_rule_with_dates_in_the_reason():
    verdict = individual_eligibility(
        rules=ExemptionRules(),
        year=2026,
        reference=dt.date(2026, 12, 28),
        site_kind=UnitKind.PARTY_CELL,
        is_party_member=True,
        party_status=PartyStatus.ACTIVE,
        admitted_on=dt.date(2026, 6, 30),
    )
    assert verdict.reason == (
        "Không kiểm điểm: vào Đảng ngày 30/06/2026, đến hết ngày 28/12/2026 chưa đủ 6 tháng "
        "(tính theo tháng dương lịch: đủ 6 tháng vào hết ngày 29/12/2026)."
    )


def test_collective_months_does_count_calendar_months_at_boundary():
    rules = ExemptionRules()
    established = dt.date(2026, 6, 30)
    young = collective_eligibility(
        rules=rules, reference=dt.date(2026, 12, 28), established_on=established
    )
    settled = collective_eligibility(
        rules=rules, reference=dt.date(2026, 12, 29), established_on=established
    )
    assert (young.eligibility, settled.eligibility) == (Eligibility.NOT_RATED, Eligibility.ELIGIBLE)


# -- properties ----------------------------------------------------------------------------------


@given(start=dates, months=counts)
def test_months_end_does_invert_whole_months(start, months):
    end = months_end(start, months)
    assert whole_months(start, end) == months
    if months:
        assert whole_months(start, end - dt.timedelta(days=1)) == months - 1
    assert months_and_days(start, end) == (months, 0)


@given(start=dates, months=st.integers(min_value=1, max_value=120))
def test_months_end_does_stay_within_the_lengths_of_months(start, months):
    days = (months_end(start, months) - start).days + 1
    assert 28 * months <= days <= 31 * months


@given(start=dates, months=counts)
def test_months_end_does_grow_with_the_start_date(start, months):
    later = start + dt.timedelta(days=1)
    assert months_end(later, months) >= months_end(start, months)


@given(start=dates, months=counts)
def test_months_end_does_add_up_month_by_month_from_the_first_of_a_month(start, months):
    first = start.replace(day=1)
    # From the 1st, N months always end on the last day of a month.
    end = months_end(first, months)
    assert months == 0 or (end + dt.timedelta(days=1)).day == 1


@given(start=dates, through=dates, months=counts)
def test_has_months_does_agree_with_whole_months(start, through, months):
    if through >= start:
        assert has_months(start, through, months) == (whole_months(start, through) >= months)
