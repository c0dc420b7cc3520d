"""Every URL that takes an object id × every persona → the expected status.

Objects outside a persona's scope answer 404; visible objects without the right answer 403.
A new URL pattern with an object id fails `test_every_object_url_has_a_row` until it is added.
POST-only URLs are exercised with POST (a successful POST redirects: 302).
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from documents.models import DocumentJob
from orgunits.models import Membership, RosterUpload
from orgunits.services.roster import build_template_workbook
from ratings import exports
from ratings.models import DossierArchive, HistoricalLevel, HistoryUpload, Rating
from ratings.services import appraisal, ballots, meetings
from reviews.models import CentralCadre, Comment, RemediationItem, Report
from reviews.services import circulation, enrolment, periods, reports
from tests.conftest import quarter_period
from tests.factories import MembershipFactory, PersonFactory

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
PROJECT_NAMESPACES = {
    "orgunits",
    "reviews",
    "ratings",
    "documents",
    "notifications",
    "accounts",
}


def row(obj: str, expected: str, method: str = "GET", data: dict | None = None):
    """expected: statuses for member, secretary, org_officer, authority, admin_user, outsider."""
    codes = [int(c) for c in expected.split()]
    statuses = dict(zip(PERSONAS[1:], codes, strict=True))
    statuses["anonymous"] = 302  # to the login page
    return {"obj": obj, "method": method, "data": data or {}, "expected": statuses}


#                      member sec  org  auth admin outsider
MATRIX = {
    # Only administrators of a unit the person belongs to (here the superuser) issue links.
    "accounts:issue_reset_link": row("member_person", "403 403 403 403 200 404", "POST"),
    # Logins of a unit: its secretary and administrators.
    "accounts:unit_accounts": row("cell", "403 200 403 403 200 404"),
    "accounts:unit_accounts_action": row(
        "cell", "403 302 403 403 302 404", "POST", {"action": "issue"}
    ),
    "documents:request": row("report_document", "302 302 302 302 302 404", "POST"),
    "documents:job": row("document_job", "200 200 200 200 200 404"),
    "documents:job_progress": row("document_job", "200 200 200 200 200 404"),
    "documents:job_download": row("document_job", "200 200 200 200 200 404"),
    "orgunits:unit_detail": row("cell", "200 200 200 200 200 404"),
    "orgunits:person_detail": row("member_person", "200 200 200 200 200 404"),
    "orgunits:roster_import": row("cell", "403 403 200 403 200 404"),
    # An upload is its importer's (and administrators'); the unit's others see 403.
    "orgunits:roster_upload": row("roster_upload", "403 403 200 403 200 404"),
    # Roles: administrators only; a valid grant redirects back to the unit page.
    "orgunits:unit_roles": row(
        "cell",
        "403 403 403 403 302 404",
        "POST",
        {"username": "member", "role": "secretary", "reason": "Bầu bí thư"},
    ),
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
    # A province's point split: its administrators only; the province's authority sees the
    # province (403), everyone below or elsewhere does not (404).
    "reviews:point_split_edit": row("province", "404 404 404 403 200 404"),
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
    # The list of cadres managed by the Central Committee: the organisation board and admins.
    "reviews:person_central_cadre": row(
        "member_person", "403 403 302 403 302 404", "POST", {"is_central": "on", "basis": "QĐ"}
    ),
    "reviews:report_detail": row("report", "200 200 200 200 200 404"),
    "reviews:report_edit": row("report", "200 403 403 403 403 404"),
    "reviews:report_autosave": row("report", "400 403 403 403 403 404", "POST"),
    "reviews:report_submit": row("report", "302 403 403 403 403 404", "POST"),
    "reviews:report_return": row(
        "report", "403 302 302 403 302 404", "POST", {"reason": "Bổ sung"}
    ),
    "reviews:report_attachment_upload": row("report", "302 403 403 403 403 404", "POST"),
    "reviews:attachment_download": row("attachment", "200 200 200 200 200 404"),
    "reviews:attachment_delete": row("attachment", "302 403 403 403 403 404", "POST"),
    # Quarterly self-assessments: the competent level (appraise/decide) records the result.
    "reviews:quarter_result_record": row(
        "quarter_report", "403 403 302 302 302 404", "POST", {"level": "HTT"}
    ),
    "reviews:report_start_from_quarters": row(
        "report", "302 403 403 403 403 404", "POST", {"version": "0"}
    ),
    "reviews:report_comment": row("report", "403 302 403 403 403 404", "POST", {"text": "Góp ý"}),
    "reviews:comment_respond": row(
        "comment", "302 403 403 403 403 404", "POST", {"kind": "accepted"}
    ),
    # Meetings: the chair (the secretary) and admins manage; every convened member and the
    # officers above see the meeting; minutes go to the chair and the officers above.
    "ratings:meeting_create": row("period_cell", "403 200 403 403 200 404"),
    "ratings:meeting_detail": row("meeting", "200 200 200 200 200 404"),
    "ratings:meeting_attendance": row(
        "meeting", "403 302 403 403 302 404", "POST", {"present": "1"}
    ),
    "ratings:meeting_counting_committee": row("meeting", "403 302 403 403 302 404", "POST"),
    "ratings:agenda_conclusion": row(
        "agenda_item", "403 302 403 403 302 404", "POST", {"conclusion": "Kết luận"}
    ),
    "ratings:agenda_move": row(
        "agenda_item", "403 302 403 403 302 404", "POST", {"direction": "down"}
    ),
    "ratings:round_prepare": row(
        "meeting", "403 302 403 403 302 404", "POST", {"kind": "rating", "mode": "electronic"}
    ),
    "ratings:meeting_secretary": row("meeting", "403 302 403 403 302 404", "POST", {"person": ""}),
    "ratings:meeting_close": row("meeting", "403 302 403 403 302 404", "POST"),
    # A prepared electronic round: the console is the chair's; the booth is for those present
    # (not open yet: a notice), others who see the meeting are refused; nobody enters a paper
    # count; the counting minutes do not exist yet (a message and back to the results).
    "ratings:round_console": row("round", "403 200 403 403 200 404"),
    "ratings:round_status": row("round", "403 200 403 403 200 404"),
    "ratings:round_open": row("round", "403 302 403 403 302 404", "POST"),
    "ratings:round_close": row("round", "403 302 403 403 302 404", "POST"),
    # Nobody reached "no level" in a prepared round: the chair is told so on the results page.
    "ratings:round_follow_up": row("round", "403 302 403 403 302 404", "POST"),
    "ratings:round_vote": row("round", "200 200 403 403 403 404"),
    "ratings:round_results": row("round", "200 200 200 200 200 404"),
    "ratings:round_paper_entry": row("round", "403 403 403 403 403 404"),
    # Appraisal (the district's officer appraises, the province's authority decides): the
    # member's rating at chi bộ A is decided (not published), so the member cannot see it; the
    # decision on chi bộ A can be cancelled only from the district up.
    "ratings:appraisal_page": row("period_cell", "403 403 200 200 200 404"),
    "ratings:appraisal_run": row("period_cell", "403 403 302 403 302 404", "POST"),
    "ratings:decide": row(
        "period_cell",
        "403 403 403 302 302 404",
        "POST",
        {"decided_on": "2026-12-28", "confirm": "on"},
    ),
    "ratings:rating_file": row("rating", "404 200 200 200 200 404"),
    "ratings:rating_change_level": row(
        "rating", "404 403 302 403 302 404", "POST", {"level": "HT", "reason": "Lý do"}
    ),
    "ratings:rating_discipline": row("rating", "404 403 302 403 302 404", "POST"),
    # Approvers are first sent to enter their second factor (302); the rating in the matrix is
    # not decided, so nobody else may re-rate it.
    "ratings:rating_rerate": row("rating", "404 403 403 302 302 404", "POST"),
    "ratings:subject_facts": row(
        "subject", "403 403 302 403 302 404", "POST", {"reason": "Báo cáo tổng kết"}
    ),
    "ratings:rating_remediation": row(
        "rating", "404 302 302 403 302 404", "POST", {"text": "Khắc phục", "due_on": "2027-06-30"}
    ),
    "ratings:remediation_status": row(
        "remediation", "404 302 302 403 302 404", "POST", {"status": "done"}
    ),
    "ratings:quota_group": row("quota_group", "404 404 200 200 200 404"),
    "ratings:quota_apply": row("quota_group", "404 404 302 403 302 404", "POST"),
    "ratings:quota_exception": row(
        "quota_group",
        "404 404 403 302 302 404",
        "POST",
        {"percent": "25", "scope": "group", "reason": "Lý do"},
    ),
    "ratings:decision_detail": row("decision", "404 200 200 200 200 404"),
    "ratings:decision_publish": row(
        "decision", "404 403 403 302 302 404", "POST", {"confirm": "on"}
    ),
    "ratings:decision_cancel": row(
        "decision", "404 403 403 302 302 404", "POST", {"reason": "Lý do"}
    ),
    "ratings:person_history": row("member_person", "200 200 200 200 200 404"),
    "ratings:unit_history": row("cell", "403 200 200 200 200 404"),
    # Summary reports: whoever runs, appraises, decides or administers the unit; the personal
    # dossier: the person and the appraisers/deciders above; historical levels: officers and
    # administrators (as the roster).
    "ratings:summary": row("period_cell", "403 200 200 200 200 404"),
    "ratings:summary_xlsx": row("period_cell", "403 302 302 302 302 404", "POST"),
    "ratings:summary_people_xlsx": row("period_cell", "403 302 302 302 302 404", "POST"),
    "ratings:summary_csv": row("period_cell", "403 302 302 302 302 404", "POST"),
    "ratings:summary_pdf": row("period_cell", "403 302 302 302 302 404", "POST"),
    # The unit's record-file list (Mẫu 04): those who read its summary.
    "ratings:records_list_pdf": row("period_cell", "403 302 302 302 302 404", "POST"),
    "ratings:summary_narrative": row(
        "period_cell", "403 302 302 302 302 404", "POST", {"section_2": "Tổ chức", "section_3": ""}
    ),
    "ratings:dossier": row("member_person", "200 403 200 200 200 404"),
    "ratings:dossier_download": row("dossier", "200 403 200 200 200 404"),
    "ratings:history_import": row("cell", "403 403 200 403 200 404"),
    # An upload is its importer's (and administrators'); the unit's others see 403.
    "ratings:history_upload": row("history_upload", "403 403 200 403 200 404"),
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
def objects(tree, member, circulated_report, secretary, org_officer, authority, settings, tmp_path):
    """One object of each kind in chi bộ A: the member's circulated report, a colleague's
    comment on it, an attachment, and a meeting chaired by the secretary where the member and
    the secretary are present, with a prepared electronic round."""
    settings.MEDIA_ROOT = str(tmp_path)
    member_report = circulated_report
    comment = circulation.add_comment(report=member_report, author=secretary.person, text="Ý kiến")
    attachment = reports.add_attachment(
        report=member_report,
        upload=SimpleUploadedFile("minh-chung.pdf", b"%PDF-1.7\n", "application/pdf"),
        user=member,
    )
    period = member_report.subject.period
    meeting = meetings.create_meeting(
        period=period,
        unit=tree.cell_a,
        chair=secretary,
        starts_on=dt.date(2026, 12, 15),
        ends_on=dt.date(2026, 12, 15),
        duration_days=Decimal("1.0"),
    )
    for user in (member, secretary):
        meetings.set_attendance(meeting=meeting, person=user.person, present=True)
    ballot_round = ballots.prepare_round(meeting=meeting)
    # Appraised by the district's officer; chi bộ A's levels decided by the province.
    Report.objects.filter(subject__period=period).update(self_level="HTT", total_points=80)
    appraisal.appraise(period=period, unit=tree.district, user=org_officer)
    decision = appraisal.decide(
        period=period, unit=tree.cell_a, user=authority, decided_on=dt.date(2026, 12, 28)
    )
    rating = Rating.objects.select_related("subject").get(subject_id=member_report.subject_id)
    return {
        "cell": {"pk": tree.cell_a.pk},
        "province": {"unit_pk": tree.province.pk},
        "member_person": {"pk": member.person.pk},
        "period": {"pk": period.pk},
        "period_cell": {"pk": period.pk, "unit_pk": tree.cell_a.pk},
        "subject": {"pk": member_report.subject_id},
        "report": {"pk": member_report.pk},
        "attachment": {"pk": attachment.pk},
        "comment": {"pk": comment.pk},
        "meeting": {"pk": meeting.pk},
        "agenda_item": {"pk": meeting.agenda.first().pk},
        "round": {"pk": ballot_round.pk},
        "rating": {"pk": rating.pk},
        "quota_group": {"pk": rating.subject.quota_group_id},
        "decision": {"pk": decision.pk},
        "dossier": {"pk": _dossier_archive(member, tree.district).pk},
        "roster_upload": {"pk": _roster_upload(tree.cell_a, org_officer).pk},
        "history_upload": {"pk": _history_upload(tree.cell_a, org_officer).pk},
        "report_document": {"kind": "report", "object_id": member_report.pk},
        "quarter_report": {"pk": _quarter_report(tree, member, org_officer).pk},
        "document_job": {"pk": _report_job(member_report, member).pk},
        "remediation": {
            "pk": RemediationItem.objects.create(
                origin_period=period, person=member.person, text="Chậm nộp báo cáo"
            ).pk
        },
    }


def _quarter_report(tree, member, org_officer):
    """The member's submitted Mẫu 05 for the first quarter, as a central cadre."""
    CentralCadre.objects.create(person=member.person)
    quarter = quarter_period(tree.province, org_officer, 1)
    enrolment.enrol_period(period=quarter)
    report = Report.objects.get(subject__period=quarter, subject__person=member.person)
    report.status = "submitted"
    report.save(update_fields=["status"])
    return report


def _report_job(report, member):
    """A finished PDF job of the member's report, without rendering one."""
    return DocumentJob.objects.create(
        kind="report",
        object_id=report.pk,
        fingerprint="f" * 64,
        status="done",
        progress=100,
        pages=1,
        file=ContentFile(b"%PDF-1.7\n", name="ban-kiem-diem.pdf"),
        requested_by=member,
    )


def _roster_upload(unit, user):
    """A roster upload the worker has checked, waiting for its importer to confirm."""
    counts = {table: [0, 0, 1] for table in ("units", "people", "memberships")}
    return RosterUpload.objects.create(
        unit=unit,
        requested_by=user,
        file_name="danh-sach.xlsx",
        stored="0" * 32 + ".xlsx",
        status=RosterUpload.Status.CHECKED,
        result={"counts": counts, "problems": []},
    )


def _history_upload(unit, user):
    """A file of historical levels the worker has checked, waiting for its importer."""
    return HistoryUpload.objects.create(
        unit=unit,
        requested_by=user,
        file_name="xep-loai.xlsx",
        stored="0" * 32 + ".xlsx",
        status=HistoryUpload.Status.CHECKED,
        result={"counts": {"created": 1, "updated": 0, "unchanged": 0}, "problems": []},
    )


def _dossier_archive(member, unit):
    """An archived dossier of the member over the sites inside `unit` (as the district's
    officer makes it), without rendering one (the views only serve it)."""
    return DossierArchive.objects.create(
        person=member.person,
        scope=exports.scope_dossier(person=member.person, within=(unit.path,)),
        sha256="0" * 64,
        file_sha256="0" * 64,
        file=ContentFile(b"%PDF-1.7\n", name="ho-so.pdf"),
    )


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


# -- The scope of a person's record: an officer reads only the sites of their own units ---------

HOME_REMARK = "Nhận xét tại chi bộ thôn Đông"
AWAY_REMARK = "Nhận xét tại tỉnh khác, không thuộc phạm vi huyện"


@pytest.fixture
def two_sites(tree, period, outsider, settings, tmp_path):
    """A person kept by both chi bộ A (the district's subtree) and the other province, with a
    commented report and an imported level at each."""
    settings.MEDIA_ROOT = str(tmp_path)
    person = PersonFactory(code="HAI-NOI", full_name="Phạm Văn Hai")
    MembershipFactory(person=person, unit=tree.cell_a)
    MembershipFactory(person=person, unit=tree.elsewhere)
    away = periods.create_period(
        placeholders_reason="Kiểm thử: nội dung chờ nguyên văn không ảnh hưởng phép thử.",
        name="Kiểm điểm năm 2026 (tỉnh khác)",
        kind="annual",
        year=2026,
        scope=tree.elsewhere,
        opens_on=dt.date(2026, 12, 1),
        ruleset_code="qd366-hd43",
        created_by=outsider,
    )
    for review, unit, remark, year, level in (
        (period, tree.cell_a, HOME_REMARK, 2024, "HTT"),
        (away, tree.elsewhere, AWAY_REMARK, 2023, "KHT"),
    ):
        enrolment.enrol_period(period=review)
        report = Report.objects.get(
            subject__period=review, subject__person=person, subject__unit=unit
        )
        Comment.objects.create(report=report, text=remark, created_on=dt.date(2026, 12, 5))
        HistoricalLevel.objects.create(
            year=year,
            person=person,
            unit=unit,
            subject_class="non_leader",
            level=level,
            source=unit.name,
        )
    return person


def test_scope_person_history_shows_only_the_sites_inside_the_viewers_units(
    client, two_sites, org_officer, admin_user
):
    url = reverse("ratings:person_history", args=[two_sites.pk])
    client.force_login(org_officer)
    officer_page = client.get(url).content.decode()
    client.force_login(admin_user)
    admin_page = client.get(url).content.decode()

    assert "Chi bộ thôn Đông" in officer_page
    assert "Đảng bộ tỉnh khác" not in officer_page and 'data-year="2023"' not in officer_page
    assert 'data-year="2023"' in admin_page


def test_scope_dossier_holds_only_the_sites_inside_the_viewers_units(
    client, two_sites, org_officer, tree, django_capture_on_commit_callbacks
):
    client.force_login(org_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ratings:dossier", args=[two_sites.pk]))

    archive = DossierArchive.objects.get(person=two_sites)
    assert response.status_code == 302
    assert archive.scope.within == (tree.district.path,)
    content = exports.dossier_context(two_sites, within=archive.scope.within)
    remarks = [c["text"] for y in content["years"] for s in y["sites"] for c in s["comments"]]
    assert remarks == [HOME_REMARK]
    assert AWAY_REMARK in str(exports.dossier_context(two_sites))  # the whole record has it


def test_scope_dossier_download_refuses_a_copy_wider_than_the_viewers_units(
    client, two_sites, org_officer, admin_user
):
    whole = DossierArchive.objects.create(
        person=two_sites,
        scope=exports.scope_dossier(person=two_sites, within=None),
        sha256="1" * 64,
        file_sha256="1" * 64,
        file=ContentFile(b"%PDF-1.7\n", name="ho-so.pdf"),
    )
    download = reverse("ratings:dossier_download", args=[whole.pk])
    client.force_login(org_officer)

    refused = client.get(download)
    page = client.get(reverse("ratings:dossier", args=[two_sites.pk])).content.decode()
    client.force_login(admin_user)

    assert refused.status_code == 403
    assert "1" * 64 not in page
    assert client.get(download).status_code == 200


def test_scope_roster_import_refuses_a_membership_for_a_person_of_another_unit(
    client, tree, org_officer, outsider, settings, tmp_path, django_capture_on_commit_callbacks
):

    book = openpyxl.load_workbook(io.BytesIO(build_template_workbook()))
    book["Sinh hoạt - công tác"].append([outsider.person.code, tree.cell_a.code, "Đảng viên"])
    data = io.BytesIO()
    book.save(data)
    client.force_login(org_officer)

    settings.MEDIA_ROOT = str(tmp_path)
    with django_capture_on_commit_callbacks(execute=True):  # the worker checks the upload
        staged = client.post(
            reverse("orgunits:roster_import", args=[tree.district.pk]),
            {"file": SimpleUploadedFile("ds.xlsx", data.getvalue())},
        )
    response = client.get(staged["Location"])
    text = response.content.decode()

    assert response.status_code == 200
    assert "ngoài phạm vi" in text and outsider.person.code in text
    assert not Membership.objects.filter(person=outsider.person, unit=tree.cell_a).exists()
