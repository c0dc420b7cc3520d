"""Reads of meetings and rounds, scoped to the asking user."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from orgunits.models import OrgUnit, Person
from orgunits.selectors import AnyUser, role_subtrees, units_with_role
from reviews import selectors as review_selectors
from reviews.models import (
    Comment,
    Eligibility,
    PeriodKind,
    QuotaGroup,
    Report,
    ReviewPeriod,
    Subject,
    Suggestion,
)

from .models import (
    Attendance,
    BallotRound,
    CandidateResult,
    Decision,
    DisciplineRecord,
    HistoricalLevel,
    Meeting,
    Participation,
    Rating,
    RatingStatus,
    RoundKind,
    RoundStatus,
    StateRating,
)
from .quota import GrantedRatio, group_limit, with_exception
from .services.quota_exceptions import granted_ratios

RATED_ELIGIBILITY = (Eligibility.ELIGIBLE, Eligibility.CAPPED)

OVERSIGHT = ["run_review", "appraise", "decide", "administer"]


def meetings_visible_to(user: AnyUser) -> QuerySet[Meeting]:
    """Meetings of units under the user's roles, and meetings the user is convened to."""
    if not user.is_authenticated:
        return Meeting.objects.none()
    if user.is_superuser:
        return Meeting.objects.all()
    convened = Attendance.objects.filter(meeting=OuterRef("pk"), person__user=user)
    return Meeting.objects.filter(Q(unit__in=units_with_role(user, OVERSIGHT)) | Exists(convened))


def get_meeting_for_user(user: AnyUser, pk: int) -> Meeting:
    return get_object_or_404(
        meetings_visible_to(user).select_related("unit", "period", "chair"), pk=pk
    )


def rounds_visible_to(user: AnyUser) -> QuerySet[BallotRound]:
    return BallotRound.objects.filter(meeting__in=meetings_visible_to(user))


def get_round_for_user(user: AnyUser, pk: int) -> BallotRound:
    return get_object_or_404(
        rounds_visible_to(user).select_related("meeting__unit", "meeting__period"), pk=pk
    )


def attendance_of(user: AnyUser, meeting: Meeting) -> Attendance | None:
    if not user.is_authenticated:
        return None
    return (
        Attendance.objects.filter(meeting=meeting, person__user=user)
        .select_related("person")
        .first()
    )


def has_voted(user: AnyUser, ballot_round: BallotRound) -> bool:
    return Participation.objects.filter(round=ballot_round, voter__user=user).exists()


def open_rounds_for(user: AnyUser) -> QuerySet[BallotRound]:
    """Open electronic rounds of meetings where the user is present: their voting booths."""
    if not user.is_authenticated:
        return BallotRound.objects.none()
    present = Attendance.objects.filter(
        meeting=OuterRef("meeting"), person__user=user, present=True
    )
    return (
        BallotRound.objects.filter(status=RoundStatus.OPEN, mode="electronic")
        .filter(Exists(present))
        .select_related("meeting__unit")
    )


# -- appraisal, quota groups, decisions, results and history (views/appraisal.py) ---------------

LEVEL_ORDER = ["HTXS", "HTT", "HT", "KHT"]  # best first; unchanged across rule sets [C]
FINAL_STATUSES = ("decided", "published")


def ratings_visible_to(user: AnyUser) -> QuerySet[Rating]:
    """Ratings of subjects at units under the user's roles, and the user's own published ones."""
    if not user.is_authenticated:
        return Rating.objects.none()
    if user.is_superuser:
        return Rating.objects.all()
    return Rating.objects.filter(
        Q(subject__unit__in=units_with_role(user, OVERSIGHT))
        | Q(subject__person__user=user, status=RatingStatus.PUBLISHED)
    )


def get_rating_for_user(user: AnyUser, pk: int) -> Rating:
    return get_object_or_404(
        ratings_visible_to(user).select_related(
            "subject__person",
            "subject__unit",
            "subject__period",
            "subject__quota_group",
            "decision",
        ),
        pk=pk,
    )


def decisions_visible_to(user: AnyUser) -> QuerySet[Decision]:
    """Decisions on units under the user's roles."""
    if not user.is_authenticated:
        return Decision.objects.none()
    if user.is_superuser:
        return Decision.objects.all()
    return Decision.objects.filter(unit__in=units_with_role(user, OVERSIGHT))


def get_decision_for_user(user: AnyUser, pk: int) -> Decision:
    return get_object_or_404(
        decisions_visible_to(user).select_related(
            "unit", "period", "decided_by", "cancelled_by", "issued_by"
        ),
        pk=pk,
    )


def quota_groups_visible_to(user: AnyUser) -> QuerySet[QuotaGroup]:
    """Quota groups anchored at units under the user's appraisal or decision roles."""
    if not user.is_authenticated:
        return QuotaGroup.objects.none()
    if user.is_superuser:
        return QuotaGroup.objects.all()
    return QuotaGroup.objects.filter(unit__in=units_with_role(user, ["appraise", "decide"]))


def get_quota_group_for_user(user: AnyUser, pk: int) -> QuotaGroup:
    return get_object_or_404(quota_groups_visible_to(user).select_related("period", "unit"), pk=pk)


def appraisal_subjects(period: ReviewPeriod, unit: OrgUnit) -> list[Subject]:
    """The rated subjects of the unit's subtree, unit by unit, the collective first, then the
    people by name; each with its report and rating (None before the checks ran)."""
    subjects = list(
        Subject.objects.filter(
            period=period, unit__path__startswith=unit.path, eligibility__in=RATED_ELIGIBILITY
        )
        .select_related("person", "unit", "report", "rating", "quota_group")
        .order_by(
            "unit__path",
            F("person").asc(nulls_first=True),
            "person__given_name",
            "person__full_name",
        )
    )
    for subject in subjects:
        subject.current_rating = _related_or_none(subject, "rating")
        subject.current_report = _related_or_none(subject, "report")
    return subjects


def _related_or_none(obj, name: str):
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def latest_ballot_results(subject_ids: list[int]) -> dict[int, CandidateResult]:
    """The latest closed secret-ballot result per subject (one query)."""
    results = (
        CandidateResult.objects.filter(
            candidate__subject_id__in=subject_ids, round__kind=RoundKind.RATING
        )
        .select_related("candidate", "round")
        .order_by("candidate__subject_id", F("round__closed_at").desc(nulls_last=True))
    )
    latest: dict[int, CandidateResult] = {}
    for result in results:
        latest.setdefault(result.candidate.subject_id, result)
    return latest


def decisions_of(period: ReviewPeriod, unit: OrgUnit) -> QuerySet[Decision]:
    """Decisions taken on the unit or inside its subtree in the period, newest first."""
    return (
        Decision.objects.filter(period=period, unit__path__startswith=unit.path)
        .select_related("unit")
        .order_by("-decided_on", "-pk")
    )


@dataclass
class QuotaGroupRow:
    group: QuotaGroup
    htxs: int
    htt: int
    rated: int
    granted: GrantedRatio | None
    allowed: int  # the most HTXS the group can hold, as its explanation states it

    @property
    def exceeded(self) -> bool:
        return self.htxs > self.allowed


def quota_groups_for(period: ReviewPeriod, unit: OrgUnit) -> list[QuotaGroupRow]:
    """The quota groups that hold subjects of the unit's subtree (or are anchored in it), with
    their current counts and cap (the same reading as appraisal.group_status); one query."""
    not_reopened = ~Q(subjects__rating__status=RatingStatus.REOPENED)
    in_subtree = Subject.objects.filter(
        quota_group=OuterRef("pk"), unit__path__startswith=unit.path
    )
    groups = (
        QuotaGroup.objects.filter(period=period)
        .filter(Q(unit__path__startswith=unit.path) | Exists(in_subtree))
        .select_related("unit", "period")
        .annotate(
            n_htxs=Count("subjects", filter=Q(subjects__rating__level="HTXS") & not_reopened),
            n_htt=Count("subjects", filter=Q(subjects__rating__level="HTT") & not_reopened),
            n_rated=Count("subjects__rating", filter=not_reopened),
        )
        .order_by("unit__path", "name")
    )
    granted = granted_ratios(groups)
    rows = []
    for group in groups:
        rule = with_exception(
            review_selectors.ruleset_for_unit(period, group.unit).quota, granted.get(group.pk)
        )
        limit = group_limit(rule, candidates=group.n_htxs, htt=group.n_htt, headcount=group.n_rated)
        rows.append(
            QuotaGroupRow(
                group, group.n_htxs, group.n_htt, group.n_rated, granted.get(group.pk), limit
            )
        )
    return rows


def rating_ids_by_subject(subject_ids: list[int]) -> dict[int, int]:
    return dict(Rating.objects.filter(subject_id__in=subject_ids).values_list("subject_id", "pk"))


def my_published_ratings(user: AnyUser) -> QuerySet[Rating]:
    """The user's own levels that have been published (công khai), newest period first."""
    if not user.is_authenticated:
        return Rating.objects.none()
    return (
        Rating.objects.filter(subject__person__user=user, status=RatingStatus.PUBLISHED)
        .select_related("subject__period__scope", "subject__unit", "decision")
        .order_by("-subject__period__year", "-subject__period__opens_on", "subject__unit__path")
    )


@dataclass
class RatingEvent:
    at: object
    old_level: str
    level: str
    status: str
    actor: str
    reason: str


def rating_events(rating: Rating) -> list[RatingEvent]:
    """The audit trail of one rating: every change of level or status, oldest first, with the
    acting user and the reason carried in the history context (two queries)."""
    events = list(
        Rating.pgh_event_model.objects.filter(pgh_obj_id=rating.pk)
        .select_related("pgh_context")
        .order_by("pgh_created_at", "pgh_id")
    )
    user_ids = set()
    for event in events:
        metadata = event.pgh_context.metadata if event.pgh_context_id else {}
        if metadata.get("user"):
            user_ids.add(metadata["user"])
        elif event.updated_by_id:
            user_ids.add(event.updated_by_id)
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=user_ids)}
    rows: list[RatingEvent] = []
    previous_level, previous_status = "", ""
    for event in events:
        if rows and event.level == previous_level and event.status == previous_status:
            continue
        metadata = event.pgh_context.metadata if event.pgh_context_id else {}
        actor = users.get(metadata.get("user") or event.updated_by_id)
        rows.append(
            RatingEvent(
                at=event.pgh_created_at,
                old_level=previous_level,
                level=event.level,
                status=str(RatingStatus(event.status).label)
                if event.status in RatingStatus.values
                else event.status,
                actor=(actor.get_full_name() or actor.get_username()) if actor else "",
                reason=str(metadata.get("reason") or ""),
            )
        )
        previous_level, previous_status = event.level, event.status
    return rows


def rating_file(rating: Rating) -> dict[str, object]:
    """Everything on record for one rated subject, loaded up front (a fixed number of queries)."""
    subject = rating.subject
    report = Report.objects.filter(subject=subject).first()
    results = list(
        CandidateResult.objects.filter(candidate__subject=subject)
        .select_related("round__meeting")
        .order_by(F("round__closed_at").asc(nulls_last=True), "pk")
    )
    if subject.person_id:
        discipline = DisciplineRecord.objects.filter(person_id=subject.person_id)
        state = list(
            StateRating.objects.filter(period=subject.period, person_id=subject.person_id)
            .select_related("unit")
            .order_by("unit__path")
        )
    else:
        discipline = DisciplineRecord.objects.filter(unit_id=subject.unit_id)
        state = []
    return {
        "report": report,
        "comments": list(
            Comment.objects.filter(report=report).select_related("author") if report else []
        ),
        "suggestions": [
            (s, str((report.answers or {}).get(str(s.pk), "")) if report else "")
            for s in Suggestion.objects.filter(subject=subject)
            .select_related("issuing_unit")
            .order_by("created_at", "pk")
        ],
        "results": results,
        "state_ratings": state,
        "discipline": list(
            discipline.select_related("unit_at_time").order_by("-violation_date", "-pk")
        ),
        "events": rating_events(rating),
    }


@dataclass
class HistoryRow:
    year: int
    level: str
    sites: list[tuple[str, str, str]]  # (unit or source, level, status)


@dataclass
class History:
    rows: list[HistoryRow]
    htxs_streak: int


def _history(entries: list[tuple[int, str, str, str]]) -> History:
    """Rows per year (latest first) from (year, level, where, status) entries; a year's level
    is the lowest of its entries, and the streak counts HTXS years running to the latest."""
    by_year: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for year, level, where, status in entries:
        if level in LEVEL_ORDER:
            by_year[year].append((where, level, status))
    rows = [
        HistoryRow(
            year=year,
            level=max((s[1] for s in sites), key=LEVEL_ORDER.index),
            sites=sites,
        )
        for year, sites in sorted(by_year.items(), reverse=True)
    ]
    return History(rows=rows, htxs_streak=htxs_streak([(r.year, r.level) for r in rows]))


def htxs_streak(levels: list[tuple[int, str]]) -> int:
    """Consecutive years rated HTXS, ending at the latest year on record."""
    streak, expected = 0, None
    for year, level in sorted(levels, reverse=True):
        if level != "HTXS" or (expected is not None and year != expected):
            break
        streak += 1
        expected = year - 1
    return streak


# -- how much of a person's record a viewer reads (history, dossier) ---------------------------

Within = tuple[str, ...] | None  # subtree paths; None: the whole record


def record_scope(user: AnyUser, person: Person, codenames: Sequence[str] | None = None) -> Within:
    """The part of a person's record the user reads: all of it for the person themselves and
    for a superuser, otherwise the sites inside the user's role subtrees (roles `codenames`,
    any role when None). A person belonging to two units is not wholly the business of an
    officer of one of them."""
    if user.is_superuser or (user.is_authenticated and person.user_id == user.pk):
        return None
    return tuple(role_subtrees(user, codenames))


def within_q(within: Within, unit_field: str) -> Q:
    """Rows whose unit (`unit_field`, a unit foreign key) lies in the scope."""
    if within is None:
        return Q()
    if not within:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{unit_field}__path__startswith": p}) for p in within))


def imported_within_q(within: Within) -> Q:
    """Imported levels in the scope: those of a site inside it, and those of no site (a
    person's level of a year, imported without the place it was given)."""
    return within_q(within, "unit") | Q(unit__isnull=True) if within is not None else Q()


def scope_covers(outer: Within, inner: Within) -> bool:
    """True when every site of scope `inner` lies inside scope `outer`."""
    if outer is None:
        return True
    if inner is None:
        return False
    return all(any(p.startswith(q) for q in outer) for p in inner)


def person_history(person: Person, *, published_only: bool, within: Within = None) -> History:
    """A person's levels by year: decided or published ratings of annual periods, at every
    review site inside `within` (all when None), and the levels imported for the years before
    the app (two queries)."""
    statuses = ("published",) if published_only else FINAL_STATUSES
    ratings = Rating.objects.filter(
        within_q(within, "subject__unit"),
        subject__person=person,
        status__in=statuses,
        subject__period__kind=PeriodKind.ANNUAL,
    ).values_list("subject__period__year", "level", "subject__unit__name", "status")
    imported = HistoricalLevel.objects.filter(imported_within_q(within), person=person).values_list(
        "year", "level", "source"
    )
    return _history(
        [*ratings, *((y, lvl, source or "", "imported") for y, lvl, source in imported)]
    )


def unit_history(unit: OrgUnit) -> History:
    """A collective's levels by year, like person_history (two queries)."""
    ratings = Rating.objects.filter(
        subject__unit=unit,
        subject__person__isnull=True,
        status__in=FINAL_STATUSES,
        subject__period__kind=PeriodKind.ANNUAL,
    ).values_list("subject__period__year", "level", "subject__unit__name", "status")
    imported = HistoricalLevel.objects.filter(unit=unit, person__isnull=True).values_list(
        "year", "level", "source"
    )
    return _history(
        [*ratings, *((y, lvl, source or "", "imported") for y, lvl, source in imported)]
    )


def decision_ratings(decision: Decision) -> list[Rating]:
    """The ratings a decision locked, the collectives first, then the people by unit and name."""
    return list(
        Rating.objects.filter(decision=decision)
        .select_related("subject__person", "subject__unit")
        .order_by(
            F("subject__person").asc(nulls_first=True),
            "subject__unit__path",
            "subject__person__given_name",
            "subject__person__full_name",
        )
    )


def get_remediation_item_for_user(user: AnyUser, pk: int):
    """A remediation item and the ratings it belongs to (one per review site of its owner in
    its period) that the user can see; 404 when there is none."""
    from reviews.models import RemediationItem

    item = get_object_or_404(RemediationItem, pk=pk)
    owner = (
        Q(subject__person_id=item.person_id)
        if item.person_id
        else Q(subject__unit_id=item.unit_id, subject__person=None)
    )
    ratings = list(
        ratings_visible_to(user)
        .filter(owner, subject__period=item.origin_period_id)
        .select_related("subject__unit")
        .order_by("pk")
    )
    if not ratings:
        raise Http404
    return item, ratings
