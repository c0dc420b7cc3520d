"""Summary statistics: every figure compared with a count made here, in plain Python, over the
rows the test created; the years, the quota, the KHT list; and constant query counts.

`build_seed` is shared with the export and browser tests.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orgunits.models import MembershipRole, OrgUnit, PartyStatus, UnitKind
from ratings import summary
from ratings.models import HistoricalLevel, QuotaException, Rating, RatingStatus
from reviews.models import QuotaGroup, ReviewPeriod, Subject
from reviews.services import enrolment, periods
from tests.factories import MembershipFactory, OrgUnitFactory, PersonFactory

pytestmark = pytest.mark.django_db

LEVELS = ["HTXS", "HTT", "HT", "KHT"]
DECIDED = {"decided", "published"}
KHT_CHECK = "Bị kỷ luật trong năm đánh giá."
KHT_REASON = "Chi bộ mất đoàn kết nội bộ, kết luận của cấp trên."


@dataclass
class Seed:
    period: ReviewPeriod
    earlier: ReviewPeriod
    units: dict[str, OrgUnit]
    people: dict[str, object] = field(default_factory=dict)


def _rate(subject: Subject, level: str, status: str = RatingStatus.DECIDED, **extra) -> Rating:
    return Rating.objects.create(
        subject=subject, level=level, proposed_level=level, status=status, **extra
    )


def build_seed(tree, officer) -> Seed:
    """A province with a grassroots committee (three chi bộ, a section committee with its own
    chi bộ, a leadership collective, a new chi bộ), a chi bộ cơ sở; exempt, suspended, newly
    admitted, capped and not-rated people; a leader reviewed at two sites; a member of two
    chi bộ; pending, reopened and published ratings; KHT with reasons; a 2025 period and
    imported levels of 2024 (and of 2025, which the 2025 period supersedes)."""
    units = {
        "province": tree.province,
        "district": tree.district,
        "cell_a": tree.cell_a,
        "cell_b": tree.cell_b,
    }
    units["section"] = OrgUnitFactory(
        code="T01-H01-S",
        name="Đảng bộ bộ phận khối cơ quan",
        kind=UnitKind.SECTION_COMMITTEE,
        parent=tree.district,
    )
    units["cell_c"] = OrgUnitFactory(
        code="T01-H01-S-C", name="Chi bộ Văn phòng", parent=units["section"]
    )
    units["leadership"] = OrgUnitFactory(
        code="T01-H01-LD",
        name="Tập thể lãnh đạo Ủy ban xã",
        kind=UnitKind.LEADERSHIP_COLLECTIVE,
        parent=tree.district,
    )
    units["new_cell"] = OrgUnitFactory(
        code="T01-H01-N", name="Chi bộ thôn Mới", parent=tree.district
    )
    OrgUnit.objects.filter(pk=units["new_cell"].pk).update(established_on=dt.date(2026, 10, 1))
    units["gcell"] = OrgUnitFactory(
        code="T01-G01",
        name="Chi bộ cơ sở Trường THPT",
        kind=UnitKind.GRASSROOTS_CELL,
        parent=tree.province,
    )
    for key, unit in units.items():
        units[key] = OrgUnit.objects.get(pk=unit.pk)

    people: dict[str, object] = {}

    def person(key: str, unit_key: str, role=MembershipRole.PARTY_MEMBER, **kwargs):
        p = PersonFactory(**kwargs)
        MembershipFactory(person=p, unit=units[unit_key], role=role)
        people[key] = p
        return p

    person("a_secretary", "cell_a", MembershipRole.SECRETARY)
    for i in range(1, 7):
        person(f"a{i}", "cell_a")
    person("a_exempt", "cell_a", party_status=PartyStatus.EXEMPT)
    person("a_new", "cell_a", party_admission_date=dt.date(2026, 9, 1))
    for i in range(1, 5):
        person(f"b{i}", "cell_b")
    person("b_suspended", "cell_b", party_status=PartyStatus.SUSPENDED)
    leader = person("leader", "cell_b", has_leadership_post=True)
    MembershipFactory(person=leader, unit=units["leadership"], role=MembershipRole.HEAD)
    deputy = person("deputy", "cell_c", has_leadership_post=True)
    MembershipFactory(person=deputy, unit=units["leadership"], role=MembershipRole.DEPUTY_HEAD)
    # A third member, not in the party, keeps the collective's own review (HD 43 §7.4).
    deputy2 = PersonFactory(is_party_member=False, party_admission_date=None)
    MembershipFactory(person=deputy2, unit=units["leadership"], role=MembershipRole.DEPUTY_HEAD)
    people["deputy2"] = deputy2
    for i in range(1, 4):
        person(f"c{i}", "cell_c")
    for i in range(1, 4):
        person(f"g{i}", "gcell")
    two = person("two_cells", "cell_a")
    MembershipFactory(person=two, unit=units["gcell"], role=MembershipRole.PARTY_MEMBER)
    person("n1", "new_cell")

    period = periods.create_period(
        placeholders_reason="Kiểm thử: nội dung chờ nguyên văn không ảnh hưởng phép thử.",
        name="Kiểm điểm năm 2026",
        kind="annual",
        year=2026,
        scope=tree.province,
        opens_on=dt.date(2026, 12, 1),
        ruleset_code="qd366-hd43",
        created_by=officer,
    )
    enrolment.enrol_period(period=period)
    subjects = {
        (s.unit_id, s.person_id): s
        for s in Subject.objects.filter(period=period).select_related("unit")
    }

    def subject(unit_key: str, person_key: str | None = None) -> Subject:
        p = people[person_key].pk if person_key else None
        return subjects[(units[unit_key].pk, p)]

    # Officers' eligibility decisions: one capped (R-E3), one reviewed but not rated.
    Subject.objects.filter(pk=subject("cell_a", "a5").pk).update(eligibility="capped")
    Subject.objects.filter(pk=subject("cell_b", "b4").pk).update(eligibility="not_rated")

    plan = {
        ("cell_a", "a_secretary"): ("HTT", "published"),
        ("cell_a", "a1"): ("HTXS", "decided"),
        ("cell_a", "a2"): ("HTXS", "decided"),
        ("cell_a", "a3"): ("HTXS", "decided"),
        ("cell_a", "a4"): ("HTT", "appraised"),  # not yet decided
        ("cell_a", "a5"): ("HT", "decided"),  # capped
        ("cell_a", "a6"): ("HTT", "reopened"),  # re-opened (R-K3): not rated now
        ("cell_a", "two_cells"): ("HTXS", "decided"),
        ("gcell", "two_cells"): ("HTT", "decided"),
        ("cell_b", "b1"): ("KHT", "decided"),
        ("cell_b", "b2"): ("HTT", "decided"),
        ("cell_b", "b3"): ("HTT", "decided"),
        ("cell_b", "leader"): ("HTT", "decided"),
        ("leadership", "leader"): ("HT", "decided"),  # R-E4: lower level at the other site
        ("cell_c", "deputy"): ("HTT", "decided"),
        ("leadership", "deputy"): ("HTT", "decided"),
        ("leadership", "deputy2"): ("HTT", "decided"),
        ("cell_c", "c1"): ("HTT", "decided"),
        ("cell_c", "c2"): ("HTT", "decided"),
        ("cell_c", "c3"): ("HT", "published"),
        ("gcell", "g1"): ("HTT", "decided"),
        ("gcell", "g2"): ("HTXS", "decided"),
        ("gcell", "g3"): ("HT", "decided"),
        ("new_cell", "n1"): ("HTT", "decided"),
        ("province", None): ("HTT", "decided"),
        ("district", None): ("HTT", "decided"),
        ("section", None): ("HTXS", "decided"),
        ("cell_a", None): ("HTXS", "decided"),
        ("cell_b", None): ("HT", "decided"),
        ("cell_c", None): ("KHT", "decided"),
        ("leadership", None): ("HTT", "published"),
        ("gcell", None): ("HTT", "appraised"),
    }
    for (unit_key, person_key), (level, status) in plan.items():
        extra = {}
        if (unit_key, person_key) == ("cell_b", "b1"):
            extra["checks"] = [
                {"code": "ballot", "ok": True, "message": "Đề xuất qua bỏ phiếu kín: HT."},
                {"code": "R-K1", "ok": False, "message": KHT_CHECK, "cap": "KHT"},
            ]
        if (unit_key, person_key) == ("cell_c", None):
            extra["change_reason"] = KHT_REASON
        _rate(subject(unit_key, person_key), level, status, **extra)

    earlier = periods.create_period(
        placeholders_reason="Kiểm thử: nội dung chờ nguyên văn không ảnh hưởng phép thử.",
        name="Kiểm điểm năm 2025",
        kind="annual",
        year=2025,
        scope=tree.province,
        opens_on=dt.date(2025, 12, 1),
        ruleset_code="qd366-hd43",
        created_by=officer,
    )
    enrolment.enrol_period(period=earlier)
    cycle = ["HTT", "HTT", "HT", "HTXS", "HTT"]
    eligible = Subject.objects.filter(period=earlier, eligibility__in=["eligible", "capped"])
    for index, s in enumerate(eligible.order_by("pk")):
        _rate(s, cycle[index % len(cycle)])

    history = [
        (people["a1"], units["cell_a"], "non_leader", "HTT"),
        (people["a2"], units["cell_a"], "non_leader", "HT"),
        (people["a3"], units["cell_a"], "non_leader", "HT"),
        (people["b2"], units["cell_b"], "non_leader", "KHT"),
        (people["leader"], units["leadership"], "leader", "HTT"),
        (people["g1"], None, "non_leader", "HTXS"),  # no unit: placed by membership
        (None, units["cell_a"], "collective", "HTT"),
        (None, units["district"], "collective", "HT"),
        (None, units["leadership"], "collective", "HTT"),
    ]
    for p, unit, cls, level in history:
        HistoricalLevel.objects.create(
            year=2024, person=p, unit=unit, subject_class=cls, level=level
        )
    # Superseded by the 2025 period of the app: must not count.
    HistoricalLevel.objects.create(
        year=2025,
        person=people["a1"],
        unit=units["cell_a"],
        subject_class="non_leader",
        level="KHT",
    )
    return Seed(period=period, earlier=earlier, units=units, people=people)


@pytest.fixture
def seed(tree, org_officer) -> Seed:
    return build_seed(tree, org_officer)


# -- The independent count --------------------------------------------------------------------

PARTY = {
    "party_committee",
    "grassroots_committee",
    "section_committee",
    "grassroots_cell",
    "party_cell",
}


def groups_of_subject(kind: str, person_id, cls: str) -> list[str]:
    if person_id is None:
        if kind in ("grassroots_committee", "grassroots_cell"):
            return ["grassroots"]
        if kind in ("party_cell", "section_committee"):
            return ["cells"]
        if kind == "leadership_collective":
            return ["leadership"]
        return []
    found = []
    if kind in PARTY:
        found.append("members")
    if cls in ("leader", "central_cadre"):
        found.append("leaders")
    return found


def _pct(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def expected_figures(period: ReviewPeriod, path: str) -> dict[str, dict]:
    """Count, in plain Python over every subject of the period, what the summary must say for
    the subtree at `path`: once per person per group, at their lowest decided level."""
    rows = list(
        Subject.objects.filter(period=period).values(
            "pk", "person_id", "subject_class", "eligibility", "unit__path", "unit__kind"
        )
    )
    ratings = {r.subject_id: r for r in Rating.objects.filter(subject__period=period)}
    per_group: dict[str, dict] = defaultdict(dict)
    for row in rows:
        if not row["unit__path"].startswith(path):
            continue
        key = row["person_id"] if row["person_id"] else f"collective-{row['pk']}"
        for group in groups_of_subject(row["unit__kind"], row["person_id"], row["subject_class"]):
            per_group[group].setdefault(key, []).append(row)
    result = {}
    for group in ("grassroots", "cells", "leadership", "members", "leaders"):
        people = per_group.get(group, {})
        figures = {"total": len(people), "not_reviewed": 0, "not_rated": 0, "pending": 0}
        figures.update(dict.fromkeys(LEVELS, 0))
        for subjects in people.values():
            eligible = [s for s in subjects if s["eligibility"] in ("eligible", "capped")]
            if not eligible:
                if any(s["eligibility"] == "not_rated" for s in subjects):
                    figures["not_rated"] += 1
                else:
                    figures["not_reviewed"] += 1
                continue
            levels = [
                ratings[s["pk"]].level
                for s in eligible
                if s["pk"] in ratings and ratings[s["pk"]].status in DECIDED
            ]
            if not levels:
                figures["pending"] += 1
                continue
            worst = max(levels, key=LEVELS.index)
            figures[worst] += 1
        rated = sum(figures[level] for level in LEVELS)
        figures["rated"] = rated
        figures["pct"] = {level: _pct(figures[level], rated) for level in LEVELS}
        figures["htt_or_above_pct"] = _pct(figures["HTXS"] + figures["HTT"], rated)
        figures["htxs_pct_of_htt"] = _pct(figures["HTXS"], figures["HTT"])
        result[group] = figures
    return result


def assert_stats(stats: summary.GroupStats, want: dict, where: str) -> None:
    got = {
        "total": stats.total,
        "not_reviewed": stats.not_reviewed,
        "not_rated": stats.not_rated,
        "pending": stats.pending,
        "rated": stats.rated,
        **{level: stats.count(level) for level in LEVELS},
        "pct": {level: stats.pct(level) for level in LEVELS},
        "htt_or_above_pct": stats.htt_or_above_pct,
        "htxs_pct_of_htt": stats.htxs_pct_of_htt,
    }
    assert got == want, where


# -- Tests -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "unit_key", ["province", "district", "section", "cell_a", "cell_b", "gcell", "leadership"]
)
def test_summary_does_match_an_independent_count_for_every_figure(seed, unit_key):
    unit = seed.units[unit_key]
    result = summary.summary(seed.period, unit)
    want = expected_figures(seed.period, unit.path)
    for group in summary.GROUPS:
        assert_stats(result.totals[group.code], want[group.code], f"{unit_key} {group.code}")
    # Each child's row is that child's own summary (drill-down shows the same figures).
    for row in result.rows:
        path = row.unit.path if row.unit else None
        if path is None:
            continue
        child_want = expected_figures(seed.period, path)
        for group in summary.GROUPS:
            assert_stats(row.groups[group.code], child_want[group.code], f"{path} {group.code}")


def test_summary_does_count_a_person_with_two_sites_once_at_the_lower_level_R_E4(seed):
    result = summary.summary(seed.period, seed.units["province"])
    leaders = result.totals["leaders"]
    # leader: HTT at cell_b and HT at the leadership collective → once, HT.
    want = expected_figures(seed.period, seed.units["province"].path)["leaders"]
    assert leaders.total == want["total"]
    assert leaders.count("HT") == want["HT"] >= 1
    # two_cells: HTXS in the district's subtree and HTT in the chi bộ cơ sở → each row once,
    # the total once at HTT, so the rows add up to more than the total.
    rows = {row.unit.code: row for row in result.rows if row.unit}
    members_rows = sum(r.groups["members"].total for r in result.rows)
    assert members_rows == result.totals["members"].total + 1
    assert rows["T01-G01"].groups["members"].count("HTT") == 2


def test_summary_does_report_the_shares_and_the_exclusions(seed):
    stats = summary.summary(seed.period, seed.units["cell_a"]).totals["members"]
    # cell_a: 11 people; exempt and newly admitted are not reviewed; a4 appraised and a6
    # re-opened are not yet rated; a5 is capped and rated HT.
    assert (stats.total, stats.not_reviewed, stats.not_rated, stats.pending) == (10, 2, 0, 2)
    assert stats.levels == {"HTXS": 4, "HTT": 1, "HT": 1, "KHT": 0}
    assert stats.htt_or_above_pct == Decimal("83.33")
    assert stats.htxs_pct_of_htt == Decimal("400.00")


def test_summary_does_compare_with_the_earlier_period_and_imported_years(seed):
    result = summary.summary(seed.period, seed.units["province"])
    years = {y.year: y for y in result.years}
    assert sorted(years) == [2024, 2025, 2026]
    assert years[2025].source == "period"
    want_2025 = expected_figures(seed.earlier, seed.units["province"].path)
    for group in summary.GROUPS:
        assert_stats(years[2025].groups[group.code], want_2025[group.code], f"2025 {group.code}")
    # 2024 from the imported levels: independent count of what was imported.
    history = years[2024].groups
    assert history["members"].levels == {"HTXS": 1, "HTT": 1, "HT": 2, "KHT": 1}
    assert history["leaders"].levels == {"HTXS": 0, "HTT": 1, "HT": 0, "KHT": 0}
    assert history["leadership"].levels == {"HTXS": 0, "HTT": 1, "HT": 0, "KHT": 0}
    assert history["cells"].levels == {"HTXS": 0, "HTT": 1, "HT": 0, "KHT": 0}
    assert history["grassroots"].levels == {"HTXS": 0, "HTT": 0, "HT": 1, "KHT": 0}
    # The range over the years, per group: lowest and highest HTT-or-above share.
    shares = {
        y: years[y].groups["members"].htt_or_above_pct
        for y in years
        if years[y].groups["members"].rated
    }
    members = result.ranges["members"]
    assert members.low == min(shares.values()) and members.high == max(shares.values())
    assert (members.first_year, members.last_year) == (2024, 2026)
    assert result.previous.year == 2025


def test_summary_does_place_unplaced_imported_levels_by_membership(seed):
    gcell = summary.summary(seed.period, seed.units["gcell"])
    history = {y.year: y for y in gcell.years}[2024].groups["members"]
    assert history.levels["HTXS"] == 1  # g1, imported without a unit


def test_quota_compliance_does_flag_a_group_over_the_cap_R_Q1(seed):
    result = summary.summary(seed.period, seed.units["province"])
    groups = {r.group_id: r for r in result.quota.rows}
    # Independent count per quota group of the decided levels.
    counted: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for rating in Rating.objects.filter(
        subject__period=seed.period, status__in=DECIDED, subject__quota_group__isnull=False
    ).select_related("subject"):
        if rating.subject.eligibility in ("eligible", "capped"):
            counted[rating.subject.quota_group_id][rating.level] += 1
    assert set(groups) == set(counted)
    for group_id, levels in counted.items():
        row = groups[group_id]
        assert (row.htxs, row.htt) == (levels["HTXS"], levels["HTT"])
        assert row.cap == (levels["HTT"] * 2) // 10  # floor(20% × HTT) in QĐ 366
        assert row.ok == (levels["HTXS"] <= row.cap)
    exceeding = [r for r in result.quota.rows if not r.ok]
    assert exceeding and result.quota.rows[0] is exceeding[0]
    assert result.quota.within == result.quota.groups - len(exceeding)


def test_quota_compliance_does_count_an_approved_exception_R_Q5(seed, org_officer):
    result = summary.summary(seed.period, seed.units["province"])
    over = next(r for r in result.quota.rows if not r.ok)
    QuotaException.objects.create(
        period=seed.period,
        group_id=over.group_id,
        ratio=Decimal("1"),
        reason="Đơn vị tiêu biểu",
        approved_by=org_officer,
    )
    again = summary.summary(seed.period, seed.units["province"])
    assert next(r for r in again.quota.rows if r.group_id == over.group_id).ok


def test_quota_compliance_does_count_a_chi_bo_group_over_its_whole_grassroots_organisation(seed):
    cell_rows = summary.summary(seed.period, seed.units["cell_a"]).quota.rows
    province_rows = {
        r.group_id: r for r in summary.summary(seed.period, seed.units["province"]).quota.rows
    }
    for row in cell_rows:
        group = QuotaGroup.objects.get(pk=row.group_id)
        assert group.unit_id == seed.units["district"].pk
        assert (row.htxs, row.htt, row.headcount) == (
            province_rows[row.group_id].htxs,
            province_rows[row.group_id].htt,
            province_rows[row.group_id].headcount,
        )


def test_kht_list_does_give_the_failed_checks_and_the_officers_reason(seed):
    result = summary.summary(seed.period, seed.units["province"])
    by_name = {r.name: r for r in result.kht}
    assert result.kht_total == 2 == len(result.kht)
    assert by_name[seed.people["b1"].full_name].reasons == [KHT_CHECK]
    assert by_name["Chi bộ Văn phòng"].reasons == [KHT_REASON]
    assert by_name["Chi bộ Văn phòng"].group == "cells"
    limited = summary.summary(seed.period, seed.units["province"], kht_limit=1)
    assert len(limited.kht) == 1 and limited.kht_total == 2


def test_chart_data_does_hold_the_counts_and_the_trend(seed):
    result = summary.summary(seed.period, seed.units["province"])
    data = summary.chart_data(result)
    members = next(g for g in data["groups"] if g["code"] == "members")
    assert members["counts"] == [result.totals["members"].count(level) for level in LEVELS]
    assert data["years"] == [2024, 2025, 2026]
    trend = next(t for t in data["trend"] if t["code"] == "members")
    assert trend["values"][-1] == float(result.totals["members"].htt_or_above_pct)


def _grow(tree, n_cells: int) -> None:
    for index in range(n_cells):
        cell = OrgUnitFactory(
            code=f"T01-X{index:02d}", name=f"Chi bộ thêm {index}", parent=tree.district
        )
        for _ in range(3):
            MembershipFactory(person=PersonFactory(), unit=cell)


def _queries(callable_) -> int:
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured.captured_queries)


def test_summary_does_not_grow_its_queries_with_the_units(seed, tree):
    province = seed.units["province"]
    before = _queries(lambda: summary.summary(seed.period, province))
    _grow(tree, 6)
    enrolment.enrol_period(period=seed.period)
    for s in Subject.objects.filter(
        period=seed.period, rating__isnull=True, eligibility="eligible"
    ):
        _rate(s, "HTT")
    after = _queries(lambda: summary.summary(seed.period, province))
    assert after == before <= 14


def test_summary_page_does_not_grow_its_queries_with_the_units(seed, tree, client, authority):
    client.force_login(authority)
    url = reverse("ratings:summary", args=[seed.period.pk, seed.units["district"].pk])
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    _grow(tree, 8)
    enrolment.enrol_period(period=seed.period)
    with CaptureQueriesContext(connection) as second:
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="child-link"') >= 5 * 12
    assert len(second.captured_queries) == len(first.captured_queries)
