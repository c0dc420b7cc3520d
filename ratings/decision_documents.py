"""The decision recognising the levels (quyết định công nhận kết quả xếp loại chất lượng) as a
party-document PDF. The "Căn cứ" lines come only from the rule set's legal basis; the wording is
fixed Vietnamese whatever the UI language; the template runs no queries."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db.models import F

from orgunits.models import OrgUnit
from reviews import selectors as review_selectors
from reviews.documents import party_header, render_pdf
from reviews.models import PeriodKind, ReviewPeriod

from .exports.report import _signer
from .models import Decision, Rating
from .services.decisions import decided_group_plans, deciding_body

LEVEL_ORDER = ["HTXS", "HTT", "HT", "KHT"]
ROMAN = ["I", "II", "III", "IV"]


def render_decision_pdf(decision: Decision, *, place: str = "") -> bytes:
    """The decision as an A4 party document: header, legal basis, Điều 1 (levels), Điều 2."""
    return render_pdf("documents/decision.html", decision_context(decision, place=place))


def _period_phrase(period: ReviewPeriod) -> str:
    if period.kind == PeriodKind.QUARTERLY and period.quarter:
        return f"quý {period.quarter} năm {period.year}"
    return f"năm {period.year}"


def decision_context(decision: Decision, *, place: str = "") -> dict[str, Any]:
    """Everything the decision template shows, loaded up front."""
    decision = Decision.objects.select_related("unit", "period", "issued_by", "decided_by").get(
        pk=decision.pk
    )
    unit: OrgUnit = decision.unit
    period: ReviewPeriod = decision.period
    ruleset = review_selectors.ruleset_for_unit(period, unit)
    # The deciding authority issues and signs; older rows without it: the decider's body now.
    issuer: OrgUnit = decision.issued_by or deciding_body(decision.decided_by, unit)
    parent = OrgUnit.objects.get_parent(issuer)
    header = party_header(
        issuer, parent=parent, place=place, day=decision.decided_on, doc_type="QĐ"
    )
    if decision.number:
        header = dataclasses.replace(header, number=f"Số {decision.number}")

    ratings = list(
        Rating.objects.filter(decision=decision)
        .select_related("subject__person", "subject__unit")
        .order_by(
            F("subject__person").asc(nulls_first=True),
            "subject__unit__path",
            "subject__person__given_name",
            "subject__person__full_name",
        )
    )
    names = {level.code: level.name for level in ruleset.levels}
    groups = []
    number = 0
    for code in LEVEL_ORDER:
        rows = []
        for rating in ratings:
            if rating.level != code:
                continue
            number += 1
            subject = rating.subject
            rows.append(
                {
                    "number": number,
                    "name": subject.person.full_name if subject.person_id else subject.unit.name,
                    "kind": "Tập thể" if subject.person_id is None else "Cá nhân",
                    "unit": subject.unit.name,
                    "level": code,
                }
            )
        if rows:
            groups.append(
                {
                    "roman": ROMAN[len(groups)],
                    "code": code,
                    "name": names.get(code, code),
                    "rows": rows,
                }
            )
    collectives = sum(1 for r in ratings if r.subject.person_id is None)
    individuals = len(ratings) - collectives
    parts = []
    if collectives:
        parts.append(f"{collectives} tập thể")
    if individuals:
        parts.append(f"{individuals} cá nhân")
    who = " và ".join(parts) or "tập thể, cá nhân"

    recipients = ["Như Điều 2,"]
    if parent is not None:
        recipients.append(f"{parent.name} (để báo cáo),")
    if issuer.pk != unit.pk:
        recipients.append(f"{unit.name},")
    recipients.append("Lưu.")
    return {
        "header": header,
        "unit_name": unit.name,
        "issuer": issuer.name.upper(),
        "about": "" if issuer.pk == unit.pk else f"thuộc {unit.name}",
        "period_phrase": _period_phrase(period),
        "legal_basis": list(ruleset.legal_basis),
        "groups": groups,
        "total": len(ratings),
        "who": who,
        "recipients": recipients,
        "quota": [
            {"name": group.name, "steps": group_plan.steps}
            for group, group_plan in decided_group_plans(decision)
        ],
        "signer": _signer(issuer, decision.decided_on),
    }
