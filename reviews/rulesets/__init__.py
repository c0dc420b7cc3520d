"""Rule sets: versioned, validated parameter bundles, one TOML file each in `rulesets/`.

Code implements each kind of rule once and reads its parameters from here; see domain.md §1.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from .describe import describe
from .loader import (
    RuleSetDirectory,
    check_all,
    deep_merge,
    default_directory,
    load_all,
    load_ruleset_file,
)
from .model import (
    Band,
    CalendarTier,
    CirculationRule,
    ConfidenceVoteRule,
    Constraints,
    Criterion,
    Exemptions,
    Form,
    FormSection,
    Grade,
    HardConditions,
    Level,
    Manifestation,
    ManifestationGroup,
    MeetingRule,
    Note,
    QuotaRule,
    RuleSet,
    RuleSetError,
    RuleSetNotFound,
    Scoring,
    SubjectClass,
    VoteRule,
)
from .sections import build_ruleset

__all__ = [
    "Band",
    "CalendarTier",
    "CirculationRule",
    "ConfidenceVoteRule",
    "Constraints",
    "Criterion",
    "Exemptions",
    "Form",
    "FormSection",
    "Grade",
    "HardConditions",
    "Level",
    "Manifestation",
    "ManifestationGroup",
    "MeetingRule",
    "Note",
    "QuotaRule",
    "RuleSet",
    "RuleSetDirectory",
    "RuleSetError",
    "RuleSetNotFound",
    "Scoring",
    "SubjectClass",
    "VoteRule",
    "all_rulesets",
    "check_all",
    "clear_cache",
    "deep_merge",
    "default_directory",
    "default_ruleset",
    "describe",
    "get_ruleset",
    "load_all",
    "load_ruleset_file",
    "ruleset_for_year",
    "stored_ruleset",
]


@cache
def _shipped() -> dict[str, RuleSet]:
    return load_all()


def clear_cache() -> None:
    """Forget the loaded rule sets (after the files change, or in tests)."""
    _shipped.cache_clear()
    _STORED.clear()


def all_rulesets() -> list[RuleSet]:
    """The shipped rule sets, central ones by rating years first, then local variants."""
    return sorted(_shipped().values(), key=lambda rs: (rs.extends is not None, rs.rating_years))


def get_ruleset(code: str) -> RuleSet:
    """The rule set `code`: a shipped file, else the latest version stored in the database (a
    local rule set edited in the app); RuleSetNotFound (a KeyError) when there is neither."""
    try:
        return _shipped()[code]
    except KeyError:
        pass
    return stored_ruleset(code)


# (code, version, content) → the stored version as validated; the content is in the key so a
# row recreated with the same number (tests, a restored database) is never served stale.
_STORED: dict[tuple[str, int, str], RuleSet] = {}


def stored_ruleset(code: str, version: int | None = None) -> RuleSet:
    """A version (default: the latest) of a rule set kept in the database, merged with the
    file it extends and validated exactly as a file is; RuleSetNotFound when there is none."""
    from ..models import StoredRuleSet  # the rule-set package is read before the models load

    rows = StoredRuleSet.objects.filter(code=code)
    if version is not None:
        rows = rows.filter(version=version)
    row = rows.order_by("-version").values("version", "data").first()
    if row is None:
        raise RuleSetNotFound(f'Không có bộ quy tắc "{code}" / no rule set "{code}"')
    key = (code, row["version"], json.dumps(row["data"], sort_keys=True))
    found = _STORED.get(key)
    if found is None:
        loader = RuleSetDirectory(default_directory())
        found = loader.load_data(row["data"], f"{code} v{row['version']} (cơ sở dữ liệu)")
        _STORED[key] = found
    return found


_SNAPSHOTS: dict[str, RuleSet] = {}


def from_snapshot(data: Mapping[str, Any], digest: str) -> RuleSet:
    """The rule set a period stored when it was created (its `data`), rebuilt and validated
    once per content digest; later edits of the file do not change it."""
    found = _SNAPSHOTS.get(digest)
    if found is None:
        found = build_ruleset(
            data,
            source=Path("snapshot"),
            file=f"snapshot {data.get('code')} v{data.get('version')}",
        )
        _SNAPSHOTS[digest] = found
    return found


def default_ruleset() -> RuleSet:
    """The rule set marked `default = true`: the one new periods use."""
    for ruleset in _shipped().values():
        if ruleset.is_default:
            return ruleset
    raise RuleSetNotFound("Chưa có bộ quy tắc mặc định / no default rule set")


def ruleset_for_year(year: int) -> RuleSet:
    """The central rule set (one without `extends`) whose rating years contain `year`."""
    for ruleset in _shipped().values():
        if ruleset.extends is None and ruleset.covers_year(year):
            return ruleset  # central sets never overlap: the loader checks it
    raise RuleSetNotFound(
        f"Không có bộ quy tắc cho năm đánh giá {year} / no rule set for rating year {year}"
    )
