"""Panels of the appraisal page and the rating file: the appraisal facts (QĐ 366 Art. 11) and
the re-rating decisions (Art. 15(3)). No view imports here, so the views can include them."""

from __future__ import annotations

from django.http import HttpRequest

from reviews import selectors as review_selectors

from .. import permissions
from ..forms_appraisal import AppraisalFactsForm, RerateForm
from ..models import AppraisalFacts, Rating


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


def rerating_panel(user, rating: Rating) -> dict:
    """The rating file's re-rating decisions, and the form where the rule set provides them."""
    subject = rating.subject
    provided = review_selectors.ruleset_for_unit(
        subject.period, subject.unit
    ).discipline.rerate_by_decision
    allowed = provided and permissions.can_rerate(user, rating)
    return {
        "reratings": list(rating.reratings.select_related("issuer").order_by("decided_on", "pk")),
        "rerate_form": RerateForm() if allowed else None,
    }
