"""The report services: versions, submit, return, attachments, suggestions, comments."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reviews import exceptions, selectors
from reviews.models import Comment, Report, ReportStatus, Suggestion
from reviews.services import circulation, reports
from reviews.services.reports import report_ruleset


def _save(report, user, changes, version=None):
    return reports.save_report_draft(
        report_id=report.pk,
        user=user,
        base_version=report.version if version is None else version,
        changes=changes,
    )


def _complete(report: Report, user) -> Report:
    """Fill every required part of the report's form."""
    ruleset = report_ruleset(report)
    form = ruleset.form_for_class(report.subject.subject_class)
    criteria = ruleset.criteria_for_class(report.subject.subject_class)
    changes = {
        "sections": {s.key: f"Nội dung mục {s.title}" for s in form.sections if s.kind == "text"},
        "scores": {c.code: float(c.max_points) * 0.8 for c in criteria}
        if ruleset.scoring.model == "points"
        else {c.code: "tot" for c in criteria},
        "checklist": {
            item.code: {"present": False, "note": ""}
            for g in ruleset.manifestations
            for item in g.items
        },
        "answers": {
            str(s.pk): "Đã tiếp thu và khắc phục." for s in report.subject.suggestions.all()
        },
        "self_level": "HTT",
    }
    return _save(report, user, changes)


def test_save_report_draft_does_merge_fields_and_bump_version(member_report, member):
    first = _save(member_report, member, {"sections": {"a": "Một"}})
    second = _save(first, member, {"sections": {"b": "Hai"}})
    assert second.version == first.version + 1
    assert second.sections == {"a": "Một", "b": "Hai"}
    assert second.status == ReportStatus.DRAFTING


def test_save_report_draft_rejects_stale_version_without_writing(member_report, member):
    base = member_report.version
    _save(member_report, member, {"sections": {"a": "Bản mới ở tab thứ nhất"}}, version=base)
    with pytest.raises(exceptions.ReportConflict):
        _save(member_report, member, {"sections": {"a": "Bản cũ ở tab thứ hai"}}, version=base)
    member_report.refresh_from_db()
    assert member_report.sections["a"] == "Bản mới ở tab thứ nhất"


def test_save_report_draft_does_normalise_text_to_nfc(member_report, member):
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Tiếp thu nghiêm túc")
    saved = _save(member_report, member, {"sections": {"a": nfd}})
    assert saved.sections["a"] == unicodedata.normalize("NFC", nfd)


def test_save_report_draft_does_compute_total_points(member_report, member):
    criteria = report_ruleset(member_report).criteria_for_class(member_report.subject.subject_class)
    saved = _save(member_report, member, {"scores": {c.code: c.max_points for c in criteria}})
    assert saved.total_points == 100


def test_save_report_draft_rejects_score_above_the_criterion_maximum(member_report, member):
    criterion = report_ruleset(member_report).criteria_for_class(
        member_report.subject.subject_class
    )[0]
    with pytest.raises(exceptions.InvalidScore):
        _save(member_report, member, {"scores": {criterion.code: criterion.max_points + 1}})


def test_submit_report_rejects_when_sections_are_missing(member_report, member):
    with pytest.raises(exceptions.ReportIncomplete) as excinfo:
        reports.submit_report(report_id=member_report.pk, user=member)
    assert excinfo.value.problems


def test_submit_report_rejects_when_a_suggestion_is_unanswered(
    member_report, member, org_officer, tree
):
    _complete(member_report, member)
    reports.issue_suggestion(
        subject=member_report.subject,
        issuing_unit=tree.district,
        user=org_officer,
        text="Làm rõ trách nhiệm về việc chậm nộp đảng phí.",
    )
    with pytest.raises(exceptions.ReportIncomplete) as excinfo:
        reports.submit_report(report_id=member_report.pk, user=member)
    assert any("gợi ý" in p for p in excinfo.value.problems)


def test_submit_report_does_lock_the_report(member_report, member):
    report = _complete(member_report, member)
    reports.submit_report(report_id=report.pk, user=member)
    with pytest.raises(exceptions.ReportLocked):
        _save(report, member, {"sections": {"a": "sửa sau khi nộp"}}, version=report.version + 1)


def test_return_report_rejects_empty_reason(member_report, member, secretary):
    reports.submit_report(report_id=_complete(member_report, member).pk, user=member)
    with pytest.raises(exceptions.ReturnReasonRequired):
        reports.return_report(report_id=member_report.pk, user=secretary, reason="  ")


def test_return_report_does_reopen_for_editing(member_report, member, secretary):
    reports.submit_report(report_id=_complete(member_report, member).pk, user=member)
    returned = reports.return_report(
        report_id=member_report.pk, user=secretary, reason="Bổ sung kết quả công tác quý IV."
    )
    assert returned.status == ReportStatus.RETURNED
    _save(returned, member, {"sections": {"a": "Đã bổ sung"}})


def test_add_attachment_rejects_content_that_does_not_match_its_name(member_report, member):
    fake = SimpleUploadedFile("minh-chung.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    with pytest.raises(exceptions.AttachmentRejected):
        reports.add_attachment(report=member_report, upload=fake, user=member)


def test_add_attachment_rejects_unknown_types(member_report, member):
    exe = SimpleUploadedFile("virus.exe", b"MZ\x90\x00", "application/octet-stream")
    with pytest.raises(exceptions.AttachmentRejected):
        reports.add_attachment(report=member_report, upload=exe, user=member)


def test_add_attachment_does_keep_a_pdf(member_report, member, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    pdf = SimpleUploadedFile("Minh chứng.pdf", b"%PDF-1.7\n...", "application/pdf")
    attachment = reports.add_attachment(report=member_report, upload=pdf, user=member)
    assert attachment.original_name == "Minh chứng.pdf"
    assert attachment.content_type == "application/pdf"


def test_add_comment_rejects_before_circulation(member_report, secretary):
    with pytest.raises(exceptions.NotCirculated):
        circulation.add_comment(report=member_report, author=secretary.person, text="Góp ý")


def test_add_comment_rejects_anonymous_when_rule_set_forbids(
    member_report, member, secretary, enrolled, tree
):
    _save(member_report, member, {"sections": {"a": "Dự thảo"}})
    circulation.circulate_drafts(
        period=enrolled,
        unit=tree.cell_a,
        meeting_on=dt.date(2026, 12, 15),
        user=secretary,
        today=dt.date(2026, 12, 7),
    )
    member_report.refresh_from_db()
    with pytest.raises(exceptions.AnonymousCommentsNotAllowed):
        circulation.add_comment(
            report=member_report, author=secretary.person, text="Góp ý", anonymous=True
        )


def test_add_comment_does_store_no_author_when_anonymous(
    member_report, member, secretary, enrolled, tree, monkeypatch
):
    rules = report_ruleset(member_report)
    allowing = dataclasses.replace(
        rules, circulation=dataclasses.replace(rules.circulation, allow_anonymous_comments=True)
    )
    monkeypatch.setattr(selectors, "ruleset_for_unit", lambda period, unit: allowing)
    _save(member_report, member, {"sections": {"a": "Dự thảo"}})
    circulation.circulate_drafts(
        period=enrolled,
        unit=tree.cell_a,
        meeting_on=dt.date(2026, 12, 15),
        user=secretary,
        today=dt.date(2026, 12, 7),
    )
    member_report.refresh_from_db()
    comment = circulation.add_comment(
        report=member_report, author=secretary.person, text="Cần gương mẫu hơn", anonymous=True
    )
    row = Comment.objects.filter(pk=comment.pk).values().get()
    assert row["author_id"] is None
    assert secretary.person.full_name not in str(row)
    assert secretary.username not in str(row)


def test_circulate_drafts_does_record_short_lead_time(
    enrolled, member_report, member, secretary, tree
):
    _save(member_report, member, {"sections": {"a": "Dự thảo"}})
    result = circulation.circulate_drafts(
        period=enrolled,
        unit=tree.cell_a,
        meeting_on=dt.date(2026, 12, 10),  # Thursday
        user=secretary,
        today=dt.date(2026, 12, 7),  # Monday: Tue and Wed between, 2 < 3
    )
    assert not result.lead_time_ok
    assert result.lead_working_days == 2


def test_respond_to_comment_rejects_explanation_without_text(
    enrolled, member_report, member, secretary, tree
):
    _save(member_report, member, {"sections": {"a": "Dự thảo"}})
    circulation.circulate_drafts(
        period=enrolled,
        unit=tree.cell_a,
        meeting_on=dt.date(2026, 12, 15),
        user=secretary,
        today=dt.date(2026, 12, 7),
    )
    member_report.refresh_from_db()
    comment = circulation.add_comment(report=member_report, author=secretary.person, text="Ý kiến")
    with pytest.raises(exceptions.ExplanationRequired):
        circulation.respond_to_comment(comment=comment, kind="explained", text="")
    answered = circulation.respond_to_comment(comment=comment, kind="accepted")
    assert answered.response_kind == "accepted"


def test_issue_suggestion_does_attach_to_the_subject(member_report, org_officer, tree):
    suggestion = reports.issue_suggestion(
        subject=member_report.subject,
        issuing_unit=tree.district,
        user=org_officer,
        text="Làm rõ việc chậm trễ",
    )
    assert Suggestion.objects.filter(subject=member_report.subject).get() == suggestion


def test_report_submit_view_rejects_without_the_confirmation_tick(client, member_report, member):
    """Submitting locks the report, so the author must tick the confirmation (works without JS)."""
    report = _complete(member_report, member)
    client.force_login(member)
    url = f"/reports/{report.pk}/submit/"
    response = client.post(url, follow=True)
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFTING
    assert "Hãy đánh dấu xác nhận để nộp bản kiểm điểm." in response.content.decode()
    client.post(url, {"confirm": "on"})
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
