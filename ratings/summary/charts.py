"""The data the summary page's charts draw."""

from __future__ import annotations

from typing import Any

from .stats import (
    GROUPS,
    LEVELS,
    UnitSummary,
)


def chart_data(summary: UnitSummary) -> dict[str, Any]:
    """What static/js/summary-charts.js draws, for `json_script`: counts per level and group,
    and the "HTT or above" share per year and group."""
    return {
        "levels": list(LEVELS),
        "groups": [
            {
                "code": g.code,
                "label": str(g.label),
                "counts": [summary.totals[g.code].count(level) for level in LEVELS],
            }
            for g in GROUPS
            if summary.totals[g.code].rated
        ],
        "years": [y.year for y in summary.years],
        "trend": [
            {
                "code": g.code,
                "label": str(g.label),
                "values": [
                    float(p) if (p := y.groups[g.code].htt_or_above_pct) is not None else None
                    for y in summary.years
                ],
            }
            for g in GROUPS
            if any(y.groups[g.code].rated for y in summary.years)
        ],
    }
