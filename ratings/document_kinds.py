"""The meeting minutes, counting minutes and decision PDFs as kinds of the documents app, so
workers render them (registered in RatingsConfig.ready()).

As for the report (reviews.document_kinds), the fingerprint hashes the HTML the PDF template
renders, so any change that alters the document alters it and nothing else does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

from django.template.loader import render_to_string

from . import permissions, selectors
from .decision_documents import decision_context, render_decision_pdf
from .documents import (
    counting_minutes_context,
    meeting_minutes_context,
    render_counting_minutes_pdf,
    render_meeting_minutes_pdf,
)
from .models import BallotRound, Decision, Meeting


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


KINDS: dict[str, dict[str, Callable]] = {
    "meeting_minutes": {
        "render": lambda pk: render_meeting_minutes_pdf(Meeting.objects.get(pk=pk)),
        "source_fingerprint": lambda pk: _fingerprint(
            "documents/meeting_minutes.html", meeting_minutes_context(Meeting.objects.get(pk=pk))
        ),
        "filename": lambda pk: f"bien-ban-hoi-nghi-{pk}.pdf",
        "can_access": _meeting_access,
    },
    "counting_minutes": {
        "render": lambda pk: render_counting_minutes_pdf(BallotRound.objects.get(pk=pk)),
        "source_fingerprint": lambda pk: _fingerprint(
            "documents/counting_minutes.html",
            counting_minutes_context(BallotRound.objects.get(pk=pk)),
        ),
        "filename": lambda pk: f"bien-ban-kiem-phieu-{pk}.pdf",
        "can_access": _round_access,
    },
    "decision": {
        "render": lambda pk: render_decision_pdf(Decision.objects.get(pk=pk)),
        "source_fingerprint": lambda pk: _fingerprint(
            "documents/decision.html", decision_context(Decision.objects.get(pk=pk))
        ),
        "filename": lambda pk: f"quyet-dinh-{pk}.pdf",
        "can_access": _decision_access,
    },
}


def register() -> None:
    from documents import registry

    for kind, functions in KINDS.items():
        registry.register(kind, **functions)
