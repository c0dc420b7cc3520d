"""Ballot rounds: opening, casting, closing, counting, paper double entry, and ballot secrecy.

The secrecy tests follow docs/ballot-secrecy.md: what a ballot row holds, what is (not) audited,
what the close does to the stored rows, and that no code can count a subset of a round.
"""

from __future__ import annotations

import ast
import hashlib
import json
import threading
from pathlib import Path

import pghistory.models
import pgtrigger
import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, models

from orgunits.models import PartyStatus, Person
from ratings import permissions
from ratings.exceptions import (
    AlreadyVoted,
    AnotherRoundOpen,
    BallotInvariantBroken,
    BallotsExceedIssued,
    InvalidBallot,
    NoCandidates,
    NotCountingCommittee,
    NotEligibleToVote,
    PaperEntriesDisagree,
    PaperEntryInvalid,
    QuorumNotMet,
    RoundNotClosed,
    RoundNotOpen,
)
from ratings.models import (
    Attendance,
    Ballot,
    CandidateResult,
    PaperEntry,
    Participation,
    RoundKind,
    RoundMode,
    RoundStatus,
    RoundTally,
)
from ratings.services import ballots, meetings
from reviews.models import Eligibility, Subject, SubjectClass
from reviews.services import enrolment

from ..factories import UserFactory
from .conftest import everyone

RATINGS_DIR = Path(ballots.__file__).resolve().parents[1]


def _counts(ballot_round) -> tuple[int, int]:
    return (
        Participation.objects.filter(round=ballot_round).count(),
        Ballot.objects.filter(round=ballot_round).count(),
    )


def _ballot_rows(ballot_round, order_by: str = "ctid") -> list[tuple[str, str, str, dict]]:
    # System columns are only reachable with raw SQL; ctid order is the physical order.
    select = "SELECT ctid::text, xmin::text, id::text, choices FROM ratings_ballot "
    query = {
        "ctid": select + "WHERE round_id = %s ORDER BY ctid",
        "id": select + "WHERE round_id = %s ORDER BY id",
    }[order_by]
    with connection.cursor() as cursor:
        cursor.execute(query, [ballot_round.pk])
        return [
            (ctid, xmin, pk, json.loads(choices) if isinstance(choices, str) else choices)
            for ctid, xmin, pk, choices in cursor.fetchall()
        ]


# -- what a ballot is ----------------------------------------------------------------------------


def test_ballot_model_does_hold_no_voter_time_or_address_when_introspected():
    user_model = get_user_model()
    fields = Ballot._meta.get_fields()
    assert {f.name for f in fields} == {"id", "round", "choices", "receipt_hash"}
    for field in fields:
        assert field.related_model not in (Person, user_model, Participation)
        assert not isinstance(
            field, models.DateField | models.TimeField | models.GenericIPAddressField
        )
        words = set(field.name.split("_"))
        assert not words & {"voter", "person", "user", "ip", "session", "time", "at", "on"}
    # A random id: no sequence that would number the ballots in voting order.
    assert isinstance(Ballot._meta.pk, models.UUIDField)
    assert Ballot._meta.pk.default.__name__ == "uuid4"
    assert not Ballot._meta.ordering
    # Who voted is recorded without when.
    assert {f.name for f in Participation._meta.get_fields()} == {"id", "round", "voter"}


def test_ballot_tables_does_have_no_history_when_audited(db):
    secret = {Ballot, Participation}
    for model in apps.get_models():
        if issubclass(model, pghistory.models.Event):
            assert model.pgh_tracked_model not in secret, model
    assert not [t for m, t in pgtrigger.registered() if m in secret]
    query = "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal"
    with connection.cursor() as cursor:
        for table in ("ratings_ballot", "ratings_participation"):
            cursor.execute(query, [table])
            assert cursor.fetchone()[0] == 0, table
        cursor.execute(query, ["ratings_ballotround"])
        assert cursor.fetchone()[0] > 0  # the query does see pghistory's triggers


def _calls(tree: ast.AST):
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            yield node, parents


def _is_ballot_manager(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "objects"
        and isinstance(node.value, ast.Name)
        and node.value.id == "Ballot"
    )


def test_ratings_code_does_query_ballots_only_by_whole_round_when_scanned():
    """No function or URL tallies a subset of voters: every query on ballots selects one whole
    round; the only narrower one finds the voter's own ballot by receipt to replace it."""
    files = sorted(RATINGS_DIR.rglob("*.py"))
    assert RATINGS_DIR / "services" / "ballots.py" in files
    seen = 0
    for path in files:
        source = path.read_text()
        where = path.relative_to(RATINGS_DIR)
        assert "ratings_ballot " not in source and "ratings_ballot\n" not in source, where
        tree = ast.parse(source)
        for call, parents in _calls(tree):
            method = call.func.attr
            if isinstance(call.func.value, ast.Attribute) and call.func.value.attr == "ballots":
                # The reverse manager (round.ballots) may be counted, never narrowed.
                assert method not in {"filter", "exclude", "get", "annotate", "values"}, where
            if not _is_ballot_manager(call.func.value):
                continue
            seen += 1
            assert method in {"filter", "create", "bulk_create"}, (where, call.lineno)
            if method != "filter":
                continue
            kwargs = [k.arg for k in call.keywords]
            assert not call.args and kwargs[:1] in (["round"], ["round_id"]), (where, call.lineno)
            extra = set(kwargs[1:])
            assert extra <= {"receipt_hash"}, (where, call.lineno)
            if extra:
                parent = parents[call]
                assert isinstance(parent, ast.Attribute) and parent.attr == "update", where
    assert seen >= 4


# -- opening -------------------------------------------------------------------------------------


def test_open_round_rejects_round_when_quorum_not_met(make_meeting):
    convened = make_meeting(4, present=1)
    ballot_round = convened.prepare()
    with pytest.raises(QuorumNotMet, match="có mặt 1/4"):
        ballots.open_round(ballot_round=ballot_round)
    ballot_round.refresh_from_db()
    assert ballot_round.status == RoundStatus.PREPARED


def test_open_round_rejects_confidence_vote_when_under_two_thirds_present(make_meeting):
    convened = make_meeting(7, present=4)  # 4/7 ≥ 1/2 but < 2/3 (QĐ 96)
    ballots.close_round(ballot_round=ballots.open_round(ballot_round=convened.prepare()))
    with pytest.raises(QuorumNotMet, match=r"66\.67%"):
        ballots.open_round(ballot_round=convened.prepare(kind=RoundKind.CONFIDENCE))


def test_open_round_rejects_second_round_when_another_is_open(make_meeting):
    convened = make_meeting(3)
    first, second = convened.prepare(), convened.prepare()
    assert (first.number, second.number) == (1, 2)
    first = ballots.open_round(ballot_round=first)
    assert (first.convened_count, first.present_count) == (3, 3)
    with pytest.raises(AnotherRoundOpen):
        ballots.open_round(ballot_round=second)
    with pytest.raises(RoundNotOpen):
        ballots.open_round(ballot_round=first)
    ballots.close_round(ballot_round=first)
    assert ballots.open_round(ballot_round=second).status == RoundStatus.OPEN


def test_prepare_round_does_list_individuals_when_rating(make_meeting):
    convened = make_meeting(4, leaders=1)
    candidates = convened.candidates(convened.prepare())
    assert [c.subject.person for c in candidates] == [
        item.subject.person
        for item in convened.meeting.agenda.filter(subject__person__isnull=False)
    ]
    assert len(candidates) == 4
    assert [c.position for c in candidates] == [1, 2, 3, 4]


def test_prepare_round_does_list_collective_and_leaders_when_opinion_poll(make_meeting, tree):
    convened = make_meeting(4, leaders=1)
    candidates = convened.candidates(convened.prepare(kind=RoundKind.OPINION_POLL))
    classes = [c.subject.subject_class for c in candidates]
    # In agenda order: the party organisation after its members (Art. 12(2)).
    assert classes == [SubjectClass.LEADER, SubjectClass.LEADER, SubjectClass.COLLECTIVE]
    assert candidates[-1].subject.unit == tree.cell_a
    assert candidates[-1].subject.person is None


def test_prepare_round_does_leave_out_members_not_reviewed_or_not_rated_R_E1(
    make_meeting, org_officer
):
    convened = make_meeting(5)
    # After the agenda was built: one member is suspended (enrolment recomputes them as not
    # reviewed), and an officer decides another is reviewed but not rated.
    suspended, not_rated = convened.people[2], convened.people[3]
    suspended.party_status = PartyStatus.SUSPENDED
    suspended.save()
    enrolment.enrol_period(period=convened.period)
    enrolment.override_eligibility(
        subject=Subject.objects.get(period=convened.period, person=not_rated),
        eligibility=Eligibility.NOT_RATED,
        reason="Chuyển sinh hoạt đảng tạm thời, đánh giá ở nơi sinh hoạt chính thức.",
        user=org_officer,
    )
    candidates = convened.candidates(convened.prepare())
    people = [c.subject.person for c in candidates]
    assert suspended not in people and not_rated not in people
    assert len(people) == 3
    assert [c.position for c in candidates] == [1, 2, 3]
    left_out = ballots.left_off_ballot(convened.meeting, RoundKind.RATING)
    reasons = {entry.subject.person: entry.reason for entry in left_out}
    assert set(reasons) == {suspended, not_rated}
    assert "đình chỉ sinh hoạt đảng" in reasons[suspended]
    assert "Chuyển sinh hoạt đảng tạm thời" in reasons[not_rated]
    assert not any("R-E" in reason for reason in reasons.values())


def test_prepare_round_rejects_round_when_no_candidates(make_meeting):
    convened = make_meeting(2)
    with pytest.raises(NoCandidates):
        ballots.prepare_round(meeting=convened.meeting, subject_ids=[])


# -- casting -------------------------------------------------------------------------------------


def test_cast_ballot_does_write_participation_and_ballot_apart_when_valid(make_meeting):
    convened = make_meeting(3)
    ballot_round = convened.open()
    voter = convened.present[0]
    choices = everyone("HTT")(0, convened.candidates(ballot_round))
    assert ballots.cast_ballot(ballot_round=ballot_round, voter=voter, choices=choices) == ""
    participation = Participation.objects.get(round=ballot_round)
    ballot = Ballot.objects.get(round=ballot_round)
    assert participation.voter == voter
    assert (ballot.choices, ballot.receipt_hash) == (choices, "")
    assert ballots.participation_count(ballot_round) == 1


def test_cast_ballot_rejects_second_ballot_when_same_voter(make_meeting):
    convened = make_meeting(3)
    ballot_round = convened.open()
    voter = convened.present[1]
    convened.cast_all(ballot_round, everyone("HT"), voters=[voter])
    with pytest.raises(AlreadyVoted):
        convened.cast_all(ballot_round, everyone("HTXS"), voters=[voter])
    assert _counts(ballot_round) == (1, 1)
    assert Ballot.objects.get(round=ballot_round).choices == everyone("HT")(
        0, convened.candidates(ballot_round)
    )


def test_cast_ballot_rejects_voter_when_not_present(make_meeting, outsider):
    convened = make_meeting(4, present=3)
    ballot_round = convened.open()
    absent = convened.people[3]
    for person in (absent, outsider.person):
        with pytest.raises(NotEligibleToVote):
            convened.cast_all(ballot_round, everyone("HT"), voters=[person])
    assert _counts(ballot_round) == (0, 0)


@pytest.mark.parametrize("defect", ["missing_candidate", "unknown_option", "foreign_candidate"])
def test_cast_ballot_rejects_ballot_when_invalid(make_meeting, defect):
    convened = make_meeting(3)
    ballot_round = convened.open()
    choices = everyone("HTT")(0, convened.candidates(ballot_round))
    first = next(iter(choices))
    if defect == "missing_candidate":
        del choices[first]
    elif defect == "unknown_option":
        choices[first] = "XUAT_SAC"
    else:
        choices["999999"] = "HTT"
    with pytest.raises(InvalidBallot):
        ballots.cast_ballot(ballot_round=ballot_round, voter=convened.present[0], choices=choices)
    assert _counts(ballot_round) == (0, 0)


def test_cast_ballot_rejects_ballot_when_round_not_open(make_meeting):
    convened = make_meeting(3)
    prepared = convened.prepare()
    with pytest.raises(RoundNotOpen):
        convened.cast_all(prepared, everyone("HT"), voters=convened.present[:1])
    ballots.open_round(ballot_round=prepared)
    ballots.close_round(ballot_round=prepared)
    with pytest.raises(RoundNotOpen):
        convened.cast_all(prepared, everyone("HT"), voters=convened.present[:1])
    assert _counts(prepared) == (0, 0)


def test_cast_ballot_rejects_electronic_ballot_when_paper_round(make_meeting):
    convened = make_meeting(3)
    paper = convened.open(mode=RoundMode.PAPER)
    with pytest.raises(RoundNotOpen, match="giấy"):
        convened.cast_all(paper, everyone("HT"), voters=convened.present[:1])


def test_cast_ballot_does_replace_own_ballot_when_revote_allowed_and_receipt_given(make_meeting):
    convened = make_meeting(5)
    ballot_round = convened.prepare()
    ballot_round.rule = {**ballot_round.rule, "allow_revote": True}
    ballot_round.save(update_fields=["rule"])
    ballot_round = ballots.open_round(ballot_round=ballot_round)
    candidates = convened.candidates(ballot_round)
    voter, other = convened.present[0], convened.present[1]
    receipt = ballots.cast_ballot(
        ballot_round=ballot_round, voter=voter, choices=everyone("HT")(0, candidates)
    )
    ballots.cast_ballot(
        ballot_round=ballot_round, voter=other, choices=everyone("KHT")(0, candidates)
    )
    stored = Ballot.objects.get(round=ballot_round, choices=everyone("HT")(0, candidates))
    # The ballot keeps only a hash of the secret the voter's browser holds.
    assert len(receipt) >= 20
    assert stored.receipt_hash == hashlib.sha256(receipt.encode()).hexdigest() != receipt
    again = ballots.cast_ballot(
        ballot_round=ballot_round,
        voter=voter,
        choices=everyone("HTXS")(0, candidates),
        receipt=receipt,
    )
    assert again == receipt
    assert _counts(ballot_round) == (2, 2)
    stored.refresh_from_db()
    assert stored.choices == everyone("HTXS")(0, candidates)
    for wrong in ("", "not-the-receipt"):
        with pytest.raises(AlreadyVoted):
            ballots.cast_ballot(
                ballot_round=ballot_round,
                voter=voter,
                choices=everyone("HT")(0, candidates),
                receipt=wrong,
            )
    ballots.close_round(ballot_round=ballot_round)
    assert set(
        Ballot.objects.filter(round=ballot_round).values_list("receipt_hash", flat=True)
    ) == {""}


@pytest.mark.django_db(transaction=True)
def test_cast_ballot_does_keep_one_ballot_when_twenty_parallel_submissions(make_meeting):
    convened = make_meeting(3)
    ballot_round = convened.open()
    voter = convened.present[1]
    choices = everyone("HTT")(0, convened.candidates(ballot_round))
    barrier = threading.Barrier(20, timeout=30)
    outcomes: list[str] = []
    lock = threading.Lock()

    def submit() -> None:
        try:
            barrier.wait()
            ballots.cast_ballot(ballot_round=ballot_round, voter=voter, choices=choices)
            outcome = "ok"
        except AlreadyVoted:
            outcome = "already_voted"
        except Exception as exc:  # reported by the assertion below
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["already_voted"] * 19 + ["ok"]
    assert _counts(ballot_round) == (1, 1)


# -- closing and counting ------------------------------------------------------------------------


def test_close_round_does_count_and_propose_when_absolute_majority(make_meeting):
    convened = make_meeting(6)
    ballot_round = convened.open()
    convened.cast_all(ballot_round, lambda i, cs: {str(c.pk): "HTT" if i < 4 else "HT" for c in cs})
    ballot_round = ballots.close_round(ballot_round=ballot_round)
    assert ballot_round.status == RoundStatus.CLOSED and ballot_round.closed_at
    results = list(ballots.results_of(ballot_round))
    assert [r.candidate.position for r in results] == list(range(1, 7))
    for result in results:
        assert result.counts == {"HTXS": 0, "HTT": 4, "HT": 2, "KHT": 0}
        assert result.proposed == "HTT"  # 4 > 1/2 × 6 present
        assert result.computation["base_name"] == "present"
    tally = RoundTally.objects.get(round=ballot_round)
    assert (tally.convened, tally.present, tally.issued, tally.returned) == (6, 6, 6, 6)
    assert (tally.valid, tally.invalid, tally.quorum_met) == (6, 0, True)


def test_close_round_does_rewrite_ballots_with_new_ids_when_closed(make_meeting):
    convened = make_meeting(5)
    ballot_round = convened.open()
    convened.cast_all(ballot_round, lambda i, cs: {str(c.pk): ["HT", "HTT"][i % 2] for c in cs})
    before = {row[2]: row[3] for row in _ballot_rows(ballot_round)}
    ballots.close_round(ballot_round=ballot_round)
    after = _ballot_rows(ballot_round)
    assert len(after) == 5
    assert not set(before) & {row[2] for row in after}
    assert sorted(map(str, before.values())) == sorted(str(row[3]) for row in after)
    assert len({row[1] for row in after}) == 1  # one transaction wrote them all


def test_close_round_rejects_close_when_ballots_differ_from_participations(make_meeting):
    convened = make_meeting(4)
    ballot_round = convened.open()
    convened.cast_all(ballot_round, everyone("HT"))
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM ratings_ballot WHERE id = "
            "(SELECT id FROM ratings_ballot WHERE round_id = %s LIMIT 1)",
            [ballot_round.pk],
        )
    with pytest.raises(BallotInvariantBroken, match=r"Số phiếu \(3\) khác số người đã bỏ phiếu"):
        ballots.close_round(ballot_round=ballot_round)
    ballot_round.refresh_from_db()
    assert ballot_round.status == RoundStatus.OPEN
    assert not CandidateResult.objects.filter(round=ballot_round).exists()
    assert not RoundTally.objects.filter(round=ballot_round).exists()


def test_close_round_rejects_when_ballots_exceed_issued(make_meeting):
    # Issue #12: opened with 7 present, attendance then raised to 12 and 12 ballots cast; the
    # tally counted against 7 and proposed HTXS where the true base gives HT.
    convened = make_meeting(12, present=7)
    ballot_round = convened.open(candidates=1)
    assert ballot_round.present_count == 7
    Attendance.objects.filter(meeting=convened.meeting).update(present=True, absence_reason="")
    convened.cast_all(
        ballot_round,
        lambda i, cs: {str(c.pk): "HTXS" if i < 4 else "HT" for c in cs},
        voters=convened.people,
    )
    issued_7 = r"thu vào \(12\) nhiều hơn số phiếu phát ra \(7,"
    with pytest.raises(BallotsExceedIssued, match=issued_7):
        ballots.close_round(ballot_round=ballot_round)
    ballot_round.refresh_from_db()
    assert ballot_round.status == RoundStatus.OPEN
    assert not CandidateResult.objects.filter(round=ballot_round).exists()
    assert not RoundTally.objects.filter(round=ballot_round).exists()


def test_results_of_rejects_round_when_not_closed(make_meeting):
    convened = make_meeting(5)
    ballot_round = convened.prepare()
    with pytest.raises(RoundNotClosed):
        ballots.results_of(ballot_round)
    ballot_round = ballots.open_round(ballot_round=ballot_round)
    convened.cast_all(ballot_round, everyone("HTT"))
    with pytest.raises(RoundNotClosed):
        ballots.results_of(ballot_round)
    # While open the only figure is how many have voted; no per-choice figure exists anywhere.
    assert ballots.participation_count(ballot_round) == 5
    assert not CandidateResult.objects.filter(round=ballot_round).exists()
    assert not RoundTally.objects.filter(round=ballot_round).exists()
    assert not permissions.can_see_counts(convened.meeting.chair, ballot_round)


def test_close_round_does_flag_low_confidence_when_over_half_and_two_thirds(make_meeting):
    convened = make_meeting(7, leaders=2)
    ballot_round = convened.open(kind=RoundKind.CONFIDENCE)
    candidates = convened.candidates(ballot_round)
    assert len(candidates) == 3
    low_votes = {candidates[0].pk: 5, candidates[1].pk: 4, candidates[2].pk: 3}
    convened.cast_all(
        ballot_round,
        lambda i, cs: {str(c.pk): "thap" if i < low_votes[c.pk] else "cao" for c in cs},
    )
    ballot_round = ballots.close_round(ballot_round=ballot_round)
    flags = {
        r.candidate_id: (r.computation["may_resign"], r.computation["dismissal"])
        for r in ballots.results_of(ballot_round)
    }
    assert flags == {
        candidates[0].pk: (True, True),  # 5/7 ≥ 2/3
        candidates[1].pk: (True, False),  # 4/7 > 1/2
        candidates[2].pk: (False, False),  # 3/7
    }
    first = CandidateResult.objects.get(candidate=candidates[0])
    assert first.computation["low_share"] == "5/7"
    assert first.counts == {"cao": 2, "tin_nhiem": 0, "thap": 5}


# -- the k-voter rule ----------------------------------------------------------------------------


def _counting_member(convened):
    person = convened.present[-1]
    person.user = UserFactory(username="kiem_phieu")
    person.save()
    meetings.set_counting_committee(meeting=convened.meeting, people=[person])
    return person.user


def test_can_see_counts_rejects_member_when_fewer_than_k_voters(
    make_meeting, member, secretary, org_officer
):
    convened = make_meeting(4)
    counter = _counting_member(convened)
    ballot_round = convened.open()
    convened.cast_all(ballot_round, everyone("HTT"))
    ballot_round = ballots.close_round(ballot_round=ballot_round)
    assert not ballots.counts_visible_to_members(ballot_round)
    assert not permissions.can_see_counts(member, ballot_round)
    for user in (secretary, counter, org_officer):
        assert permissions.can_see_counts(user, ballot_round), user


def test_can_see_counts_does_show_member_when_k_voters(make_meeting, member):
    convened = make_meeting(5)
    ballot_round = convened.open()
    convened.cast_all(ballot_round, everyone("HTT"))
    ballot_round = ballots.close_round(ballot_round=ballot_round)
    assert permissions.can_see_counts(member, ballot_round)


# -- linkage after close -------------------------------------------------------------------------


def _ranks(values: list[int]) -> list[int]:
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0] * len(values)
    for rank, index in enumerate(order):
        ranks[index] = rank
    return ranks


def _spearman(x: list[int], y: list[int]) -> float:
    n = len(x)
    d2 = sum((a - b) ** 2 for a, b in zip(_ranks(x), _ranks(y), strict=True))
    return 1 - 6 * d2 / (n * (n * n - 1))


def _kendall(x: list[int], y: list[int]) -> float:
    n = len(x)
    score = 0
    for i in range(n):
        for j in range(i + 1, n):
            sign = (x[i] - x[j]) * (y[i] - y[j])
            score += (sign > 0) - (sign < 0)
    return score / (n * (n - 1) / 2)


@pytest.mark.django_db(transaction=True)
def test_close_round_does_unlink_ballots_from_voters_when_200_voters(make_meeting):
    """After close neither stored order, ctid nor xmin links a ballot to its voter."""
    convened = make_meeting(200)
    ballot_round = convened.open(candidates=8)
    codes = [o["code"] for o in ballot_round.options]
    assert len(codes) ** 8 > 200

    def vector(i, candidates):  # voter i votes the base-4 digits of i: every ballot is unique
        return {str(c.pk): codes[(i // 4**k) % 4] for k, c in enumerate(candidates)}

    convened.cast_all(ballot_round, vector)
    candidates = convened.candidates(ballot_round)

    def voter_index(choices: dict) -> int:
        return sum(codes.index(choices[str(c.pk)]) * 4**k for k, c in enumerate(candidates))

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT xmin::text, voter_id FROM ratings_participation WHERE round_id = %s",
            [ballot_round.pk],
        )
        voter_by_xmin = dict(cursor.fetchall())
    participation_xmins = set(voter_by_xmin)
    assert len(participation_xmins) == 200
    open_rows = _ballot_rows(ballot_round)
    # While open a DBA can link them: each ballot shares its transaction (xmin) with exactly one
    # participation, hence one voter (docs/ballot-secrecy.md says what the operator must do).
    index_of_voter = {person.pk: i for i, person in enumerate(convened.present)}
    for _ctid, xmin, _pk, choices in open_rows:
        assert index_of_voter[voter_by_xmin[xmin]] == voter_index(choices)

    ballots.close_round(ballot_round=ballot_round)

    closed = _ballot_rows(ballot_round)
    assert sorted(voter_index(row[3]) for row in closed) == list(range(200))
    xmins = {row[1] for row in closed}
    assert len(xmins) == 1 and not xmins & participation_xmins
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT xmin::text FROM ratings_ballotround WHERE id = %s", [ballot_round.pk]
        )
        assert {cursor.fetchone()[0]} == xmins  # the closing transaction
    assert not {row[2] for row in open_rows} & {row[2] for row in closed}
    for rows in (closed, _ballot_rows(ballot_round, order_by="id")):
        voters = [voter_index(row[3]) for row in rows]  # voter (insert order) by stored position
        positions = list(range(len(voters)))
        # Under independence Kendall's tau has sd ≈ 0.048 and Spearman's rho ≈ 0.071 at n=200:
        # both bounds sit about four standard deviations out.
        assert abs(_kendall(voters, positions)) < 0.2
        assert abs(_spearman(voters, positions)) < 0.3


# -- paper ballots: double entry -----------------------------------------------------------------


@pytest.fixture
def paper(make_meeting):
    convened = make_meeting(6)
    meetings.set_counting_committee(meeting=convened.meeting, people=convened.present[1:3])
    ballot_round = ballots.open_paper_round(ballot_round=convened.prepare(mode=RoundMode.PAPER))
    return convened, ballot_round


def _entry(ballot_round, person, *, htt=5, ht=1, valid=6, invalid=0, returned=6, issued=6):
    counts = {
        str(c.pk): {"HTXS": 0, "HTT": htt, "HT": ht, "KHT": 0}
        for c in ballot_round.candidates.all()
    }
    return ballots.enter_paper_count(
        ballot_round=ballot_round,
        entered_by=person,
        issued=issued,
        returned=returned,
        valid=valid,
        invalid=invalid,
        counts=counts,
    )


def test_enter_paper_count_rejects_entry_when_not_counting_committee(paper):
    convened, ballot_round = paper
    with pytest.raises(NotCountingCommittee):
        _entry(ballot_round, convened.present[3])
    assert not PaperEntry.objects.filter(round=ballot_round).exists()


@pytest.mark.parametrize(
    ("figures", "message"),
    [
        (
            {"valid": 5, "invalid": 0, "htt": 4},
            "phiếu hợp lệ (5) cộng phiếu không hợp lệ (0) khác số thu vào (6)",
        ),
        ({"issued": 7, "returned": 6}, "số phiếu phát ra (7) lớn hơn số có mặt (6)"),
        ({"valid": 7, "invalid": -1}, "số phiếu không hợp lệ không được âm"),
        ({"htt": 6, "ht": 1}, "tổng số phiếu các mức (7) lớn hơn số phiếu hợp lệ (6)"),
    ],
)
def test_enter_paper_count_rejects_entry_when_figures_invalid(paper, figures, message):
    convened, ballot_round = paper
    with pytest.raises(PaperEntryInvalid, match=r"^Số liệu nhập chưa hợp lệ: ") as error:
        _entry(ballot_round, convened.present[1], **figures)
    assert message in str(error.value)
    assert not PaperEntry.objects.filter(round=ballot_round).exists()


def test_enter_paper_count_does_close_round_when_two_entries_match(paper):
    convened, ballot_round = paper
    _entry(ballot_round, convened.present[1])
    ballot_round.refresh_from_db()
    assert ballot_round.status == RoundStatus.OPEN
    assert not CandidateResult.objects.filter(round=ballot_round).exists()
    ballot_round = _entry(ballot_round, convened.present[2])
    assert ballot_round.status == RoundStatus.CLOSED
    results = list(ballots.results_of(ballot_round))
    assert len(results) == 6
    assert {r.proposed for r in results} == {"HTT"}
    assert results[0].counts == {"HTXS": 0, "HTT": 5, "HT": 1, "KHT": 0}
    tally = RoundTally.objects.get(round=ballot_round)
    assert (tally.issued, tally.returned, tally.valid, tally.invalid) == (6, 6, 6, 0)
    assert not Ballot.objects.filter(round=ballot_round).exists()  # paper: counts only


def test_enter_paper_count_rejects_second_entry_when_figures_disagree(paper):
    convened, ballot_round = paper
    _entry(ballot_round, convened.present[1], htt=5, ht=1)
    with pytest.raises(PaperEntriesDisagree) as error:
        _entry(ballot_round, convened.present[2], htt=6, ht=0)
    first_candidate = convened.candidates(ballot_round)[0]
    assert f"{first_candidate.subject}, mức HTT: lần trước 5, lần này 6" in error.value.differences
    assert "lần trước 5, lần này 6" in str(error.value)
    assert str(error.value).startswith("Hai lần nhập của tổ kiểm phiếu không khớp")
    ballot_round.refresh_from_db()
    assert ballot_round.status == RoundStatus.OPEN
    assert PaperEntry.objects.filter(round=ballot_round).count() == 1
    # The first member corrects nothing; a matching second entry then closes the round.
    assert _entry(ballot_round, convened.present[2]).status == RoundStatus.CLOSED


def test_enter_paper_count_rejects_entry_when_electronic_round(make_meeting):
    convened = make_meeting(3)
    meetings.set_counting_committee(meeting=convened.meeting, people=convened.present[:1])
    ballot_round = convened.open()
    with pytest.raises(RoundNotOpen):
        _entry(ballot_round, convened.present[0], valid=3, returned=3, issued=3, htt=3, ht=0)
    ballots.close_round(ballot_round=ballot_round)
    with pytest.raises(RoundNotOpen, match="giấy"):
        ballots.close_round(ballot_round=convened.open(mode=RoundMode.PAPER))
