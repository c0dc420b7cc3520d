"""A province's split of the points between criteria groups, edited by its administrators."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import BoundField
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from orgunits import selectors as unit_selectors

from .. import permissions, rulesets, selectors
from ..exceptions import PointSplitError
from ..forms import PointSplitForm
from ..services import point_split


@dataclass
class GroupRow:
    criterion: rulesets.Criterion
    field: BoundField


@dataclass
class PartBlock:
    title: str
    points: object
    rows: list[GroupRow]


@dataclass
class ClassBlock:
    name: str
    parts: list[PartBlock]


def _blocks(ruleset: rulesets.RuleSet, form: PointSplitForm) -> list[ClassBlock]:
    parts = (("general", ruleset.scoring.general_max), ("tasks", ruleset.scoring.tasks_max))
    blocks = []
    for cls, criteria in ruleset.criteria.items():
        block = ClassBlock(name=ruleset.subject_classes[cls].name, parts=[])
        for part, points in parts:
            rows = [
                GroupRow(c, form[PointSplitForm.field_name(cls, c.code)])
                for c in criteria
                if c.group == part
            ]
            if rows:
                block.parts.append(PartBlock(rows[0].criterion.group_title, points, rows))
        blocks.append(block)
    return blocks


@login_required
@require_http_methods(["GET", "POST"])
def point_split_edit(request: HttpRequest, unit_pk: int) -> HttpResponse:
    province = unit_selectors.get_unit_for_user(request.user, unit_pk)
    if not selectors.is_province(province):
        raise Http404
    if not permissions.can_edit_point_split(request.user, province):
        raise PermissionDenied
    current = point_split.current_split(province)
    groups = [
        (cls, c.code, c.max_points) for cls, criteria in current.criteria.items() for c in criteria
    ]
    form = PointSplitForm(request.POST or None, groups=groups)
    if request.method == "POST" and form.is_valid():
        try:
            saved = point_split.save_point_split(
                province=province,
                maxima=form.maxima(),
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except PointSplitError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("The point split was saved as version %(v)s; new periods will use it.")
                % {"v": saved.version},
            )
            return redirect("reviews:point_split_edit", unit_pk=province.pk)
    context = {
        "province": province,
        "ruleset": current,
        "base": point_split.split_base(),
        "form": form,
        "blocks": _blocks(current, form),
        "versions": selectors.point_split_versions(province),
    }
    return render(request, "reviews/point_split.html", context)
