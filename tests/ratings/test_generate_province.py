"""The province generator: a valid treebeard tree, realistic shares, a decided period that
respects R-Q1, and a summary that matches an independent count over the generated rows."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from orgunits.models import Membership, OrgUnit, Person, UnitKind
from ratings import summary
from ratings.models import HistoricalLevel, Rating
from reviews.models import ReviewPeriod, Subject

from .test_summary import assert_stats, expected_figures

pytestmark = pytest.mark.django_db


def _generate(**options) -> str:
    out = io.StringIO()
    defaults = {"people": 3000, "units": 100, "seed": 7, "year": 2026, "code": "GEN"}
    call_command("generate_province", **{**defaults, **options}, stdout=out)
    return out.getvalue()


def _events(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - a fixed table name
        return cursor.fetchone()[0]


def test_generate_province_does_build_a_tree_treebeard_accepts(tree):
    _generate()
    root = OrgUnit.objects.get(code="GEN")
    assert root.depth == 1 and root.path > tree.province.path
    # treebeard's own consistency check: characters, step length, orphans, depth, numchild.
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])
    units = list(OrgUnit.objects.filter(path__startswith=root.path))
    assert len(units) == 100
    # The next child treebeard adds goes after the generated ones (paths match its scheme).
    district = OrgUnit.objects.get_children(root).first()
    added = OrgUnit.objects.add_child(
        district, create_kwargs={"code": "GEN-ADDED", "name": "Thêm", "kind": UnitKind.PARTY_CELL}
    )
    assert (
        added.path == OrgUnit.objects.get_children(district).exclude(pk=added.pk).last()._inc_path()
    )


def test_generate_province_does_make_realistic_cells_and_shares():
    output = _generate()
    root = OrgUnit.objects.get(code="GEN")
    cells = OrgUnit.objects.filter(
        path__startswith=root.path, kind__in=[UnitKind.PARTY_CELL, UnitKind.GRASSROOTS_CELL]
    )
    sizes = Counter(
        Membership.objects.filter(unit__in=cells).values_list("unit_id", flat=True)
    ).values()
    assert min(sizes) >= 3 and max(sizes) <= 60
    assert Person.objects.filter(code__startswith="GEN-").count() == 3000

    period = ReviewPeriod.objects.get(scope=root)
    members = summary.summary(period, root).totals["members"]
    assert members.total == 3000
    assert 0.10 <= members.not_reviewed / members.total <= 0.20
    assert members.pending == 0  # everything is decided
    shares = {level: members.count(level) / members.rated for level in summary.LEVELS}
    assert 0.08 <= shares["HTXS"] <= 0.15
    assert 0.70 <= shares["HTT"] <= 0.82
    assert 0.08 <= shares["HT"] <= 0.16
    assert 0.0 < shares["KHT"] <= 0.02
    assert "3000 people" in output and "audit triggers skipped" in output


def test_generate_province_does_decide_within_the_quota_R_Q1():
    _generate()
    root = OrgUnit.objects.get(code="GEN")
    period = ReviewPeriod.objects.get(scope=root)
    result = summary.summary(period, root)
    assert result.quota.groups > 10
    assert result.quota.within == result.quota.groups
    assert set(Rating.objects.filter(subject__period=period).values_list("status", flat=True)) == {
        "decided"
    }


def test_generate_province_does_review_leaders_at_two_sites_R_E4():
    _generate()
    period = ReviewPeriod.objects.get(scope__code="GEN")
    twice = Counter(
        Subject.objects.filter(period=period, subject_class="leader").values_list(
            "person_id", flat=True
        )
    )
    assert sum(1 for n in twice.values() if n == 2) >= 5


def test_generate_province_summary_does_match_an_independent_count():
    _generate(people=1500, units=60, seed=11)
    root = OrgUnit.objects.get(code="GEN")
    period = ReviewPeriod.objects.get(scope=root)
    district = OrgUnit.objects.get_children(root).first()
    for unit in (root, district):
        result = summary.summary(period, unit)
        want = expected_figures(period, unit.path)
        for group in summary.GROUPS:
            assert_stats(result.totals[group.code], want[group.code], f"{unit.code} {group.code}")


def test_generate_province_does_import_earlier_years_and_skip_the_audit_triggers():
    before = _events("orgunits_personevent"), _events("ratings_ratingevent")
    _generate(people=600, units=30, history_years=2)
    assert (_events("orgunits_personevent"), _events("ratings_ratingevent")) == before
    years = set(HistoricalLevel.objects.values_list("year", flat=True))
    assert years == {2024, 2025}
    root = OrgUnit.objects.get(code="GEN")
    result = summary.summary(ReviewPeriod.objects.get(scope=root), root)
    assert [y.year for y in result.years] == [2024, 2025, 2026]
    assert "members" in result.ranges


def test_generate_province_does_record_the_audit_when_asked():
    before = _events("orgunits_personevent")
    _generate(people=60, units=12, history_years=0, with_audit=True)
    assert _events("orgunits_personevent") == before + 60


def test_generate_province_rejects_an_existing_code_and_impossible_sizes(tree):
    with pytest.raises(CommandError):
        _generate(code="T01")
    with pytest.raises(CommandError):
        _generate(people=100, units=100)  # fewer than 3 members per chi bộ
