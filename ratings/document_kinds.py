"""The meeting minutes, counting minutes, decision, summary and dossier PDFs, and the summary's
Excel and CSV exports (ratings.export_kinds), as kinds of the documents app, so workers render
them (registered in RatingsConfig.ready()).

As for the report (reviews.document_kinds), the fingerprint hashes the HTML the PDF template
renders, so any change that alters the document alters it and nothing else does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse

from . import export_kinds, permissions, selectors
from .decision_documents import decision_context, render_decision_pdf
from .documents import (
    counting_minutes_context,
    meeting_minutes_context,
    render_counting_minutes_pdf,
    render_meeting_minutes_pdf,
)
from .export_kinds import summary_file_name
from .models import BallotRound, Decision, Meeting, Rerating, SummaryNarrative
from .records_documents import records_list_context, render_records_list_pdf
from .rerating_documents import render_rerating_pdf, rerating_context


def _fingerprint(template: str, context: dict[str, Any]) -> str:
    digest = hashlib.sha256(render_to_string(template, context).encode())
    digest.update(f"\0weasyprint {version('weasyprint')}".encode())
    return digest.hexdigest()


def _meeting_access(user: Any, meeting_id: int) -> bool:
    meeting = selectors.meetings_visible_to(user).filter(pk=meeting_id).first()
    return meeting is not None and permissions.can_download_minutes(user, meeting)


def _round_access(user: Any, round_id: int) -> bool:
    ballot_round = selectors.rounds_visible_to(user).filter(pk=round_id).first()
    # No figure exists before close, so neither do the minutes.
    return (
        ballot_round is not None
        and ballot_round.status == "closed"
        and permissions.can_download_minutes(user, ballot_round.meeting)
    )


def _decision_access(user: Any, decision_id: int) -> bool:
    return selectors.decisions_visible_to(user).filter(pk=decision_id).exists()


def _rerating_access(user: Any, rerating_id: int) -> bool:
    decision_id = (
        Rerating.objects.filter(pk=rerating_id)
        .values_list("rating__decision_id", flat=True)
        .first()
    )
    return decision_id is not None and _decision_access(user, decision_id)


def _summary_of(narrative_id: int):
    from . import summary

    narrative = SummaryNarrative.objects.select_related("period", "unit").get(pk=narrative_id)
    return summary.summary(narrative.period, narrative.unit, kht_limit=50)


def _period_unit(narrative_id: int):
    narrative = SummaryNarrative.objects.select_related("period", "unit").get(pk=narrative_id)
    return narrative.period, narrative.unit


def _summary_render(narrative_id: int) -> bytes:
    from .exports import render_summary_pdf

    return render_summary_pdf(_summary_of(narrative_id))


def _summary_fingerprint(narrative_id: int) -> str:
    from .exports import summary_report_context

    return _fingerprint(
        "documents/summary_report.html", summary_report_context(_summary_of(narrative_id))
    )


def _summary_access(user: Any, narrative_id: int) -> bool:
    from orgunits.selectors import units_visible_to

    from .views.reports import can_view_summary

    narrative = SummaryNarrative.objects.select_related("unit").filter(pk=narrative_id).first()
    return (
        narrative is not None
        and units_visible_to(user).filter(pk=narrative.unit_id).exists()
        and can_view_summary(user, narrative.unit)
    )


def _summary_url(narrative_id: int) -> str:
    narrative = SummaryNarrative.objects.get(pk=narrative_id)
    return reverse("ratings:summary", args=[narrative.period_id, narrative.unit_id])


def _round_url(round_id: int) -> str:
    meeting_id = BallotRound.objects.values_list("meeting_id", flat=True).get(pk=round_id)
    return reverse("ratings:meeting_detail", args=[meeting_id])


def _dossier_scope(scope_id: int):
    from .models import DossierScope

    return DossierScope.objects.select_related("person").get(pk=scope_id)


def _dossier_render(scope_id: int) -> bytes:
    # Rendering a dossier archives it: the worker keeps the copy it hands out, with both
    # checksums (a redelivered task archives the same content again, which is harmless).
    from .exports import archive_dossier

    scope = _dossier_scope(scope_id)
    archive = archive_dossier(person=scope.person, user=None, scope=scope)
    with archive.file.open("rb") as handle:
        return handle.read()


def _dossier_fingerprint(scope_id: int) -> str:
    from .exports import content_checksum, dossier_context

    scope = _dossier_scope(scope_id)
    return content_checksum(dossier_context(scope.person, within=scope.within))


def _dossier_access(user: Any, scope_id: int) -> bool:
    """Those who may read the person's dossier, and only of a scope theirs covers."""
    from orgunits.selectors import people_visible_to

    from .models import DossierScope
    from .views.reports import can_view_dossier, dossier_scope_of

    scope = DossierScope.objects.filter(pk=scope_id).first()
    if scope is None:
        return False
    person = people_visible_to(user).filter(pk=scope.person_id).first()
    if person is None or not can_view_dossier(user, person):
        return False
    return selectors.scope_covers(dossier_scope_of(user, person), scope.within)


KINDS: dict[str, dict[str, Callable]] = {
    # The last three years of a person's reviews (hồ sơ) at the sites of one DossierScope,
    # archived when rendered. (Keyed by the scope; the kind "dossier" was keyed by person.)
    "scoped_dossier": {
        "render": _dossier_render,
        "source_fingerprint": _dossier_fingerprint,
        "filename": lambda pk: f"ho-so-{_dossier_scope(pk).person_id}.pdf",
        "can_access": _dossier_access,
        "source_url": lambda pk: reverse("ratings:dossier", args=[_dossier_scope(pk).person_id]),
    },
    # The summary report of a (period, unit), keyed by the row holding its narrative text.
    "summary": {
        "render": _summary_render,
        "source_fingerprint": _summary_fingerprint,
        "filename": lambda pk: summary_file_name(
            SummaryNarrative.objects.select_related("period", "unit").get(pk=pk),
            "pdf",
            prefix="bao-cao-tong-hop",
        ),
        "can_access": _summary_access,
        "source_url": _summary_url,
    },
    "meeting_minutes": {
        "render": lambda pk: render_meeting_minutes_pdf(Meeting.objects.get(pk=pk)),
        "source_fingerprint": lambda pk: _fingerprint(
            "documents/meeting_minutes.html", meeting_minutes_context(Meeting.objects.get(pk=pk))
        ),
        "filename": lambda pk: f"bien-ban-hoi-nghi-{pk}.pdf",
        "can_access": _meeting_access,
        "source_url": lambda pk: reverse("ratings:meeting_detail", args=[pk]),
    },
    "counting_minutes": {
        "render": lambda pk: render_counting_minutes_pdf(BallotRound.objects.get(pk=pk)),
        "source_fingerprint": lambda pk: _fingerprint(
            "documents/counting_minutes.html",
            counting_minutes_context(BallotRound.objects.get(pk=pk)),
        ),
        "filename": lambda pk: f"bien-ban-kiem-phieu-{pk}.pdf",
        "can_access": _round_access,
        "source_url": _round_url,
    },
    "decision": {
        "render": lambda pk: render_decision_pdf(Decision.objects.get(pk=pk)),
        "source_fingerprint": lambda pk: _fingerprint(
            "documents/decision.html", decision_context(Decision.objects.get(pk=pk))
        ),
        "filename": lambda pk: f"quyet-dinh-{pk}.pdf",
        "can_access": _decision_access,
        "source_url": lambda pk: reverse("ratings:decision_detail", args=[pk]),
    },
    # Mẫu 03: the decision that cancels one decided level and sets the new one (QĐ 366 Art. 15(3)).
    "rerating_decision": {
        "render": lambda pk: render_rerating_pdf(Rerating.objects.get(pk=pk)),
        "source_fingerprint": lambda pk: _fingerprint(
            "documents/rerating_decision.html", rerating_context(Rerating.objects.get(pk=pk))
        ),
        "filename": lambda pk: f"quyet-dinh-xep-loai-lai-{pk}.pdf",
        "can_access": _rerating_access,
        "source_url": lambda pk: reverse(
            "ratings:rating_file",
            args=[Rerating.objects.values_list("rating_id", flat=True).get(pk=pk)],
        ),
    },
    # Mẫu 04: the list of a unit's rating file for a period, keyed like the summary by the
    # row of its (period, unit); readable by those who read the summary.
    "records_list": {
        "render": lambda pk: render_records_list_pdf(*_period_unit(pk)),
        "source_fingerprint": lambda pk: _fingerprint(
            "documents/records_list.html", records_list_context(*_period_unit(pk))
        ),
        "filename": lambda pk: summary_file_name(
            SummaryNarrative.objects.select_related("period", "unit").get(pk=pk),
            "pdf",
            prefix="danh-muc-ho-so",
        ),
        "can_access": _summary_access,
        "source_url": lambda pk: reverse(
            "reviews:period_unit", args=[_period_unit(pk)[0].pk, _period_unit(pk)[1].pk]
        ),
    },
}


# The Excel and CSV exports of the summary, written by workers too.
KINDS.update(export_kinds.kinds(can_access=_summary_access, source_url=_summary_url))


def register() -> None:
    from documents import registry

    for kind, functions in KINDS.items():
        registry.register(kind, **functions)
