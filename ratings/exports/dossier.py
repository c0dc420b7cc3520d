"""The personal dossier (hồ sơ): the last years of a person's reports, comments and results as
a PDF, with a checksum of its content, and the archived copy of each one handed out."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from orgunits.models import OrgUnit, Person
from reviews.documents import render_pdf, vn_date
from reviews.models import Comment, Report, Subject
from reviews.rulesets import RuleSetNotFound
from reviews.selectors import ruleset_for_unit

from ..models import DossierArchive, DossierScope, HistoricalLevel, Rating, RatingStatus
from ..selectors import Within, imported_within_q, within_q
from .labels import CLASS_NAMES, ELIGIBILITY_NAMES, LEVEL_NAMES, STATUS_NAMES


def dossier_context(person: Person, years: int = 3, *, within: Within = None) -> dict[str, Any]:
    """The last `years` years of the person's reports, comments and results (decided levels
    only) at the review sites inside `within` (all of them when None), plus imported levels of
    years the app has no period for."""
    subjects = list(
        Subject.objects.filter(within_q(within, "unit"), person=person)
        .select_related("period", "unit", "quarter_result")
        .order_by("-period__year", "-period__opens_on", "unit__path")
    )
    imported = list(
        HistoricalLevel.objects.filter(imported_within_q(within), person=person)
        .select_related("unit")
        .order_by("-year")
    )
    all_years = sorted({s.period.year for s in subjects} | {h.year for h in imported})
    last = all_years[-1] if all_years else timezone.localdate().year
    window = range(last - years + 1, last + 1)
    subjects = [s for s in subjects if s.period.year in window]
    ids = [s.pk for s in subjects]
    reports = {r.subject_id: r for r in Report.objects.filter(subject_id__in=ids)}
    ratings = {
        r.subject_id: r
        for r in Rating.objects.filter(subject_id__in=ids).select_related("decision")
    }
    comments: dict[int, list[Comment]] = {}
    for comment in Comment.objects.filter(report__subject_id__in=ids).select_related("author"):
        comments.setdefault(comment.report_id, []).append(comment)
    blocks: dict[int, dict[str, Any]] = {
        year: {"year": year, "sites": [], "imported": []} for year in sorted(window, reverse=True)
    }
    for subject in subjects:
        report = reports.get(subject.pk)
        rating = ratings.get(subject.pk)
        try:
            form = ruleset_for_unit(subject.period, subject.unit).form_for_period(
                subject.subject_class, quarterly=subject.period.is_quarterly
            )
            titles = {section.key: section.title for section in form.sections}
        except (RuleSetNotFound, KeyError):
            titles = {}
        sections = []
        if report is not None:
            for key, text in (report.sections or {}).items():
                if str(text or "").strip():
                    sections.append({"title": titles.get(key, key), "text": str(text).strip()})
        decided = rating is not None and rating.status in (
            RatingStatus.DECIDED,
            RatingStatus.PUBLISHED,
        )
        # A quarter's result is recorded by the competent level, not decided (Mẫu 05).
        quarter = getattr(subject, "quarter_result", None)
        blocks[subject.period.year]["sites"].append(
            {
                "period": subject.period.name,
                "unit": subject.unit.name,
                "class": CLASS_NAMES.get(subject.subject_class, subject.subject_class),
                "eligibility": ELIGIBILITY_NAMES.get(subject.eligibility, subject.eligibility),
                "form": report.form_code if report else "",
                "self_level": LEVEL_NAMES.get(report.self_level, "") if report else "",
                "sections": sections,
                "comments": [
                    {
                        "author": "Ẩn danh"
                        if c.is_anonymous or c.author is None
                        else c.author.full_name,
                        "date": f"{c.created_on:%d/%m/%Y}",
                        "text": c.text,
                        "response": {"accepted": "Tiếp thu", "explained": "Giải trình"}.get(
                            c.response_kind, ""
                        ),
                        "response_text": c.response_text,
                    }
                    for c in (report and comments.get(report.pk, [])) or []
                ],
                "level": LEVEL_NAMES.get(rating.level, rating.level)
                if decided
                else (LEVEL_NAMES.get(quarter.level, quarter.level) if quarter else ""),
                "level_code": rating.level if decided else "",
                "decision": (rating.decision.number or f"#{rating.decision_id}")
                if decided and rating.decision_id
                else "",
                "status": STATUS_NAMES.get(rating.status, "") if rating else "Chưa xếp loại",
            }
        )
    for row in imported:
        # A year the app has a period for shows the app's results only.
        if row.year in blocks and not blocks[row.year]["sites"]:
            blocks[row.year]["imported"].append(
                {
                    "unit": row.unit.name if row.unit else "",
                    "class": CLASS_NAMES.get(row.subject_class, row.subject_class),
                    "level": LEVEL_NAMES.get(row.level, row.level),
                    "level_code": row.level,
                    "source": row.source,
                }
            )
    return {
        "person": {
            "code": person.code,
            "name": person.full_name,
            "birth_date": f"{person.birth_date:%d/%m/%Y}" if person.birth_date else "",
            "admitted": f"{person.party_admission_date:%d/%m/%Y}"
            if person.party_admission_date
            else "",
        },
        "years": [blocks[y] for y in sorted(blocks, reverse=True)],
        "scope_units": _scope_units(within),
        "first_year": window.start,
        "last_year": window.stop - 1,
    }


def _scope_units(within: Within) -> list[str]:
    """The names of the units whose subtrees the dossier covers (none: the whole record)."""
    if within is None:
        return []
    return list(
        OrgUnit.objects.filter(path__in=within).order_by("path").values_list("name", flat=True)
    )


def content_checksum(context: dict[str, Any]) -> str:
    """SHA-256 of the dossier's content in a canonical form (sorted keys, UTF-8)."""
    canonical = json.dumps(context, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def render_dossier_pdf(
    person: Person, years: int = 3, *, now: dt.datetime | None = None, within: Within = None
) -> tuple[bytes, str]:
    """The personal dossier (hồ sơ) as PDF bytes and the SHA-256 of its content, which is
    printed in every page's footer and on the last page (a file cannot contain its own hash,
    so the printed one is of the content; the file's own hash is kept in the archive)."""
    context = dossier_context(person, years, within=within)
    checksum = content_checksum(context)
    now = now or timezone.now()
    local = timezone.localtime(now)
    return (
        render_pdf(
            "documents/dossier.html",
            {
                **context,
                "checksum": checksum,
                "created": f"{local:%H:%M} {vn_date(local.date())}",
            },
        ),
        checksum,
    )


def scope_dossier(*, person: Person, within: Within) -> DossierScope:
    """The scope row of the person's dossier over the sites `within` (None: all of them)."""
    paths = ",".join(sorted(within)) if within is not None else ""
    return DossierScope.objects.get_or_create(person=person, paths=paths)[0]


@transaction.atomic
def archive_dossier(
    *,
    person: Person,
    user: AbstractBaseUser | None,
    years: int = 3,
    scope: DossierScope | None = None,
) -> DossierArchive:
    """Render the dossier (of the scope's sites, or the whole record without one) and keep
    the copy handed out, with both checksums."""
    pdf, checksum = render_dossier_pdf(person, years, within=scope.within if scope else None)
    return DossierArchive.objects.create(
        person=person,
        scope=scope,
        created_by=user,
        years=years,
        sha256=checksum,
        file_sha256=hashlib.sha256(pdf).hexdigest(),
        file=ContentFile(pdf, name="ho-so.pdf"),
        size=len(pdf),
    )
