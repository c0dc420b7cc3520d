"""The rules that apply here, in plain Vietnamese, for the help page and `manage.py rulesets`.

The text is built from the rule set's data (itself Vietnamese, per domain.md), so it is not
translated through gettext.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from .conditions import describe_conditions
from .key_words import changed_parameters
from .model import CALENDAR_STEPS, CONFIDENCE_MARKS, Criterion, Note, RuleSet
from .quarterly import describe_quarterly

Row = tuple[str, str, str | None]
Section = tuple[str, list[Row]]

YES_NO = {True: "Có", False: "Không"}
ON_OFF = {True: "Áp dụng", False: "Không áp dụng"}
ROUNDING_TEXT = {
    "floor": "làm tròn xuống",
    "ceil": "làm tròn lên",
    "round_half_up": "làm tròn đến số nguyên gần nhất (0,5 làm tròn lên)",
}
BASIS_TEXT = {
    "htt": "số được xếp loại Hoàn thành tốt nhiệm vụ",
    "htt_or_better": "số được xếp loại Hoàn thành tốt nhiệm vụ trở lên",
    "headcount": "tổng số được xếp loại",
}
GROUPING_TEXT = {
    "per_grassroots_and_class": "theo từng tổ chức cơ sở đảng và từng nhóm đối tượng",
    "per_unit_and_class": "theo từng đơn vị và từng nhóm đối tượng",
    "per_title_and_level": "theo chức danh tương đương ở từng cấp, lĩnh vực",
}
TIE_BREAK_TEXT = {
    "score_then_ballot": "tổng điểm cao hơn trước; bằng điểm thì tỷ lệ phiếu cao hơn trước",
    "ballot": "tỷ lệ phiếu đề xuất cao hơn trước",
    "manual": "do cấp có thẩm quyền quyết định",
}
VOTE_BASE_TEXT = {
    "convened": "số được triệu tập",
    "present": "số có mặt",
    "valid": "số phiếu hợp lệ",
}
PARTY_STATUS_TEXT = {
    "exempt": "đảng viên được miễn công tác và sinh hoạt đảng",
    "suspended": "đảng viên bị đình chỉ sinh hoạt đảng",
    "active": "đảng viên đang sinh hoạt",
}
STEP_TEXT = {
    "self_report_due": "nộp bản tự kiểm điểm",
    "circulation": "gửi dự thảo",
    "meeting_start": "bắt đầu hội nghị",
    "meeting_end": "kết thúc hội nghị",
    "appraisal_due": "thẩm định",
    "decision_due": "quyết định",
    "announcement": "công khai kết quả",
}


def number(value: Decimal | int | float) -> str:
    """1.5 → "1,5"; 2.0 → "2" (Vietnamese decimal comma)."""
    text = f"{Decimal(str(value)).normalize():f}"
    return text.replace(".", ",")


def ratio(value: Fraction) -> str:
    """1/5 → "20%"; 2/3 → "2/3"; 0.6667 → "66,67%"."""
    percent = value * 100
    if percent.denominator == 1:
        return f"{percent.numerator}%"
    if (percent * 100).denominator == 1:
        return number(Decimal(percent.numerator) / Decimal(percent.denominator)) + "%"
    return f"{value.numerator}/{value.denominator}"


def _note(ruleset: RuleSet, *keys: str) -> str | None:
    """The notes on `keys` (exact key, else nearest parent) as one text, led by the weakest
    confidence mark among them ("[?] …" beats "[L] …" beats "[C] …")."""
    notes: list[Note] = []
    for key in keys:
        note = ruleset.note(key)
        if note is not None and note not in notes:
            notes.append(note)
    if not notes:
        return None
    text = " ".join(note.text for note in notes)
    marks = [note.confidence for note in notes if note.confidence]
    if not marks:
        return text
    weakest = min(marks, key=CONFIDENCE_MARKS.index)
    return f"[{weakest}] {text}"


def _parent_title(code: str) -> str:
    """The title of the shipped rule set a local variant extends (its code is not for people)."""
    from . import get_ruleset  # the package imports this module

    try:
        return get_ruleset(code).title
    except KeyError:
        return "bộ quy tắc gốc"


def _level_name(ruleset: RuleSet, code: str) -> str:
    return ruleset.level(code).name


def _identity(rs: RuleSet) -> Section:
    first, last = rs.rating_years
    years = f"từ năm {first}" if last == 9999 else f"{first}–{last}"
    rows: list[Row] = [
        ("Bộ quy tắc", f"{rs.title} (phiên bản {rs.version})", None),
        ("Căn cứ", "; ".join(rs.legal_basis), _note(rs, "legal_basis")),
        ("Năm đánh giá áp dụng", years, None),
    ]
    if rs.extends:
        changed = changed_parameters(rs.overrides) or "không có"
        rows.append(
            ("Kế thừa", f"{_parent_title(rs.extends)}; các tham số điều chỉnh: {changed}", None)
        )
    if rs.is_default:
        rows.append(("Mặc định", "Dùng cho các kỳ kiểm điểm mới", None))
    return "Căn cứ áp dụng", rows


def _scoring(rs: RuleSet) -> Section:
    s = rs.scoring
    rows: list[Row] = []
    if s.is_points:
        assert s.general_max is not None and s.tasks_max is not None and s.max_total is not None
        rows.append(
            (
                "Thang điểm",
                f"{number(s.max_total)} điểm = {number(s.general_max)} điểm tiêu chí chung + "
                f"{number(s.tasks_max)} điểm kết quả thực hiện nhiệm vụ",
                _note(rs, "scoring"),
            )
        )
        for index, band in enumerate(s.bands):
            low = number(band.min_points)
            if index == 0:
                text = f"từ {low} điểm trở lên"
            elif band.min_points == 0:
                text = f"dưới {number(s.bands[index - 1].min_points)} điểm"
            else:
                text = f"từ {low} đến dưới {number(s.bands[index - 1].min_points)} điểm"
            rows.append((_level_name(rs, band.level), text, _note(rs, "scoring.bands")))
    else:
        grades = ", ".join(g.name for g in s.grades)
        rows.append(
            (
                "Cách đánh giá",
                f"Mỗi tiêu chí được đánh giá một trong các mức: {grades}; mức xếp loại căn cứ "
                "kết quả các tiêu chí và các điều kiện dưới đây",
                _note(rs, "scoring"),
            )
        )
    rows.extend(_hard_condition_rows(rs))
    return "Cách đánh giá, xếp loại", rows


def _hard_condition_rows(rs: RuleSet) -> list[Row]:
    hc = rs.scoring.hard_conditions
    grade_names = {g.code: g.name for g in rs.scoring.grades}

    def pct(value: Decimal | None) -> str:
        return f"{number(value)}%" if value is not None else ""

    htxs: list[str] = []
    if hc.htxs_min_tasks_on_time_pct is not None:
        htxs.append(f"hoàn thành {pct(hc.htxs_min_tasks_on_time_pct)} nhiệm vụ đúng tiến độ")
    if hc.htxs_min_tasks_exceeded_pct is not None:
        htxs.append(f"ít nhất {pct(hc.htxs_min_tasks_exceeded_pct)} nhiệm vụ vượt mức")
    if hc.htxs_requires_all_shortcomings_remedied:
        htxs.append("khắc phục 100% hạn chế, khuyết điểm đã được chỉ ra")
    if hc.htxs_all_criteria_min_grade:
        htxs.append(f"mọi tiêu chí đạt mức {grade_names[hc.htxs_all_criteria_min_grade]} trở lên")
    if hc.htxs_task_criteria_grade:
        htxs.append(
            "tiêu chí kết quả thực hiện nhiệm vụ đạt mức "
            f"{grade_names[hc.htxs_task_criteria_grade]}, có sản phẩm cụ thể"
        )
    if hc.htxs_min_targets_met_pct is not None:
        htxs.append(f"hoàn thành {pct(hc.htxs_min_targets_met_pct)} chỉ tiêu")
    if hc.htxs_min_targets_exceeded_pct is not None:
        htxs.append(f"ít nhất {pct(hc.htxs_min_targets_exceeded_pct)} chỉ tiêu vượt mức")
    if hc.collective_htxs_no_disciplined:
        htxs.append("(tập thể) không có tổ chức trực thuộc hoặc thành viên lãnh đạo bị kỷ luật")
    collective_ht: list[str] = []
    if hc.collective_ht_min_tasks_completed_pct is not None:
        collective_ht.append(f"hoàn thành {pct(hc.collective_ht_min_tasks_completed_pct)} nhiệm vụ")
    if hc.collective_ht_max_tasks_behind_pct is not None:
        collective_ht.append(
            f"không quá {pct(hc.collective_ht_max_tasks_behind_pct)} nhiệm vụ chậm tiến độ"
        )
    kht: list[str] = []
    if hc.any_kem_means_kht:
        kht.append("có tiêu chí đánh giá mức Kém")
    if hc.kht_if_disciplined_in_year:
        kht.append("bị kỷ luật trong năm (trừ trường hợp tự phát hiện và đã khắc phục hậu quả)")
    if hc.kht_if_led_unit_targets_met_below_pct is not None:
        kht.append(
            "đơn vị trực tiếp phụ trách hoàn thành dưới "
            f"{pct(hc.kht_if_led_unit_targets_met_below_pct)} chỉ tiêu"
        )
    if hc.collective_kht_if_disciplined_subunits_above_pct is not None:
        kht.append(
            "(tập thể) trên "
            f"{pct(hc.collective_kht_if_disciplined_subunits_above_pct)} tổ chức trực thuộc bị "
            "kỷ luật"
        )
    rows: list[Row] = []
    key = "scoring.hard_conditions"
    if htxs:
        rows.append(("Điều kiện để đạt HTXS", "; ".join(htxs), _note(rs, key)))
    if hc.htt_min_tasks_on_time_pct is not None:
        text = f"hoàn thành {pct(hc.htt_min_tasks_on_time_pct)} nhiệm vụ đúng tiến độ"
        rows.append(("Điều kiện để đạt HTT", text, _note(rs, key)))
    if collective_ht:
        rows.append(("Điều kiện để tập thể đạt HT", "; ".join(collective_ht), _note(rs, key)))
    if kht:
        rows.append(("Xếp loại Không hoàn thành nhiệm vụ khi", "; ".join(kht), _note(rs, key)))
    return rows


def _frameworks(rs: RuleSet) -> Section:
    rows: list[Row] = []
    for cls in rs.subject_classes.values():
        criteria = rs.criteria_for_class(cls.code)
        pending = sum(1 for c in criteria if c.placeholder)
        text = f"Mẫu {cls.form}; {len(criteria)} tiêu chí"
        if pending:
            text += f", {pending} tiêu chí chờ vận hành viên nhập nội dung"
        split = _point_split(criteria) if rs.scoring.is_points else ""
        if split:
            text += f"; điểm tối đa: {split}"
        rows.append(
            (cls.name, text, _note(rs, f"criteria.{cls.code}", f"subject_classes.{cls.code}"))
        )
    return "Nhóm đối tượng, biểu mẫu và khung tiêu chí", rows


def _point_split(criteria: tuple[Criterion, ...]) -> str:
    """How a class's points are divided between its groups, e.g. "chung 6 + 6 + 6 + 6 + 6 = 30;
    kết quả 30 + 25 + 15 = 70" (a province may set its own split)."""
    parts = []
    for group, label in (("general", "chung"), ("tasks", "kết quả")):
        points = [c.max_points for c in criteria if c.group == group and c.max_points]
        if points:
            terms = " + ".join(_num(p) for p in points)
            parts.append(f"{label} {terms} = {_num(sum(points, Decimal(0)))}")
    return "; ".join(parts)


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


def _quota(rs: RuleSet) -> Section:
    q = rs.quota
    rows: list[Row] = [
        (
            "Tỷ lệ tối đa HTXS",
            f"{ratio(q.ratio)} {BASIS_TEXT[q.basis]}, {ROUNDING_TEXT[q.rounding]}",
            _note(rs, "quota.ratio", "quota.basis", "quota.rounding"),
        ),
        (
            "Ví dụ",
            f"10 người được tính → tối đa {q.cap(10)} HTXS; 12 người → tối đa {q.cap(12)}; "
            f"4 người → tối đa {q.cap(4)}",
            None,
        ),
    ]
    if q.small_group_threshold:
        small = (
            f"Nhóm có dưới {q.small_group_threshold} người được tính: được "
            f"{q.small_group_allowance} người Hoàn thành xuất sắc nhiệm vụ nếu đủ điều kiện"
        )
    else:
        small = "Không áp dụng"
    rows.append(("Ngoại lệ cho nhóm nhỏ", small, _note(rs, "quota.small_group_threshold")))
    if q.exception_max_ratio:
        outstanding = (
            f"Cấp có thẩm quyền có thể cho phép tối đa {ratio(q.exception_max_ratio)} "
            "số được xếp loại Hoàn thành tốt nhiệm vụ, có ghi rõ lý do"
        )
    else:
        outstanding = "Không áp dụng"
    rows.append(
        ("Ngoại lệ cho tổ chức nổi bật", outstanding, _note(rs, "quota.exception_max_ratio"))
    )
    rows.append(("Nhóm tính tỷ lệ", GROUPING_TEXT[q.grouping], _note(rs, "quota.grouping")))
    rows.append(
        ("Thứ tự xét khi vượt tỷ lệ", TIE_BREAK_TEXT[q.tie_break], _note(rs, "quota.tie_break"))
    )
    return "Tỷ lệ Hoàn thành xuất sắc nhiệm vụ", rows


def _vote(rs: RuleSet) -> Section:
    v = rs.vote
    base = VOTE_BASE_TEXT[v.base]
    above = "trên" if v.strict else "từ"
    if v.rule == "absolute_majority":
        rule = f"Mức đề xuất là mức có số phiếu {above} {ratio(v.threshold)} {base}"
    elif v.rule == "cumulative":
        rule = (
            "Cộng dồn số phiếu từ mức cao xuống mức thấp; mức đề xuất là mức đầu tiên mà số "
            f"phiếu cộng dồn {above} {ratio(v.threshold)} {base}"
        )
    else:
        rule = "Mức đề xuất là mức có nhiều phiếu nhất; bằng phiếu thì lấy mức thấp hơn"
    rows: list[Row] = [
        ("Cách quy đổi phiếu thành mức đề xuất", rule, _note(rs, "vote.rule", "vote.base")),
        (
            "Số có mặt tối thiểu",
            f"{ratio(v.quorum)} số được triệu tập",
            _note(rs, "vote.quorum"),
        ),
        (
            "Công bố số phiếu từng mức",
            f"khi có từ {v.min_voters_for_counts} người bỏ phiếu trở lên",
            _note(rs, "vote.min_voters_for_counts"),
        ),
        ("Bỏ phiếu lại", YES_NO[v.allow_revote], _note(rs, "vote.allow_revote")),
        (
            "Đảng viên bị đình chỉ sinh hoạt đảng",
            "không được phát phiếu; "
            + ("có" if v.suspended_in_quorum else "không")
            + " tính vào số được triệu tập và số có mặt khi xét số lượng tối thiểu",
            _note(rs, "vote.suspended_in_quorum"),
        ),
    ]
    return "Bỏ phiếu kín đề xuất mức xếp loại", rows


def _confidence(rs: RuleSet) -> Section:
    c = rs.confidence_vote
    rows: list[Row] = [
        (
            "Số có mặt tối thiểu",
            f"ít nhất {ratio(c.quorum)} số được triệu tập",
            _note(rs, "confidence_vote.quorum"),
        ),
        (
            f"Trên {ratio(c.low_resign_threshold)} phiếu tín nhiệm thấp",
            "đưa ra khỏi quy hoạch; có thể xin thôi giữ chức vụ",
            _note(rs, "confidence_vote.low_resign_threshold"),
        ),
        (
            f"Từ {ratio(c.low_dismiss_threshold)} phiếu tín nhiệm thấp trở lên",
            "xem xét miễn nhiệm",
            _note(rs, "confidence_vote.low_dismiss_threshold"),
        ),
    ]
    return "Lấy phiếu tín nhiệm", rows


def _meeting(rs: RuleSet) -> Section:
    m, c = rs.meeting, rs.circulation
    rows: list[Row] = [
        (
            "Thời gian hội nghị tối thiểu",
            f"{number(m.min_days)} ngày",
            _note(rs, "meeting.min_days"),
        ),
        (
            "Khi có gợi ý kiểm điểm",
            f"{number(m.min_days_with_suggestions)} ngày",
            _note(rs, "meeting.min_days_with_suggestions"),
        ),
        (
            "Ban thường vụ cấp ủy cấp tỉnh",
            f"{number(m.min_days_provincial_standing)} ngày",
            _note(rs, "meeting.min_days_provincial_standing"),
        ),
    ]
    if m.key_cadre_conference_staff_threshold:
        conference = (
            f"Đơn vị từ {m.key_cadre_conference_staff_threshold} biên chế: kiểm điểm trước hội "
            "nghị cán bộ chủ chốt; đơn vị nhỏ hơn: trước hội nghị toàn thể"
        )
    else:
        conference = "Không áp dụng"
    rows.append(
        ("Hội nghị góp ý", conference, _note(rs, "meeting.key_cadre_conference_staff_threshold"))
    )
    leadership = {"first": "trước các thành viên và người đứng đầu", "last": "sau các thành viên"}
    party = {"first": "trước các đảng viên", "last": "sau đảng viên và tổ chức đảng trực thuộc"}
    rows.append(
        (
            "Thứ tự: tập thể lãnh đạo, quản lý",
            f"kiểm điểm {leadership[m.agenda_leadership_collective]}",
            _note(rs, "meeting.agenda_leadership_collective"),
        )
    )
    rows.append(
        (
            "Thứ tự: tổ chức đảng",
            f"kiểm điểm {party[m.agenda_party_organisation]}",
            _note(rs, "meeting.agenda_party_organisation"),
        )
    )
    rows.append(
        (
            "Gửi dự thảo trước hội nghị",
            f"ít nhất {c.lead_working_days} ngày làm việc (không tính ngày lễ, Tết)",
            _note(rs, "circulation.lead_working_days"),
        )
    )
    rows.append(
        (
            "Góp ý không ghi tên",
            "Cho phép" if c.allow_anonymous_comments else "Không cho phép",
            _note(rs, "circulation.allow_anonymous_comments"),
        )
    )
    return "Chuẩn bị và hội nghị kiểm điểm", rows


def _constraints(rs: RuleSet) -> Section:
    k = rs.constraints
    rows: list[Row] = [
        (
            "Người đứng đầu không cao hơn tập thể mình đứng đầu",
            ON_OFF[k.head_not_above_collective],
            _note(rs, "constraints.head_not_above_collective"),
        ),
        (
            "Tập thể lãnh đạo không cao hơn cơ quan, đơn vị",
            ON_OFF[k.leadership_not_above_organisation],
            _note(rs, "constraints.leadership_not_above_organisation"),
        ),
        (
            "Chi bộ, đảng bộ đạt HTT cần",
            (
                f"{k.cell_htt_min_pct_ht}% đảng viên (tổ chức trực thuộc) từ HT trở lên và ít "
                f"nhất {k.cell_htt_min_pct_htt}% từ HTT trở lên"
                if k.cell_htt_requires_members
                else "Không áp dụng"
            ),
            _note(rs, "constraints.cell_htt_requires_members"),
        ),
        (
            "Tỷ lệ công chức HTXS không vượt tỷ lệ đảng viên HTXS của đơn vị",
            ON_OFF[k.civil_servant_htxs_share_not_above_party],
            _note(rs, "constraints.civil_servant_htxs_share_not_above_party"),
        ),
    ]
    return "Ràng buộc khi thẩm định", rows


def _exemptions(rs: RuleSet) -> Section:
    e = rs.exemptions
    statuses = [PARTY_STATUS_TEXT.get(s, s) for s in e.not_reviewed_party_statuses]
    not_reviewed = [*statuses, f"đảng viên mới kết nạp dưới {e.min_months_since_admission} tháng"]
    rows: list[Row] = [
        (
            "Không kiểm điểm",
            "; ".join(not_reviewed),
            _note(rs, "exemptions.not_reviewed_party_statuses"),
        ),
        (
            "Tập thể không xếp loại",
            f"mới thành lập dưới {e.collective_min_months} tháng",
            _note(rs, "exemptions.collective_min_months"),
        ),
        ("Nghỉ ốm dài ngày", _sick_leave_text(rs), _note(rs, "exemptions.sick_leave_months")),
        (
            "Khu vực nhà nước",
            f"làm việc dưới {e.state_min_months_worked} tháng: không xếp loại (vẫn kiểm điểm)",
            _note(rs, "exemptions.state_min_months_worked"),
        ),
    ]
    if e.maternity_rate_on_time_worked:
        rows.append(("Nghỉ thai sản", "đánh giá trên kết quả làm việc thực tế", None))
    if e.leadership_collective_min_members:
        rows.append(
            (
                "Tập thể lãnh đạo, quản lý nhỏ",
                f"dưới {e.leadership_collective_min_members} thành viên: kiểm điểm trong chi bộ, "
                "cấp ủy nơi sinh hoạt, không tổ chức kiểm điểm riêng",
                _note(rs, "exemptions.leadership_collective_min_members"),
            )
        )
    rows.append(
        (
            "Cách đếm tháng",
            "theo tháng dương lịch, kể cả ngày đầu và ngày cuối: từ ngày 15/06 đến hết ngày "
            "14/12 là 6 tháng; tháng cuối không có ngày tương ứng thì tính đến hết ngày cuối "
            "tháng (31/08 cộng 6 tháng: hết ngày 28/02, năm nhuận 29/02)",
            _note(rs, "exemptions.min_months_since_admission"),
        )
    )
    return "Không kiểm điểm, không xếp loại", rows


def _sick_leave_text(rs: RuleSet) -> str:
    e = rs.exemptions
    lead = f"từ {e.sick_leave_months} tháng trong năm"
    if e.cap_level is None:
        return f"{lead}: đánh giá trên kết quả làm việc thực tế, không giới hạn mức xếp loại"
    return f"{lead}: không cao hơn {_level_name(rs, e.cap_level)}"


def _forms(rs: RuleSet) -> Section:
    rows: list[Row] = [
        (form.title, "; ".join(s.title for s in form.sections), _note(rs, f"forms.{code}"))
        for code, form in rs.forms.items()
    ]
    return "Biểu mẫu", rows


def _calendar(rs: RuleSet) -> Section:
    rows: list[Row] = []
    for tier in rs.calendar_tiers:
        steps = "; ".join(f"{STEP_TEXT[s]}: ngày {getattr(tier, s)}" for s in CALENDAR_STEPS)
        rows.append((tier.name, steps, _note(rs, f"calendar.tiers.{tier.code}")))
    for deadline in rs.calendar_deadlines:
        year = "năm sau" if deadline.next_year else "năm đánh giá"
        rows.append(
            (
                deadline.name,
                f"{deadline.day:02d}/{deadline.month:02d} {year}",
                _note(rs, "calendar.deadlines"),
            )
        )
    return "Lịch (số ngày làm việc kể từ ngày mở kỳ; các hạn cố định trong năm)", rows


def _manifestations(rs: RuleSet) -> Section:
    rows: list[Row] = []
    for group in rs.manifestations:
        pending = sum(1 for item in group.items if item.placeholder)
        text = f"{len(group.items)} biểu hiện"
        if pending:
            text += f", {pending} chờ vận hành viên dán nguyên văn"
        rows.append((group.title, text, _note(rs, "manifestations")))
    return "Biểu hiện suy thoái, “tự diễn biến”, “tự chuyển hóa”", rows


def describe(ruleset: RuleSet) -> list[Section]:
    """The rules that apply, as sections (title, rows of (label, value text, note or None))."""
    return [
        _identity(ruleset),
        ("Mức xếp loại", [(lv.code, lv.name, None) for lv in ruleset.levels]),
        _scoring(ruleset),
        _frameworks(ruleset),
        _quota(ruleset),
        _vote(ruleset),
        _confidence(ruleset),
        _meeting(ruleset),
        _constraints(ruleset),
        _exemptions(ruleset),
        describe_conditions(ruleset, lambda *keys: _note(ruleset, *keys)),
        _forms(ruleset),
        describe_quarterly(ruleset, lambda *keys: _note(ruleset, *keys)),
        _calendar(ruleset),
        _manifestations(ruleset),
    ]
