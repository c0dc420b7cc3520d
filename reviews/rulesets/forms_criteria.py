"""Validation of the forms and the criteria groups of a (merged) rule set.

Criteria come in two shapes, both kept so every period snapshot still loads:
- `items = [...]`, a list (the 124/132 sets and snapshots taken before groups existed);
- `[criteria.<class>.groups.<CODE>]`, tables keyed by group code, so a local variant
  (`extends`) can override one group's `max_points` without restating the list.
"""

from __future__ import annotations

from decimal import Decimal

from .model import (
    GROUP_TITLES,
    POINT_GROUPS,
    SECTION_KINDS,
    SUBJECT_CLASSES,
    Criterion,
    Form,
    FormHeading,
    FormSection,
    Scoring,
)
from .reader import TableReader, choices_text, placeholder_title

PART_TITLES_KEY = "parts"  # [criteria.parts]: the printed titles of the two point parts


def forms(root: TableReader) -> dict[str, Form]:
    table = root.table("forms")
    if not table.names():
        raise root.error("forms", "cần ít nhất một biểu mẫu", "needs at least one form")
    result = {}
    for code in table.names():
        item = table.table(code)
        headings = _headings(item)
        keys = tuple(h.key for h in headings)
        sections = []
        for entry in item.tables("sections"):
            sections.append(_section(entry, keys))
            entry.finish()
        names = [s.key for s in sections]
        for index, key in enumerate(names):
            if key in names[:index]:
                raise item.error(
                    f"sections[{index}].key", f'mục "{key}" bị lặp', f'section "{key}" is repeated'
                )
        result[code] = Form(
            code=code, title=item.string("title"), sections=tuple(sections), headings=headings
        )
        item.finish()
    table.finish()
    return result


def _headings(item: TableReader) -> tuple[FormHeading, ...]:
    if not item.has("headings"):
        return ()
    headings = []
    for entry in item.tables("headings"):
        headings.append(FormHeading(key=entry.string("key"), title=entry.string("title")))
        entry.finish()
    keys = [h.key for h in headings]
    if len(set(keys)) != len(keys):
        raise item.error("headings", "mã phần bị lặp", "heading keys are repeated")
    return tuple(headings)


def _section(entry: TableReader, heading_keys: tuple[str, ...]) -> FormSection:
    if heading_keys:
        heading = entry.string("heading", choices=heading_keys)
        number = entry.string("number", default="")
    else:
        for name in ("heading", "number"):
            entry.forbid(
                name,
                "chỉ dùng khi biểu mẫu có headings (các phần A, B)",
                "only used when the form has headings (parts A, B)",
            )
        heading, number = "", ""
    return FormSection(
        key=entry.string("key"),
        title=entry.string("title"),
        kind=entry.string("kind", choices=SECTION_KINDS),
        parts=entry.strings("parts", default=()),
        required=entry.boolean("required", default=True),
        heading=heading,
        number=number,
    )


def criteria(root: TableReader, scoring: Scoring) -> dict[str, tuple[Criterion, ...]]:
    table = root.table("criteria")
    part_titles = _part_titles(table, scoring)
    for name in table.names():
        if name != PART_TITLES_KEY and name not in SUBJECT_CLASSES:
            raise table.error(
                name,
                f"nhóm đối tượng không hợp lệ; chọn trong {choices_text(SUBJECT_CLASSES)}",
                f"unknown subject class; expected one of {choices_text(SUBJECT_CLASSES)}",
            )
    result = {}
    for cls in SUBJECT_CLASSES:
        if not table.has(cls):
            raise table.error(cls, "thiếu nhóm đối tượng", "subject class is missing")
        holder = table.table(cls)
        if holder.has("groups"):
            holder.forbid("items", "dùng groups hoặc items, không dùng cả hai", "groups or items")
            entries = [(code, holder.table("groups").table(code)) for code in _group_codes(holder)]
        else:
            entries = [(None, item) for item in holder.tables("items")]
        items = [_criterion(code, item, scoring, part_titles) for code, item in entries]
        _check_codes(holder, items)
        if scoring.is_points:
            _check_point_sums(holder, items, scoring)
        elif scoring.hard_conditions.htxs_task_criteria_grade and not any(
            c.group == "tasks" for c in items
        ):
            raise holder.error(
                "items",
                'cần ít nhất một tiêu chí group = "tasks" (kết quả thực hiện nhiệm vụ)',
                'needs at least one criterion with group = "tasks"',
            )
        holder.finish()
        result[cls] = tuple(items)
    table.finish()
    return result


def _part_titles(table: TableReader, scoring: Scoring) -> dict[str, str]:
    if not table.has(PART_TITLES_KEY):
        return {}
    parts = table.table(PART_TITLES_KEY)
    titles = {name: parts.string(name) for name in POINT_GROUPS if parts.has(name)}
    parts.finish()
    return titles


def _group_codes(holder: TableReader) -> list[str]:
    """The group codes in the order of `order` (tables lose their order in a period's
    snapshot, which is stored with sorted keys)."""
    codes = holder.table("groups").names()
    if not codes:
        raise holder.error("groups", "cần ít nhất một nhóm tiêu chí", "needs at least one group")
    order = list(holder.strings("order"))
    if sorted(order) != sorted(codes):
        raise holder.error(
            "order",
            f"phải liệt kê đúng một lần mỗi nhóm: {choices_text(sorted(codes))}",
            f"must list each group exactly once: {choices_text(sorted(codes))}",
        )
    return order


def _criterion(
    code: str | None, item: TableReader, scoring: Scoring, part_titles: dict[str, str]
) -> Criterion:
    key = "group" if code is None else "part"
    if scoring.is_points:
        group = item.string(key, choices=POINT_GROUPS)
        max_points = item.decimal("max_points", positive=True)
    else:
        group = item.string(key)
        item.forbid("max_points", 'chỉ dùng khi model = "points"', 'only for model = "points"')
        max_points = None
    title = item.string("title")
    placeholder = item.boolean("placeholder", default=False)
    placeholder_title(item, "title", title, placeholder)
    details = item.strings("details", default=()) if code is not None else ()
    source = item.string("source", default="") if code is not None else ""
    if not placeholder and code is not None and scoring.is_points and not source:
        raise item.error(
            "source",
            "nội dung đã xác nhận phải ghi nguồn",
            "confirmed wording must name its source",
        )
    criterion = Criterion(
        code=item.string("code") if code is None else code,
        group=group,
        title=title,
        max_points=max_points,
        placeholder=placeholder,
        details=details,
        source=source,
        part_title=part_titles.get(group, ""),
    )
    item.finish()
    return criterion


def _check_codes(holder: TableReader, items: list[Criterion]) -> None:
    codes = [c.code for c in items]
    for index, code in enumerate(codes):
        if code in codes[:index]:
            raise holder.error(
                f"items[{index}].code", f'mã "{code}" bị lặp', f'code "{code}" is repeated'
            )


def _check_point_sums(holder: TableReader, items: list[Criterion], scoring: Scoring) -> None:
    for group, name, expected in (
        ("general", "general_max", scoring.general_max),
        ("tasks", "tasks_max", scoring.tasks_max),
    ):
        total = sum((c.max_points or Decimal(0) for c in items if c.group == group), Decimal(0))
        if total != expected:
            title = GROUP_TITLES[group]
            raise holder.error(
                "groups" if holder.has("groups") else "items",
                f'tổng điểm tối đa của các nhóm "{title}" là {total}, phải bằng scoring.{name} = '
                f"{expected}",
                f'max_points of part "{group}" sum to {total}; must equal scoring.{name} = '
                f"{expected}",
            )
