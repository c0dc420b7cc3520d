"""The counts kept at write time (issue #14) against a recount of the raw rows: after every step
of random sequences of appraisals, decisions, publications, cancellations, re-ratings, level
changes, discipline, re-enrolment and eligibility overrides, all through the real services; and
after the generator, the historical-levels import and a plain `update()`."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgunits.models import MembershipRole
from ratings import rollup_sql, rollups, summary
from ratings.exceptions import RatingError
from ratings.models import Decision, DecisionStatus, HistoricalLevel, LevelCount, Rating
from ratings.services import appraisal, decisions, rerating
from reviews.exceptions import ReviewError
from reviews.models import Eligibility, Subject
from reviews.services import enrolment
from tests.factories import MembershipFactory

from .test_appraisal import HTT, add_members, enrol, propose, propose_all

pytestmark = pytest.mark.django_db

LEVELS = ["HTXS", "HTT", "HT", "KHT"]
DAY = dt.date(2026, 12, 20)
REASON = "Kết luận của cấp trên sau kiểm tra."
OPS = (
    "appraise",
    "decide",
    "publish",
    "cancel",
    "rerate",
    "change_level",
    "discipline",
    "enrol",
    "override",
)


def assert_rollups_match(step: str = "") -> None:
    assert rollups.differences() == [], step


@pytest.fixture
def world(period, tree, member, org_officer, authority, leadership):
    """A district with two chi bộ of members, a leader reviewed at two sites (R-E4), enrolled,
    self-assessed and appraised once."""
    MembershipFactory(person=member.person, unit=leadership, role=MembershipRole.HEAD)
    people = add_members(tree.cell_a, 6) + add_members(tree.cell_b, 5)
    enrol(period)
    propose_all(period, HTT)
    for person, level in zip(people, ["HTXS", "HTXS", "HT", "KHT", "HTXS"], strict=False):
        propose(period, tree.cell_a if person in people[:6] else tree.cell_b, person, level)
    appraisal.appraise(period=period, unit=tree.district, user=org_officer)
    assert_rollups_match("after the first appraisal")
    # One chi bộ decided from the start, so re-rating and cancelling have something to act on.
    decisions.decide(
        period=period, unit=tree.cell_b, user=authority, decided_on=DAY, override_reason=REASON
    )
    assert_rollups_match("after the first decision")
    units = [tree.district, tree.cell_a, tree.cell_b, leadership]
    return period, tree, org_officer, authority, units, people


def _step(world, op: str, pick: int, level: str) -> None:
    period, tree, officer, authority, units, people = world
    unit = units[pick % len(units)]
    ratings = list(Rating.objects.filter(subject__period=period).order_by("pk"))
    rating = ratings[pick % len(ratings)]
    open_decisions = list(Decision.objects.exclude(status=DecisionStatus.CANCELLED).order_by("pk"))
    if op == "appraise":
        appraisal.appraise(period=period, unit=unit, user=officer)
    elif op == "decide":
        decisions.decide(
            period=period, unit=unit, user=authority, decided_on=DAY, override_reason=REASON
        )
    elif op == "publish" and open_decisions:
        decisions.publish(decision=open_decisions[pick % len(open_decisions)], user=authority)
    elif op == "cancel" and open_decisions:
        decisions.cancel_decision(
            decision=open_decisions[pick % len(open_decisions)], reason=REASON, user=authority
        )
    elif op == "rerate":
        decided = [r for r in ratings if r.status in summary.DECIDED] or ratings
        rating = decided[pick % len(decided)]
        rerating.rerate(rating=rating, level=level, reason=REASON, user=authority, decided_on=DAY)
    elif op == "change_level":
        appraisal.change_level(rating=rating, level=level, reason=REASON, user=officer)
    elif op == "discipline":
        appraisal.record_discipline(
            user=officer,
            unit_at_time=tree.cell_a,
            violation_date=dt.date(2026, 3, 1),
            decision_date=dt.date(2026, 12, 10),
            form="reprimand",
            person=people[pick % len(people)],
        )
    elif op == "enrol":
        enrolment.enrol_period(period=period)
    elif op == "override":
        subject = Subject.objects.filter(period=period).order_by("pk")[pick % 5]
        enrolment.override_eligibility(
            subject=subject,
            eligibility=[Eligibility.NOT_RATED, Eligibility.ELIGIBLE][pick % 2],
            reason=REASON,
            user=officer,
        )


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(OPS), st.integers(0, 50), st.sampled_from(LEVELS)),
        min_size=1,
        max_size=8,
    )
)
def test_rollups_do_match_raw_counts_after_every_service_step(world, steps):
    with transaction.atomic():
        for op, pick, level in steps:
            try:
                with transaction.atomic():
                    _step(world, op, pick, level)
            except (RatingError, ReviewError):
                pass  # a rule refused the step: nothing changed, which must hold too
            assert_rollups_match(f"after {op} {pick} {level}")
        transaction.set_rollback(True)


def test_rollups_do_follow_a_plain_update_and_delete(world):
    period = world[0]
    Rating.objects.filter(subject__period=period).update(status="decided", level="HT")
    assert_rollups_match("update")
    Rating.objects.filter(subject__period=period, subject__person__isnull=True).delete()
    assert_rollups_match("delete ratings")
    Subject.objects.filter(period=period, person__isnull=True).delete()
    assert_rollups_match("delete subjects")


def test_rollups_do_count_historical_levels_with_and_without_unit(world):
    _period, tree, *_, people = world
    HistoricalLevel.objects.create(
        year=2024, unit=tree.cell_a, subject_class="collective", level="HTT"
    )
    first = HistoricalLevel.objects.create(
        year=2024, person=people[0], subject_class="non_leader", level="HT"
    )
    assert_rollups_match("insert")
    HistoricalLevel.objects.filter(pk=first.pk).update(level="HTXS", unit=tree.cell_b)
    assert_rollups_match("update")
    HistoricalLevel.objects.all().delete()
    assert_rollups_match("delete")


def test_generate_province_does_keep_rollups_matching(tree):
    call_command(
        "generate_province",
        people=600,
        units=30,
        seed=3,
        year=2026,
        code="ROLL",
        stdout=io.StringIO(),
    )
    assert_rollups_match("generated")
    assert LevelCount.objects.filter(n__gt=0).exists()


def test_check_rollups_does_report_a_difference_and_fail(world):
    call_command("check_rollups", stdout=io.StringIO())
    LevelCount.objects.filter(n__gt=0).update(n=99)  # a count no trigger would write
    err = io.StringIO()
    with pytest.raises(CommandError, match="differ"):
        call_command("check_rollups", stdout=io.StringIO(), stderr=err)
    assert "kept 99" in err.getvalue()


def test_rollup_sql_does_count_the_same_statuses_as_the_summary():
    assert "(" + ", ".join(f"'{s}'" for s in summary.DECIDED) + ")" == rollup_sql.DECIDED_SQL
