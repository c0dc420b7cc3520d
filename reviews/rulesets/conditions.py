"""The level conditions per subject class ([level_conditions.<class>], QĐ 366 Art. 11) and the
timing of discipline ([discipline]): reading, validation and the rows of "the rules that apply".

Both sections are optional: a rule set without [level_conditions] applies none of these checks,
and one without [discipline] keeps the older timing (R-K1 exemption, R-K3 re-opening).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from .model import (
    DISCIPLINE_COUNTS_IN,
    SUBJECT_CLASSES,
    DisciplineRule,
    LevelConditions,
    RuleSet,
)
from .reader import TableReader, choices_text

# name → kind ("pct", "bool" or "discipline_form")
CONDITION_KINDS: Mapping[str, str] = {
    "htxs_min_tasks_on_time_pct": "pct",
    "htxs_min_tasks_exceeded_pct": "pct",
    "htxs_led_units_same": "bool",
    "htt_min_tasks_on_time_pct": "pct",
    "ht_min_tasks_completed_pct": "pct",
    "ht_max_tasks_behind_pct": "pct",
    "kht_below_unit_tasks_completed_pct": "pct",
    "kht_if_socio_economic_targets_missed": "bool",
    "kht_if_led_units_kht_above_pct": "pct",
    "kht_if_low_confidence_above_pct": "pct",
    "kht_discipline_min_form": "discipline_form",
    "kht_if_degraded": "bool",
    "kht_if_cadre_work_wrongdoing": "bool",
    "kht_if_disunity": "bool",
    "kht_if_position_seeking": "bool",
    "kht_if_corruption_in_scope_disciplined": "bool",
    "kht_if_prohibited_conduct": "bool",
    "kht_above_tasks_not_completed_pct": "pct",
}
# The party's forms of discipline, lightest first, with their Vietnamese names. The rating app's
# DisciplineForm uses the same codes (a test keeps them equal); rule sets sit below that app.
DISCIPLINE_FORMS: Mapping[str, str] = {
    "reprimand": "khiển trách",
    "warning": "cảnh cáo",
    "removal": "cách chức",
    "expulsion": "khai trừ",
    "dissolution": "giải tán",
}
LEADERS = ("central_cadre", "leader")
INDIVIDUALS = ("central_cadre", "leader", "non_leader", "outside")
# Conditions that only make sense for some classes (the others apply to every class).
CONDITION_CLASSES: Mapping[str, tuple[str, ...]] = {
    "htxs_led_units_same": LEADERS,
    "kht_below_unit_tasks_completed_pct": ("collective", *LEADERS),
    "kht_if_socio_economic_targets_missed": ("collective", *LEADERS),
    "kht_if_led_units_kht_above_pct": LEADERS,
    "kht_if_low_confidence_above_pct": LEADERS,
    "kht_if_cadre_work_wrongdoing": ("collective",),
    "kht_if_disunity": ("collective",),
    "kht_if_position_seeking": ("collective",),
    "kht_if_corruption_in_scope_disciplined": LEADERS,
    "kht_if_prohibited_conduct": INDIVIDUALS,
    "kht_above_tasks_not_completed_pct": INDIVIDUALS,
}


def read_level_conditions(root: TableReader) -> dict[str, LevelConditions]:
    """[level_conditions.<class>]: every key optional, each checked for its kind and class."""
    table = root.table("level_conditions", optional=True)
    result: dict[str, LevelConditions] = {}
    for cls in table.names():
        if cls not in SUBJECT_CLASSES:
            raise table.error(
                cls,
                f"nhóm đối tượng không hợp lệ; chọn trong {choices_text(SUBJECT_CLASSES)}",
                f"unknown subject class; expected one of {choices_text(SUBJECT_CLASSES)}",
            )
        item = table.table(cls)
        values: dict[str, Any] = {}
        for name in item.names():
            kind = CONDITION_KINDS.get(name)
            if kind is None:
                continue  # reported by finish()
            allowed = CONDITION_CLASSES.get(name, SUBJECT_CLASSES)
            if cls not in allowed:
                item.forbid(
                    name,
                    f"chỉ áp dụng cho nhóm {choices_text(allowed)}",
                    f"only applies to {choices_text(allowed)}",
                )
            if kind == "pct":
                values[name] = item.decimal(name, minimum=0, maximum=100)
            elif kind == "bool":
                values[name] = item.boolean(name)
            else:
                values[name] = item.string(name, choices=tuple(DISCIPLINE_FORMS))
        item.finish()
        result[cls] = LevelConditions(**values)
    table.finish()
    return result


def read_discipline(root: TableReader) -> DisciplineRule:
    table = root.table("discipline", optional=True)
    legacy = DisciplineRule()
    rule = DisciplineRule(
        counts_in=table.string("counts_in", default=legacy.counts_in, choices=DISCIPLINE_COUNTS_IN),
        reopen_decided=table.boolean("reopen_decided", default=legacy.reopen_decided),
        self_detected_remedied_exempt=table.boolean(
            "self_detected_remedied_exempt", default=legacy.self_detected_remedied_exempt
        ),
        rerate_by_decision=table.boolean("rerate_by_decision", default=legacy.rerate_by_decision),
    )
    if rule.reopen_decided and rule.counts_in != "violation_year":
        raise table.error(
            "reopen_decided",
            'chỉ mở lại mức đã quyết định khi counts_in = "violation_year"',
            'decided ratings are re-opened only when counts_in = "violation_year"',
        )
    table.finish()
    return rule


# -- "the rules that apply here" -----------------------------------------------------------


def _pct(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",") + "%"


def _condition_texts(c: LevelConditions, collective: bool) -> list[tuple[str, str]]:
    member = "có thành viên " if collective else ""
    htxs, htt, ht, kht = [], [], [], []
    if c.htxs_min_tasks_on_time_pct is not None:
        htxs.append(f"hoàn thành {_pct(c.htxs_min_tasks_on_time_pct)} nhiệm vụ đúng tiến độ")
    if c.htxs_min_tasks_exceeded_pct is not None:
        htxs.append(f"ít nhất {_pct(c.htxs_min_tasks_exceeded_pct)} nhiệm vụ vượt mức")
    if c.htxs_led_units_same:
        htxs.append("cơ quan, đơn vị do mình phụ trách cũng đạt các điều kiện đó")
    if c.htt_min_tasks_on_time_pct is not None:
        htt.append(f"hoàn thành {_pct(c.htt_min_tasks_on_time_pct)} nhiệm vụ đúng tiến độ")
    if c.ht_min_tasks_completed_pct is not None:
        ht.append(f"hoàn thành {_pct(c.ht_min_tasks_completed_pct)} nhiệm vụ")
    if c.ht_max_tasks_behind_pct is not None:
        ht.append(f"không quá {_pct(c.ht_max_tasks_behind_pct)} nhiệm vụ chậm tiến độ")
    if c.kht_below_unit_tasks_completed_pct is not None:
        kht.append(
            f"cơ quan, đơn vị hoàn thành dưới {_pct(c.kht_below_unit_tasks_completed_pct)} nhiệm vụ"
        )
    if c.kht_if_socio_economic_targets_missed:
        kht.append("không đạt 5 chỉ tiêu kinh tế - xã hội cơ bản")
    if c.kht_if_led_units_kht_above_pct is not None:
        kht.append(
            f"trên {_pct(c.kht_if_led_units_kht_above_pct)} đơn vị thuộc phạm vi phụ trách "
            "không hoàn thành nhiệm vụ"
        )
    if c.kht_if_low_confidence_above_pct is not None:
        kht.append(f"trên {_pct(c.kht_if_low_confidence_above_pct)} số phiếu tín nhiệm thấp")
    if c.kht_discipline_min_form:
        kht.append(
            f"{member}bị kỷ luật từ hình thức {DISCIPLINE_FORMS[c.kht_discipline_min_form]} "
            "trở lên do vi phạm liên quan đến thực hiện chức trách, nhiệm vụ"
        )
    flags = (
        (
            c.kht_if_degraded,
            f"{member or 'có '}biểu hiện suy thoái, “tự diễn biến”, “tự chuyển hóa”",
        ),
        (c.kht_if_cadre_work_wrongdoing, "có sai phạm trong công tác cán bộ"),
        (c.kht_if_disunity, "mất đoàn kết nội bộ"),
        (c.kht_if_position_seeking, "có tình trạng chạy chức, chạy quyền"),
        (
            c.kht_if_corruption_in_scope_disciplined,
            "để xảy ra tham nhũng, tiêu cực trong phạm vi phụ trách trực tiếp dẫn đến bị kỷ luật",
        ),
        (
            c.kht_if_prohibited_conduct,
            "vi phạm những điều đảng viên không được làm hoặc trách nhiệm nêu gương",
        ),
    )
    kht.extend(text for on, text in flags if on)
    if c.kht_above_tasks_not_completed_pct is not None:
        kht.append(f"trên {_pct(c.kht_above_tasks_not_completed_pct)} nhiệm vụ không hoàn thành")
    rows = [
        ("Điều kiện thêm để đạt HTXS", htxs),
        ("Điều kiện thêm để đạt HTT", htt),
        ("Điều kiện thêm để đạt HT", ht),
        ("Không hoàn thành nhiệm vụ khi", kht),
    ]
    return [(label, "; ".join(parts)) for label, parts in rows if parts]


def describe_conditions(
    rs: RuleSet, note: Callable[..., str | None]
) -> tuple[str, list[tuple[str, str, str | None]]]:
    """The section "Điều kiện xếp loại theo nhóm đối tượng" and the timing of discipline;
    `note(*keys)` gives the note text shown next to a row."""
    rows: list[tuple[str, str, str | None]] = []
    for cls, conditions in rs.level_conditions.items():
        name = rs.subject_classes[cls].name
        for label, text in _condition_texts(conditions, cls == "collective"):
            rows.append((f"{name} – {label}", text, note(f"level_conditions.{cls}")))
    d = rs.discipline
    if d.counts_in == "violation_year":
        timing = "kỷ luật được tính vào năm xảy ra vi phạm"
        if d.reopen_decided:
            timing += "; mức đã quyết định của năm đó được mở lại để xếp loại lại"
    else:
        timing = (
            "kỷ luật được tính ở thời điểm đánh giá hiện tại (năm có quyết định kỷ luật), không "
            "mở lại kết quả năm trước"
        )
    if d.rerate_by_decision:
        timing += (
            "; kết quả đánh giá, xếp loại không đúng được hủy và đánh giá, xếp loại lại bằng "
            "quyết định của cấp có thẩm quyền"
        )
    if d.self_detected_remedied_exempt:
        timing += "; vi phạm tự phát hiện và đã khắc phục hậu quả không bị tính"
    else:
        timing += (
            "; vi phạm tự phát hiện, đã khắc phục hoặc do nguyên nhân khách quan: cấp có thẩm "
            "quyền xem xét, quyết định từng trường hợp"
        )
    rows.append(("Thời điểm tính kỷ luật", timing, note("discipline")))
    return "Điều kiện xếp loại theo nhóm đối tượng", rows
