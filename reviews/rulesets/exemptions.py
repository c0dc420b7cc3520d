"""The [exemptions] section: who is not reviewed or not rated (R-E1 … R-E3), what a long
sick leave does to the rating, and when a leadership collective is too small to meet alone."""

from __future__ import annotations

from .model import SICK_LEAVE_EFFECTS, Exemptions, Level
from .reader import TableReader


def read_exemptions(root: TableReader, levels: tuple[Level, ...]) -> Exemptions:
    from orgunits.models import PartyStatus  # the app registry is ready when files are loaded

    table = root.table("exemptions")
    months, effect, cap_level = _sick_leave(table, levels)
    rule = Exemptions(
        not_reviewed_party_statuses=table.strings(
            "not_reviewed_party_statuses", choices=tuple(PartyStatus.values), non_empty=False
        ),
        min_months_since_admission=table.integer("min_months_since_admission", minimum=0),
        collective_min_months=table.integer("collective_min_months", minimum=0),
        sick_leave_months=months,
        sick_leave_effect=effect,
        cap_level=cap_level,
        state_min_months_worked=table.integer("state_min_months_worked", minimum=0),
        maternity_rate_on_time_worked=table.boolean("maternity_rate_on_time_worked", default=True),
        leadership_collective_min_members=table.integer(
            "leadership_collective_min_members", minimum=0, default=0
        ),
    )
    table.finish()
    return rule


def _sick_leave(table: TableReader, levels: tuple[Level, ...]) -> tuple[int, str, str | None]:
    """`sick_leave_months` and what it does; a cap needs `cap_level`. Periods stored before
    the effect was a parameter name the threshold `sick_leave_cap_months`: a cap."""
    if table.has("sick_leave_cap_months"):
        for name in ("sick_leave_months", "sick_leave_effect"):
            table.forbid(
                name,
                "không dùng cùng khóa cũ sick_leave_cap_months",
                "not together with the former key sick_leave_cap_months",
            )
        months, effect = table.integer("sick_leave_cap_months", minimum=0), SICK_LEAVE_EFFECTS[0]
    else:
        months = table.integer("sick_leave_months", minimum=0)
        effect = table.string("sick_leave_effect", choices=SICK_LEAVE_EFFECTS)
    if effect != SICK_LEAVE_EFFECTS[0]:
        table.forbid(
            "cap_level",
            'chỉ dùng khi sick_leave_effect = "cap"',
            'only with sick_leave_effect = "cap"',
        )
        return months, effect, None
    return months, effect, table.string("cap_level", choices=tuple(lv.code for lv in levels))
