"""What the rating's events tell the people concerned (called by the services, in their
transaction): a meeting convened, a ballot round open to those present, levels waiting for the
competent authority's decision, a result published.

Keyed by event, object and recipient (stored once per key and day by the notifications app);
titles in Vietnamese, the official language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications import services as notifications
from orgunits.models import OrgUnit
from reviews.models import ReviewPeriod
from reviews.notices import role_holder_ids

from .models import Attendance, BallotRound, Decision, Meeting, Rating, RatingStatus, RoundMode

LANGUAGE = "vi"
DECIDE_PERMISSION = "decide"


class NoticeKind:
    """The `kind` of the notifications made here."""

    MEETING_CONVENED = "meeting_convened"
    ROUND_OPEN = "round_open"
    AWAITING_DECISION = "awaiting_decision"
    RESULT_PUBLISHED = "result_published"


def _fmt(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def meeting_convened(*, meeting: Meeting, today: dt.date | None = None) -> int:
    """Every convened person with an account learns the meeting's date and place; the chair,
    who set it up, is not told."""
    user_ids = Attendance.objects.filter(meeting=meeting, person__user__isnull=False).values_list(
        "person__user_id", flat=True
    )
    recipients = [pk for pk in user_ids if pk != meeting.chair_id]
    place = f" – {meeting.location}" if meeting.location else ""
    with translation.override(LANGUAGE):
        return notifications.announce(
            user_ids=recipients,
            kind=NoticeKind.MEETING_CONVENED,
            item_key=f"meeting:{meeting.pk}",
            day=today or timezone.localdate(),
            title=_("You are convened to %(title)s on %(date)s")
            % {"title": meeting.title, "date": _fmt(meeting.starts_on)},
            body=f"{meeting.unit.name}{place}",
            url=reverse("ratings:meeting_detail", args=[meeting.pk]),
        )


def round_opened(*, ballot_round: BallotRound) -> int:
    """The people marked present learn that an electronic round waits for their vote."""
    if ballot_round.mode != RoundMode.ELECTRONIC:
        return 0
    meeting = ballot_round.meeting
    user_ids = Attendance.objects.filter(
        meeting_id=ballot_round.meeting_id, present=True, person__user__isnull=False
    ).values_list("person__user_id", flat=True)
    with translation.override(LANGUAGE):
        return notifications.announce(
            user_ids=user_ids,
            kind=NoticeKind.ROUND_OPEN,
            item_key=f"round:{ballot_round.pk}",
            day=timezone.localdate(ballot_round.opened_at),
            title=_("Ballot round %(number)d is open: vote now") % {"number": ballot_round.number},
            body=meeting.title,
            url=reverse("ratings:round_vote", args=[ballot_round.pk]),
        )


def awaiting_decision(
    *, period: ReviewPeriod, unit: OrgUnit, ratings: Sequence[Rating], today: dt.date | None = None
) -> int:
    """After an appraisal, the competent authority for the unit learns how many levels wait
    for their decision."""
    pending = sum(1 for r in ratings if r.status == RatingStatus.APPRAISED)
    if not pending:
        return 0
    with translation.override(LANGUAGE):
        return notifications.announce(
            user_ids=role_holder_ids(DECIDE_PERMISSION, unit),
            kind=NoticeKind.AWAITING_DECISION,
            item_key=f"period:{period.pk}:unit:{unit.pk}:appraised",
            day=today or timezone.localdate(),
            title=ngettext(
                "%(count)d appraised level awaits your decision: %(unit)s",
                "%(count)d appraised levels await your decision: %(unit)s",
                pending,
            )
            % {"count": pending, "unit": unit.name},
            body=period.name,
            url=reverse("ratings:appraisal_page", kwargs={"pk": period.pk, "unit_pk": unit.pk}),
        )


def result_published(*, decision: Decision) -> int:
    """Each person whose level the decision publishes learns that their result is out."""
    user_ids = Rating.objects.filter(
        decision=decision, status=RatingStatus.PUBLISHED, subject__person__user__isnull=False
    ).values_list("subject__person__user_id", flat=True)
    with translation.override(LANGUAGE):
        return notifications.announce(
            user_ids=user_ids,
            kind=NoticeKind.RESULT_PUBLISHED,
            item_key=f"decision:{decision.pk}",
            day=timezone.localdate(decision.published_at),
            title=_("Your rating result has been published"),
            body=decision.period.name,
            url=reverse("ratings:my_results"),
        )
