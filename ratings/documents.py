"""The meeting's paper trail as PDFs: the counting minutes and the meeting minutes.

Both use the party-document layout of `reviews.documents` (header, dates, rendering). Every
figure is loaded before rendering; the templates run no queries. The wording is fixed
Vietnamese, whatever the UI language.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, Q
from django.utils import timezone

from orgunits.models import Membership, MembershipRole, OrgUnit
from reviews import selectors as review_selectors
from reviews.documents import DOTS, ROLE_TITLES, party_header, render_pdf, vn_date
from reviews.models import PeriodKind, ReviewPeriod, Subject

from .exceptions import RoundNotClosed
from .models import (
    Attendance,
    BallotRound,
    CandidateResult,
    Meeting,
    MeetingKind,
    RoundKind,
    RoundMode,
    RoundStatus,
)
from .services.ballots import results_of
from .services.meetings import meeting_checks
from .tally import BASE_LABELS, RULE_LABELS

MEETING_KINDS = {
    MeetingKind.LEADERSHIP_COLLECTIVE: "Hội nghị tập thể lãnh đạo",
    MeetingKind.PARTY_CELL: "Hội nghị chi bộ",
    MeetingKind.KEY_CADRE_CONFERENCE: "Hội nghị cán bộ chủ chốt",
    MeetingKind.FULL_STAFF_CONFERENCE: "Hội nghị toàn thể cán bộ, công chức, viên chức",
}
ROUND_KINDS = {
    RoundKind.RATING: "Bỏ phiếu kín đề xuất mức xếp loại chất lượng",
    RoundKind.CONFIDENCE: "Lấy phiếu tín nhiệm",
    RoundKind.OPINION_POLL: "Lấy phiếu ý kiến",
}
CHECK_TITLES = {
    "quorum": "Số lượng tham dự",
    "duration": "Thời lượng hội nghị",
    "kind": "Hình thức hội nghị",
}
LOW_CONFIDENCE = "thap"
EXCELLENT, GOOD = "HTXS", "HTT"
QUOTA_BASES = {
    "htt": "số đề xuất mức Hoàn thành tốt nhiệm vụ",
    "htt_or_better": "số đề xuất mức Hoàn thành tốt nhiệm vụ trở lên",
    "headcount": "số người có tên trong phiếu",
}
ROUNDINGS = {"floor": "làm tròn xuống", "ceil": "làm tròn lên", "round_half_up": "làm tròn"}


def render_counting_minutes_pdf(ballot_round: BallotRound, *, place: str = "") -> bytes:
    """The counting minutes (biên bản kiểm phiếu) of a closed round; RoundNotClosed before."""
    return render_pdf(
        "documents/counting_minutes.html", counting_minutes_context(ballot_round, place=place)
    )


def render_meeting_minutes_pdf(meeting: Meeting, *, place: str = "") -> bytes:
    """The minutes (biên bản hội nghị) of a review meeting, with its closed rounds summarised."""
    return render_pdf(
        "documents/meeting_minutes.html", meeting_minutes_context(meeting, place=place)
    )


# -- counting minutes ----------------------------------------------------------------------------


def counting_minutes_context(ballot_round: BallotRound, *, place: str = "") -> dict[str, Any]:
    """Everything the counting minutes show; raises RoundNotClosed unless the round is closed."""
    current = (
        BallotRound.objects.select_related(
            "meeting__period", "meeting__unit", "meeting__chair__person"
        )
        .filter(pk=ballot_round.pk)
        .first()
    )
    if current is None or current.status != RoundStatus.CLOSED:
        raise RoundNotClosed("Chưa có biên bản kiểm phiếu: vòng bỏ phiếu chưa đóng.")
    ballot_round = current
    tally = _tally_of(ballot_round)
    if tally is None:
        raise RoundNotClosed("Chưa có biên bản kiểm phiếu: vòng bỏ phiếu chưa được kiểm.")
    meeting: Meeting = ballot_round.meeting
    ruleset = review_selectors.ruleset_for_unit(meeting.period, meeting.unit)
    results = list(results_of(ballot_round))
    roles = _roles(meeting, [r.candidate.subject for r in results])
    closed_on = timezone.localdate(ballot_round.closed_at) if ballot_round.closed_at else None
    confidence = ballot_round.kind == RoundKind.CONFIDENCE
    options = ballot_round.options
    quorum = Fraction(str(ballot_round.rule.get("quorum", "1/2")))

    rows = []
    for result in results:
        subject = result.candidate.subject
        row = {
            "number": result.candidate.position,
            "name": str(subject),
            "role": _subject_role(subject, roles),
            "counts": [int(result.counts.get(o["code"], 0)) for o in options],
            "proposed": _label(options, result.proposed) or "Không đạt mức nào",
            "computation": _computation_line(result.computation, options, confidence),
        }
        if confidence:
            row.update(_confidence(result, ruleset.confidence_vote))
        rows.append(row)

    context: dict[str, Any] = {
        "header": party_header(
            meeting.unit,
            parent=OrgUnit.objects.get_parent(meeting.unit),
            place=place,
            day=closed_on or meeting.ends_on,
            doc_type="BB",
        ),
        "subject_line": _round_subject(ballot_round, meeting.period),
        "round_number": ballot_round.number,
        "kind": ballot_round.kind,
        "confidence": confidence,
        "meeting_title": meeting.title,
        "unit_name": meeting.unit.name,
        "location": meeting.location or DOTS,
        "time_line": _round_time(ballot_round),
        "mode": "phiếu giấy" if ballot_round.mode == RoundMode.PAPER else "phiếu điện tử",
        "committee": _committee(meeting),
        "tally": tally,
        "quorum": {
            "met": tally.quorum_met,
            "share": _percent(Fraction(tally.present, tally.convened)) if tally.convened else "0%",
            "needed": _fraction(quorum),
        },
        # Level columns are headed by their codes (HTXS, HTT…) with a legend under the table.
        "options": [o["label"] if confidence else o["code"] for o in options],
        "legend": "" if confidence else "; ".join(f"{o['code']}: {o['label']}" for o in options),
        "rows": rows,
        "widths": _column_widths(len(options), confidence),
        "chair": _chair_name(meeting),
        "secretary": meeting.secretary_name,
    }
    if ballot_round.kind == RoundKind.RATING:
        context["quota"] = _quota_check(results, ruleset.quota)
    if confidence:
        context["thresholds"] = {
            "resign": _fraction(ruleset.confidence_vote.low_resign_threshold),
            "dismiss": _fraction(ruleset.confidence_vote.low_dismiss_threshold),
        }
    return context


def _column_widths(options: int, confidence: bool) -> dict[str, str]:
    """TT, name and result columns fixed; the option columns share what is left equally."""
    widths = {"tt": 7, "who": 28, "res": 18 if confidence else 33}
    left = 100 - sum(widths.values())
    return {
        **{key: f"{value}%" for key, value in widths.items()},
        "opt": f"{left / max(options, 1):.2f}%",
    }


def _tally_of(ballot_round: BallotRound):
    try:
        return ballot_round.tally
    except ObjectDoesNotExist:
        return None


def _round_subject(ballot_round: BallotRound, period: ReviewPeriod) -> str:
    return f"{ROUND_KINDS.get(ballot_round.kind, '')} {_period_line(period)}".strip()


def _round_time(ballot_round: BallotRound) -> str:
    opened = timezone.localtime(ballot_round.opened_at) if ballot_round.opened_at else None
    closed = timezone.localtime(ballot_round.closed_at) if ballot_round.closed_at else None
    if opened is None or closed is None:
        return f"từ …… giờ …… đến …… giờ ……, {vn_date(closed.date() if closed else None)}"
    if opened.date() == closed.date():
        return f"từ {_clock(opened)} đến {_clock(closed)}, {vn_date(closed.date())}"
    return (
        f"từ {_clock(opened)}, {vn_date(opened.date())} đến {_clock(closed)}, "
        f"{vn_date(closed.date())}"
    )


def _clock(moment: dt.datetime) -> str:
    return f"{moment.hour:02d} giờ {moment.minute:02d}"


def _committee(meeting: Meeting) -> list[str]:
    members = (
        Attendance.objects.filter(meeting=meeting, is_counting_member=True)
        .select_related("person")
        .order_by("person__given_name", "person__full_name")
    )
    return [a.person.full_name for a in members]


def _label(options: list[dict[str, str]], code: str) -> str:
    return next((o["label"] for o in options if o["code"] == code), code)


def _computation_line(computation: dict, options: list[dict[str, str]], confidence: bool) -> str:
    """'Quá bán, cơ sở tính: số có mặt = 5; cần nhiều hơn 2,5 phiếu; HTT: 4 phiếu → đạt.'"""
    rule = str(computation.get("rule", ""))
    base_name = str(computation.get("base_name", ""))
    base = computation.get("base", 0)
    needed = Fraction(str(computation.get("needed", "0")))
    strict = bool(computation.get("strict", True))
    counts = {str(k): int(v) for k, v in (computation.get("counts") or {}).items()}
    level = computation.get("level")
    order = [o["code"] for o in options]
    comparison = "nhiều hơn" if strict else "ít nhất"
    if confidence:
        low = counts.get(LOW_CONFIDENCE, 0)
        share = Fraction(str(computation.get("low_share", "0")))
        return (
            f"Cơ sở tính: {BASE_LABELS.get(base_name, base_name)} = {base}; phiếu tín nhiệm "
            f"thấp {low}/{base} = {_percent(share)}."
        )
    parts = [
        f"{RULE_LABELS.get(rule, rule).capitalize()}, cơ sở tính: "
        f"{BASE_LABELS.get(base_name, base_name)} = {base}"
    ]
    if rule == "absolute_majority":
        parts.append(f"cần {comparison} {_number(needed)} phiếu")
        if level:
            parts.append(f"{level}: {counts.get(level, 0)} phiếu → đạt")
        else:
            parts.append("không mức nào đạt")
    elif rule == "cumulative":
        parts.append(f"cộng dồn từ mức cao đến khi {comparison} {_number(needed)} phiếu")
        running, steps = 0, []
        for code in order:
            running += counts.get(code, 0)
            steps.append(f"{code} {running}")
            if code == level:
                break
        parts.append(" → ".join(steps) + (" → đạt" if level else ", chưa đạt"))
    else:
        best = max(counts.values(), default=0)
        tied = [code for code in order if counts.get(code, 0) == best]
        if best:
            parts.append(
                f"nhiều phiếu nhất: {', '.join(tied)} ({best} phiếu)"
                + ("; bằng nhau, lấy mức thấp hơn" if len(tied) > 1 else "")
            )
        else:
            parts.append("không có phiếu")
    return "; ".join(parts) + "."


def _confidence(result: CandidateResult, rule) -> dict[str, Any]:
    share = Fraction(str(result.computation.get("low_share", "0")))
    flags = []
    if result.computation.get("dismissal"):
        flags.append(
            f"Có từ {_fraction(rule.low_dismiss_threshold)} tổng số phiếu tín nhiệm thấp trở lên: "
            "theo Quy định 96-QĐ/TW, cấp có thẩm quyền xem xét miễn nhiệm, cho thôi giữ chức vụ."
        )
    elif result.computation.get("may_resign"):
        flags.append(
            f"Có trên {_fraction(rule.low_resign_threshold)} tổng số phiếu tín nhiệm thấp: "
            "theo Quy định 96-QĐ/TW, thuộc diện xem xét cho thôi giữ chức vụ, đưa ra khỏi "
            "quy hoạch."
        )
    return {"low_share": _percent(share), "flags": flags}


def _quota_check(results: list[CandidateResult], quota) -> dict[str, Any]:
    """R-Q1 on the proposals of this ballot paper: indicative, the deciding body applies it."""
    excellent = sum(1 for r in results if r.proposed == EXCELLENT)
    good = sum(1 for r in results if r.proposed == GOOD)
    base = {"htt": good, "htt_or_better": good + excellent}.get(quota.basis, len(results))
    cap = quota.cap(base)
    small = bool(quota.small_group_threshold) and base < quota.small_group_threshold
    return {
        "excellent": excellent,
        "good": good,
        "base": base,
        "base_label": QUOTA_BASES.get(quota.basis, quota.basis),
        "ratio": _fraction(quota.ratio),
        "ratio_percent": _percent(quota.ratio),
        "raw": _number(quota.ratio * base),
        "rounding": ROUNDINGS.get(quota.rounding, quota.rounding),
        "small_group": (
            f"nhóm có dưới {quota.small_group_threshold} người thì được tối đa "
            f"{quota.small_group_allowance}"
            if small
            else ""
        ),
        "cap": cap,
        "exceeds": excellent > cap,
    }


# -- meeting minutes -----------------------------------------------------------------------------


def meeting_minutes_context(meeting: Meeting, *, place: str = "") -> dict[str, Any]:
    """Everything the meeting minutes show, loaded up front."""
    meeting = Meeting.objects.select_related("period", "unit", "chair__person").get(pk=meeting.pk)
    attendance = list(
        Attendance.objects.filter(meeting=meeting)
        .select_related("person")
        .order_by("person__given_name", "person__full_name")
    )
    agenda = list(meeting.agenda.select_related("subject__person", "subject__unit"))
    rounds = list(
        meeting.rounds.filter(status=RoundStatus.CLOSED)
        .select_related("tally")
        .prefetch_related(
            Prefetch(
                "results",
                queryset=CandidateResult.objects.select_related(
                    "candidate__subject__person", "candidate__subject__unit"
                ).order_by("candidate__position"),
            )
        )
        .order_by("number")
    )
    subjects = [item.subject for item in agenda] + [
        r.candidate.subject for rnd in rounds for r in rnd.results.all()
    ]
    roles = _roles(meeting, subjects)

    absent = [a for a in attendance if a.present is False]
    unknown = [a for a in attendance if a.present is None]
    checks = [
        {
            "title": CHECK_TITLES.get(check.code, check.code),
            "ok": check.ok,
            "message": check.message,
        }
        for check in meeting_checks(meeting)
    ]
    items = []
    for item in agenda:
        subject = item.subject
        if subject.is_collective:
            title = f"Kiểm điểm tập thể {subject.unit.name}"
        else:
            role = _subject_role(subject, roles)
            title = f"Kiểm điểm đồng chí {subject.person.full_name}" + (f", {role}" if role else "")
        items.append({"title": title, "conclusion": item.conclusion.strip()})

    summaries = []
    for ballot_round in rounds:
        tally = _tally_of(ballot_round)
        confidence = ballot_round.kind == RoundKind.CONFIDENCE
        candidates = []
        for result in ballot_round.results.all():
            if confidence:
                share = Fraction(str(result.computation.get("low_share", "0")))
                outcome = f"tín nhiệm thấp {_percent(share)}"
            else:
                outcome = _label(ballot_round.options, result.proposed) or "Không đạt mức nào"
            candidates.append({"name": str(result.candidate.subject), "outcome": outcome})
        summaries.append(
            {
                "number": ballot_round.number,
                "kind": ROUND_KINDS.get(ballot_round.kind, ballot_round.kind),
                "valid": tally.valid if tally else 0,
                "returned": tally.returned if tally else 0,
                "present": tally.present if tally else ballot_round.present_count,
                "confidence": confidence,
                "candidates": candidates,
            }
        )

    same_day = meeting.starts_on == meeting.ends_on
    return {
        "header": party_header(
            meeting.unit,
            parent=OrgUnit.objects.get_parent(meeting.unit),
            place=place,
            day=meeting.ends_on,
            doc_type="BB",
        ),
        "subject_line": (
            f"{MEETING_KINDS.get(meeting.kind, '')} kiểm điểm, đánh giá, xếp loại chất lượng "
            f"{_period_line(meeting.period)}"
        ).strip(),
        "meeting_title": meeting.title,
        "unit_name": meeting.unit.name,
        "time_line": (
            vn_date(meeting.starts_on)
            if same_day
            else f"từ {vn_date(meeting.starts_on)} đến {vn_date(meeting.ends_on)}"
        ),
        "duration": _number(Fraction(str(meeting.duration_days))),
        "location": meeting.location or DOTS,
        "chair": _chair_name(meeting),
        "secretary": meeting.secretary_name,
        "convened": len(attendance),
        "present": sum(1 for a in attendance if a.present),
        "absent": [{"name": a.person.full_name, "reason": a.absence_reason} for a in absent],
        "unknown": [a.person.full_name for a in unknown],
        "checks": checks,
        "items": items,
        "rounds": summaries,
        "end_line": f"Hội nghị kết thúc vào hồi …… giờ …… phút, {vn_date(meeting.ends_on)}.",
    }


# -- shared --------------------------------------------------------------------------------------


def _period_line(period: ReviewPeriod) -> str:
    if period.kind == PeriodKind.QUARTERLY and period.quarter:
        return f"quý {period.quarter} năm {period.year}"
    return f"năm {period.year}"


def _chair_name(meeting: Meeting) -> str:
    chair = meeting.chair
    try:
        person = chair.person
    except ObjectDoesNotExist:
        person = None
    if person is not None and person.full_name:
        return person.full_name
    return chair.get_full_name() or ""


def _roles(meeting: Meeting, subjects: list[Subject]) -> dict[int, str]:
    """The title of each person at the meeting's unit ("Bí thư"), in one query."""
    ids = {s.person_id for s in subjects if s.person_id}
    if not ids:
        return {}
    current = Q(end_date=None) | Q(end_date__gte=meeting.starts_on)
    titles: dict[int, list[str]] = {}
    for person_id, role in (
        Membership.objects.filter(current, unit=meeting.unit, person_id__in=ids)
        .order_by("pk")
        .values_list("person_id", "role")
    ):
        titles.setdefault(person_id, []).append(role)
    out = {}
    for person_id, roles in titles.items():
        # A plain "Đảng viên" says nothing next to a post the person holds.
        posts = [r for r in roles if r != MembershipRole.PARTY_MEMBER] or roles
        out[person_id] = ", ".join(dict.fromkeys(ROLE_TITLES.get(r, r) for r in posts))
    return out


def _subject_role(subject: Subject, roles: dict[int, str]) -> str:
    return roles.get(subject.person_id, "") if subject.person_id else ""


def _number(value: Fraction | Decimal | int) -> str:
    """A count or threshold as Vietnamese write it: '3', '2,5', '1,67'."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _fraction(value: Fraction) -> str:
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator}"


def _percent(value: Fraction) -> str:
    return f"{_number(Fraction(value) * 100)}%"
