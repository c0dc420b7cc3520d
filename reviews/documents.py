"""PDF documents in the party-document layout of Hướng dẫn 36-HD/VPTW (2018).

`render_pdf`, `party_header` and `vn_date` are shared by every document (report, minutes,
decisions); the layout itself lives in `templates/documents/_base.html`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from orgunits.models import Membership, MembershipRole, OrgUnit, Person, UnitKind

from . import selectors
from .models import PeriodKind, QuarterResult, RemediationItem, Report, ReviewPeriod, Subject
from .report_layout import criteria_parts, score_value, section_rows
from .rulesets import RuleSet, get_ruleset

DOTS = "……………"

# The wording of official documents is fixed Vietnamese, whatever the UI language.
ROLE_TITLES = {
    MembershipRole.SECRETARY: "Bí thư",
    MembershipRole.DEPUTY_SECRETARY: "Phó Bí thư",
    MembershipRole.COMMITTEE_MEMBER: "Cấp ủy viên",
    MembershipRole.PARTY_MEMBER: "Đảng viên",
    MembershipRole.HEAD: "Người đứng đầu",
    MembershipRole.DEPUTY_HEAD: "Cấp phó",
    MembershipRole.STAFF: "Cán bộ, công chức, viên chức",
}
REMEDIATION_STATUS = {
    "open": "Chưa khắc phục",
    "in_progress": "Đang khắc phục",
    "done": "Đã khắc phục",
}
PARTY_CELL_KINDS = {UnitKind.PARTY_CELL, UnitKind.GRASSROOTS_CELL}
WORKPLACE_KINDS = {
    UnitKind.AGENCY,
    UnitKind.DEPARTMENT,
    UnitKind.PUBLIC_SERVICE_UNIT,
    UnitKind.ENTERPRISE,
    UnitKind.OTHER,
}
# Document symbols (ký hiệu) of the issuing body: chi bộ "CB", đảng ủy "ĐU".
ISSUER_SYMBOLS = {
    UnitKind.PARTY_CELL: "CB",
    UnitKind.GRASSROOTS_CELL: "CB",
    UnitKind.PARTY_COMMITTEE: "ĐU",
    UnitKind.GRASSROOTS_COMMITTEE: "ĐU",
    UnitKind.SECTION_COMMITTEE: "ĐU",
}


@dataclass(frozen=True)
class PartyHeader:
    """The top block of a party document: issuing bodies left, party title and date right."""

    superior: str
    issuer: str
    number: str
    place: str
    date: str


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render a document template to PDF bytes with WeasyPrint."""
    # Imported here: importing WeasyPrint costs ~0.8 s, which web workers should not pay.
    import weasyprint

    html = render_to_string(template_name, context)
    return weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def vn_date(day: dt.date | None) -> str:
    """'ngày 05 tháng 02 năm 2026' (zero before days < 10 and months < 3), or dots to fill in."""
    if day is None:
        return "ngày …… tháng …… năm ………"
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def party_header(
    unit: OrgUnit,
    *,
    parent: OrgUnit | None,
    place: str = "",
    day: dt.date | None = None,
    doc_type: str = "",
) -> PartyHeader:
    """The header block for a document issued by `unit` under its superior `parent`."""
    number = ""
    if doc_type:
        symbol = ISSUER_SYMBOLS.get(unit.kind, "…")
        number = f"Số       -{doc_type}/{symbol}"
    return PartyHeader(
        superior=parent.name.upper() if parent else "",
        issuer=unit.name.upper(),
        number=number,
        place=place.strip() or DOTS,
        date=vn_date(day),
    )


def render_report_pdf(report: Report, *, place: str = "", ruleset: RuleSet | None = None) -> bytes:
    """Render a report (Mẫu 01 or 2A/2B/2C) as an A4 party-document PDF and return its bytes."""
    return render_pdf("documents/report.html", report_context(report, place=place, ruleset=ruleset))


def report_context(
    report: Report, *, place: str = "", ruleset: RuleSet | None = None
) -> dict[str, Any]:
    """Everything the report template shows, loaded up front (the template runs no queries).

    `ruleset` defaults to the period's; pass the effective one where a local variant applies.
    """
    # The report's own fields are used as given (an unsaved preview renders too).
    subject = Subject.objects.select_related("period", "unit", "person").get(pk=report.subject_id)
    period: ReviewPeriod = subject.period
    unit: OrgUnit = subject.unit
    person: Person | None = subject.person
    if ruleset is None:
        ruleset = get_ruleset(period.ruleset_code)
    form = ruleset.form_for_period(subject.subject_class, quarterly=period.is_quarterly)
    year_start = dt.date(period.year, 1, 1)
    current = Q(end_date__isnull=True) | Q(end_date__gte=year_start)

    submitted = timezone.localdate(report.submitted_at) if report.submitted_at else None
    collective = subject.is_collective
    parent = OrgUnit.objects.get_parent(unit)
    header = party_header(
        unit,
        parent=parent,
        place=place,
        day=submitted,
        doc_type="BC" if collective else "",
    )

    suggestions = list(subject.suggestions.all())
    owner = Q(unit=unit) if collective else Q(person=person)
    remediation_items = list(
        RemediationItem.objects.filter(owner, origin_period__opens_on__lte=period.opens_on)
        .exclude(origin_period=period)
        .select_related("origin_period")
        .order_by("origin_period__opens_on", "pk")
    )

    sections = []
    for row in section_rows(form, {}):
        section = row["section"]
        entry = {
            "heading": row["heading"],
            "number": row["number"],
            "key": section.key,
            "title": section.title,
            "kind": section.kind,
            "text": _text(report.sections.get(section.key)),
            "parts": section.parts,
        }
        if section.kind == "criteria":
            entry["criteria"] = _criteria(report, ruleset, subject.subject_class)
        elif section.kind == "checklist":
            entry["groups"] = _checklist(report, ruleset)
        elif section.kind == "remediation":
            entry["items"] = _remediation(report, remediation_items)
        elif section.kind == "suggestions":
            entry["suggestions"] = [
                {"text": s.text, "answer": _text(report.answers.get(str(s.pk)))}
                for s in suggestions
            ]
        elif section.kind == "self_level":
            entry["level"] = _level_name(ruleset, report.self_level)
            if subject.rated_on_time_worked:
                entry["time_worked"] = subject.eligibility_reason
        sections.append(entry)

    context: dict[str, Any] = {
        **_quarter_context(report, ruleset),
        "header": header,
        "collective": collective,
        "form": form,
        "form_code": report.form_code or form.code,
        "period_line": _period_line(period),
        "unit_name": unit.name,
        "sections": sections,
    }
    if collective:
        secretary = (
            Membership.objects.filter(current, unit=unit, role=MembershipRole.SECRETARY)
            .select_related("person")
            .order_by(F("start_date").desc(nulls_last=True), "pk")
            .first()
        )
        context["signer"] = {
            "on_behalf": f"T/M {unit.name.upper()}",
            "title": "BÍ THƯ",
            "hint": "",
            "name": secretary.person.full_name if secretary else "",
        }
        recipients = [f"{parent.name} (để báo cáo)," if parent else "", "Lưu."]
        context["recipients"] = [r for r in recipients if r]
    else:
        context["person"] = _person_block(person, unit, current)
        context["signer"] = {
            "on_behalf": "",
            "title": "NGƯỜI TỰ ĐÁNH GIÁ" if period.is_quarterly else "NGƯỜI TỰ KIỂM ĐIỂM",
            "hint": "(Ký, ghi rõ họ tên)",
            "name": person.full_name,
        }
    return context


def _quarter_context(report: Report, ruleset: RuleSet) -> dict[str, Any]:
    """Mẫu 05's own title and recorded result; an annual report's quarter results."""
    subject = report.subject
    if not subject.period.is_quarterly:
        return {"quarters": selectors.quarter_summary(report)}
    result = QuarterResult.objects.filter(subject_id=subject.pk).first()
    return {
        "doc_name": "BẢN TỰ ĐÁNH GIÁ, XẾP LOẠI CỦA CÁ NHÂN",
        "quarter_result": _level_name(ruleset, result.level) if result else "",
    }


def _text(value: Any) -> str:
    return str(value).strip() if value else ""


def _period_line(period: ReviewPeriod) -> str:
    if period.kind == PeriodKind.QUARTERLY and period.quarter:
        return f"Quý {period.quarter} năm {period.year}"
    return f"Năm {period.year}"


def _person_block(person: Person, unit: OrgUnit, current: Q) -> dict[str, str]:
    memberships = list(person.memberships.filter(current).select_related("unit"))
    roles = [ROLE_TITLES.get(m.role, m.role) for m in memberships if m.unit_id == unit.pk]
    cells = [m.unit.name for m in memberships if m.unit.kind in PARTY_CELL_KINDS]
    workplaces = [m.unit.name for m in memberships if m.unit.kind in WORKPLACE_KINDS]
    if not workplaces and unit.kind in WORKPLACE_KINDS:
        workplaces = [unit.name]
    if not cells and unit.kind in PARTY_CELL_KINDS:
        cells = [unit.name]
    return {
        "name": person.full_name,
        "birth_date": f"{person.birth_date:%d/%m/%Y}" if person.birth_date else "",
        "roles": ", ".join(dict.fromkeys(roles)),
        "workplace": "; ".join(dict.fromkeys(workplaces)),
        "cell": "; ".join(dict.fromkeys(cells)),
    }


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _points(value: Decimal | None) -> str:
    """Points as Vietnamese write them: '12,5', '30'."""
    if value is None:
        return ""
    return f"{value.normalize():f}".replace(".", ",")


def _level_name(ruleset: RuleSet, code: str) -> str:
    try:
        return ruleset.level(code).name
    except KeyError:
        return code


def _criteria(report: Report, ruleset: RuleSet, subject_class: str) -> dict[str, Any]:
    criteria = ruleset.criteria_for_class(subject_class)
    if not ruleset.scoring.is_points:
        return _graded_criteria(report, ruleset, criteria)
    parts = []
    for part in criteria_parts(criteria, report.scores):
        rows = [
            {
                "number": number,
                "title": _printed(row["criterion"].title, row["criterion"].placeholder),
                "max": _points(row["criterion"].max_points),
                "score": _points(score_value(row["value"])),
            }
            for number, row in enumerate(part["rows"], 1)
        ]
        parts.append(
            {
                "number": part["number"],
                "title": part["title"],
                "label": part["title"].capitalize(),
                "max": _points(part["max"]),
                "score": _points(part["score"]),
                "rows": rows,
            }
        )
    total = _number(report.total_points)
    entered = [
        p["score"] for p in criteria_parts(criteria, report.scores) if p["score"] is not None
    ]
    if total is None and entered:
        total = sum(entered, Decimal(0))
    band = ""
    if total is not None:
        try:
            band = _level_name(ruleset, ruleset.level_for_points(total))
        except ValueError:
            band = ""
    return {
        "model": ruleset.scoring.model,
        "parts": parts,
        "max_total": _points(ruleset.scoring.max_total),
        "total": _points(total),
        "band": band,
    }


def _graded_criteria(report: Report, ruleset: RuleSet, criteria: tuple) -> dict[str, Any]:
    grades = {grade.code: grade.name for grade in ruleset.scoring.grades}
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, criterion in enumerate(criteria, 1):
        if criterion.group not in seen:
            seen.add(criterion.group)
            rows.append({"group": criterion.group_title})
        raw = report.scores.get(criterion.code)
        shown = grades.get(raw, str(raw)) if raw else ""
        title = _printed(criterion.title, criterion.placeholder)
        rows.append({"number": number, "title": title, "max": "", "score": shown})
    return {"model": ruleset.scoring.model, "rows": rows}


def _printed(text: str, placeholder: bool) -> str:
    """Official documents never print an operator's placeholder: a text still awaiting its
    official wording prints as a dotted blank, as on a paper form."""
    return DOTS * 4 if placeholder else text


def _checklist(report: Report, ruleset: RuleSet) -> list[dict[str, Any]]:
    groups = []
    for group in ruleset.manifestations:
        items = []
        for index, item in enumerate(group.items, 1):
            entry = report.checklist.get(item.code) or {}
            present = entry.get("present")
            items.append(
                {
                    "number": index,
                    "text": _printed(item.text, item.placeholder),
                    "answer": {True: "Có", False: "Không có"}.get(present, ""),
                    # Only a manifestation marked present needs (and shows) its note.
                    "note": _text(entry.get("note")) if present else "",
                }
            )
        groups.append({"title": group.title, "items": items})
    return groups


def _remediation(report: Report, items: list[RemediationItem]) -> list[dict[str, Any]]:
    rows = []
    for item in items:
        entry = report.remediation.get(str(item.pk)) or {}
        status = entry.get("status") or item.status
        rows.append(
            {
                "text": item.text,
                "origin": item.origin_period.name,
                "due": f"{item.due_on:%d/%m/%Y}" if item.due_on else "",
                "status": REMEDIATION_STATUS.get(status, status),
                "note": _text(entry.get("note")),
            }
        )
    return rows
