"""The parameters a local rule set changes, named in words for "the rules that apply".

A local variant records the dotted keys it sets over its parent (`quota.small_group_threshold`);
those keys belong to the rule-set files, not to what people read. Like the rest of
`describe`, the words are Vietnamese: they describe Vietnamese rules. A key with no words of
its own is still named by its section, never shown raw.
"""

from __future__ import annotations

SECTION_WORDS = {
    "quota": "Tỷ lệ xếp loại Hoàn thành xuất sắc nhiệm vụ",
    "circulation": "Gửi dự thảo và góp ý",
    "meeting": "Hội nghị kiểm điểm",
    "constraints": "Ràng buộc giữa các mức xếp loại",
    "vote": "Bỏ phiếu đề xuất mức xếp loại",
    "confidence_vote": "Lấy phiếu tín nhiệm",
    "exemptions": "Trường hợp không kiểm điểm, không xếp loại",
    "scoring": "Thang điểm và điều kiện",
    "level_conditions": "Điều kiện của từng mức xếp loại",
    "discipline": "Kỷ luật và xếp loại",
    "calendar": "Lịch kiểm điểm",
    "quarterly": "Đánh giá hằng quý",
    "subject_classes": "Nhóm đối tượng",
    "levels": "Mức xếp loại",
    "forms": "Biểu mẫu",
    "criteria": "Tiêu chí chấm điểm",
    "manifestations": "Biểu hiện suy thoái",
    "frameworks": "Khung tiêu chí",
}

KEY_WORDS = {
    "quota.ratio": "tỷ lệ tối đa",
    "quota.basis": "tỷ lệ tính trên",
    "quota.rounding": "cách làm tròn",
    "quota.grouping": "nhóm tính tỷ lệ",
    "quota.tie_break": "cách chọn khi bằng nhau",
    "quota.small_group_threshold": "ngưỡng nhóm nhỏ (số người Hoàn thành tốt nhiệm vụ)",
    "quota.small_group_allowance": "số người được xếp Hoàn thành xuất sắc trong nhóm nhỏ",
    "quota.exception_max_ratio": "tỷ lệ tối đa khi có ngoại lệ",
    "circulation.lead_working_days": "số ngày làm việc gửi dự thảo trước hội nghị",
    "circulation.allow_anonymous_comments": "cho phép góp ý không ghi tên",
    "meeting.min_days": "thời gian hội nghị tối thiểu",
    "meeting.min_days_with_suggestions": "thời gian hội nghị tối thiểu khi có gợi ý kiểm điểm",
    "meeting.min_days_provincial_standing": "thời gian hội nghị của ban thường vụ cấp tỉnh",
    "meeting.key_cadre_conference_staff_threshold": (
        "số biên chế từ đó kiểm điểm trước hội nghị cán bộ chủ chốt"
    ),
    "meeting.agenda_party_organisation": "trình tự hội nghị của tổ chức đảng",
    "meeting.agenda_leadership_collective": "trình tự hội nghị của tập thể lãnh đạo",
    "constraints.cell_htt_requires_members": (
        "chi bộ, đảng bộ đạt Hoàn thành tốt nhiệm vụ cần tỷ lệ đảng viên đạt mức"
    ),
    "constraints.cell_htt_min_pct_ht": "tỷ lệ đảng viên từ Hoàn thành nhiệm vụ trở lên",
    "constraints.cell_htt_min_pct_htt": "tỷ lệ đảng viên từ Hoàn thành tốt nhiệm vụ trở lên",
    "constraints.head_not_above_collective": "người đứng đầu không cao hơn tập thể",
    "constraints.leadership_not_above_organisation": (
        "tập thể lãnh đạo không cao hơn cơ quan, đơn vị"
    ),
    "constraints.civil_servant_htxs_share_not_above_party": (
        "tỷ lệ công chức Hoàn thành xuất sắc không vượt tỷ lệ của đảng viên"
    ),
    "vote.rule": "cách quy đổi phiếu",
    "vote.base": "số làm căn cứ tính tỷ lệ",
    "vote.threshold": "tỷ lệ phiếu cần đạt",
    "vote.strict": "phải vượt (không chỉ bằng) tỷ lệ",
    "vote.quorum": "số có mặt tối thiểu",
    "vote.min_voters_for_counts": "số người bỏ phiếu tối thiểu để công bố số phiếu",
    "vote.allow_revote": "bỏ phiếu lại",
    "vote.suspended_in_quorum": "đảng viên bị đình chỉ sinh hoạt tính vào số có mặt",
    "confidence_vote.quorum": "số có mặt tối thiểu",
    "confidence_vote.low_resign_threshold": "tỷ lệ tín nhiệm thấp để có thể xin thôi chức vụ",
    "confidence_vote.low_dismiss_threshold": "tỷ lệ tín nhiệm thấp để xem xét miễn nhiệm",
    "exemptions.min_months_since_admission": "số tháng tối thiểu kể từ khi kết nạp",
    "exemptions.collective_min_months": "số tháng tối thiểu kể từ khi thành lập tập thể",
    "exemptions.sick_leave_months": "số tháng nghỉ ốm",
    "exemptions.sick_leave_effect": "ảnh hưởng của nghỉ ốm",
    "exemptions.cap_level": "mức cao nhất khi nghỉ dài ngày",
    "exemptions.maternity_rate_on_time_worked": "nghỉ thai sản: xếp loại theo thời gian làm việc",
    "exemptions.state_min_months_worked": "số tháng làm việc tối thiểu (khu vực nhà nước)",
    "exemptions.not_reviewed_party_statuses": "tình trạng đảng viên không kiểm điểm",
    "exemptions.leadership_collective_min_members": "số thành viên tối thiểu của tập thể lãnh đạo",
    "scoring.model": "cách đánh giá",
    "scoring.bands": "khung điểm của các mức",
    "scoring.grades": "các mức đánh giá tiêu chí",
    "scoring.general_max": "điểm tối đa tiêu chí chung",
    "scoring.tasks_max": "điểm tối đa kết quả thực hiện nhiệm vụ",
    "scoring.hard_conditions": "điều kiện bắt buộc",
    "discipline.counts_in": "năm tính kỷ luật",
    "discipline.reopen_decided": "mở lại xếp loại đã quyết định",
    "discipline.rerate_by_decision": "xếp loại lại bằng quyết định",
    "discipline.self_detected_remedied_exempt": "tự phát hiện và khắc phục thì không tính",
    "calendar.tiers": "mốc thời gian theo cấp",
    "calendar.deadlines": "các hạn cố định trong năm",
    "quarterly.due_day": "hạn nộp trong quý",
    "quarterly.form": "biểu mẫu hằng quý",
    "quarterly.quarters": "các quý đánh giá",
    "quarterly.subject_classes": "đối tượng đánh giá hằng quý",
}

SUBJECT_CLASS_WORDS = {
    "collective": "tập thể",
    "central_cadre": "cán bộ diện Trung ương quản lý",
    "leader": "cán bộ lãnh đạo, quản lý",
    "non_leader": "cá nhân không giữ chức vụ lãnh đạo, quản lý",
    "outside": "đảng viên không làm việc trong hệ thống chính trị",
}


def key_words(key: str) -> str:
    """A changed parameter in words: its section, then what it is, the longest known prefix
    of the key deciding the words; never the key itself."""
    parts = key.split(".")
    section = SECTION_WORDS.get(parts[0], "Tham số khác")
    if parts[0] == "level_conditions" and len(parts) > 1:
        who = SUBJECT_CLASS_WORDS.get(parts[1])
        return f"{section} ({who})" if who else section
    for end in range(len(parts), 1, -1):
        words = KEY_WORDS.get(".".join(parts[:end]))
        if words:
            return f"{section}: {words}"
    return section


def changed_parameters(keys: tuple[str, ...] | list[str]) -> str:
    """The parameters a local variant changes, in words, each named once, in file order."""
    seen: list[str] = []
    for key in keys:
        words = key_words(key)
        if words not in seen:
            seen.append(words)
    return "; ".join(seen)
