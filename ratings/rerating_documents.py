"""The re-rating decision (Mẫu 03, "Quyết định đánh giá, xếp loại lại", QĐ 366 Art. 15(3)) as a
party-document PDF: it cancels one decided level and sets the new one. It is issued and signed
by the competent body that re-rated (the nearest unit where the re-rating officer holds the
deciding role); the wording is fixed Vietnamese."""

from __future__ import annotations

import dataclasses
from typing import Any

from orgunits.models import OrgUnit
from reviews import selectors as review_selectors
from reviews.documents import party_header, render_pdf, vn_date

from .decision_documents import _period_phrase
from .exports.report import _signer
from .models import Rerating


def render_rerating_pdf(rerating: Rerating, *, place: str = "") -> bytes:
    return render_pdf("documents/rerating_decision.html", rerating_context(rerating, place=place))


def rerating_context(rerating: Rerating, *, place: str = "") -> dict[str, Any]:
    """Everything the Mẫu 03 template shows, loaded up front (the template runs no queries)."""
    rerating = Rerating.objects.select_related(
        "issuer",
        "rating__decision",
        "rating__subject__period",
        "rating__subject__person",
        "rating__subject__unit",
    ).get(pk=rerating.pk)
    decision = rerating.rating.decision
    subject = rerating.rating.subject
    issuer: OrgUnit = rerating.issuer
    parent = OrgUnit.objects.get_parent(issuer)
    header = party_header(
        issuer, parent=parent, place=place, day=rerating.decided_on, doc_type="QĐ"
    )
    if rerating.number:
        header = dataclasses.replace(header, number=f"Số {rerating.number}")
    ruleset = review_selectors.ruleset_for_unit(subject.period, subject.unit)
    names = {level.code: level.name for level in ruleset.levels}
    earlier = f"số {decision.number} " if decision.number else ""
    # Who carries it out is Điều 3; the superior is informed, and the subject's unit if the
    # issuer is above it.
    recipients = ["Như Điều 3,"]
    if parent is not None:
        recipients.append(f"{parent.name} (để báo cáo),")
    if issuer.pk != subject.unit_id:
        recipients.append(f"{subject.unit.name},")
    recipients.append("Lưu.")
    return {
        "header": header,
        "issuer": issuer.name.upper(),
        "period_phrase": _period_phrase(subject.period),
        "legal_basis": list(ruleset.legal_basis),
        "earlier_decision": f"Quyết định {earlier}{vn_date(decision.decided_on)}",
        "subject_kind": "tập thể" if subject.person_id is None else "đồng chí",
        "subject_name": subject.person.full_name if subject.person_id else subject.unit.name,
        "subject_unit": subject.unit.name,
        "old_level": rerating.old_level,
        "old_name": names.get(rerating.old_level, rerating.old_level),
        "new_level": rerating.new_level,
        "new_name": names.get(rerating.new_level, rerating.new_level),
        "reason": rerating.reason.rstrip(" .;,"),
        "recipients": recipients,
        "signer": _signer(issuer, rerating.decided_on),
    }
