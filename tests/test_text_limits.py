"""Every text a person types has a documented limit (orgunits/limits.py, docs/limits.md),
enforced by the form and again by the service."""

from __future__ import annotations

import pytest
from django import forms
from django.urls import get_resolver, reverse

from orgunits.limits import TEXT_LIMITS
from reviews import exceptions as review_errors
from reviews.models import Comment, Suggestion
from reviews.services import circulation, reports

PROJECT_APPS = ("orgunits", "reviews", "ratings", "documents", "notifications", "accounts")


def _project_forms():
    get_resolver().url_patterns  # import every view, and with them every form  # noqa: B018
    seen, todo = set(), [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return [c for c in seen if c.__module__.split(".")[0] in PROJECT_APPS]


def test_every_text_field_of_a_project_form_has_a_max_length():
    unbounded = sorted(
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in _project_forms()
        for name, field in cls.base_fields.items()
        if isinstance(field, forms.CharField) and field.max_length is None
    )
    assert not unbounded, unbounded


def test_text_limits_are_documented():
    from pathlib import Path

    from django.conf import settings

    doc = Path(settings.BASE_DIR, "docs", "limits.md").read_text()
    for kind, limit in TEXT_LIMITS.items():
        assert f"`{kind}`" in doc, kind
        assert f"{limit:,}".replace(",", ".") in doc, kind


# -- the services check again: the autosave and other callers have no form -------------------

OVER = {kind: "ạ" * (limit + 1) for kind, limit in TEXT_LIMITS.items()}


def test_save_report_draft_rejects_a_section_when_over_its_limit(member_report, member):
    with pytest.raises(review_errors.TextTooLong, match=r"vượt giới hạn 20\.000 ký tự"):
        reports.save_report_draft(
            report_id=member_report.pk,
            user=member,
            base_version=0,
            changes={"sections": {"a": OVER["report_section"]}},
        )
    member_report.refresh_from_db()
    assert member_report.version == 0 and member_report.sections == {}


def test_save_report_draft_rejects_a_report_when_its_texts_together_are_over_the_limit(
    member_report, member
):
    part = "ạ" * TEXT_LIMITS["report_section"]
    sections = {f"k{i}": part for i in range(TEXT_LIMITS["report_total"] // len(part) + 1)}
    with pytest.raises(review_errors.TextTooLong, match="Toàn bộ bản kiểm điểm"):
        reports.save_report_draft(
            report_id=member_report.pk,
            user=member,
            base_version=0,
            changes={"sections": sections},
        )


def test_issue_suggestion_rejects_a_text_when_over_its_limit(member_report, org_officer, tree):
    with pytest.raises(review_errors.TextTooLong):
        reports.issue_suggestion(
            subject=member_report.subject,
            issuing_unit=tree.district,
            user=org_officer,
            text=OVER["suggestion"],
        )
    assert not Suggestion.objects.exists()


def test_return_report_rejects_a_reason_when_over_its_limit(member_report, secretary):
    with pytest.raises(review_errors.TextTooLong):
        reports.return_report(report_id=member_report.pk, user=secretary, reason=OVER["reason"])


def test_add_comment_rejects_a_text_when_over_its_limit(circulated_report, secretary):
    with pytest.raises(review_errors.TextTooLong):
        circulation.add_comment(
            report=circulated_report, author=secretary.person, text=OVER["comment"]
        )
    assert not Comment.objects.exists()


def test_report_comment_view_does_show_the_limit_in_vietnamese(
    client, circulated_report, secretary
):
    client.force_login(secretary)
    response = client.post(
        reverse("reviews:report_comment", args=[circulated_report.pk]), {"text": OVER["comment"]}
    )
    assert response.status_code == 400
    assert "tối đa 4000" in response.text
    assert not Comment.objects.exists()


def test_every_number_field_of_a_project_form_has_a_maximum():
    """A number past PostgreSQL's integer is a form error, not a database error."""
    unbounded = sorted(
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in _project_forms()
        for name, field in cls.base_fields.items()
        if isinstance(field, forms.IntegerField) and field.max_value is None
    )
    assert not unbounded, unbounded
