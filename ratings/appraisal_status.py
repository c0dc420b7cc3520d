"""What an appraisal's checks add up to, as pure functions: passed, a level limited by failed
conditions it respects, or blocked (a check that could not be met and bounds nothing — no
report, no points, no proposal — or a level set above a failed check's cap).

A blocked subject is not shown as appraised, and deciding over it needs a written reason."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

PASSED, CAPPED, BLOCKED = "passed", "capped", "blocked"


@dataclass(frozen=True)
class AppraisalState:
    code: str
    blocking: list[str] = field(default_factory=list)  # the messages of the blocking checks
    capped: list[str] = field(default_factory=list)  # failed checks whose cap the level keeps

    @property
    def blocked(self) -> bool:
        return self.code == BLOCKED


def appraisal_state(
    checks: Iterable[Mapping[str, object]], level: str, rank: Callable[[str], int]
) -> AppraisalState:
    """Classify a rating's stored checks against its current level (`rank`: 0 = best)."""
    blocking: list[str] = []
    capped: list[str] = []
    for check in checks:
        if check.get("ok"):
            continue
        cap = str(check.get("cap") or "")
        message = str(check.get("message") or check.get("code") or "")
        if not cap or not level or rank(level) < rank(cap):
            blocking.append(message)
        else:
            capped.append(message)
    if blocking:
        return AppraisalState(BLOCKED, blocking, capped)
    return AppraisalState(CAPPED if capped else PASSED, [], capped)
