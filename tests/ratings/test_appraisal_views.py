"""The appraisal, quota, decision, rating-file, results and history pages: thin views over the
appraisal services, 404 outside the user's units, 403 without the role."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orgunits.models import Person
from ratings.decision_documents import render_decision_pdf
from ratings.models import (
    Decision,
    DecisionStatus,
    DisciplineRecord,
    HistoricalLevel,
    Rating,
    RatingStatus,
)
from ratings.services import appraisal
from reviews.models import QuotaGroup, Report, ReviewPeriod, Subject
from reviews.services import enrolment, periods

from ..factories import MembershipFactory, PersonFactory, UserFactory

ADMITTED = dt.date(2010, 1, 1)
ARTIFACTS = Path(os.environ.get("KIEMDIEM_TEST_ARTIFACTS", "test-artifacts"))
DECIDED_ON = dt.date(2026, 12, 28)
# Four HTXS proposals against two HTT in one group: at most 1 may stay (R-Q1, floor).
HTXS_POINTS = [Decimal("99"), Decimal("96"), Decimal("93"), Decimal("91")]


@dataclass
class Breach:
    period: ReviewPeriod
    group: QuotaGroup
    candidates: list[Person]  # proposed HTXS, best score first


def build_breach(period: ReviewPeriod, tree, member) -> Breach:
    """Chi bộ A gets five more members; four of the member's quota group propose HTXS with
    ≥ 90 points, everyone else HTT with 80, so the group exceeds its cap."""
    people = [PersonFactory(party_admission_date=ADMITTED) for _ in range(5)]
    for person in people:
        MembershipFactory(person=person, unit=tree.cell_a)
    Person.objects.filter(is_party_member=True).update(party_admission_date=ADMITTED)
    enrolment.enrol_period(period=period)
    Report.objects.filter(subject__period=period).update(
        self_level="HTT", total_points=Decimal("80")
    )
    for person, points in zip(people, HTXS_POINTS, strict=False):
        Report.objects.filter(subject__period=period, subject__person=person).update(
            self_level="HTXS", total_points=points
        )
    group = Subject.objects.get(period=period, unit=tree.cell_a, person=member.person).quota_group
    return Breach(period, group, people[:4])


@pytest.fixture
def breach(enrolled, tree, member) -> Breach:
    return build_breach(enrolled, tree, member)


@pytest.fixture
def appraised(breach, tree, org_officer) -> Breach:
    appraisal.appraise(period=breach.period, unit=tree.district, user=org_officer)
    return breach


def _run(tool: str, *args) -> str:
    """Run a poppler tool on our own files and return its output."""
    command = [shutil.which(tool) or tool, *map(str, args)]
    return subprocess.run(command, capture_output=True, check=True, text=True).stdout  # noqa: S603


def rating_of(period, unit, person=None) -> Rating:
    return Rating.objects.get(subject__period=period, subject__unit=unit, subject__person=person)


def page_url(period, unit) -> str:
    return reverse("ratings:appraisal_page", args=[period.pk, unit.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# -- the appraisal page ---------------------------------------------------------------------


def test_appraisal_page_runs_checks_and_lists_collective_first(client, breach, tree, org_officer):
    client.force_login(org_officer)
    response = client.post(
        reverse("ratings:appraisal_run", args=[breach.period.pk, tree.cell_a.pk]), follow=True
    )
    assert response.status_code == 200
    rows = response.context["rows"]
    assert rows[0].subject.person_id is None  # the chi bộ itself first
    assert all(row.subject.person_id for row in rows[1:])
    assert all(row.rating is not None for row in rows)
    html = response.content.decode()
    assert 'data-testid="check"' in html
    assert "Tổng điểm 99" in html  # the points check, in Vietnamese
    assert 'data-testid="quota-exceeded"' in html  # the group's red badge


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("member", 403),
        ("secretary", 403),
        ("org_officer", 200),
        ("authority", 200),
        ("outsider", 404),
    ],
)
def test_appraisal_page_answers_by_role(client, request, breach, tree, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(page_url(breach.period, tree.cell_a)).status_code == status


def test_run_checks_is_refused_without_the_appraise_role(client, breach, tree, authority):
    client.force_login(authority)
    url = reverse("ratings:appraisal_run", args=[breach.period.pk, tree.cell_a.pk])
    assert client.post(url).status_code == 403
    assert not Rating.objects.exists()


def test_change_level_requires_a_reason_and_is_audited(client, appraised, tree, org_officer):
    rating = rating_of(appraised.period, tree.cell_b)
    url = reverse("ratings:rating_change_level", args=[rating.pk])
    client.force_login(org_officer)
    response = client.post(url, {"level": "HT", "reason": ""}, follow=True)
    assert rating_of(appraised.period, tree.cell_b).level == "HTT"
    assert messages_of(response)
    client.post(url, {"level": "HT", "reason": "Chưa hoàn thành chỉ tiêu kết nạp đảng viên"})
    rating.refresh_from_db()
    assert (rating.level, rating.change_reason) == (
        "HT",
        "Chưa hoàn thành chỉ tiêu kết nạp đảng viên",
    )
    page = client.get(reverse("ratings:rating_file", args=[rating.pk]))
    events = page.context["events"]
    assert (events[-1].old_level, events[-1].level) == ("HTT", "HT")
    assert events[-1].reason == "Chưa hoàn thành chỉ tiêu kết nạp đảng viên"
    assert events[-1].actor == "org_officer"


def test_change_level_is_refused_to_the_authority(client, appraised, tree, authority):
    rating = rating_of(appraised.period, tree.cell_b)
    client.force_login(authority)
    url = reverse("ratings:rating_change_level", args=[rating.pk])
    assert client.post(url, {"level": "HT", "reason": "x"}).status_code == 403


# -- the rating file ------------------------------------------------------------------------


def test_rating_file_shows_self_level_checks_and_history(client, appraised, tree, org_officer):
    person = appraised.candidates[0]
    rating = rating_of(appraised.period, tree.cell_a, person)
    client.force_login(org_officer)
    response = client.get(reverse("ratings:rating_file", args=[rating.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert person.full_name in html
    assert 'data-testid="self-level">\n              HTXS' in html
    assert response.context["events"][0].reason == "Thẩm định tự động"
    assert 'data-testid="discipline-form"' in html


def test_rating_file_is_hidden_from_members_and_outsiders(
    client, appraised, tree, member, outsider
):
    rating = rating_of(appraised.period, tree.cell_a, member.person)
    url = reverse("ratings:rating_file", args=[rating.pk])
    for user in (member, outsider):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_recording_discipline_leaves_a_published_rating_under_366(
    client, appraised, tree, org_officer, authority, member
):
    """QĐ 366 counts the decision in the period it is taken: the published level stays, and
    the officer is told how a wrong rating is redone."""
    group_apply(appraised, org_officer)
    decision = appraisal.decide(
        period=appraised.period, unit=tree.district, user=authority, decided_on=DECIDED_ON
    )
    appraisal.publish(decision=decision, user=authority)
    rating = rating_of(appraised.period, tree.cell_a, member.person)
    client.force_login(org_officer)
    response = client.post(
        reverse("ratings:rating_discipline", args=[rating.pk]),
        {
            "violation_date": "2026-06-01",
            "decision_date": "2027-03-01",
            "form": "reprimand",
            "unit_at_time": tree.cell_a.pk,
            "description": "Vi phạm quy định về kê khai tài sản",
        },
        follow=True,
    )
    rating.refresh_from_db()
    assert rating.status == RatingStatus.PUBLISHED
    (record,) = DisciplineRecord.objects.all()
    assert record.duty_related is True
    assert not any("R-K3" in m for m in messages_of(response))
    assert any("Mẫu 03" in m for m in messages_of(response))


# -- the quota page -------------------------------------------------------------------------


def group_apply(breach: Breach, user) -> None:
    appraisal.apply_quota_suggestion(group=breach.group, user=user)


def test_quota_page_shows_the_cap_computation_and_who_moves(client, appraised, org_officer):
    client.force_login(org_officer)
    response = client.get(reverse("ratings:quota_group", args=[appraised.group.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tối đa 1 HTXS. Đề nghị 4: giữ 1" in html
    moving = [row["candidate"].subject_id for row in response.context["candidates"] if row["moves"]]
    assert len(moving) == 3
    assert 'data-testid="quota-apply"' in html
    assert 'data-testid="quota-exception-form"' not in html  # the officer does not decide


def test_applying_the_suggestion_moves_the_lowest_ranked_down(client, appraised, tree, org_officer):
    client.force_login(org_officer)
    response = client.post(reverse("ratings:quota_apply", args=[appraised.group.pk]), follow=True)
    levels = [rating_of(appraised.period, tree.cell_a, p).level for p in appraised.candidates]
    assert levels == ["HTXS", "HTT", "HTT", "HTT"]
    assert any(appraised.candidates[3].full_name in m for m in messages_of(response))
    moved = rating_of(appraised.period, tree.cell_a, appraised.candidates[3])
    assert moved.quota_adjusted and "tỷ lệ tối đa HTXS" in moved.change_reason


def test_quota_exception_is_for_the_competent_authority(client, appraised, org_officer, authority):
    url = reverse("ratings:quota_exception", args=[appraised.group.pk])
    data = {
        "percent": "25",
        "scope": "group",
        "reason": "Chi bộ trong sạch vững mạnh tiêu biểu 5 năm liền",
    }
    before = appraisal.group_status(appraised.group)
    client.force_login(org_officer)
    assert client.post(url, data).status_code == 403
    client.force_login(authority)
    page = client.post(url, data, follow=True)
    after = appraisal.group_status(appraised.group)
    assert after.limit >= before.limit
    html = page.content.decode()
    limit = html.split('data-testid="quota-limit">')[1].split("</div>")[0]
    assert f"tối đa {after.limit} HTXS" in limit
    assert "tỷ lệ 25% là ngoại lệ được" in html and data["reason"] in html


def test_quota_page_is_not_found_outside_the_scope(client, appraised, outsider, secretary):
    url = reverse("ratings:quota_group", args=[appraised.group.pk])
    for user in (outsider, secretary):
        client.force_login(user)
        assert client.get(url).status_code == 404


# -- deciding and publishing ----------------------------------------------------------------


def decide_url(period, unit) -> str:
    return reverse("ratings:decide", args=[period.pk, unit.pk])


def test_decide_over_the_cap_shows_the_computation_R_Q1(client, appraised, tree, authority):
    client.force_login(authority)
    response = client.post(
        decide_url(appraised.period, tree.district),
        {"number": "12-QĐ/ĐU", "decided_on": "2026-12-28", "confirm": "on"},
        follow=True,
    )
    assert not Decision.objects.exists()
    html = response.content.decode()
    assert 'data-testid="error-steps"' in html
    assert "vượt tỷ lệ HTXS" in html
    assert "Tối đa 1 HTXS" in html and "20% ×" in html  # the cap computation, step by step


def test_decide_is_refused_to_the_appraiser(client, appraised, tree, org_officer):
    client.force_login(org_officer)
    response = client.post(
        decide_url(appraised.period, tree.district), {"decided_on": "2026-12-28", "confirm": "on"}
    )
    assert response.status_code == 403


def test_decide_publish_and_member_sees_only_their_published_level(
    client, appraised, tree, org_officer, authority, member
):
    group_apply(appraised, org_officer)
    client.force_login(authority)
    response = client.post(
        decide_url(appraised.period, tree.district),
        {"number": "12-QĐ/ĐU", "decided_on": "2026-12-28", "confirm": "on"},
    )
    decision = Decision.objects.get()
    assert response["Location"] == reverse("ratings:decision_detail", args=[decision.pk])

    client.force_login(member)
    assert client.get(reverse("ratings:my_results")).context["ratings"] == []
    assert client.get(reverse("ratings:decision_detail", args=[decision.pk])).status_code == 404

    client.force_login(authority)
    client.post(reverse("ratings:decision_publish", args=[decision.pk]), {"confirm": "on"})
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PUBLISHED

    client.force_login(member)
    response = client.get(reverse("ratings:my_results"))
    ratings = response.context["ratings"]
    assert {r.subject.person_id for r in ratings} == {member.person.pk}
    html = response.content.decode()
    assert "HTT" in html
    for other in appraised.candidates:
        assert other.full_name not in html


def test_my_results_shows_the_reason_for_a_quota_adjustment(
    client, appraised, tree, org_officer, authority
):
    group_apply(appraised, org_officer)
    decision = appraisal.decide(
        period=appraised.period, unit=tree.district, user=authority, decided_on=DECIDED_ON
    )
    appraisal.publish(decision=decision, user=authority)
    moved = appraised.candidates[3]
    moved.user = UserFactory(username="moved")
    moved.save()
    client.force_login(moved.user)
    html = client.get(reverse("ratings:my_results")).content.decode()
    assert 'data-testid="adjustment-reason"' in html
    assert "Điều chỉnh theo tỷ lệ tối đa HTXS của nhóm" in html


def test_cancel_is_for_the_superior_level_only(client, appraised, tree, org_officer, authority):
    group_apply(appraised, org_officer)
    decision = appraisal.decide(
        period=appraised.period, unit=tree.cell_a, user=authority, decided_on=DECIDED_ON
    )
    url = reverse("ratings:decision_cancel", args=[decision.pk])
    client.force_login(org_officer)
    assert client.post(url, {"reason": "Sai quy trình"}).status_code == 403
    client.force_login(authority)
    client.post(url, {"reason": "Chưa lấy ý kiến chi ủy nơi cư trú"})
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.CANCELLED
    assert not Rating.objects.filter(decision=decision).exists()


def test_the_top_level_decision_cannot_be_cancelled_by_itself(
    client, appraised, tree, org_officer, authority
):
    group_apply(appraised, org_officer)
    decision = appraisal.decide(
        period=appraised.period, unit=tree.province, user=authority, decided_on=DECIDED_ON
    )
    client.force_login(authority)
    page = client.get(reverse("ratings:decision_detail", args=[decision.pk]))
    assert page.context["can_cancel"] is False
    url = reverse("ratings:decision_cancel", args=[decision.pk])
    assert client.post(url, {"reason": "x"}).status_code == 403


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils missing")
def test_render_decision_pdf_is_a_party_document_in_liberation_serif(
    client, appraised, tree, org_officer, authority, tmp_path
):
    group_apply(appraised, org_officer)
    decision = appraisal.decide(
        period=appraised.period,
        unit=tree.district,
        user=authority,
        decided_on=DECIDED_ON,
        number="12-QĐ/ĐU",
    )
    client.force_login(authority)
    page = client.get(reverse("ratings:decision_detail", args=[decision.pk]))
    issuer = page.content.decode().split('data-testid="decision-issuer">')[1].split("</div>")[0]
    assert "Đảng bộ tỉnh Sông Hồng" in issuer  # as the PDF issues it
    # Rendered by a worker (the documents app's "decision" job), not in a request.
    pdf = render_decision_pdf(decision)
    path = tmp_path / "decision.pdf"
    path.write_bytes(pdf)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "decision.pdf").write_bytes(pdf)
    text = _run("pdftotext", "-layout", path, "-")
    for expected in (
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "ĐẢNG BỘ TỈNH SÔNG HỒNG",
        "thuộc Đảng bộ xã Yên Lạc",
        "Số 12-QĐ/ĐU",
        "ngày 28 tháng 12 năm 2026",
        "QUYẾT ĐỊNH",
        "Về việc công nhận kết quả xếp loại chất lượng năm 2026",
        "Căn cứ Quy định 366-QĐ/TW (30/08/2025);",
        "Căn cứ Hướng dẫn 43-HD/BTCTW (31/10/2025);",
        "Điều 1.",
        "Hoàn thành xuất sắc nhiệm vụ (1)",
        "Điều 2.",
        "Nơi nhận:",
        "T/M BAN THƯỜNG VỤ",
        appraised.candidates[0].full_name,
    ):
        assert expected in text, expected
    fonts = _run("pdffonts", path).splitlines()[2:]
    assert fonts
    assert all("Liberation-Serif" in line for line in fonts), fonts


# -- history ----------------------------------------------------------------------------------


def test_person_history_counts_htxs_years_running(client, tree, member, org_officer):
    for year, level in [(2021, "HTT"), (2022, "HTXS"), (2023, "HTXS"), (2024, "HTXS")]:
        HistoricalLevel.objects.create(
            year=year, person=member.person, subject_class="non_leader", level=level
        )
    client.force_login(org_officer)
    response = client.get(reverse("ratings:person_history", args=[member.person.pk]))
    assert response.status_code == 200
    assert response.context["history"].htxs_streak == 3
    assert 'data-testid="htxs-streak"' in response.content.decode()


def test_a_gap_ends_the_htxs_streak(client, tree, member):
    for year in (2020, 2022, 2023):
        HistoricalLevel.objects.create(
            year=year, person=member.person, subject_class="non_leader", level="HTXS"
        )
    client.force_login(member)
    response = client.get(reverse("ratings:person_history", args=[member.person.pk]))
    assert response.context["history"].htxs_streak == 2


def published_year(tree, user, member, year: int, level: str) -> None:
    period = periods.create_period(
        placeholders_reason="Kiểm thử: nội dung chờ nguyên văn không ảnh hưởng phép thử.",
        name=f"Kiểm điểm năm {year}",
        kind="annual",
        year=year,
        scope=tree.province,
        opens_on=dt.date(year, 12, 1),
        ruleset_code="qd366-hd43" if year >= 2025 else "qd124-hd25",
        created_by=user,
    )
    Person.objects.filter(is_party_member=True).update(party_admission_date=ADMITTED)
    enrolment.enrol_period(period=period)
    subject = Subject.objects.get(period=period, unit=tree.cell_a, person=member.person)
    rating = Rating.objects.create(subject=subject, proposed_level=level, level=level)
    decision = Decision.objects.create(
        period=period, unit=tree.cell_a, decided_by=user, decided_on=dt.date(year, 12, 28)
    )
    Rating.objects.filter(pk=rating.pk).update(decision=decision, status=RatingStatus.PUBLISHED)


def test_history_query_count_does_not_grow_with_years(client, tree, member, authority):
    client.force_login(authority)
    url = reverse("ratings:person_history", args=[member.person.pk])
    published_year(tree, authority, member, 2025, "HTXS")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for year in (2026, 2027, 2028):
        published_year(tree, authority, member, year, "HTXS")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.context["history"].htxs_streak == 4
    assert len(many) == len(few)


def test_member_sees_only_published_years_in_their_own_history(client, tree, member, authority):
    published_year(tree, authority, member, 2025, "HTXS")
    Rating.objects.update(status=RatingStatus.DECIDED)
    client.force_login(member)
    response = client.get(reverse("ratings:person_history", args=[member.person.pk]))
    assert response.context["history"].rows == []


def test_unit_history_is_for_officers(client, tree, member, secretary, outsider):
    HistoricalLevel.objects.create(
        year=2024, unit=tree.cell_a, subject_class="collective", level="HTXS"
    )
    HistoricalLevel.objects.create(
        year=2025, unit=tree.cell_a, subject_class="collective", level="HTXS"
    )
    url = reverse("ratings:unit_history", args=[tree.cell_a.pk])
    client.force_login(member)
    assert client.get(url).status_code == 403
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(secretary)
    response = client.get(url)
    assert response.context["history"].htxs_streak == 2


def test_decide_view_rejects_without_the_confirmation_tick(client, appraised, tree, authority):
    group_apply(appraised, authority)
    client.force_login(authority)

    response = client.post(
        decide_url(appraised.period, tree.district),
        {"number": "12-QĐ/ĐU", "decided_on": "2026-12-28"},
        follow=True,
    )

    assert not Decision.objects.exists()
    assert "Hãy đánh dấu xác nhận" in response.content.decode()


def test_publish_view_rejects_without_the_confirmation_tick(
    client, appraised, tree, org_officer, authority
):
    group_apply(appraised, org_officer)
    client.force_login(authority)
    client.post(
        decide_url(appraised.period, tree.district),
        {"number": "12-QĐ/ĐU", "decided_on": "2026-12-28", "confirm": "on"},
    )
    decision = Decision.objects.get()

    response = client.post(reverse("ratings:decision_publish", args=[decision.pk]), follow=True)

    decision.refresh_from_db()
    assert decision.status != DecisionStatus.PUBLISHED
    assert "Hãy đánh dấu xác nhận" in response.content.decode()


def test_appraisal_page_says_who_decides_and_what_the_officer_can_do(
    client, period, tree, org_officer, authority
):
    url = reverse("ratings:appraisal_page", args=[period.pk, tree.district.pk])
    client.force_login(org_officer)
    page = client.get(url).content.decode()
    assert "Ai quyết định" in page
    # The competent authority's unit is named (the province's standing body holds the role).
    decides = "Cấp có thẩm quyền quyết định mức xếp loại của đơn vị này: Đảng bộ tỉnh Sông Hồng"
    assert decides in page
    assert 'data-testid="officer-can"' in page
    assert "Quyết định và công khai mức xếp loại là việc của cấp có thẩm quyền" in page
    client.force_login(authority)
    page = client.get(url).content.decode()
    assert "Bạn giữ vai trò cấp có thẩm quyền ở đây" in page
    assert 'data-testid="officer-can"' not in page


def test_appraisal_page_says_when_nobody_holds_the_deciding_role(client, period, tree, org_officer):
    url = reverse("ratings:appraisal_page", args=[period.pk, tree.district.pk])
    client.force_login(org_officer)
    page = client.get(url).content.decode()
    assert "chưa ai được giao vai trò này" in page
