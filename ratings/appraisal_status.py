"""What an appraisal's checks add up to, as pure functions: passed; a level limited by failed
conditions it respects; open (a condition not met or not yet verified that bounds nothing);
or blocked (a check marked as blocking — no report, no points, no proposal — or a level set
above a failed check's cap).

Only a subject with every check met, or limited by the ones it respects, is shown as
appraised; deciding over a blocked one needs a written reason."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from reviews.rule_text import without_rule_id

PASSED, CAPPED, OPEN, BLOCKED = "passed", "capped", "open", "blocked"
# A stored check without a message (none is written so today).
UNMET = "Một điều kiện chưa đạt."


@dataclass(frozen=True)
class AppraisalState:
    code: str
    blocking: list[str] = field(default_factory=list)  # the messages of the blocking checks
    open: list[str] = field(default_factory=list)  # unmet, bounding nothing, not blocking
    capped: list[str] = field(default_factory=list)  # failed checks whose cap the level keeps

    @property
    def blocked(self) -> bool:
        return self.code == BLOCKED

    @property
    def unmet(self) -> list[str]:
        """Every unmet check the level does not simply respect."""
        return self.blocking + self.open


def appraisal_state(
    checks: Iterable[Mapping[str, object]], level: str, rank: Callable[[str], int]
) -> AppraisalState:
    """Classify a rating's stored checks against its current level (`rank`: 0 = best)."""
    blocking: list[str] = []
    unverified: list[str] = []
    capped: list[str] = []
    for check in checks:
        if check.get("ok"):
            continue
        cap = str(check.get("cap") or "")
        # Rows stored by older versions carry rule ids in their messages.
        message = without_rule_id(str(check.get("message") or "")) or UNMET
        if check.get("blocks") or (cap and (not level or rank(level) < rank(cap))):
            blocking.append(message)
        elif not cap:
            unverified.append(message)
        else:
            capped.append(message)
    if blocking:
        return AppraisalState(BLOCKED, blocking, unverified, capped)
    if unverified:
        return AppraisalState(OPEN, [], unverified, capped)
    return AppraisalState(CAPPED if capped else PASSED, [], [], capped)
