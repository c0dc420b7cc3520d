"""The list of a unit's rating file for a period (Mẫu 04, "Danh mục hồ sơ", HD 43), which the
unit sends up with the file by the records deadline (01/02): the documents the system holds for
the unit, by kind, each with its count and one line per document. It is issued by the unit and
signed by its secretary; the wording is fixed Vietnamese; the template runs no queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from orgunits.models import OrgUnit
from reviews.documents import party_header, render_pdf, vn_date
from reviews.models import ReportStatus, ReviewPeriod, Subject

from .decision_documents import _period_phrase
from .exports.report import _signer
from .models import BallotRound, Decision, Meeting, Rating, Rerating
from .models.appraisal import DecisionStatus
from .models.ballots import RoundStatus

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"]
HANDED_IN = (ReportStatus.SUBMITTED,)
ROUND_KINDS = {
    "rating": "đánh giá, xếp loại",
    "opinion_poll": "thăm dò ý kiến",
    "confidence": "lấy phiếu tín nhiệm",
}


def render_records_list_pdf(period: ReviewPeriod, unit: OrgUnit, *, place: str = "") -> bytes:
    return render_pdf(
        "documents/records_list.html", records_list_context(period, unit, place=place)
    )


def _section(title: str, rows: list[dict[str, str]], note: str = "") -> dict[str, Any]:
    return {"title": title, "rows": rows, "count": len(rows), "note": note}


def _reports(period: ReviewPeriod, unit: OrgUnit) -> list[dict[str, Any]]:
    subjects = list(
        Subject.objects.filter(period=period, unit=unit)
        .exclude(report=None)
        .select_related("report", "person")
        .order_by(
            F("person").asc(nulls_first=True), "person__given_name", "person__full_name", "pk"
        )
    )
    collective = [s for s in subjects if s.person_id is None]
    sections = []
    if collective:
        rows = [
            {"text": f"Báo cáo kiểm điểm của {unit.name}", "note": "Mẫu " + s.report.form_code}
            for s in collective
            if s.report.status in HANDED_IN
        ]
        missing = len(collective) - len(rows)
        note = f"còn {missing} báo cáo chưa nộp" if missing else ""
        sections.append(_section("Báo cáo kiểm điểm của tập thể", rows, note))
    by_form: dict[str, list[Subject]] = defaultdict(list)
    for subject in subjects:
        if subject.person_id is not None:
            by_form[subject.report.form_code].append(subject)
    for form in sorted(by_form):
        people = by_form[form]
        rows = [
            {"text": f"Bản kiểm điểm của đồng chí {s.person.full_name}", "note": ""}
            for s in people
            if s.report.status in HANDED_IN
        ]
        missing = len(people) - len(rows)
        note = f"còn {missing} bản chưa nộp" if missing else ""
        sections.append(_section(f"Bản kiểm điểm cá nhân (Mẫu {form})", rows, note))
    return sections


def _meetings(period: ReviewPeriod, unit: OrgUnit) -> list[dict[str, Any]]:
    meetings = list(Meeting.objects.filter(period=period, unit=unit).order_by("starts_on", "pk"))
    minutes = [
        {"text": f"Biên bản {m.title} ({_days(m.starts_on, m.ends_on)})", "note": ""}
        for m in meetings
    ]
    rounds = BallotRound.objects.filter(
        meeting__in=meetings, status=RoundStatus.CLOSED
    ).select_related("meeting")
    counts = [
        {
            "text": f"Biên bản kiểm phiếu {ROUND_KINDS.get(r.kind, '')} lần {r.number} "
            f"({r.meeting.title})",
            "note": "",
        }
        for r in rounds.order_by("meeting__starts_on", "meeting_id", "number")
    ]
    return [
        _section("Biên bản hội nghị kiểm điểm", minutes),
        _section("Biên bản kiểm phiếu", counts),
    ]


def _days(first: dt.date, last: dt.date) -> str:
    if first == last:
        return f"ngày {first:%d/%m/%Y}"
    return f"từ ngày {first:%d/%m/%Y} đến ngày {last:%d/%m/%Y}"


def _decisions(period: ReviewPeriod, unit: OrgUnit) -> list[dict[str, Any]]:
    # The decisions on this unit, and those of a level above that recognise its subjects.
    rated_here = Rating.objects.filter(subject__period=period, subject__unit=unit)
    decisions = Decision.objects.filter(
        Q(period=period, unit=unit) | Q(pk__in=rated_here.values("decision_id"))
    ).exclude(status=DecisionStatus.CANCELLED)
    recognised = [
        {"text": f"Quyết định {_numbered(d.number)}{vn_date(d.decided_on)}", "note": ""}
        for d in decisions.order_by("decided_on", "pk")
    ]
    reratings = Rerating.objects.filter(
        rating__subject__period=period, rating__subject__unit=unit
    ).order_by("decided_on", "pk")
    redone = [
        {"text": f"Quyết định {_numbered(r.number)}{vn_date(r.decided_on)}", "note": "Mẫu 03"}
        for r in reratings
    ]
    return [
        _section("Quyết định công nhận kết quả xếp loại chất lượng", recognised),
        _section("Quyết định đánh giá, xếp loại lại", redone),
    ]


def _numbered(number: str) -> str:
    return f"số {number} " if number else ""


def records_list_context(
    period: ReviewPeriod, unit: OrgUnit, *, place: str = "", day: dt.date | None = None
) -> dict[str, Any]:
    """Everything the Mẫu 04 template shows, loaded up front. Kinds with no document are
    listed with 0, so the reader sees what the file lacks."""
    parent = OrgUnit.objects.get_parent(unit)
    sections = [*_reports(period, unit), *_meetings(period, unit), *_decisions(period, unit)]
    for index, section in enumerate(sections):
        section["roman"] = ROMAN[index]
    recipients = [f"{parent.name} (để báo cáo),"] if parent is not None else []
    recipients.append("Lưu.")
    return {
        "header": party_header(unit, parent=parent, place=place, day=None),
        "unit_name": unit.name,
        "period_phrase": _period_phrase(period),
        "sections": sections,
        "total": sum(s["count"] for s in sections),
        "recipients": recipients,
        "signer": _signer(unit, day or timezone.localdate()),
    }
