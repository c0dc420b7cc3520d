"""The follow-up ballot: a new round on exactly those who reached no level in a closed one."""

from __future__ import annotations

from django.db import transaction

from reviews.models import Subject

from ..exceptions import NoFollowUpNeeded
from ..models import BallotRound, CandidateResult, RoundKind, RoundStatus
from .ballots import prepare_round


def no_level_reached(ballot_round: BallotRound) -> list[Subject]:
    """Those on a closed rating ballot to whom the vote rule proposed no level."""
    if ballot_round.kind != RoundKind.RATING or ballot_round.status != RoundStatus.CLOSED:
        return []
    results = CandidateResult.objects.filter(round=ballot_round, proposed="").select_related(
        "candidate__subject__person", "candidate__subject__unit"
    )
    return [r.candidate.subject for r in results.order_by("candidate__position")]


@transaction.atomic
def prepare_follow_up_round(*, ballot_round: BallotRound) -> BallotRound:
    """Prepare a follow-up ballot on exactly those who reached no level in `ballot_round`
    (same kind and mode); a follow-up already prepared for them is returned, not repeated."""
    subjects = no_level_reached(ballot_round)
    if not subjects:
        raise NoFollowUpNeeded(
            f"Không có ai chưa đạt mức nào ở vòng {ballot_round.number}; không cần bỏ phiếu lại."
        )
    wanted = {s.pk for s in subjects}
    for later in ballot_round.meeting.rounds.filter(
        number__gt=ballot_round.number, status=RoundStatus.PREPARED, kind=ballot_round.kind
    ):
        if set(later.candidates.values_list("subject_id", flat=True)) == wanted:
            return later
    return prepare_round(
        meeting=ballot_round.meeting,
        kind=ballot_round.kind,
        mode=ballot_round.mode,
        subject_ids=sorted(wanted),
    )
