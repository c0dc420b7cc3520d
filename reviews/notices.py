"""What the review's events tell the people concerned (called by the services, in their
transaction): drafts circulated to the meeting's participants, a comment or a suggestion
reaching the author of a report.

Each notice is keyed by the event, the object and the recipient (the notifications app stores
it once per key and day), so a retried task or a double click tells nobody twice. Titles are
stored in Vietnamese, the official language, like the deadline reminders.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications import services as notifications
from orgunits.models import Membership, OrgUnit

from .models import Circulation, Comment, Report, Suggestion

LANGUAGE = "vi"


class NoticeKind:
    """The `kind` of the notifications made here."""

    DRAFTS_CIRCULATED = "drafts_circulated"
    COMMENT_RECEIVED = "comment_received"
    SUGGESTION_RECEIVED = "suggestion_received"


def _fmt(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def role_holder_ids(codename: str, unit: OrgUnit) -> list[int]:
    """Users holding the role `codename` on the unit or one of its ancestors (direct or group
    grants), i.e. the role's holders for this unit."""
    from .reminders import _ancestor_paths, _grants  # one reading of guardian's grants

    holders = OrgUnit.objects.filter(path__in=_ancestor_paths([unit.path]))
    grants = _grants(codename, unit_ids=holders.values_list("pk", flat=True))
    return sorted({g.user_id for g in grants})


def current_member_user_ids(unit_id: int, on: dt.date) -> list[int]:
    """Users of the people who are members of the unit on the day."""
    return list(
        Membership.objects.filter(unit_id=unit_id, person__user__isnull=False)
        .filter(Q(end_date=None) | Q(end_date__gte=on))
        .values_list("person__user_id", flat=True)
        .distinct()
    )


def drafts_circulated(*, circulation: Circulation) -> int:
    """Each participant (a member of the unit) learns how many colleagues' drafts await their
    comments; authors are not counted for their own draft, nobody outside the unit hears."""
    day = circulation.circulated_on
    authors = dict(
        Report.objects.filter(
            subject__period_id=circulation.period_id,
            subject__unit_id=circulation.unit_id,
            circulated_on__isnull=False,
        ).values_list("pk", "subject__person__user_id")
    )
    if not authors:
        return 0
    by_count: dict[int, list[int]] = {}
    for user_id in current_member_user_ids(circulation.unit_id, day):
        count = sum(1 for author in authors.values() if author != user_id)
        if count:
            by_count.setdefault(count, []).append(user_id)
    created = 0
    with translation.override(LANGUAGE):
        for count, user_ids in by_count.items():
            created += notifications.announce(
                user_ids=user_ids,
                kind=NoticeKind.DRAFTS_CIRCULATED,
                item_key=f"circulation:{circulation.pk}:{circulation.meeting_on.isoformat()}",
                day=day,
                title=ngettext(
                    "%(count)d draft self-review sent for your comments",
                    "%(count)d draft self-reviews sent for your comments",
                    count,
                )
                % {"count": count},
                body=_("%(unit)s; the review meeting is on %(date)s.")
                % {"unit": circulation.unit.name, "date": _fmt(circulation.meeting_on)},
                url=reverse("reviews:my_reports"),
            )
    return created


def _author_user_id(report_id: int) -> int | None:
    return (
        Report.objects.filter(pk=report_id, subject__person__user__isnull=False)
        .values_list("subject__person__user_id", flat=True)
        .first()
    )


def comment_received(*, comment: Comment) -> int:
    """The report's author learns that a comment arrived; an anonymous comment is announced
    without its author and stamped with the day only."""
    user_id = _author_user_id(comment.report_id)
    if user_id is None:
        return 0
    with translation.override(LANGUAGE):
        if comment.is_anonymous or comment.author is None:
            body = _("An anonymous comment. Read it and answer it on your report's page.")
        else:
            body = _("From %(name)s. Read it and answer it on your report's page.") % {
                "name": comment.author.full_name
            }
        return notifications.announce(
            user_ids=[user_id],
            kind=NoticeKind.COMMENT_RECEIVED,
            item_key=f"report:{comment.report_id}:comment:{comment.pk}",
            day=comment.created_on,
            title=_("A comment on your self-review"),
            body=body,
            url=reverse("reviews:report_detail", args=[comment.report_id]),
            hide_time=comment.is_anonymous,
        )


def suggestion_received(*, suggestion: Suggestion, day: dt.date) -> int:
    """The subject learns that a superior level asks their report to address a point."""
    row = (
        Report.objects.filter(subject_id=suggestion.subject_id, subject__person__user__isnull=False)
        .values_list("pk", "subject__person__user_id")
        .first()
    )
    if row is None:
        return 0
    report_id, user_id = row
    with translation.override(LANGUAGE):
        return notifications.announce(
            user_ids=[user_id],
            kind=NoticeKind.SUGGESTION_RECEIVED,
            item_key=f"suggestion:{suggestion.pk}",
            day=day,
            title=_("A point your self-review must address"),
            body=_("%(unit)s asks your report to address: %(text)s")
            % {"unit": suggestion.issuing_unit.name, "text": suggestion.text[:300]},
            url=reverse("reviews:report_edit", args=[report_id]),
        )
