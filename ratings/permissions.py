"""Yes/no answers for meetings and ballots (403 questions); visibility is in selectors."""

from __future__ import annotations

from orgunits.selectors import AnyUser, has_role_on

from . import selectors
from .models import BallotRound, Meeting, MeetingStatus, RoundStatus


def can_chair(user: AnyUser, meeting: Meeting) -> bool:
    """The chair, or whoever runs the unit's review, manages the meeting and its rounds."""
    if meeting.status == MeetingStatus.CLOSED:
        return False
    return meeting.chair_id == user.pk or has_role_on(user, meeting.unit, ["run_review"])


def can_create_meeting(user: AnyUser, unit) -> bool:
    return has_role_on(user, unit, ["run_review"])


def can_vote(user: AnyUser, ballot_round: BallotRound) -> bool:
    attendance = selectors.attendance_of(user, ballot_round.meeting)
    return (
        ballot_round.status == RoundStatus.OPEN
        and ballot_round.mode == "electronic"
        and attendance is not None
        and attendance.present is True
    )


def can_enter_paper_count(user: AnyUser, ballot_round: BallotRound) -> bool:
    attendance = selectors.attendance_of(user, ballot_round.meeting)
    return (
        ballot_round.mode == "paper"
        and ballot_round.status == RoundStatus.OPEN
        and attendance is not None
        and attendance.is_counting_member
    )


def can_see_counts(user: AnyUser, ballot_round: BallotRound) -> bool:
    """Per-level counts: the chair, the counting committee and the officers above always;
    other members only when the round had at least k voters."""
    from .services.ballots import counts_visible_to_members

    if ballot_round.status != RoundStatus.CLOSED:
        return False
    meeting = ballot_round.meeting
    attendance = selectors.attendance_of(user, meeting)
    if meeting.chair_id == user.pk or has_role_on(
        user, meeting.unit, ["run_review", "appraise", "decide"]
    ):
        return True
    if attendance is not None and attendance.is_counting_member:
        return True
    return counts_visible_to_members(ballot_round)


def can_download_minutes(user: AnyUser, meeting: Meeting) -> bool:
    return meeting.chair_id == user.pk or has_role_on(
        user, meeting.unit, ["run_review", "appraise", "decide"]
    )


# -- appraisal, quota, decisions (views/appraisal.py) -------------------------------------------

OVERSIGHT_ROLES = ["run_review", "appraise", "decide", "administer"]


def can_appraise(user: AnyUser, unit) -> bool:
    """The organisation department appraises the unit's subtree (thẩm định)."""
    return has_role_on(user, unit, ["appraise"])


def can_decide(user: AnyUser, unit) -> bool:
    """The competent level decides (and publishes) the levels of the unit's subtree."""
    return has_role_on(user, unit, ["decide"])


def can_grant_quota_exception(user: AnyUser, group) -> bool:
    """R-Q5: the competent level over the group's unit allows a higher HTXS ratio."""
    return has_role_on(user, group.unit, ["decide"])


def can_cancel_decision(user: AnyUser, decision) -> bool:
    """Only the directly superior level may cancel a decision and have it re-rated."""
    from orgunits.models import OrgUnit

    parent = OrgUnit.objects.get_parent(decision.unit)
    if parent is None:
        return bool(user.is_authenticated and user.is_superuser)
    return has_role_on(user, parent, ["decide"])


def can_view_rating_file(user: AnyUser, rating) -> bool:
    """The whole file (ballot counts, comments, discipline) is for the officers over the unit."""
    return has_role_on(user, rating.subject.unit, OVERSIGHT_ROLES)


def can_view_history(user: AnyUser, unit) -> bool:
    return has_role_on(user, unit, OVERSIGHT_ROLES)


def can_plan_remediation(user: AnyUser, unit) -> bool:
    """The unit's secretary and the appraising officers keep the remediation plans."""
    return has_role_on(user, unit, ["run_review", "appraise"])


def can_rerate(user: AnyUser, rating) -> bool:
    """The competent level that decided a rating cancels and redoes it (QĐ 366 Art. 15(3))."""
    from .models import RatingStatus

    return (
        rating.status in (RatingStatus.DECIDED, RatingStatus.PUBLISHED)
        and rating.decision_id is not None
        and has_role_on(user, rating.decision.unit, ["decide"])
    )
