"""A province's split of the 30 and 70 points between criteria groups, edited in the app.

QĐ 366 fixes the two parts (general criteria and task results) and their points; HD 43 leaves
the split between the groups of each part to the higher committees. A province's split is a
local rule set that extends the central one and overrides only the groups' `max_points`. Each
save is a new version kept in the database (`StoredRuleSet`), which the rule-set loader reads
and validates like a file. Periods opened afterwards attach the newest version to the province
(`attach_point_split`); a period already open keeps the snapshot it took.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from orgunits import limits
from orgunits.models import OrgUnit

from .. import permissions, rulesets, selectors
from ..exceptions import (
    PointSplitDoesNotAdd,
    PointSplitIncomplete,
    PointSplitInvalid,
    PointSplitNotAllowed,
    PointSplitReasonRequired,
    TextTooLong,
)
from ..models import LocalRuleSet, ReviewPeriod, StoredRuleSet

PART_NAMES = {"general": "các nhóm tiêu chí chung", "tasks": "các nhóm tiêu chí về kết quả"}


def point_split_code(province: OrgUnit, base: rulesets.RuleSet) -> str:
    """The code of a province's local rule set over `base` (never shown to people)."""
    return f"tinh-{province.pk}-{base.code}"


def split_base() -> rulesets.RuleSet:
    """The rule set whose split a province edits: the one new periods use."""
    return rulesets.default_ruleset()


def current_split(province: OrgUnit) -> rulesets.RuleSet:
    """The province's newest split over the base rule set, else the base itself."""
    base = split_base()
    row = selectors.latest_point_split(province, base.code)
    return rulesets.stored_ruleset(row.code, row.version) if row else base


def _number(value: Decimal) -> int | float:
    # TOML and JSON numbers: whole points stay integers, as in the files.
    return int(value) if value == value.to_integral_value() else float(value)


def _points(value: Decimal) -> str:
    # Vietnamese writes a decimal comma: 7,5 điểm.
    return f"{value.normalize():f}".replace(".", ",")


def _check_sums(base: rulesets.RuleSet, maxima: Mapping[str, Mapping[str, Decimal]]) -> None:
    expected = {
        "general": base.scoring.general_max or Decimal(0),
        "tasks": base.scoring.tasks_max or Decimal(0),
    }
    problems = []
    for cls, criteria in base.criteria.items():
        name = base.subject_classes[cls].name
        for part, points in expected.items():
            total = sum((maxima[cls][c.code] for c in criteria if c.group == part), Decimal(0))
            if total != points:
                problems.append(
                    f"«{name}»: {PART_NAMES[part]} cộng lại {_points(total)} điểm, "
                    f"phải đúng {_points(points)} điểm."
                )
    if problems:
        raise PointSplitDoesNotAdd(problems)


def _check_complete(base: rulesets.RuleSet, maxima: Mapping[str, Mapping[str, Decimal]]) -> None:
    for cls, criteria in base.criteria.items():
        for criterion in criteria:
            value = maxima.get(cls, {}).get(criterion.code)
            if value is None or value <= 0:
                name = base.subject_classes[cls].name
                raise PointSplitIncomplete(
                    f"«{name}»: mỗi nhóm tiêu chí cần số điểm tối đa lớn hơn 0."
                )


@transaction.atomic
def save_point_split(
    *,
    province: OrgUnit,
    maxima: Mapping[str, Mapping[str, Decimal]],
    decision: str,
    reason: str,
    user: AbstractBaseUser,
) -> StoredRuleSet:
    """Save a province's split of the points as a new version of its local rule set.

    `maxima[class][group code]` is each group's maximum; the groups of each part must add up
    to the part's points (30 and 70). `decision` names the provincial document that sets the
    split; `reason` says why it changes. Who, when and why are kept with the version."""
    if not permissions.can_edit_point_split(user, province):
        raise PointSplitNotAllowed("Chỉ quản trị viên của tỉnh được sửa cách chia điểm.")
    decision, reason = decision.strip(), reason.strip()
    if not decision or not reason:
        raise PointSplitReasonRequired(
            "Cần ghi văn bản của tỉnh quy định cách chia điểm và lý do thay đổi."
        )
    if (
        len(decision) > limits.TEXT_LIMITS["short_text"]
        or len(reason) > limits.TEXT_LIMITS["reason"]
    ):
        raise TextTooLong("Văn bản hoặc lý do quá dài.")
    base = split_base()
    if not base.scoring.is_points:
        raise PointSplitInvalid("Bộ quy tắc hiện hành không chấm điểm theo nhóm tiêu chí.")
    _check_complete(base, maxima)
    _check_sums(base, maxima)
    # One save at a time per province, so version numbers follow each other.
    OrgUnit.objects.select_for_update().filter(pk=province.pk).first()
    code = point_split_code(province, base)
    last = StoredRuleSet.objects.filter(code=code).order_by("-version").first()
    version = last.version + 1 if last else 1
    data = _local_data(base, province, code, version, maxima, decision)
    try:
        rulesets.RuleSetDirectory(rulesets.default_directory()).load_data(data, code)
    except rulesets.RuleSetError as exc:
        raise PointSplitInvalid(f"Cách chia điểm không hợp lệ: {exc.problem_vi}") from exc
    return StoredRuleSet.objects.create(
        unit=province,
        code=code,
        version=version,
        extends=base.code,
        data=data,
        decision=decision,
        reason=reason,
        created_by=user,
    )


def _local_data(
    base: rulesets.RuleSet,
    province: OrgUnit,
    code: str,
    version: int,
    maxima: Mapping[str, Mapping[str, Decimal]],
    decision: str,
) -> dict[str, Any]:
    """The table a TOML file of this local rule set would hold."""
    return {
        "code": code,
        "version": version,
        "title": f"{base.title} – chia điểm các nhóm tiêu chí của {province.name}",
        "extends": base.code,
        "legal_basis": [*base.legal_basis, decision],
        "rating_years": list(base.rating_years),
        "criteria": {
            cls: {
                "groups": {c.code: {"max_points": _number(maxima[cls][c.code])} for c in criteria}
            }
            for cls, criteria in base.criteria.items()
        },
        # Replaces the central set's "provisional split" note of each class.
        "notes": {
            f"criteria.{cls}": f"[L] Điểm tối đa của từng nhóm tiêu chí theo {decision} "
            f"của {province.name}."
            for cls in base.criteria
        },
    }


def attach_point_split(period: ReviewPeriod) -> LocalRuleSet | None:
    """Give a new period its province's newest split (as a snapshot), if the province has one
    over the period's rule set; later versions leave the period as it was."""
    province = selectors.province_of(period.scope)
    row = selectors.latest_point_split(province, period.ruleset_code)
    if row is None:
        return None
    local = rulesets.stored_ruleset(row.code, row.version)
    selectors.forget_local_rules(period)
    return LocalRuleSet.objects.create(
        period=period,
        unit=province,
        ruleset_code=local.code,
        ruleset_version=local.version,
        ruleset_snapshot=dict(local.data),
        ruleset_digest=local.digest,
    )
