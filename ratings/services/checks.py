"""The shared vocabulary of appraisal and decision: the levels, a check with its cap, the worse
of two levels, and who heads which unit (R-L1 is checked at appraisal and again at decision)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from orgunits.models import Membership, MembershipRole
from reviews.models import ReviewPeriod

HTXS, HTT, HT, KHT = "HTXS", "HTT", "HT", "KHT"
HEAD_ROLES = (MembershipRole.HEAD, MembershipRole.SECRETARY)


@dataclass
class Check:
    code: str
    ok: bool
    message: str
    cap: str = ""
    # Unmet, it leaves nothing to decide on (no report, no points): a decision over it needs
    # a written reason.
    blocks: bool = False

    def as_json(self) -> dict[str, object]:
        found: dict[str, object] = {
            "code": self.code,
            "ok": self.ok,
            "message": self.message,
            "cap": self.cap,
        }
        if self.blocks:
            found["blocks"] = True
        return found


def _worse(levels: list[str], ruleset) -> str:
    present = [lvl for lvl in levels if lvl]
    return max(present, key=ruleset.level_rank) if present else ""


def _current(period: ReviewPeriod) -> Q:
    """Memberships held on the period's reference date (as enrolment reads them)."""
    reference = period.opens_on
    return (Q(end_date=None) | Q(end_date__gte=reference)) & (
        Q(start_date=None) | Q(start_date__lte=reference)
    )


def _heads(period: ReviewPeriod, person_ids: set[int]) -> dict[int, list[tuple[int, str]]]:
    """The units each person heads (their collective caps their level, R-L1)."""
    heads: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for person_id, unit_id, name in (
        Membership.objects.filter(person_id__in=person_ids, role__in=HEAD_ROLES)
        .filter(_current(period))
        .values_list("person_id", "unit_id", "unit__name")
    ):
        heads[person_id].append((unit_id, name))
    return heads
