"""R-Q1 under concurrency: deciders of different chi bộ in one quota group, all at once, can never
put more HTXS in the group than its cap."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from ratings.exceptions import QuotaExceeded
from ratings.models import Decision, Rating, RatingStatus
from ratings.quota import within_cap
from ratings.services import appraisal
from reviews import selectors as review_selectors
from reviews.models import QuotaGroup, Report, ReviewPeriod, Subject, SubjectClass
from reviews.services import periods

from ..factories import OrgUnitFactory
from .test_appraisal import POINTS, add_members, enrol

pytestmark = pytest.mark.django_db(transaction=True)

HTXS_CELLS = 6  # each: 1 HTXS and 2 HTT
HTT_CELLS = 2  # each: 5 HTT
ROUNDS = 3


@pytest.fixture
def crowded(period, tree, org_officer):
    """Eight chi bộ of one grassroots committee, one quota group for their members.

    Under the Thanh Hóa variant a group with fewer than 5 HTT may keep 1 HTXS (R-Q4), so every
    chi bộ alone fits the cap, while all together (6 HTXS, 22 HTT → at most 4) do not.
    """
    periods.set_local_ruleset(period=period, unit=tree.province, ruleset_code="thanhhoa-qd366")
    cells = [tree.cell_a, tree.cell_b] + [
        OrgUnitFactory(parent=tree.district) for _ in range(HTXS_CELLS + HTT_CELLS - 2)
    ]
    people = {
        cell.pk: add_members(cell, 3 if i < HTXS_CELLS else 5) for i, cell in enumerate(cells)
    }
    enrol(period)
    reports = Report.objects.filter(subject__period=period)
    reports.update(self_level="HT", total_points=POINTS["HT"])
    reports.filter(subject__person__isnull=False).update(
        self_level="HTT", total_points=POINTS["HTT"]
    )
    for cell in cells[:HTXS_CELLS]:
        reports.filter(subject__unit=cell, subject__person=people[cell.pk][0]).update(
            self_level="HTXS", total_points=POINTS["HTXS"]
        )
    # Only the members' group is contended: the collectives are left out of every group.
    Subject.objects.filter(period=period, person__isnull=True).update(quota_group=None)
    appraisal.appraise(period=period, unit=tree.district, user=org_officer)
    group = QuotaGroup.objects.get(
        period=period, unit=tree.district, subject_class=SubjectClass.NON_LEADER
    )
    return cells, group


def decide_all_at_once(period_pk: int, cells, user) -> dict[int, object]:
    """One thread per chi bộ, released together; each answers a Decision or the exception."""
    barrier = threading.Barrier(len(cells))
    outcomes: dict[int, object] = {}

    def decide(cell) -> None:
        try:
            period = ReviewPeriod.objects.get(pk=period_pk)
            barrier.wait(timeout=30)
            outcomes[cell.pk] = appraisal.decide(
                period=period, unit=cell, user=user, decided_on=dt.date(2026, 12, 20)
            )
        except Exception as exc:  # reported below, whatever it is
            outcomes[cell.pk] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(cell,)) for cell in cells]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_decide_does_keep_group_within_cap_when_deciders_race_R_Q1(
    crowded, period, tree, authority
):
    cells, group = crowded
    rule = review_selectors.ruleset_for_unit(period, tree.district).quota
    assert rule.small_group_threshold == 5

    for _round in range(ROUNDS):
        outcomes = decide_all_at_once(period.pk, cells, authority)

        decided = [o for o in outcomes.values() if isinstance(o, Decision)]
        refused = [o for o in outcomes.values() if isinstance(o, QuotaExceeded)]
        unexpected = [o for o in outcomes.values() if not isinstance(o, Decision | QuotaExceeded)]
        assert unexpected == []
        assert len(outcomes) == len(cells)
        assert decided, "the first decider always fits the cap"
        assert refused, "not every chi bộ can keep its HTXS"
        in_group = Rating.objects.filter(subject__quota_group=group, status=RatingStatus.DECIDED)
        htxs = in_group.filter(level="HTXS").count()
        htt = in_group.filter(level="HTT").count()
        assert within_cap(rule, htxs=htxs, htt=htt, headcount=in_group.count())
        assert Decision.objects.filter(status="decided").count() == len(decided)

        # Start the next round from scratch: the superior level cancels every decision.
        for decision in decided:
            appraisal.cancel_decision(
                decision=decision, reason="Kiểm tra quyết định đồng thời", user=authority
            )
        assert not Rating.objects.filter(status=RatingStatus.DECIDED).exists()
