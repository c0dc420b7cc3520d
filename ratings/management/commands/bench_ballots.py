"""Time closing a round (default 60 voters × 60 people) and 50 ballots cast at once.

Concurrent casting needs committed rows seen by other connections, so the throwaway data (a
root unit, its people, a period, a meeting) is created, committed, measured and then deleted.
History triggers are switched off while building and removing it, and the few history rows
the measured steps write for the bench's own rounds are removed with it.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pgtrigger
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from orgunits.models import Membership, MembershipRole, OrgUnit, Person, UnitKind
from orgunits.services import create_unit
from ratings.models import Ballot, BallotRound, Meeting
from ratings.services import ballots, meetings
from reviews.models import ReviewPeriod
from reviews.services import enrolment, periods

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Hữu", "Thu", "Quang", "Ngọc"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Đạt", "Giang", "Hà", "Hùng", "Lan", "Yến", "Ánh"]


@dataclass
class Throwaway:
    prefix: str
    user: Any = None
    root: OrgUnit | None = None
    period: ReviewPeriod | None = None
    meeting: Meeting | None = None
    people: list[Person] = field(default_factory=list)
    round_ids: list[int] = field(default_factory=list)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


class Command(BaseCommand):
    help = (
        "Đo thời gian đóng và kiểm phiếu một vòng bỏ phiếu, và thời gian bỏ phiếu đồng thời, "
        "trên dữ liệu tạm (được xóa khi xong)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--voters", type=int, default=60, help="voters in the closed round")
        parser.add_argument("--candidates", type=int, default=60, help="people on the ballot")
        parser.add_argument("--concurrent", type=int, default=50, help="voters casting at once")
        parser.add_argument("--repeat", type=int, default=3, help="closed rounds to time")

    def handle(self, *args: Any, **options: Any) -> None:
        voters, candidates = options["voters"], options["candidates"]
        concurrent, repeat = options["concurrent"], options["repeat"]
        data = Throwaway(prefix=f"BENCH{uuid.uuid4().hex[:6].upper()}")
        try:
            started = time.perf_counter()
            with pgtrigger.ignore():
                self._build(data, max(voters, candidates, concurrent))
            self.stdout.write(
                f"Dữ liệu tạm {data.prefix}: {len(data.people)} người, "
                f"tạo trong {time.perf_counter() - started:.1f} s"
            )
            self._bench_close(data, voters, candidates, repeat)
            self._bench_cast(data, concurrent, candidates)
        finally:
            with pgtrigger.ignore():
                self._remove(data)
            self.stdout.write(f"Đã xóa dữ liệu tạm {data.prefix}.")

    # -- throwaway data ------------------------------------------------------------------------

    def _build(self, data: Throwaway, size: int) -> None:
        data.user = get_user_model().objects.create(username=data.prefix.lower())
        data.root = create_unit(
            code=data.prefix, name=f"Chi bộ đo thời gian {data.prefix}", kind=UnitKind.PARTY_CELL
        )
        people = []
        for n in range(size):
            person = Person(
                code=f"{data.prefix}-P{n:05d}",
                full_name=f"{FAMILY[n % 10]} {MIDDLE[n % 8]} {GIVEN[n % 11]}",
                is_party_member=True,
                party_admission_date=dt.date(2000 + n % 20, 1 + n % 12, 1),
            )
            person.refresh_derived_names()
            people.append(person)
        data.people = Person.objects.bulk_create(people)
        Membership.objects.bulk_create(
            Membership(person=p, unit=data.root, role=MembershipRole.PARTY_MEMBER)
            for p in data.people
        )
        today = dt.date.today()
        data.period = periods.create_period(
            placeholders_reason=periods.COMMAND_LINE_REASON,
            name=f"Đo thời gian {data.prefix}",
            kind="annual",
            year=today.year,
            scope=data.root,
            opens_on=today,
            ruleset_code="qd366-hd43",
        )
        enrolment.enrol_period(period=data.period)
        data.meeting = meetings.create_meeting(
            period=data.period,
            unit=data.root,
            chair=data.user,
            starts_on=today,
            ends_on=today,
            duration_days=Decimal("1.0"),
        )
        for person in data.people:
            meetings.set_attendance(meeting=data.meeting, person=person, present=True)

    def _remove(self, data: Throwaway) -> None:
        if data.meeting is not None:
            Meeting.objects.filter(pk=data.meeting.pk).delete()
        # Preparing, opening and closing the bench's rounds ran with history on.
        round_events = apps.get_model("ratings", "BallotRoundEvent")
        round_events.objects.filter(pgh_obj_id__in=data.round_ids).delete()
        if data.period is not None:
            ReviewPeriod.objects.filter(pk=data.period.pk).delete()
        Person.objects.filter(code__startswith=f"{data.prefix}-P").delete()
        if data.root is not None:
            OrgUnit.objects.filter(pk=data.root.pk).delete()
        if data.user is not None:
            data.user.delete()

    # -- measurements --------------------------------------------------------------------------

    def _round(self, data: Throwaway, candidates: int) -> BallotRound:
        subject_ids = list(
            data.meeting.agenda.filter(subject__person__isnull=False)
            .order_by("position")
            .values_list("subject_id", flat=True)[:candidates]
        )
        prepared = ballots.prepare_round(meeting=data.meeting, subject_ids=subject_ids)
        data.round_ids.append(prepared.pk)
        return ballots.open_round(ballot_round=prepared)

    @staticmethod
    def _choices(ballot_round: BallotRound, rng: random.Random) -> dict[str, str]:
        codes = [o["code"] for o in ballot_round.options]
        ids = ballot_round.candidates.values_list("pk", flat=True)
        return {str(pk): rng.choice(codes) for pk in ids}

    def _bench_close(self, data: Throwaway, voters: int, candidates: int, repeat: int) -> None:
        rng = random.Random(1)  # noqa: S311 - made-up votes, not secrets
        closes, casts = [], []
        for _ in range(repeat):
            ballot_round = self._round(data, candidates)
            for voter in data.people[:voters]:
                choices = self._choices(ballot_round, rng)
                started = time.perf_counter()
                ballots.cast_ballot(ballot_round=ballot_round, voter=voter, choices=choices)
                casts.append(time.perf_counter() - started)
            started = time.perf_counter()
            closed = ballots.close_round(ballot_round=ballot_round)
            closes.append(time.perf_counter() - started)
            results = closed.results.count()
        self.stdout.write(
            f"(1) Đóng vòng và kiểm phiếu, {voters} phiếu × {candidates} người "
            f"({results} kết quả), {repeat} lần: trung vị {_ms(statistics.median(closes))}, "
            f"nhanh nhất {_ms(min(closes))}, chậm nhất {_ms(max(closes))}"
        )
        self.stdout.write(
            f"    Bỏ phiếu lần lượt (một kết nối): trung vị {_ms(statistics.median(casts))} "
            f"mỗi phiếu, p95 {_ms(_percentile(casts, 0.95))}"
        )

    def _bench_cast(self, data: Throwaway, concurrent: int, candidates: int) -> None:
        ballot_round = self._round(data, candidates)
        rng = random.Random(2)  # noqa: S311 - made-up votes, not secrets
        work = [(p, self._choices(ballot_round, rng)) for p in data.people[:concurrent]]
        barrier = threading.Barrier(concurrent + 1, timeout=60)
        latencies: list[float] = []
        errors: list[str] = []
        finished: list[float] = []
        lock = threading.Lock()

        def cast(voter: Person, choices: dict[str, str]) -> None:
            try:
                connection.ensure_connection()  # a warm connection, as with CONN_MAX_AGE
                barrier.wait()
                started = time.perf_counter()
                ballots.cast_ballot(ballot_round=ballot_round, voter=voter, choices=choices)
                done = time.perf_counter()
                with lock:
                    latencies.append(done - started)
                    finished.append(done)
            except Exception as exc:  # counted and shown below
                with lock:
                    errors.append(repr(exc))
            finally:
                connection.close()

        threads = [threading.Thread(target=cast, args=item) for item in work]
        for thread in threads:
            thread.start()
        barrier.wait()
        released = time.perf_counter()
        for thread in threads:
            thread.join()
        wall = (max(finished) - released) if finished else 0.0
        stored = Ballot.objects.filter(round=ballot_round).count()
        self.stdout.write(
            f"(2) {concurrent} người bỏ phiếu cùng lúc ({concurrent} luồng, mỗi luồng một kết nối, "
            f"{candidates} người trong phiếu): {len(latencies)} phiếu thành công, "
            f"{len(errors)} lỗi, {stored} phiếu được lưu"
        )
        if latencies:
            self.stdout.write(
                f"    Thời gian mỗi phiếu: p50 {_ms(_percentile(latencies, 0.5))}, "
                f"p95 {_ms(_percentile(latencies, 0.95))}, tối đa {_ms(max(latencies))}; "
                f"tổng thời gian {_ms(wall)}"
            )
        for error in sorted(set(errors))[:5]:
            self.stderr.write(f"    {error}")
        started = time.perf_counter()
        ballots.close_round(ballot_round=ballot_round)
        self.stdout.write(
            f"    Đóng vòng này ({stored} phiếu): {_ms(time.perf_counter() - started)}"
        )
