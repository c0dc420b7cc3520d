"""The Vietnamese names and row labels shared by the spreadsheets, the report and the dossier."""

from __future__ import annotations

from orgunits.models import OrgUnit
from reviews.models import Eligibility, SubjectClass

from ..models import RatingStatus
from ..summary import ChildRow

LEVEL_NAMES = {
    "HTXS": "Hoàn thành xuất sắc nhiệm vụ",
    "HTT": "Hoàn thành tốt nhiệm vụ",
    "HT": "Hoàn thành nhiệm vụ",
    "KHT": "Không hoàn thành nhiệm vụ",
}
CLASS_NAMES = {
    SubjectClass.COLLECTIVE: "Tập thể",
    SubjectClass.CENTRAL_CADRE: "Cán bộ diện Trung ương quản lý",
    SubjectClass.LEADER: "Cán bộ lãnh đạo, quản lý",
    SubjectClass.NON_LEADER: "Cá nhân không giữ chức vụ lãnh đạo",
    SubjectClass.OUTSIDE: "Đảng viên không công tác trong hệ thống chính trị",
}
ELIGIBILITY_NAMES = {
    Eligibility.ELIGIBLE: "Kiểm điểm, xếp loại",
    Eligibility.NOT_REVIEWED: "Không kiểm điểm",
    Eligibility.NOT_RATED: "Kiểm điểm, không xếp loại",
    Eligibility.CAPPED: "Xếp loại không quá mức Hoàn thành nhiệm vụ",
}
STATUS_NAMES = {
    RatingStatus.APPRAISED: "Đã thẩm định",
    RatingStatus.DECIDED: "Đã quyết định",
    RatingStatus.PUBLISHED: "Đã công khai",
    RatingStatus.REOPENED: "Đang xem xét lại",
}
OWN_ROW = "Trực thuộc trực tiếp"
DEDUP_NOTE = (
    "Một người kiểm điểm ở nhiều nơi được tính một lần trong mỗi dòng và trong dòng "
    "tổng cộng, với mức thấp hơn nếu hai nơi xếp khác nhau; vì vậy tổng các dòng có thể lớn "
    "hơn dòng tổng cộng."
)


def row_label(row: ChildRow, unit: OrgUnit) -> tuple[str, str]:
    """(name, code) of a table row: a child unit, or the unit's own subjects."""
    if row.unit is None:
        return f"{OWN_ROW} {unit.name}", unit.code
    return row.unit.name, row.unit.code
