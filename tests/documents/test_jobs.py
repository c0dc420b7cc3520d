"""Document jobs: rendered once per content, refused past 300 pages, idempotent, scoped."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import kombu.exceptions
import pytest
from django.urls import reverse

from documents import services, tasks
from documents.models import DocumentJob, JobStatus
from reviews.models import Report
from reviews.services import reports
from tests.factories import MembershipFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def _request(member, report, capture):
    with capture(execute=True):
        job = services.request_document(kind="report", object_id=report.pk, user=member)
    # The task ran (eagerly) after the service returned.
    job.refresh_from_db()
    return job


def _first_text_key(report: Report) -> str:
    form = reports.report_ruleset(report).form_for_class(report.subject.subject_class)
    return next(s.key for s in form.sections if s.kind == "text")


def _pdf_files(media_root: Path) -> list[Path]:
    return sorted((media_root / "documents").glob("*"))


# -- the cache --------------------------------------------------------------------------------


def test_request_document_does_render_once_when_asked_twice_without_changes(
    member, member_report, renders, media_root, django_capture_on_commit_callbacks
):
    first = _request(member, member_report, django_capture_on_commit_callbacks)
    second = _request(member, member_report, django_capture_on_commit_callbacks)

    assert second.pk == first.pk
    assert DocumentJob.objects.count() == 1
    assert renders[("report", member_report.pk)] == 1
    first.refresh_from_db()
    assert (first.status, first.progress) == (JobStatus.DONE, 100)
    assert first.pages >= 1
    assert first.file.name == f"documents/{first.fingerprint}.pdf"
    assert _pdf_files(media_root) == [media_root / first.file.name]


def test_request_document_does_render_again_when_the_report_changes(
    member, member_report, renders, media_root, django_capture_on_commit_callbacks
):
    before = _request(member, member_report, django_capture_on_commit_callbacks)
    key = _first_text_key(member_report)
    reports.save_report_draft(
        report_id=member_report.pk,
        user=member,
        base_version=member_report.version,
        changes={"sections": {key: "Đã hoàn thành tốt nhiệm vụ được giao."}},
    )
    after = _request(member, member_report, django_capture_on_commit_callbacks)

    assert after.pk != before.pk
    assert after.fingerprint != before.fingerprint
    assert renders[("report", member_report.pk)] == 2
    assert len(_pdf_files(media_root)) == 2


def test_request_document_does_not_render_again_when_a_save_changes_nothing_shown(
    member, member_report, renders, django_capture_on_commit_callbacks
):
    before = _request(member, member_report, django_capture_on_commit_callbacks)
    # An autosave that stores nothing the PDF shows bumps the version, not the content.
    reports.save_report_draft(
        report_id=member_report.pk,
        user=member,
        base_version=member_report.version,
        changes={"sections": {"not-a-section-of-the-form": "…"}},
    )
    after = _request(member, member_report, django_capture_on_commit_callbacks)

    assert after.pk == before.pk
    assert renders[("report", member_report.pk)] == 1


def test_request_document_does_render_again_when_the_subject_is_renamed(
    member, member_report, renders, django_capture_on_commit_callbacks
):
    # Not a field of the report: the fingerprint follows what the PDF shows.
    before = _request(member, member_report, django_capture_on_commit_callbacks)
    member.person.full_name = "Nguyễn Thị Ánh Tuyết"
    member.person.save()
    after = _request(member, member_report, django_capture_on_commit_callbacks)

    assert after.fingerprint != before.fingerprint
    assert renders[("report", member_report.pk)] == 2


def test_request_document_does_render_again_when_the_file_was_lost(
    member, member_report, renders, media_root, django_capture_on_commit_callbacks
):
    job = _request(member, member_report, django_capture_on_commit_callbacks)
    (media_root / job.file.name).unlink()

    again = _request(member, member_report, django_capture_on_commit_callbacks)

    assert again.pk == job.pk
    assert renders[("report", member_report.pk)] == 2
    assert (media_root / job.file.name).exists()


# -- the 300-page limit -----------------------------------------------------------------------


def test_request_document_rejects_documents_estimated_over_300_pages(
    member, fake_kind, django_capture_on_commit_callbacks
):
    rendered = []
    fake_kind(
        "huge",
        render=lambda object_id: rendered.append(object_id) or b"",
        page_estimate=lambda object_id: 301,
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = services.request_document(kind="huge", object_id=7, user=member)

    assert job.status == JobStatus.REFUSED
    assert job.error == (
        "Tài liệu dự kiến hơn 300 trang. Hãy chia nhỏ theo đơn vị hoặc dùng bản Excel."
    )
    assert callbacks == [] and rendered == []


def test_request_document_does_accept_an_estimate_of_exactly_300_pages(
    member, fake_kind, django_capture_on_commit_callbacks
):
    fake_kind("long", page_estimate=lambda object_id: 300)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.request_document(kind="long", object_id=7, user=member)

    job.refresh_from_db()
    assert job.status == JobStatus.DONE


def test_render_job_rejects_a_pdf_that_turns_out_over_300_pages(
    member, fake_kind, media_root, django_capture_on_commit_callbacks
):
    fake_kind("surprise", render=lambda object_id: b"%PDF-1.7\n" + b"<</Type /Page>>\n" * 301)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.request_document(kind="surprise", object_id=1, user=member)

    job.refresh_from_db()
    assert job.status == JobStatus.REFUSED
    assert "301 trang" in job.error
    assert not (media_root / "documents").exists() or _pdf_files(media_root) == []


# -- file formats -----------------------------------------------------------------------------


def test_render_job_does_store_a_spreadsheet_without_counting_pages(
    member, client, fake_kind, media_root, django_capture_on_commit_callbacks
):
    # A workbook that happens to contain the bytes of a page object is not a PDF: no count.
    content = b"PK\x03\x04 <</Type /Page>> " * 400
    fake_kind(
        "sheet",
        render=lambda object_id: content,
        filename=lambda object_id: f"bang-{object_id}.xlsx",
        file_format="xlsx",
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = services.request_document(kind="sheet", object_id=3, user=member)

    job.refresh_from_db()
    assert (job.status, job.pages) == (JobStatus.DONE, 0)
    assert job.file.name == f"documents/{job.fingerprint}.xlsx"
    client.force_login(member)
    page = client.get(reverse("documents:job", args=[job.pk])).content.decode()
    assert "Tải về (Excel)" in page and "trang" not in page.split("job-download")[1][:200]
    response = client.get(reverse("documents:job_download", args=[job.pk]))
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="bang-3.xlsx"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == content


def test_register_does_refuse_an_unknown_file_format(fake_kind):
    with pytest.raises(ValueError, match="unknown file format 'docx'"):
        fake_kind("letter", file_format="docx")


# -- the task ---------------------------------------------------------------------------------


def test_render_document_does_one_render_and_one_file_when_delivered_twice(
    member, member_report, renders, media_root, django_capture_on_commit_callbacks
):
    # Queued, not yet published (the callback is captured but not run).
    with django_capture_on_commit_callbacks(execute=False):
        job = services.request_document(kind="report", object_id=member_report.pk, user=member)

    tasks.render_document.apply(args=[job.pk])
    tasks.render_document.apply(args=[job.pk])

    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert renders[("report", member_report.pk)] == 1
    assert _pdf_files(media_root) == [media_root / job.file.name]


def test_render_document_does_finish_a_job_left_running_by_a_lost_worker(
    member, member_report, renders, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        job = services.request_document(kind="report", object_id=member_report.pk, user=member)
    # A first delivery died mid-render and left its part file behind.
    DocumentJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, progress=10)
    (media_root / "documents").mkdir(parents=True)
    (media_root / "documents" / f".{job.fingerprint}.x.part").write_bytes(b"%PDF-1.7\n")

    tasks.render_document.apply(args=[job.pk])

    job.refresh_from_db()
    assert (job.status, job.progress) == (JobStatus.DONE, 100)
    final = [p for p in _pdf_files(media_root) if not p.name.startswith(".")]
    assert final == [media_root / job.file.name]
    assert (media_root / job.file.name).read_bytes().startswith(b"%PDF")


def test_render_job_does_fail_with_a_vietnamese_message_when_the_renderer_breaks(
    member, fake_kind, django_capture_on_commit_callbacks
):
    def broken(object_id: int) -> bytes:
        raise RuntimeError("pango exploded")

    fake_kind("broken", render=broken)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.request_document(kind="broken", object_id=1, user=member)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("Không tạo được tài liệu.")


def test_request_document_does_keep_serving_when_the_broker_is_down_and_retries_later(
    member, member_report, monkeypatch, django_capture_on_commit_callbacks
):
    def unreachable(*args, **kwargs):
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379.")

    with monkeypatch.context() as patched:
        patched.setattr(tasks.render_document, "apply_async", unreachable)
        job = _request(member, member_report, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == services.NOT_SENT

    # Asking again (the "Try again" button) once the broker is back renders it.
    again = _request(member, member_report, django_capture_on_commit_callbacks)
    again.refresh_from_db()
    assert (again.pk, again.status) == (job.pk, JobStatus.DONE)


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="needs poppler-utils")
def test_count_pdf_pages_does_agree_with_pdfinfo_on_a_weasyprint_pdf(tmp_path):
    import weasyprint

    html = "".join(f'<p class="p">Trang {n}</p>' for n in range(5))
    css = weasyprint.CSS(string=".p { break-after: page; }")
    pdf = weasyprint.HTML(string=html).write_pdf(stylesheets=[css])
    path = tmp_path / "five.pdf"
    path.write_bytes(pdf)
    command = [shutil.which("pdfinfo"), str(path)]
    info = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
    assert services.count_pdf_pages(pdf) == int(re.search(r"Pages:\s+(\d+)", info).group(1))


# -- the views and who may use them -----------------------------------------------------------


@pytest.fixture
def done_job(member, member_report, django_capture_on_commit_callbacks):
    job = _request(member, member_report, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    return job


@pytest.fixture
def other_cell_member(tree):
    """A party member of chi bộ B: a colleague in the same district, not of this report."""
    user = UserFactory(username="member_b")
    MembershipFactory(person=PersonFactory(user=user), unit=tree.cell_b)
    return user


def _job_urls(job: DocumentJob) -> list[str]:
    return [
        reverse("documents:job", args=[job.pk]),
        reverse("documents:job_progress", args=[job.pk]),
        reverse("documents:job_download", args=[job.pk]),
    ]


def test_document_views_do_serve_the_report_owner(client, member, done_job):
    client.force_login(member)
    page, fragment, download = (client.get(url) for url in _job_urls(done_job))

    assert page.status_code == 200
    assert reverse("documents:job_download", args=[done_job.pk]) in page.content.decode()
    assert fragment.status_code == 200 and "hx-trigger" not in fragment.content.decode()
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == (
        f'attachment; filename="ban-kiem-diem-{done_job.object_id}.pdf"'
    )
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_request_view_does_redirect_to_the_job_page(
    client, member, member_report, django_capture_on_commit_callbacks
):
    client.force_login(member)
    url = reverse("documents:request", args=["report", member_report.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)

    job = DocumentJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:job", args=[job.pk])
    assert client.get(url).status_code == 405


def test_job_page_does_link_back_to_the_page_it_was_asked_from(
    client, member, member_report, fake_kind, django_capture_on_commit_callbacks
):
    fake_kind("nowhere")
    with django_capture_on_commit_callbacks(execute=False):
        report_job = services.request_document(
            kind="report", object_id=member_report.pk, user=member
        )
        other_job = services.request_document(kind="nowhere", object_id=1, user=member)
    client.force_login(member)

    page = client.get(reverse("documents:job", args=[report_job.pk])).content.decode()
    back = reverse("reviews:report_detail", args=[member_report.pk])
    assert f'href="{back}" data-testid="job-source"' in page
    page = client.get(reverse("documents:job", args=[other_job.pk])).content.decode()
    assert "job-source" not in page


def test_progress_fragment_does_poll_while_the_job_is_queued(
    client, member, member_report, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        job = services.request_document(kind="report", object_id=member_report.pk, user=member)
    client.force_login(member)

    html = client.get(reverse("documents:job_progress", args=[job.pk])).content.decode()

    assert 'hx-trigger="every 1s"' in html
    assert reverse("documents:job_progress", args=[job.pk]) in html
    assert "<progress" in html and "style=" not in html
    assert client.get(reverse("documents:job_download", args=[job.pk])).status_code == 404


@pytest.mark.parametrize("persona", ["outsider", "other_cell_member"])
def test_document_views_reject_users_who_cannot_see_the_report(
    client, request, persona, done_job, member_report
):
    client.force_login(request.getfixturevalue(persona))

    for url in _job_urls(done_job):
        assert client.get(url).status_code == 404, url
    url = reverse("documents:request", args=["report", member_report.pk])
    assert client.post(url).status_code == 404
    assert DocumentJob.objects.count() == 1


def test_document_views_do_serve_the_secretary_of_the_unit(client, secretary, done_job):
    client.force_login(secretary)
    assert [client.get(url).status_code for url in _job_urls(done_job)] == [200, 200, 200]


def test_document_views_reject_anonymous_users_to_the_login_page(client, done_job):
    for url in _job_urls(done_job):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_request_view_rejects_an_unknown_kind(client, member):
    client.force_login(member)
    url = reverse("documents:request", args=["no-such-kind", 1])
    assert client.post(url).status_code == 404
