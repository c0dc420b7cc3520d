"""The summary's Excel and CSV exports are written by workers (the documents app): asked for
from the summary page, fetched from the job page, rendered once while nothing changes."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from documents import registry, services
from documents.models import DocumentJob, JobStatus
from orgunits.models import OrgUnit, Person
from ratings import exports, summary
from ratings.models import HistoricalLevel, Rating, RatingStatus, SummaryNarrative
from reviews.models import Subject
from tests.factories import MembershipFactory, PersonFactory

from .test_summary import build_seed, expected_figures

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed(tree, org_officer):
    return build_seed(tree, org_officer)


def _ask(client, name, seed, unit, capture) -> DocumentJob:
    url = reverse(f"ratings:{name}", args=[seed.period.pk, unit.pk])
    with capture(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    job = DocumentJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert response["Location"] == reverse("documents:job", args=[job.pk])
    return job


def _download(client, job):
    response = client.get(reverse("documents:job_download", args=[job.pk]))
    assert response.status_code == 200
    return response, b"".join(response.streaming_content)


def _fingerprint(kind: str, seed, unit) -> str:
    narrative = SummaryNarrative.objects.get(period=seed.period, unit=unit)
    return services.job_fingerprint(registry.get(kind), narrative.pk)


def test_summary_xlsx_view_does_write_the_workbook_in_a_worker(
    seed, client, org_officer, django_capture_on_commit_callbacks
):
    client.force_login(org_officer)
    district = seed.units["district"]
    job = _ask(client, "summary_xlsx", seed, district, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert (job.status, job.pages) == (JobStatus.DONE, 0)
    assert job.file.name == f"documents/{job.fingerprint}.xlsx"
    page = client.get(reverse("documents:job", args=[job.pk])).content.decode()
    back = reverse("ratings:summary", args=[seed.period.pk, district.pk])
    assert f'href="{back}" data-testid="job-source"' in page
    response, body = _download(client, job)
    assert response["Content-Type"] == registry.FORMATS["xlsx"].media_type
    assert f'filename="tong-hop-{seed.period.year}-' in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    want = expected_figures(seed.period, district.path)["members"]
    rows = book[exports.SHEET_NAMES["members"]].iter_rows(min_row=4, values_only=True)
    total = next(row for row in rows if row[1] == "Tổng cộng")
    assert (total[3], total[8]) == (want["total"], want["HTXS"])


def test_summary_csv_view_does_write_utf8_with_a_bom_in_a_worker(
    seed, client, authority, django_capture_on_commit_callbacks
):
    client.force_login(authority)
    district = seed.units["district"]
    job = _ask(client, "summary_csv", seed, district, django_capture_on_commit_callbacks)
    response, body = _download(client, job)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    members = summary.GROUPS[3]
    total = next(
        r for r in rows if r["Nhóm đối tượng"] == members.title and r["Đơn vị"] == "Tổng cộng"
    )
    assert int(total["Tổng số"]) == expected_figures(seed.period, district.path)["members"]["total"]


def test_summary_people_xlsx_view_does_list_every_subject_of_the_subtree(
    seed, client, org_officer, django_capture_on_commit_callbacks
):
    client.force_login(org_officer)
    district = seed.units["district"]
    job = _ask(client, "summary_people_xlsx", seed, district, django_capture_on_commit_callbacks)
    response, body = _download(client, job)
    assert "danh-sach-xep-loai-" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    listed = [row for row in book["Danh sách"].iter_rows(min_row=4, values_only=True) if row[0]]
    subjects = Subject.objects.filter(period=seed.period, unit__path__startswith=district.path)
    assert len(listed) == subjects.count()


def test_summary_export_does_render_once_while_nothing_changes(
    seed, client, org_officer, django_capture_on_commit_callbacks
):
    client.force_login(org_officer)
    district = seed.units["district"]
    first = _ask(client, "summary_xlsx", seed, district, django_capture_on_commit_callbacks)
    second = _ask(client, "summary_xlsx", seed, district, django_capture_on_commit_callbacks)
    assert second.pk == first.pk
    assert DocumentJob.objects.filter(kind="summary_xlsx").count() == 1


def test_summary_export_fingerprint_does_change_when_a_decided_level_changes(seed):
    district = seed.units["district"]
    SummaryNarrative.objects.create(period=seed.period, unit=district)
    before = {kind: _fingerprint(kind, seed, district) for kind in ("summary_xlsx", "summary_csv")}
    rating = Rating.objects.filter(
        subject__period=seed.period,
        subject__unit__path__startswith=district.path,
        subject__person__isnull=False,
        status=RatingStatus.DECIDED,
        level="HTT",
    ).first()
    Rating.objects.filter(pk=rating.pk).update(level="HT")
    after = {kind: _fingerprint(kind, seed, district) for kind in ("summary_xlsx", "summary_csv")}
    assert all(after[kind] != before[kind] for kind in before)


def test_summary_people_export_fingerprint_does_change_when_a_name_changes(seed):
    district = seed.units["district"]
    SummaryNarrative.objects.create(period=seed.period, unit=district)
    before = _fingerprint("summary_people_xlsx", seed, district)
    assert _fingerprint("summary_people_xlsx", seed, district) == before
    person = Person.objects.filter(
        subjects__period=seed.period, subjects__unit__path__startswith=district.path
    ).first()
    Person.objects.filter(pk=person.pk).update(full_name=person.full_name + " Văn")
    assert _fingerprint("summary_people_xlsx", seed, district) != before


def test_summary_export_job_of_another_province_does_answer_404(
    seed, client, outsider, org_officer, django_capture_on_commit_callbacks
):
    client.force_login(org_officer)
    job = _ask(
        client, "summary_csv", seed, seed.units["district"], django_capture_on_commit_callbacks
    )
    client.force_login(outsider)
    assert client.get(reverse("documents:job", args=[job.pk])).status_code == 404
    assert client.get(reverse("documents:job_download", args=[job.pk])).status_code == 404


def test_summary_export_fingerprint_does_change_when_a_kht_reason_changes(seed):
    district = seed.units["district"]
    SummaryNarrative.objects.create(period=seed.period, unit=district)
    before = _fingerprint("summary_xlsx", seed, district)
    rating = Rating.objects.filter(
        subject__period=seed.period, subject__unit__path__startswith=district.path, level="KHT"
    ).first()
    Rating.objects.filter(pk=rating.pk).update(change_reason="Lý do khác của cấp ủy.")
    assert _fingerprint("summary_xlsx", seed, district) != before


def test_summary_export_fingerprint_does_change_when_a_unit_is_renamed(seed):
    district = seed.units["district"]
    SummaryNarrative.objects.create(period=seed.period, unit=district)
    before = _fingerprint("summary_xlsx", seed, district)
    OrgUnit.objects.filter(pk=seed.units["cell_b"].pk).update(name="Chi bộ thôn Tây mới")
    assert _fingerprint("summary_xlsx", seed, district) != before


def test_summary_export_fingerprint_does_change_when_an_imported_level_changes(seed):
    district = seed.units["district"]
    SummaryNarrative.objects.create(period=seed.period, unit=district)
    before = _fingerprint("summary_csv", seed, district)
    level = HistoricalLevel.objects.filter(unit__path__startswith=district.path).first()
    HistoricalLevel.objects.filter(pk=level.pk).update(level="KHT")
    assert _fingerprint("summary_csv", seed, district) != before


def test_summary_people_export_request_does_not_grow_its_queries_with_the_subjects(
    seed, tree, client, org_officer, django_capture_on_commit_callbacks
):
    """Asking for the largest export costs the same statements whatever the number of rows:
    the fingerprint reads counters, the file is computed by the worker."""
    client.force_login(org_officer)
    district = seed.units["district"]
    url = reverse("ratings:summary_people_xlsx", args=[seed.period.pk, district.pk])

    def ask() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.post(url)
        assert response.status_code == 302
        return len(captured.captured_queries)

    def add_subjects(n: int) -> None:
        for index in range(n):
            person = PersonFactory()
            subject = Subject.objects.create(
                period=seed.period, unit=tree.cell_a, person=person, subject_class="non_leader"
            )
            Rating.objects.create(subject=subject, level="HTT", status=RatingStatus.DECIDED)
            if index % 10 == 0:
                MembershipFactory(person=person, unit=tree.cell_b)

    client.post(url)  # the narrative row exists from now on
    add_subjects(1)  # each ask below then finds new content and queues a new job
    first = ask()
    add_subjects(30)
    second = ask()
    assert DocumentJob.objects.filter(kind="summary_people_xlsx").count() == 3
    assert second == first
