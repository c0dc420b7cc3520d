"""Ballot rounds: prepare, open, cast, close and count; paper ballots by double entry.

Secrecy rules enforced here (docs/ballot-secrecy.md):
- casting writes a Participation (who) and a Ballot (what) with no link between them;
- one ballot per voter per round is enforced by the database (unique participation), so a
  double click or a second tab counts once;
- at close the ballots are rewritten in random order, and the invariant
  ballots = participations is checked;
- no function counts choices of an open round, and none counts a subset of a round's ballots.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections import Counter
from collections.abc import Mapping

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from orgunits.models import PartyStatus, Person
from reviews import selectors as review_selectors
from reviews.models import Eligibility, Subject, SubjectClass

from .. import notices
from ..exceptions import (
    AlreadyVoted,
    AnotherRoundOpen,
    BallotInvariantBroken,
    BallotsExceedIssued,
    InvalidBallot,
    MeetingNotEditable,
    NoCandidates,
    NotCountingCommittee,
    NotEligibleToVote,
    PaperEntriesDisagree,
    PaperEntryInvalid,
    QuorumNotMet,
    RoundNotClosed,
    RoundNotOpen,
    SuspendedFromVoting,
    VotersMissing,
)
from ..models import (
    Attendance,
    Ballot,
    BallotRound,
    Candidate,
    CandidateResult,
    Meeting,
    MeetingStatus,
    PaperEntry,
    Participation,
    RoundKind,
    RoundMode,
    RoundStatus,
    RoundTally,
)
from ..tally import Figures, VoteRule, confidence_flags, propose, quorum_met
from .meetings import LeftOut, exclusion_reason, vote_rule_for

CONFIDENCE_OPTIONS = [
    {"code": "cao", "label": "Tín nhiệm cao"},
    {"code": "tin_nhiem", "label": "Tín nhiệm"},
    {"code": "thap", "label": "Tín nhiệm thấp"},
]
_random = secrets.SystemRandom()


def _options_and_rule(meeting: Meeting, kind: str) -> tuple[list[dict[str, str]], VoteRule]:
    ruleset = review_selectors.ruleset_for_unit(meeting.period, meeting.unit)
    rule = vote_rule_for(meeting)
    if kind == RoundKind.CONFIDENCE:
        confidence = ruleset.confidence_vote
        # QĐ 96: a 2/3 quorum; the result is read as shares of those convened.
        rule = VoteRule(
            rule="plurality",
            base="convened",
            threshold=confidence.low_resign_threshold,
            strict=True,
            quorum=confidence.quorum,
            min_voters_for_counts=rule.min_voters_for_counts,
            allow_revote=False,
        )
        return CONFIDENCE_OPTIONS, rule
    options = [{"code": level.code, "label": level.name} for level in ruleset.levels]
    return options, rule


# Who may stand on a ballot paper: a rating ballot proposes levels, so only those rated; the
# consultative rounds take anyone reviewed. Eligibility is enrolment's (or an officer's).
ON_BALLOT = {
    RoundKind.RATING: (Eligibility.ELIGIBLE, Eligibility.CAPPED),
    RoundKind.OPINION_POLL: (Eligibility.ELIGIBLE, Eligibility.CAPPED, Eligibility.NOT_RATED),
    RoundKind.CONFIDENCE: (Eligibility.ELIGIBLE, Eligibility.CAPPED, Eligibility.NOT_RATED),
}


def _selection(meeting: Meeting, kind: str, subject_ids: list[int] | None) -> list[Subject]:
    agenda = list(meeting.agenda.select_related("subject__person"))
    if subject_ids is not None:
        return [item.subject for item in agenda if item.subject_id in set(subject_ids)]
    if kind == RoundKind.CONFIDENCE:
        return [i.subject for i in agenda if i.subject.subject_class == SubjectClass.LEADER]
    if kind == RoundKind.OPINION_POLL:
        return [
            i.subject
            for i in agenda
            if i.subject.subject_class in (SubjectClass.COLLECTIVE, SubjectClass.LEADER)
        ]
    return [i.subject for i in agenda if i.subject.person_id is not None]


def left_off_ballot(meeting: Meeting, kind: str) -> list[LeftOut]:
    """Those on the agenda whom a ballot of this kind leaves out (not reviewed, not rated)."""
    return [
        LeftOut(subject, exclusion_reason(subject))
        for subject in _selection(meeting, kind, None)
        if subject.eligibility not in ON_BALLOT[kind]
    ]


@transaction.atomic
def prepare_round(
    *,
    meeting: Meeting,
    kind: str = RoundKind.RATING,
    mode: str = RoundMode.ELECTRONIC,
    subject_ids: list[int] | None = None,
) -> BallotRound:
    """Prepare a ballot paper: by default every individual on the agenda (for a confidence
    vote, the leaders; for an opinion poll, the collective and its leaders), leaving out
    those not reviewed and, on a rating ballot, those not rated (see left_off_ballot)."""
    if meeting.status == MeetingStatus.CLOSED:
        raise MeetingNotEditable("Hội nghị đã kết thúc.")
    chosen = [
        subject
        for subject in _selection(meeting, kind, subject_ids)
        if subject.eligibility in ON_BALLOT[kind]
    ]
    if not chosen:
        raise NoCandidates("Không có đối tượng nào để đưa vào phiếu.")
    options, rule = _options_and_rule(meeting, kind)
    # Serialise preparations on the meeting so two rounds never take the same number.
    Meeting.objects.select_for_update().filter(pk=meeting.pk).exists()
    number = (meeting.rounds.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    ballot_round = BallotRound.objects.create(
        meeting=meeting, number=number, kind=kind, mode=mode, options=options, rule=rule.as_json()
    )
    Candidate.objects.bulk_create(
        [
            Candidate(round=ballot_round, subject=subject, position=position)
            for position, subject in enumerate(chosen, start=1)
        ]
    )
    return ballot_round


@transaction.atomic
def open_round(*, ballot_round: BallotRound, now=None) -> BallotRound:
    """Open the round after checking the quorum; one open round per meeting at a time."""
    ballot_round = BallotRound.objects.select_for_update().get(pk=ballot_round.pk)
    if ballot_round.status != RoundStatus.PREPARED:
        raise RoundNotOpen("Vòng bỏ phiếu này đã được mở trước đó.")
    # Two rounds of one meeting opened at the same moment: the meeting lock lets one through.
    Meeting.objects.select_for_update().filter(pk=ballot_round.meeting_id).exists()
    if BallotRound.objects.filter(
        meeting_id=ballot_round.meeting_id, status=RoundStatus.OPEN
    ).exists():
        raise AnotherRoundOpen("Đang có một vòng bỏ phiếu khác chưa kết thúc.")
    meeting = ballot_round.meeting
    attendance = Attendance.objects.filter(meeting=meeting)
    if not review_selectors.ruleset_for_unit(meeting.period, meeting.unit).vote.suspended_in_quorum:
        attendance = attendance.exclude(person__party_status__in=NO_BALLOT_PARTY_STATUSES)
    convened = attendance.count()
    present = attendance.filter(present=True).count()
    rule = VoteRule.from_json(ballot_round.rule)
    if not quorum_met(rule, convened=convened, present=present):
        raise QuorumNotMet(
            f"Chưa đủ số lượng: có mặt {present}/{convened}, cần ít nhất "
            f"{float(rule.quorum) * 100:.4g}% số được triệu tập."
        )
    ballot_round.status = RoundStatus.OPEN
    ballot_round.convened_count = convened
    ballot_round.present_count = present
    ballot_round.opened_at = now or timezone.now()
    ballot_round.save()
    # The meeting is under way once a round opens (as when the roll is first taken).
    Meeting.objects.filter(pk=meeting.pk, status=MeetingStatus.PLANNED).update(
        status=MeetingStatus.IN_PROGRESS
    )
    notices.round_opened(ballot_round=ballot_round)
    return ballot_round


# Suspended from party activities (đình chỉ sinh hoạt đảng): no vote, so no ballot, whatever
# the rule set says about counting them for the quorum (vote.suspended_in_quorum).
NO_BALLOT_PARTY_STATUSES = (PartyStatus.SUSPENDED,)


def voters_of(ballot_round: BallotRound):
    """The attendance rows of those issued a ballot: present and not suspended."""
    return Attendance.objects.filter(meeting_id=ballot_round.meeting_id, present=True).exclude(
        person__party_status__in=NO_BALLOT_PARTY_STATUSES
    )


def issued_count(ballot_round: BallotRound) -> int:
    """Ballots issued in an electronic round; attendance is frozen while it is open."""
    return voters_of(ballot_round).count()


def present_without_ballot(ballot_round: BallotRound) -> list[Person]:
    """Those present who receive no ballot (suspended from party activities)."""
    return [
        a.person
        for a in Attendance.objects.filter(
            meeting_id=ballot_round.meeting_id,
            present=True,
            person__party_status__in=NO_BALLOT_PARTY_STATUSES,
        ).select_related("person")
    ]


def _lock_round_for_casting(round_id: int) -> str:
    # FOR SHARE: voters proceed concurrently; closing (FOR UPDATE) waits for them, and votes
    # arriving after it see the closed status.
    with connection.cursor() as cursor:
        cursor.execute("SELECT status FROM ratings_ballotround WHERE id = %s FOR SHARE", [round_id])
        row = cursor.fetchone()
    if row is None:
        raise RoundNotOpen("Không có vòng bỏ phiếu này.")
    return row[0]


def _validate_choices(ballot_round: BallotRound, choices: Mapping[str, str]) -> dict[str, str]:
    candidate_ids = {str(pk) for pk in ballot_round.candidates.values_list("pk", flat=True)}
    codes = {option["code"] for option in ballot_round.options}
    cleaned = {str(k): str(v) for k, v in choices.items()}
    if set(cleaned) != candidate_ids:
        raise InvalidBallot("Phiếu phải chọn một mức cho mỗi người có tên trong phiếu.")
    if any(value not in codes for value in cleaned.values()):
        raise InvalidBallot("Phiếu có lựa chọn không hợp lệ.")
    return cleaned


def _receipt_hash(receipt: str) -> str:
    return hashlib.sha256(receipt.encode()).hexdigest()


def cast_ballot(
    *, ballot_round: BallotRound, voter: Person, choices: Mapping[str, str], receipt: str = ""
) -> str:
    """Record that `voter` voted and, separately, what was voted; returns the voter's receipt.

    A second ballot by the same voter raises AlreadyVoted and writes nothing — unless the rule
    set allows re-voting and the voter presents the receipt of their first ballot.
    """
    try:
        with transaction.atomic():
            status = _lock_round_for_casting(ballot_round.pk)
            if status != RoundStatus.OPEN:
                raise RoundNotOpen("Vòng bỏ phiếu đã đóng hoặc chưa mở.")
            if ballot_round.mode != RoundMode.ELECTRONIC:
                raise RoundNotOpen("Vòng này bỏ phiếu giấy.")
            if not Attendance.objects.filter(
                meeting_id=ballot_round.meeting_id, person=voter, present=True
            ).exists():
                raise NotEligibleToVote("Chỉ người có mặt tại hội nghị mới được bỏ phiếu.")
            if voter.party_status in NO_BALLOT_PARTY_STATUSES:
                raise SuspendedFromVoting(
                    f"{voter.full_name} đang bị đình chỉ sinh hoạt đảng nên không được bỏ phiếu."
                )
            cleaned = _validate_choices(ballot_round, choices)
            rule = VoteRule.from_json(ballot_round.rule)
            if receipt and rule.allow_revote:
                replaced = Ballot.objects.filter(
                    round=ballot_round, receipt_hash=_receipt_hash(receipt)
                ).update(choices=cleaned)
                if replaced == 1:
                    return receipt
            Participation.objects.create(round=ballot_round, voter=voter)
            new_receipt = secrets.token_urlsafe(18) if rule.allow_revote else ""
            Ballot.objects.create(
                round=ballot_round,
                choices=cleaned,
                receipt_hash=_receipt_hash(new_receipt) if new_receipt else "",
            )
            return new_receipt
    except IntegrityError as exc:
        raise AlreadyVoted("Bạn đã bỏ phiếu trong vòng này.") from exc


def participation_count(ballot_round: BallotRound) -> int:
    """How many have voted so far: the only figure shown while a round is open."""
    return Participation.objects.filter(round=ballot_round).count()


@transaction.atomic
def close_round(
    *, ballot_round: BallotRound, now=None, missing_confirmed: bool = True
) -> BallotRound:
    """Close an electronic round: check ballots = participations, rewrite the ballots in
    random order, count them and record the proposal for every candidate.

    With `missing_confirmed=False` a round where some of those issued a ballot have not voted
    is refused with VotersMissing (the chair's console asks "3/4 đã bỏ phiếu — đóng phiếu?")."""
    ballot_round = BallotRound.objects.select_for_update().get(pk=ballot_round.pk)
    if ballot_round.status != RoundStatus.OPEN:
        raise RoundNotOpen("Vòng bỏ phiếu chưa mở hoặc đã đóng.")
    if ballot_round.mode != RoundMode.ELECTRONIC:
        raise RoundNotOpen("Vòng bỏ phiếu giấy được đóng khi tổ kiểm phiếu nhập khớp kết quả.")
    participations = Participation.objects.filter(round=ballot_round).count()
    issued = issued_count(ballot_round)
    if not missing_confirmed and participations < issued:
        raise VotersMissing(participations, issued)
    choices = list(Ballot.objects.filter(round=ballot_round).values_list("choices", flat=True))
    if len(choices) != participations:
        raise BallotInvariantBroken(
            f"Số phiếu ({len(choices)}) khác số người đã bỏ phiếu ({participations}); "
            "vòng bỏ phiếu chưa được đóng, cần kiểm tra."
        )
    # Ballots were issued to those present at opening (attendance is then frozen); more coming
    # back means the base of the count is wrong, so nothing is counted.
    issued = min(issued, ballot_round.present_count)
    if len(choices) > issued:
        raise BallotsExceedIssued(
            f"Số phiếu thu vào ({len(choices)}) nhiều hơn số phiếu phát ra "
            f"({issued}, bằng số người có mặt được phát phiếu khi mở vòng); vòng bỏ phiếu "
            "chưa được đóng, cần kiểm tra."
        )
    _rewrite_in_random_order(ballot_round, choices)
    ballot_round.status = RoundStatus.CLOSED
    ballot_round.closed_at = now or timezone.now()
    ballot_round.save()
    counts = _count(ballot_round, choices)
    _record_results(
        ballot_round,
        counts,
        issued=issued,
        returned=len(choices),
        valid=len(choices),
        invalid=0,
    )
    return ballot_round


def _rewrite_in_random_order(ballot_round: BallotRound, choices: list[dict]) -> None:
    # New rows with new random ids, inserted in a shuffled order by this one transaction:
    # their physical order, ctid and xmin say nothing about who voted when.
    _random.shuffle(choices)
    Ballot.objects.filter(round=ballot_round).delete()
    Ballot.objects.bulk_create(
        [Ballot(id=uuid.uuid4(), round=ballot_round, choices=c, receipt_hash="") for c in choices]
    )


def _count(ballot_round: BallotRound, choices: list[dict]) -> dict[str, Counter]:
    counts: dict[str, Counter] = {
        str(pk): Counter() for pk in ballot_round.candidates.values_list("pk", flat=True)
    }
    for ballot in choices:
        for candidate_id, option in ballot.items():
            if candidate_id in counts:
                counts[candidate_id][option] += 1
    return counts


def _record_results(
    ballot_round: BallotRound,
    counts: Mapping[str, Mapping[str, int]],
    *,
    issued: int,
    returned: int,
    valid: int,
    invalid: int,
) -> None:
    rule = VoteRule.from_json(ballot_round.rule)
    order = [option["code"] for option in ballot_round.options]
    figures = Figures(
        convened=ballot_round.convened_count, present=ballot_round.present_count, valid=valid
    )
    ruleset = review_selectors.ruleset_for_unit(
        ballot_round.meeting.period, ballot_round.meeting.unit
    )
    results = []
    for candidate in ballot_round.candidates.all():
        candidate_counts = counts.get(str(candidate.pk), {})
        proposal = propose(candidate_counts, order, rule, figures)
        computation = proposal.as_json()
        proposed = proposal.level or ""
        if ballot_round.kind == RoundKind.CONFIDENCE:
            flags = confidence_flags(
                int(candidate_counts.get("thap", 0)),
                figures.convened,
                resign_threshold=ruleset.confidence_vote.low_resign_threshold,
                dismiss_threshold=ruleset.confidence_vote.low_dismiss_threshold,
            )
            computation["low_share"] = str(flags.low_share)
            computation["may_resign"] = flags.may_resign
            computation["dismissal"] = flags.dismissal
        results.append(
            CandidateResult(
                round=ballot_round,
                candidate=candidate,
                counts=dict(proposal.counts),
                proposed=proposed,
                computation=computation,
            )
        )
    CandidateResult.objects.bulk_create(results)
    RoundTally.objects.create(
        round=ballot_round,
        convened=ballot_round.convened_count,
        present=ballot_round.present_count,
        issued=issued,
        returned=returned,
        valid=valid,
        invalid=invalid,
        quorum_met=quorum_met(
            rule, convened=ballot_round.convened_count, present=ballot_round.present_count
        ),
    )


def results_of(ballot_round: BallotRound):
    """The per-candidate results of a closed round; no figure exists before close."""
    if ballot_round.status != RoundStatus.CLOSED:
        raise RoundNotClosed("Chưa có kết quả: vòng bỏ phiếu chưa đóng.")
    return (
        CandidateResult.objects.filter(round=ballot_round)
        .select_related("candidate__subject__person", "candidate__subject__unit")
        .order_by("candidate__position")
    )


def counts_visible_to_members(ballot_round: BallotRound) -> bool:
    """In a small round (fewer than k voters) members see only the outcome (R: k-voter rule)."""
    rule = VoteRule.from_json(ballot_round.rule)
    tally = getattr(ballot_round, "tally", None)
    voters = tally.valid if tally else 0
    return voters >= rule.min_voters_for_counts


# -- paper ballots ------------------------------------------------------------------------------


@transaction.atomic
def open_paper_round(*, ballot_round: BallotRound, now=None) -> BallotRound:
    """A paper round opens like an electronic one (quorum checked); ballots are then counted
    by hand and entered twice."""
    return open_round(ballot_round=ballot_round, now=now)


def _validate_entry(
    ballot_round: BallotRound,
    *,
    issued: int,
    returned: int,
    valid: int,
    invalid: int,
    counts: Mapping[str, Mapping[str, int]],
) -> dict[str, dict[str, int]]:
    problems = []
    figures = {
        "số phiếu phát ra": issued,
        "số phiếu thu vào": returned,
        "số phiếu hợp lệ": valid,
        "số phiếu không hợp lệ": invalid,
    }
    problems.extend(f"{label} không được âm" for label, value in figures.items() if value < 0)
    if issued > ballot_round.present_count:
        problems.append(
            f"số phiếu phát ra ({issued}) lớn hơn số có mặt ({ballot_round.present_count})"
        )
    if returned > issued:
        problems.append(f"số phiếu thu vào ({returned}) lớn hơn số phát ra ({issued})")
    if valid + invalid != returned:
        problems.append(
            f"phiếu hợp lệ ({valid}) cộng phiếu không hợp lệ ({invalid}) khác số thu vào "
            f"({returned})"
        )
    codes = [o["code"] for o in ballot_round.options]
    candidates = {str(c.pk): c for c in ballot_round.candidates.select_related("subject__person")}
    cleaned: dict[str, dict[str, int]] = {}
    for candidate_id, candidate in candidates.items():
        row = counts.get(candidate_id) or {}
        values = {code: int(row.get(code) or 0) for code in codes}
        if any(v < 0 for v in values.values()):
            problems.append(f"{candidate.subject}: số phiếu không được âm")
        if sum(values.values()) > valid:
            problems.append(
                f"{candidate.subject}: tổng số phiếu các mức ({sum(values.values())}) lớn hơn số "
                f"phiếu hợp lệ ({valid})"
            )
        cleaned[candidate_id] = values
    if problems:
        raise PaperEntryInvalid("Số liệu nhập chưa hợp lệ: " + "; ".join(problems) + ".")
    return cleaned


@transaction.atomic
def enter_paper_count(
    *,
    ballot_round: BallotRound,
    entered_by: Person,
    issued: int,
    returned: int,
    valid: int,
    invalid: int,
    counts: Mapping[str, Mapping[str, int]],
    now=None,
) -> BallotRound:
    """One committee member's entry. When two members' entries match, the round closes with
    their figures; when they differ, the second entry is refused with the differences."""
    ballot_round = BallotRound.objects.select_for_update().get(pk=ballot_round.pk)
    if ballot_round.mode != RoundMode.PAPER or ballot_round.status != RoundStatus.OPEN:
        raise RoundNotOpen("Vòng bỏ phiếu giấy chưa mở hoặc đã kết thúc.")
    if not Attendance.objects.filter(
        meeting_id=ballot_round.meeting_id, person=entered_by, is_counting_member=True
    ).exists():
        raise NotCountingCommittee("Chỉ thành viên tổ kiểm phiếu được nhập kết quả.")
    cleaned = _validate_entry(
        ballot_round, issued=issued, returned=returned, valid=valid, invalid=invalid, counts=counts
    )
    other = PaperEntry.objects.filter(round=ballot_round).exclude(entered_by=entered_by).first()
    if other is not None:
        differences = _differences(ballot_round, other, issued, returned, valid, invalid, cleaned)
        if differences:
            raise PaperEntriesDisagree(differences)
    PaperEntry.objects.update_or_create(
        round=ballot_round,
        entered_by=entered_by,
        defaults={
            "issued": issued,
            "returned": returned,
            "valid": valid,
            "invalid": invalid,
            "counts": cleaned,
        },
    )
    if other is not None:
        ballot_round.status = RoundStatus.CLOSED
        ballot_round.closed_at = now or timezone.now()
        ballot_round.save()
        _record_results(
            ballot_round, cleaned, issued=issued, returned=returned, valid=valid, invalid=invalid
        )
    return ballot_round


def _differences(ballot_round, other, issued, returned, valid, invalid, cleaned) -> list[str]:
    labels = {o["code"]: o["code"] for o in ballot_round.options}
    names = {
        str(c.pk): str(c.subject) for c in ballot_round.candidates.select_related("subject__person")
    }
    out = []
    for label, mine, theirs in (
        ("phiếu phát ra", issued, other.issued),
        ("phiếu thu vào", returned, other.returned),
        ("phiếu hợp lệ", valid, other.valid),
        ("phiếu không hợp lệ", invalid, other.invalid),
    ):
        if mine != theirs:
            out.append(f"{label}: lần trước {theirs}, lần này {mine}")
    for candidate_id, values in cleaned.items():
        previous = other.counts.get(candidate_id, {})
        for code, value in values.items():
            if int(previous.get(code, 0)) != value:
                out.append(
                    f"{names[candidate_id]}, mức {labels[code]}: lần trước "
                    f"{previous.get(code, 0)}, lần này {value}"
                )
    return out
