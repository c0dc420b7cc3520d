"""The web benchmark: its baseline view is routed only under the benchmark's settings, its
set-up gives every persona a page that answers, and wrk's figures are read back."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Sum
from django.test import override_settings
from django.urls import Resolver404, resolve

from orgunits.models import OrgUnit
from ratings.management.commands.bench_web import PAGES, parse_wrk, prepare
from reviews.models import PeriodStatus, Report, ReportCount, ReportStatus, ReviewPeriod

pytestmark = pytest.mark.django_db


def test_bench_web_bare_view_is_not_routed_in_production():
    with pytest.raises(Resolver404):
        resolve("/bench/bare/", urlconf="config.urls")
    assert resolve("/bench/bare/", urlconf="config.bench_urls").url_name == "bench_bare"


def test_bench_web_production_settings_do_route_production_urls_only():
    # Read, not imported: importing production settings again would rebuild the shared
    # DATABASES of the running tests.
    settings_dir = Path(settings.BASE_DIR) / "config" / "settings"
    for name in ("base.py", "production.py"):
        source = (settings_dir / name).read_text()
        assert "bench" not in source
    assert 'ROOT_URLCONF = "config.urls"' in (settings_dir / "base.py").read_text()


@override_settings(ROOT_URLCONF="config.bench_urls")
def test_bench_web_bare_view_does_list_twenty_rows(client, tree):
    OrgUnit.objects.add_root(create_kwargs={"code": "X", "name": "X", "kind": "other"})
    response = client.get("/bench/bare/")
    assert response.status_code == 200
    assert response.content.count(b"<tr>") == min(20, OrgUnit.objects.count())


@override_settings(ROOT_URLCONF="config.bench_urls")
def test_bench_web_prepare_does_give_each_persona_a_page_that_answers(client, django_user_model):
    call_command(
        "generate_province",
        people=600,
        units=40,
        seed=3,
        year=2026,
        code="BW",
        stdout=io.StringIO(),
    )
    data = prepare(code="BW", people=600, units=40)
    period = ReviewPeriod.objects.get(scope__code="BW")
    # The generator's COPY of reports fired the triggers that keep the progress counts.
    individual = Report.objects.filter(subject__period=period, subject__person__isnull=False)
    kept = ReportCount.objects.filter(period=period).aggregate(n=Sum("n"))["n"]
    assert kept == individual.count() > 0
    assert period.status == PeriodStatus.OPEN
    report_pk = int(data["urls"]["report_editor"].split("/")[2])
    assert Report.objects.get(pk=report_pk).status == ReportStatus.DRAFTING
    for page, persona, _title in PAGES:
        client.force_login(
            django_user_model.objects.get(username=data["logins"][persona]["username"])
        )
        response = client.get(data["urls"][page])
        assert response.status_code == 200, page
    # A second run reuses what the first made.
    again = prepare(code="BW", people=600, units=40)
    assert again["urls"] == data["urls"]


def test_bench_web_parse_wrk_does_read_the_script_line():
    output = (
        "Running 1s test\n"
        'BENCH_JSON {"requests": 300, "duration_us": 2000000, "non200": 2, "connect_errors": 0,'
        ' "read_errors": 1, "write_errors": 0, "timeouts": 3, "p50_us": 150000,'
        ' "p95_us": 250000, "p99_us": 270000, "max_us": 300000}\n'
    )
    result = parse_wrk("home", 1, output, (1.0, 2.0))
    assert result.rps == 150
    assert (result.p50_ms, result.p95_ms, result.p99_ms) == (150, 250, 270)
    assert result.errors == 6
