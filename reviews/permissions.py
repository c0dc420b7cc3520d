"""Yes/no answers for periods, subjects, reports and comments (403 questions).

Visibility (404 outside the scope) is answered by reviews.selectors.
"""

from __future__ import annotations

from orgunits.models import OrgUnit, Person
from orgunits.selectors import AnyUser, has_role_on

from . import selectors
from .models import Comment, PeriodStatus, Report, ReportStatus, ReviewPeriod, Subject
from .services.reports import EDITABLE


def _is_author(user: AnyUser, report: Report) -> bool:
    person = report.subject.person
    return person is not None and person.user_id is not None and person.user_id == user.pk


def can_edit_report(user: AnyUser, report: Report) -> bool:
    """The author edits their own report while it is a draft or returned.

    A collective report is drafted by the unit's secretary (on behalf of the head).
    """
    if report.status not in EDITABLE or report.subject.period.status == PeriodStatus.CLOSED:
        return False
    if report.subject.person_id is None:
        return has_role_on(user, report.subject.unit, ["run_review"])
    return _is_author(user, report)


def can_submit_report(user: AnyUser, report: Report) -> bool:
    return can_edit_report(user, report)


def can_return_report(user: AnyUser, report: Report) -> bool:
    """The secretary of the unit (or above) sends a submitted report back."""
    return has_role_on(user, report.subject.unit, ["run_review", "appraise"]) and not (
        _is_author(user, report)
    )


def can_comment_on_report(user: AnyUser, report: Report) -> bool:
    """Meeting participants (members of the unit) comment on circulated reports of others."""
    return (
        report.circulated_on is not None
        and not _is_author(user, report)
        and selectors.is_participant(user, report)
        and hasattr(user, "person")
    )


def can_respond_to_comment(user: AnyUser, comment: Comment) -> bool:
    report = comment.report
    if report.subject.person_id is None:
        return has_role_on(user, report.subject.unit, ["run_review"])
    return _is_author(user, report)


def can_circulate(user: AnyUser, period: ReviewPeriod, unit: OrgUnit) -> bool:
    return period.status == PeriodStatus.OPEN and has_role_on(user, unit, ["run_review"])


def can_issue_suggestion(user: AnyUser, subject: Subject) -> bool:
    """Officers and authorities of a superior level (or the same unit's overseers)."""
    return has_role_on(user, subject.unit, ["appraise", "decide"])


def can_manage_enrolment(user: AnyUser, period: ReviewPeriod) -> bool:
    """Organisation officers of the period's scope enrol subjects and override eligibility."""
    return has_role_on(user, period.scope, ["appraise", "administer"])


def can_override_eligibility(user: AnyUser, subject: Subject) -> bool:
    return has_role_on(user, subject.unit, ["appraise", "administer"])


def can_record_residence_comment(user: AnyUser, subject: Subject) -> bool:
    return has_role_on(user, subject.unit, ["run_review", "appraise"])


def can_create_period(user: AnyUser, unit: OrgUnit) -> bool:
    return has_role_on(user, unit, ["appraise", "administer"])


def can_confirm_placeholders(user: AnyUser, unit: OrgUnit) -> bool:
    """Opening a period whose rule set still has placeholders takes an administrator."""
    return has_role_on(user, unit, ["administer"])


def can_view_progress(user: AnyUser, unit: OrgUnit) -> bool:
    return has_role_on(user, unit, ["run_review", "appraise", "decide", "administer"])


def can_edit_schedule(user: AnyUser, unit: OrgUnit) -> bool:
    return has_role_on(user, unit, ["run_review", "appraise", "administer"])


def can_record_quarter_result(user: AnyUser, report: Report) -> bool:
    """The competent level (appraisal or decision role over the unit) records the result of a
    submitted quarterly self-assessment; never its author."""
    return (
        report.subject.period.is_quarterly
        and report.status == ReportStatus.SUBMITTED
        and has_role_on(user, report.subject.unit, ["appraise", "decide"])
        and not _is_author(user, report)
    )


def can_mark_central_cadre(user: AnyUser, person: Person) -> bool:
    """The organisation board (appraise) or an administrator over one of the person's units
    keeps the list of cadres managed by the Central Committee."""
    return any(
        has_role_on(user, membership.unit, ["appraise", "administer"])
        for membership in person.memberships.select_related("unit")
    )


def can_edit_point_split(user: AnyUser, unit: OrgUnit) -> bool:
    """A province's split of the 30 and 70 points between criteria groups is set by that
    province's administrators (a top-level unit of the tree is a province)."""
    return selectors.is_province(unit) and has_role_on(user, unit, ["administer"])
