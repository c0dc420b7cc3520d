"""The appraisal page's facts panel (QĐ 366 Art. 11): which subjects have facts, and the form
of the one being edited."""

from __future__ import annotations

from django.http import HttpRequest

from ..forms_appraisal import AppraisalFactsForm
from ..models import AppraisalFacts


def facts_context(request: HttpRequest, subjects: list, can_appraise: bool) -> dict:
    """For the appraisal page: each subject's facts, and the form of the subject picked with
    `?facts=<id>` (only among the page's subjects, only for an appraiser)."""
    by_subject = {
        f.subject_id: f for f in AppraisalFacts.objects.filter(subject__in=[s.pk for s in subjects])
    }
    for subject in subjects:
        subject.current_facts = by_subject.get(subject.pk)
    picked = None
    wanted = request.GET.get("facts", "")
    if can_appraise and wanted.isdigit():
        picked = next((s for s in subjects if s.pk == int(wanted)), None)
    form = None
    if picked is not None:
        form = AppraisalFactsForm(
            initial=AppraisalFactsForm.initial_from(by_subject.get(picked.pk)),
            auto_id="id_facts_%s",
        )
    return {
        "facts_subject": picked,
        "facts_record": by_subject.get(picked.pk) if picked else None,
        "facts_form": form,
    }
