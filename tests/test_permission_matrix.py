"""Every URL that takes an object id × every persona → the expected status.

Objects outside a persona's scope answer 404; visible objects without the right answer 403.
A new URL pattern with an object id fails `test_every_object_url_has_a_row` until it is added.
POST-only URLs are exercised with POST (a successful POST redirects: 302).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from reviews.services import circulation, reports

PERSONAS = [
    "anonymous",
    "member",
    "secretary",
    "org_officer",
    "authority",
    "admin_user",
    "outsider",
]
# Namespaces that belong to the project (Django admin has its own staff-only checks).
PROJECT_NAMESPACES = {"orgunits", "reviews", "ratings"}


def row(obj: str, expected: str, method: str = "GET", data: dict | None = None):
    """expected: statuses for member, secretary, org_officer, authority, admin_user, outsider."""
    codes = [int(c) for c in expected.split()]
    statuses = dict(zip(PERSONAS[1:], codes, strict=True))
    statuses["anonymous"] = 302  # to the login page
    return {"obj": obj, "method": method, "data": data or {}, "expected": statuses}


#                      member sec  org  auth admin outsider
MATRIX = {
    "orgunits:unit_detail": row("cell", "200 200 200 200 200 404"),
    "orgunits:person_detail": row("member_person", "200 200 200 200 200 404"),
    "orgunits:roster_import": row("cell", "403 403 200 403 200 404"),
    "reviews:period_detail": row("period", "200 200 200 200 200 404"),
    "reviews:period_rules": row("period", "200 200 200 200 200 404"),
    "reviews:period_enrol": row("period", "403 403 403 403 302 404", "POST"),
    "reviews:period_unit": row("period_cell", "200 200 200 200 200 404"),
    "reviews:period_progress": row("period_cell", "403 200 200 200 200 404"),
    "reviews:period_circulate": row(
        "period_cell", "403 302 403 403 302 404", "POST", {"meeting_on": "2026-12-15"}
    ),
    "reviews:period_schedule_edit": row(
        "period_cell",
        "403 302 302 403 302 404",
        "POST",
        {"milestone": "meeting_start", "day": "2026-12-10", "reason": "Lịch hội nghị"},
    ),
    "reviews:subject_detail": row("subject", "200 200 200 200 200 404"),
    "reviews:subject_override_eligibility": row(
        "subject", "403 403 302 403 302 404", "POST", {"eligibility": "capped", "reason": "Lý do"}
    ),
    "reviews:subject_add_suggestion": row(
        "subject", "403 403 302 302 302 404", "POST", {"text": "Làm rõ trách nhiệm"}
    ),
    "reviews:subject_residence_comment": row(
        "subject",
        "403 302 302 403 302 404",
        "POST",
        {"text": "Gương mẫu", "commenting_cell": "Chi bộ khu phố 3", "received_on": "2026-12-01"},
    ),
    "reviews:report_detail": row("report", "200 200 200 200 200 404"),
    "reviews:report_edit": row("report", "200 403 403 403 403 404"),
    "reviews:report_autosave": row("report", "400 403 403 403 403 404", "POST"),
    "reviews:report_submit": row("report", "302 403 403 403 403 404", "POST"),
    "reviews:report_return": row(
        "report", "403 302 302 403 302 404", "POST", {"reason": "Bổ sung"}
    ),
    "reviews:report_pdf": row("report", "200 200 200 200 200 404"),
    "reviews:report_attachment_upload": row("report", "302 403 403 403 403 404", "POST"),
    "reviews:attachment_download": row("attachment", "200 200 200 200 200 404"),
    "reviews:attachment_delete": row("attachment", "302 403 403 403 403 404", "POST"),
    "reviews:report_comment": row("report", "403 302 403 403 403 404", "POST", {"text": "Góp ý"}),
    "reviews:comment_respond": row(
        "comment", "302 403 403 403 403 404", "POST", {"kind": "accepted"}
    ),
}


def _walk(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}", p


def object_url_names() -> set[str]:
    """Names of project URL patterns that take a path argument (an object id)."""
    names = set()
    for name, pattern in _walk(get_resolver().url_patterns):
        if name.split(":")[0] in PROJECT_NAMESPACES and pattern.pattern.converters:
            names.add(name)
    return names


def test_every_object_url_has_a_row():
    missing = object_url_names() - set(MATRIX)
    assert not missing, f"URLs with an object id but no permission-matrix row: {sorted(missing)}"


@pytest.fixture
def objects(tree, member, member_report, secretary, settings, tmp_path):
    """One object of each kind in chi bộ A: the member's circulated report, a colleague's
    comment on it and an attachment."""
    settings.MEDIA_ROOT = str(tmp_path)
    reports.save_report_draft(
        report_id=member_report.pk,
        user=member,
        base_version=0,
        changes={"sections": {"x": "Dự thảo"}},
    )
    circulation.circulate_drafts(
        period=member_report.subject.period,
        unit=tree.cell_a,
        meeting_on=dt.date(2026, 12, 15),
        user=secretary,
        today=dt.date(2026, 12, 7),
    )
    member_report.refresh_from_db()
    comment = circulation.add_comment(report=member_report, author=secretary.person, text="Ý kiến")
    attachment = reports.add_attachment(
        report=member_report,
        upload=SimpleUploadedFile("minh-chung.pdf", b"%PDF-1.7\n", "application/pdf"),
        user=member,
    )
    period = member_report.subject.period
    return {
        "cell": {"pk": tree.cell_a.pk},
        "member_person": {"pk": member.person.pk},
        "period": {"pk": period.pk},
        "period_cell": {"pk": period.pk, "unit_pk": tree.cell_a.pk},
        "subject": {"pk": member_report.subject_id},
        "report": {"pk": member_report.pk},
        "attachment": {"pk": attachment.pk},
        "comment": {"pk": comment.pk},
    }


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_permission_matrix(url_name, persona, client, request, objects):
    spec = MATRIX[url_name]
    url = reverse(url_name, kwargs=objects[spec["obj"]])
    # Build every persona so that "outside the scope" is tested against a populated tree.
    users = {p: request.getfixturevalue(p) for p in PERSONAS if p != "anonymous"}
    if persona != "anonymous":
        client.force_login(users[persona])
    if spec["method"] == "POST":
        response = client.post(url, spec["data"])
    else:
        response = client.get(url)
    assert response.status_code == spec["expected"][persona], (url_name, persona)
