"""A member asks for their report's PDF, watches the job's progress and downloads it.

The web enqueues the render; here the test plays the worker: publishing is intercepted (a
busy queue), the page is seen waiting and polling, then the job is run as a worker would run it
and the page, without a reload, offers the download.
"""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import expect

from documents import tasks
from documents.models import DocumentJob, JobStatus

pytestmark = pytest.mark.django_db(transaction=True)


def test_member_requests_watches_and_downloads_the_report_pdf(
    page,
    live_server,
    member,
    member_report,
    console_errors,
    login,
    monkeypatch,
    settings,
    tmp_path,
    screenshot,
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    queue: list[int] = []
    monkeypatch.setattr(
        tasks.render_document, "apply_async", lambda args, **options: queue.append(args[0])
    )
    login("member")

    page.goto(f"{live_server.url}/reports/{member_report.pk}/")
    page.get_by_test_id("report-pdf-link").click()

    # The progress page, waiting for a worker and polling.
    job = DocumentJob.objects.get(kind="report", object_id=member_report.pk)
    expect(page).to_have_url(re.compile(rf"/documents/jobs/{job.pk}/$"))
    progress = page.get_by_test_id("job-progress")
    expect(progress).to_have_attribute("data-status", "queued")
    expect(progress.locator("progress")).to_be_visible()
    expect(page.get_by_test_id("job-download")).to_have_count(0)
    screenshot("document-job-queued")
    with page.expect_response(re.compile(rf"/documents/jobs/{job.pk}/progress/$")):
        pass  # at least one poll happens while the job waits
    assert queue == [job.pk]

    # A worker takes the job; the page notices by itself.
    tasks.render_document.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    expect(progress).to_have_attribute("data-status", "done", timeout=10_000)
    screenshot("document-job-done")

    with page.expect_download() as download_info:
        page.get_by_test_id("job-download").click()
    download = download_info.value
    assert download.suggested_filename == f"ban-kiem-diem-{member_report.pk}.pdf"
    pdf = tmp_path / "report.pdf"
    download.save_as(pdf)
    text = subprocess.run(  # noqa: S603 - a fixed local tool on a file we wrote
        ["/usr/bin/pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert member.person.full_name in " ".join(text.split())

    # Asking again for unchanged content goes straight to the finished job.
    page.goto(f"{live_server.url}/reports/{member_report.pk}/")
    page.get_by_test_id("report-pdf-link").click()
    expect(page.get_by_test_id("job-download")).to_be_visible()
    assert queue == [job.pk]
    assert DocumentJob.objects.count() == 1
