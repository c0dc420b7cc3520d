"""Pages of a review period and its subjects, driven through the test client as the personas."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import WARNING, get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orgunits import services
from orgunits.models import MembershipRole
from orgunits.roles import Role
from reviews import selectors
from reviews.models import Circulation, Eligibility, ReviewPeriod, Subject, Suggestion
from reviews.services.enrolment import enrol_period
from reviews.services.periods import create_period

from ..factories import MembershipFactory, PersonFactory

OPENS_ON = dt.date(2025, 11, 17)


@pytest.fixture
def period(tree, org_officer):
    return create_period(
        placeholders_reason="Kiểm thử: nội dung chờ nguyên văn không ảnh hưởng phép thử.",
        name="Kiểm điểm năm 2025",
        kind="annual",
        year=2025,
        scope=tree.district,
        opens_on=OPENS_ON,
        created_by=org_officer,
    )


@pytest.fixture
def enrolled(period, member, secretary):
    enrol_period(period=period)
    return period


def _member_subject(period, member) -> Subject:
    return Subject.objects.get(period=period, person__user=member)


def _messages(response) -> list:
    return list(get_messages(response.wsgi_request))


# -- list and creation ---------------------------------------------------------------------------


def test_period_list_does_offer_creation_only_to_officers(client, period, org_officer, member):
    client.force_login(org_officer)
    response = client.get(reverse("reviews:period_list"))
    assert period.name in response.content.decode()
    assert b'data-testid="period-create-link"' in response.content
    client.force_login(member)
    response = client.get(reverse("reviews:period_list"))
    assert b'data-testid="period-create-link"' not in response.content


def test_period_create_does_create_period_as_org_officer(client, tree, org_officer):
    # The 366 set still has texts awaiting their wording: opening it takes an administrator's
    # confirmation (tests/reviews/test_period_placeholders.py), so the officer is one here.
    services.grant_role(user=org_officer, unit=tree.district, role=Role.ADMINISTRATOR)
    client.force_login(org_officer)
    url = reverse("reviews:period_create")
    assert client.get(url).status_code == 200
    data = {
        "name": "Kiểm điểm, xếp loại năm 2025",
        "kind": "annual",
        "year": "2025",
        "quarter": "",
        "scope": str(tree.district.pk),
        "opens_on": "2025-11-17",
        "ruleset": "qd366-hd43",
        "placeholders_reason": "Đã báo cáo; nhập nguyên văn trước khi các chi bộ họp.",
    }
    response = client.post(url, data)
    period = ReviewPeriod.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("reviews:period_detail", kwargs={"pk": period.pk})
    assert (period.scope, period.ruleset_code, period.created_by) == (
        tree.district,
        "qd366-hd43",
        org_officer,
    )
    # The same period twice is refused on the form, in the service's words.
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Đã có kỳ kiểm điểm" in response.content.decode()
    assert ReviewPeriod.objects.count() == 1


def test_period_create_rejects_scope_outside_roles(client, tree, org_officer, member):
    client.force_login(org_officer)
    response = client.post(
        reverse("reviews:period_create"),
        {
            "name": "Kiểm điểm",
            "kind": "annual",
            "year": "2025",
            "scope": str(tree.province.pk),
            "opens_on": "2025-11-17",
            "ruleset": "qd366-hd43",
        },
    )
    assert response.status_code == 200
    assert not ReviewPeriod.objects.exists()
    client.force_login(member)
    assert client.get(reverse("reviews:period_create")).status_code == 403


# -- rules ---------------------------------------------------------------------------------------


def test_period_rules_does_show_quota_row_in_vietnamese(client, period, org_officer):
    client.force_login(org_officer)
    response = client.get(
        reverse("reviews:period_rules", kwargs={"pk": period.pk}), HTTP_ACCEPT_LANGUAGE="vi"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Quy định 366-QĐ/TW (30/08/2025)" in html  # the legal basis
    assert "Quy định 366-QĐ/TW và Hướng dẫn 43-HD/BTCTW (phiên bản" in html
    assert "qd366-hd43" not in html
    # The [?] note on rounding, under its row.
    assert "Chưa có văn bản trung ương quy định cách làm tròn" in html
    assert "20% số được xếp loại Hoàn thành tốt nhiệm vụ, làm tròn xuống" in html


def test_period_rules_rejects_unit_outside_scope_with_404(client, tree, period, org_officer):
    client.force_login(org_officer)
    url = reverse("reviews:period_rules", kwargs={"pk": period.pk})
    assert client.get(url, {"unit": tree.cell_a.pk}).status_code == 200
    assert client.get(url, {"unit": tree.province.pk}).status_code == 404
    assert client.get(url, {"unit": tree.elsewhere.pk}).status_code == 404


# -- a unit's page -------------------------------------------------------------------------------


def test_period_unit_does_list_subjects(client, tree, enrolled, secretary, member):
    client.force_login(secretary)
    response = client.get(
        reverse("reviews:period_unit", kwargs={"pk": enrolled.pk, "unit_pk": tree.cell_a.pk})
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert member.person.full_name in html
    assert secretary.person.full_name in html
    assert tree.cell_a.name in html
    assert 'data-testid="eligibility-badge"' in html


def test_period_unit_does_not_show_eligibility_to_plain_member(client, tree, enrolled, member):
    client.force_login(member)
    response = client.get(
        reverse("reviews:period_unit", kwargs={"pk": enrolled.pk, "unit_pk": tree.cell_a.pk})
    )
    assert response.status_code == 200
    assert 'data-testid="eligibility-badge"' not in response.content.decode()
    assert [r.subject.person for r in response.context["reports"]] == [member.person]


def test_period_unit_query_count_does_not_grow_with_people(client, tree, enrolled, secretary):
    client.force_login(secretary)
    url = reverse("reviews:period_unit", kwargs={"pk": enrolled.pk, "unit_pk": tree.cell_a.pk})
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(15):
        MembershipFactory(
            unit=tree.cell_a, person=PersonFactory(), role=MembershipRole.PARTY_MEMBER
        )
    enrol_period(period=enrolled)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["reports"]) > 15
    assert len(many.captured_queries) == len(few.captured_queries)


def test_period_circulate_does_warn_when_meeting_is_2_working_days_ahead(
    client, tree, enrolled, secretary
):
    calendar = selectors.work_calendar()
    today = timezone.localdate()
    meeting = calendar.add_working_days(today, 3)  # two full working days in between
    client.force_login(secretary)
    response = client.post(
        reverse("reviews:period_circulate", kwargs={"pk": enrolled.pk, "unit_pk": tree.cell_a.pk}),
        {"meeting_on": meeting.isoformat()},
        follow=True,
    )
    circulation = Circulation.objects.get(period=enrolled, unit=tree.cell_a)
    assert (circulation.lead_working_days, circulation.required_working_days) == (2, 3)
    warnings = [m for m in response.context["messages"] if m.level == WARNING]
    assert len(warnings) == 1
    assert "2" in str(warnings[0]) and "3" in str(warnings[0])
    assert 'data-testid="circulation-current"' in response.content.decode()


def test_period_circulate_rejects_member_with_403(client, tree, enrolled, member):
    client.force_login(member)
    response = client.post(
        reverse("reviews:period_circulate", kwargs={"pk": enrolled.pk, "unit_pk": tree.cell_a.pk}),
        {"meeting_on": "2025-12-01"},
    )
    assert response.status_code == 403
    assert not Circulation.objects.exists()


def test_period_schedule_edit_does_override_one_milestone(client, tree, enrolled, secretary):
    client.force_login(secretary)
    kwargs = {"pk": enrolled.pk, "unit_pk": tree.cell_a.pk}
    response = client.post(
        reverse("reviews:period_schedule_edit", kwargs=kwargs),
        {"milestone": "meeting_start", "day": "2025-12-03", "reason": "Trùng lịch tiếp dân"},
    )
    assert response.status_code == 302
    schedule = {
        code: (day, o) for code, _l, day, o in selectors.unit_schedule(enrolled, tree.cell_a)
    }
    assert schedule["meeting_start"] == (dt.date(2025, 12, 3), True)
    assert schedule["meeting_end"][1] is False


# -- subjects ------------------------------------------------------------------------------------


def test_subject_override_eligibility_does_record_officer_decision(
    client, enrolled, org_officer, member
):
    subject = _member_subject(enrolled, member)
    url = reverse("reviews:subject_override_eligibility", kwargs={"pk": subject.pk})
    client.force_login(org_officer)
    response = client.post(url, {"eligibility": Eligibility.NOT_RATED, "reason": ""})
    subject.refresh_from_db()
    assert response.status_code == 302
    assert not subject.eligibility_overridden
    assert any(m.level_tag == "error" for m in _messages(response))
    client.post(
        url, {"eligibility": Eligibility.NOT_RATED, "reason": "Chuyển công tác từ tháng 10."}
    )
    subject.refresh_from_db()
    assert subject.eligibility == Eligibility.NOT_RATED
    assert subject.eligibility_overridden
    assert subject.overridden_by == org_officer
    page = client.get(reverse("reviews:subject_detail", kwargs={"pk": subject.pk}))
    assert "Chuyển công tác từ tháng 10." in page.content.decode()


def test_subject_override_eligibility_rejects_secretary_with_403(
    client, enrolled, secretary, member
):
    subject = _member_subject(enrolled, member)
    client.force_login(secretary)
    response = client.post(
        reverse("reviews:subject_override_eligibility", kwargs={"pk": subject.pk}),
        {"eligibility": Eligibility.NOT_RATED, "reason": "Lý do"},
    )
    assert response.status_code == 403


def test_subject_detail_does_show_suggestion_issued_by_org_officer(
    client, tree, enrolled, org_officer, member
):
    subject = _member_subject(enrolled, member)
    text = "Làm rõ trách nhiệm trong việc chậm nộp báo cáo quý III."
    client.force_login(org_officer)
    response = client.post(
        reverse("reviews:subject_add_suggestion", kwargs={"pk": subject.pk}), {"text": text}
    )
    assert response.status_code == 302
    suggestion = Suggestion.objects.get(subject=subject)
    assert (suggestion.issuing_unit, suggestion.issued_by) == (tree.district, org_officer)
    client.force_login(member)
    page = client.get(reverse("reviews:subject_detail", kwargs={"pk": subject.pk}))
    assert page.status_code == 200
    assert text in page.content.decode()
    assert 'data-testid="suggestion-form"' not in page.content.decode()


def test_subject_residence_comment_does_record_comment(client, enrolled, secretary, member):
    subject = _member_subject(enrolled, member)
    client.force_login(secretary)
    client.post(
        reverse("reviews:subject_residence_comment", kwargs={"pk": subject.pk}),
        {
            "text": "Gương mẫu chấp hành quy định nơi cư trú.",
            "commenting_cell": "Chi bộ khu phố 3",
            "received_on": "2025-11-20",
        },
    )
    subject.refresh_from_db()
    assert subject.residence_comment_from == "Chi bộ khu phố 3"
    assert subject.residence_comment_on == dt.date(2025, 11, 20)


# -- progress access -----------------------------------------------------------------------------


def test_period_progress_rejects_member_with_403_and_outsider_with_404(
    client, tree, enrolled, member, outsider
):
    url = reverse("reviews:period_progress", kwargs={"pk": enrolled.pk, "unit_pk": tree.cell_a.pk})
    client.force_login(member)
    assert client.get(url).status_code == 403
    client.force_login(outsider)
    assert client.get(url).status_code == 404
