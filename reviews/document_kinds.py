"""The report PDF as a kind of the documents app (registered in ReviewsConfig.ready()).

The fingerprint hashes the report's HTML as the PDF template renders it (plus the renderer's
version) rather than a list of fields: the report's text and version, the subject's name,
memberships and unit, the period, the rule set, the suggestions and carried-forward remediation
items all end up in that HTML, so any change that alters the PDF alters the fingerprint, and
autosaves that change nothing visible do not. Rendering the HTML costs a few queries and
milliseconds; rendering the PDF costs about a second, in a worker.
"""

from __future__ import annotations

import hashlib
from importlib.metadata import version
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse

from . import selectors
from .documents import render_report_pdf, report_context
from .models import Report

TEMPLATE = "documents/report.html"


def render(report_id: int) -> bytes:
    return render_report_pdf(Report.objects.get(pk=report_id))


def fingerprint(report_id: int) -> str:
    html = render_to_string(TEMPLATE, report_context(Report.objects.get(pk=report_id)))
    digest = hashlib.sha256(html.encode())
    digest.update(f"\0weasyprint {version('weasyprint')}".encode())
    return digest.hexdigest()


def filename(report_id: int) -> str:
    # As the inline PDF view names it.
    return f"ban-kiem-diem-{report_id}.pdf"


def source_url(report_id: int) -> str:
    return reverse("reviews:report_detail", args=[report_id])


def can_access(user: Any, report_id: int) -> bool:
    return selectors.reports_visible_to(user).filter(pk=report_id).exists()


def examples(count: int) -> list[int]:
    # The most edited reports first: the longest documents there are.
    return list(Report.objects.order_by("-version", "pk").values_list("pk", flat=True)[:count])


def register() -> None:
    from documents import registry

    registry.register(
        "report",
        render=render,
        source_fingerprint=fingerprint,
        filename=filename,
        can_access=can_access,
        examples=examples,
        source_url=source_url,
    )
