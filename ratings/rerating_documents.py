"""The re-rating decision (Mẫu 03, "Quyết định đánh giá, xếp loại lại", QĐ 366 Art. 15(3)) as a
party-document PDF: it cancels one decided level and sets the new one. The issuer, the legal
basis and the signer are those of the decision being corrected (decision_context), so both
documents of one rating always name the same body; the wording is fixed Vietnamese."""

from __future__ import annotations

import dataclasses
from typing import Any

from reviews import selectors as review_selectors
from reviews.documents import render_pdf, vn_date

from .decision_documents import decision_context
from .models import Rerating


def render_rerating_pdf(rerating: Rerating, *, place: str = "") -> bytes:
    return render_pdf("documents/rerating_decision.html", rerating_context(rerating, place=place))


def rerating_context(rerating: Rerating, *, place: str = "") -> dict[str, Any]:
    """Everything the Mẫu 03 template shows, loaded up front (the template runs no queries)."""
    rerating = Rerating.objects.select_related(
        "rating__decision", "rating__subject__person", "rating__subject__unit"
    ).get(pk=rerating.pk)
    decision = rerating.rating.decision
    subject = rerating.rating.subject
    base = decision_context(decision, place=place)
    header = dataclasses.replace(
        base["header"],
        number=f"Số {rerating.number}" if rerating.number else base["header"].number,
        date=vn_date(rerating.decided_on),
    )
    ruleset = review_selectors.ruleset_for_unit(subject.period, subject.unit)
    names = {level.code: level.name for level in ruleset.levels}
    earlier = f"số {decision.number} " if decision.number else ""
    return {
        "header": header,
        "issuer": base["issuer"],
        "period_phrase": base["period_phrase"],
        "legal_basis": base["legal_basis"],
        "earlier_decision": f"Quyết định {earlier}{vn_date(decision.decided_on)}",
        "subject_kind": "tập thể" if subject.person_id is None else "đồng chí",
        "subject_name": subject.person.full_name if subject.person_id else subject.unit.name,
        "subject_unit": subject.unit.name,
        "old_level": rerating.old_level,
        "old_name": names.get(rerating.old_level, rerating.old_level),
        "new_level": rerating.new_level,
        "new_name": names.get(rerating.new_level, rerating.new_level),
        "reason": rerating.reason.rstrip(" .;,"),
        # Who carries it out is Điều 3 here (Điều 2 in the decision being corrected).
        "recipients": [
            "Như Điều 3," if line == "Như Điều 2," else line for line in base["recipients"]
        ],
        "signer": base["signer"],
    }
