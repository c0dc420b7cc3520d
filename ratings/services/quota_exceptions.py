"""R-Q5: the competent level allows an outstanding organisation a higher HTXS ratio — for one
quota group, or for every group of a unit's subtree in a period — up to the rule set's
`quota.exception_max_ratio`, with a written reason, an approver and an audit row."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

import pghistory
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from orgunits import limits
from orgunits.models import OrgUnit
from orgunits.selectors import has_role_on
from orgunits.text import nfc_lines
from reviews import selectors as review_selectors
from reviews.models import QuotaGroup, ReviewPeriod

from ..exceptions import (
    ChangeReasonRequired,
    ExceptionRatioOutOfRange,
    NotCompetentAuthority,
    TextTooLong,
)
from ..models import QuotaException
from ..quota import GrantedRatio, percent


@transaction.atomic
def approve_quota_exception(
    *,
    period: ReviewPeriod,
    ratio: Decimal | Fraction,
    reason: str,
    user: AbstractBaseUser,
    group: QuotaGroup | None = None,
    unit: OrgUnit | None = None,
) -> QuotaException:
    """Grant `ratio` to one quota group or to every group of `unit`'s subtree (R-Q5)."""
    if (group is None) == (unit is None):
        raise ValueError("an exception is for one quota group or for one unit")
    target = group.unit if group is not None else unit
    assert target is not None
    if not has_role_on(user, target, ["decide"]):
        raise NotCompetentAuthority(
            f"Chỉ cấp có thẩm quyền quyết định đối với {target.name} mới cho phép ngoại lệ về "
            "tỷ lệ Hoàn thành xuất sắc nhiệm vụ."
        )
    reason = nfc_lines(reason)
    if not reason:
        raise ChangeReasonRequired("Ngoại lệ về tỷ lệ cần ghi rõ lý do (kết quả nổi bật).")
    limits.check_text(reason, kind="reason", label="Lý do ngoại lệ", error=TextTooLong)
    rule = review_selectors.ruleset_for_unit(period, target).quota
    granted = Fraction(Decimal(ratio))
    if not rule.exception_max_ratio:
        raise ExceptionRatioOutOfRange(
            "Bộ quy tắc áp dụng cho đơn vị này không cho phép ngoại lệ về tỷ lệ Hoàn thành xuất "
            "sắc nhiệm vụ."
        )
    if granted > rule.exception_max_ratio or granted <= rule.ratio:
        raise ExceptionRatioOutOfRange(
            f"Tỷ lệ ngoại lệ phải lớn hơn {percent(rule.ratio)} và không quá "
            f"{percent(rule.exception_max_ratio)} (theo bộ quy tắc); đã nhập {percent(granted)}."
        )
    stored = Decimal(granted.numerator) / Decimal(granted.denominator)
    with pghistory.context(reason=reason):
        return QuotaException.objects.create(
            period=period,
            group=group,
            unit=unit,
            ratio=stored.quantize(Decimal("0.0001")),
            reason=reason,
            approved_by=user,
        )


def exceptions_for(group: QuotaGroup) -> list[QuotaException]:
    """The exceptions that cover a group — its own and its unit's or an ancestor's — oldest
    first; the last one applies."""
    return list(_covering([group]).select_related("approved_by", "unit", "group"))


def _covering(groups: Iterable[QuotaGroup]):
    condition = Q(pk__in=[])
    for group in groups:
        ancestors = [
            group.unit.path[:end]
            for end in range(OrgUnit.steplen, len(group.unit.path) + 1, OrgUnit.steplen)
        ]
        condition |= Q(group=group) | Q(
            group__isnull=True, period_id=group.period_id, unit__path__in=ancestors
        )
    return QuotaException.objects.filter(condition).order_by("approved_at", "pk")


def granted_ratios(groups: Iterable[QuotaGroup]) -> dict[int, GrantedRatio]:
    """The exception that applies to each group (the latest approved covering it); one query."""
    groups = list(groups)
    found: dict[int, GrantedRatio] = {}
    exceptions = list(_covering(groups).select_related("approved_by", "unit"))
    for group in groups:
        for exception in exceptions:
            if exception.group_id == group.pk or (
                exception.group_id is None
                and exception.period_id == group.period_id
                and group.unit.path.startswith(exception.unit.path)
            ):
                found[group.pk] = granted_of(exception)
    return found


def granted_of(exception: QuotaException) -> GrantedRatio:
    """The ratio an exception allows, with "ngoại lệ được <who> duyệt ngày <date>: <why>"."""
    approver = exception.approved_by
    who = approver.get_full_name() or approver.get_username()
    day = timezone.localtime(exception.approved_at).strftime("%d/%m/%Y")
    return GrantedRatio(
        ratio=Fraction(exception.ratio),
        note=f"ngoại lệ được {who} duyệt ngày {day}: {exception.reason}",
    )
