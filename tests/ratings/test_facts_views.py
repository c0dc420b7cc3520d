"""The appraisal facts panel of the appraisal page: the officer enters a subject's facts with a
reason; bad input gets a Vietnamese message and writes nothing."""

from __future__ import annotations

from django.urls import reverse

from ratings.models import AppraisalFacts
from reviews.models import Subject

from .test_appraisal import enrol


def _subject(period, tree, person) -> Subject:
    return Subject.objects.get(period=period, unit=tree.cell_a, person=person)


def test_subject_facts_does_record_and_show_them_on_the_appraisal_page(
    client, period, tree, org_officer, member
):
    enrol(period)
    subject = _subject(period, tree, member.person)
    page = reverse("ratings:appraisal_page", args=[period.pk, tree.district.pk])
    client.force_login(org_officer)

    form_page = client.get(f"{page}?facts={subject.pk}")
    assert 'data-testid="facts-form"' in form_page.content.decode()
    response = client.post(
        reverse("ratings:subject_facts", args=[subject.pk]),
        {
            "tasks_completed_pct": "100",
            "tasks_on_time_pct": "92.5",
            "socio_economic_targets": "no",
            "degradation_found": "on",
            "reason": "Báo cáo tổng kết năm 2026 của chi bộ",
            "next": page,
        },
        follow=True,
    )

    facts = AppraisalFacts.objects.get(subject=subject)
    assert (facts.tasks_on_time_pct, facts.socio_economic_targets_met) == (92.5, False)
    assert facts.degradation_found is True
    assert facts.entered_by == org_officer
    assert 'data-testid="facts-entered"' in response.content.decode()


def test_subject_facts_rejects_share_over_100_with_a_message(
    client, period, tree, org_officer, member
):
    enrol(period)
    subject = _subject(period, tree, member.person)
    client.force_login(org_officer)
    response = client.post(
        reverse("ratings:subject_facts", args=[subject.pk]),
        {"tasks_on_time_pct": "150", "reason": "Báo cáo"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    assert response.status_code == 200
    assert not AppraisalFacts.objects.exists()
    assert "100" in " ".join(str(m) for m in response.context["messages"])


def test_appraisal_page_hides_the_facts_form_from_the_authority(
    client, period, tree, authority, member
):
    enrol(period)
    subject = _subject(period, tree, member.person)
    client.force_login(authority)
    page = reverse("ratings:appraisal_page", args=[period.pk, tree.district.pk])
    html = client.get(f"{page}?facts={subject.pk}").content.decode()
    assert 'data-testid="facts-form"' not in html
