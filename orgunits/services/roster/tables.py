"""The three tables of a roster (units, people, memberships): their columns and labels."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ...models import Gender, MembershipRole, PartyStatus, UnitKind
from ...text import label_key as _key

# A roster of a whole province is a few tens of thousands of rows; more is a wrong file.
MAX_ROWS = 50_000
# Rows a sheet may hold at all, empty ones included (the header and some blank lines).
MAX_SCANNED_ROWS = MAX_ROWS + 1_000
DATE_HINT = "dd/mm/yyyy, ví dụ 25/03/1980"
GUIDE_SHEET = "Hướng dẫn"

# Labels offered in the template; matching ignores case, diacritics and punctuation, and the
# stored values (e.g. "party_cell") are accepted too.
UNIT_KIND_LABELS: dict[str, str] = {
    "Đảng bộ": UnitKind.PARTY_COMMITTEE,
    "Đảng bộ cơ sở": UnitKind.GRASSROOTS_COMMITTEE,
    "Đảng ủy bộ phận": UnitKind.SECTION_COMMITTEE,
    "Chi bộ cơ sở": UnitKind.GRASSROOTS_CELL,
    "Chi bộ": UnitKind.PARTY_CELL,
    "Cơ quan": UnitKind.AGENCY,
    "Phòng ban": UnitKind.DEPARTMENT,
    "Đơn vị sự nghiệp": UnitKind.PUBLIC_SERVICE_UNIT,
    "Doanh nghiệp": UnitKind.ENTERPRISE,
    "Tập thể lãnh đạo quản lý": UnitKind.LEADERSHIP_COLLECTIVE,
    "Khác": UnitKind.OTHER,
}
_UNIT_KIND_ALIASES: dict[str, str] = {
    "Đảng bộ bộ phận": UnitKind.SECTION_COMMITTEE,
    "Phòng": UnitKind.DEPARTMENT,
    "Ban": UnitKind.DEPARTMENT,
    "Tập thể lãnh đạo": UnitKind.LEADERSHIP_COLLECTIVE,
}
ROLE_LABELS: dict[str, str] = {
    "Bí thư": MembershipRole.SECRETARY,
    "Phó bí thư": MembershipRole.DEPUTY_SECRETARY,
    "Cấp ủy viên": MembershipRole.COMMITTEE_MEMBER,
    "Đảng viên": MembershipRole.PARTY_MEMBER,
    "Người đứng đầu": MembershipRole.HEAD,
    "Cấp phó": MembershipRole.DEPUTY_HEAD,
    "Công chức/viên chức": MembershipRole.STAFF,
}
_ROLE_ALIASES: dict[str, str] = {
    "Chi ủy viên": MembershipRole.COMMITTEE_MEMBER,
    "Đảng ủy viên": MembershipRole.COMMITTEE_MEMBER,
    "Công chức": MembershipRole.STAFF,
    "Viên chức": MembershipRole.STAFF,
}
PARTY_STATUS_LABELS: dict[str, str] = {
    "Đang sinh hoạt": PartyStatus.ACTIVE,
    "Miễn sinh hoạt": PartyStatus.EXEMPT,
    "Đình chỉ sinh hoạt": PartyStatus.SUSPENDED,
}
_PARTY_STATUS_ALIASES: dict[str, str] = {
    "Miễn công tác và sinh hoạt đảng": PartyStatus.EXEMPT,
    "Miễn công tác và sinh hoạt": PartyStatus.EXEMPT,
    "Đình chỉ sinh hoạt đảng": PartyStatus.SUSPENDED,
}
GENDER_LABELS: dict[str, str] = {"Nam": Gender.MALE, "Nữ": Gender.FEMALE}
BOOLEAN_LABELS = ("có", "không")


def _header_key(value: Any) -> str:
    # "Ngày sinh (dd/mm/yyyy)" and "Mã đơn vị*" are the same column as "Ngày sinh", "Mã đơn vị".
    return _key(re.sub(r"\(.*?\)", " ", str(value)))


def _lookup(
    labels: dict[str, str], aliases: dict[str, str], values: Iterable[str]
) -> dict[str, str]:
    found = {_key(value): value for value in values}
    found.update({_key(label): value for label, value in aliases.items()})
    found.update({_key(label): value for label, value in labels.items()})
    return found


_KINDS = _lookup(UNIT_KIND_LABELS, _UNIT_KIND_ALIASES, UnitKind.values)
_ROLES = _lookup(ROLE_LABELS, _ROLE_ALIASES, MembershipRole.values)
_STATUSES = _lookup(PARTY_STATUS_LABELS, _PARTY_STATUS_ALIASES, PartyStatus.values)
_GENDERS = _lookup(GENDER_LABELS, {}, Gender.values)


@dataclass(frozen=True)
class Column:
    """One column of the template: its Vietnamese header and how the template presents it."""

    key: str
    header: str
    required: bool = False
    hint: str = ""
    example: str = ""
    width: int = 16
    # Text-formatted in the template so Excel keeps leading zeros and does not turn 01/02/1990
    # into a date read in the wrong (month/day) order.
    as_text: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """One of the three tables of a roster: a sheet of the workbook or a whole .csv file."""

    key: str
    sheet: str
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def match(self, header: str) -> Column | None:
        wanted = _header_key(header)
        return next((c for c in self.columns if _header_key(c.header) == wanted), None)


_BOOL_HINT_YES = "có / không (để trống = có)"
_BOOL_HINT_NO = "có / không (để trống = không)"

UNITS = Table(
    "units",
    "Đơn vị",
    (
        Column("code", "Mã đơn vị", True, "Duy nhất trong cả hệ thống", "CB-DONG", 16, True),
        Column("name", "Tên đơn vị", True, "", "Chi bộ thôn Đông", 36),
        Column(
            "kind",
            "Loại đơn vị",
            True,
            ", ".join(UNIT_KIND_LABELS),
            "Chi bộ",
            22,
            choices=tuple(UNIT_KIND_LABELS),
        ),
        Column(
            "parent_code",
            "Mã đơn vị cấp trên",
            False,
            "Mã một đơn vị trong tệp hoặc đã có; để trống = trực thuộc đơn vị được chọn khi nhập",
            "",
            20,
            True,
        ),
        Column("staff_count", "Biên chế", False, "Số nguyên ≥ 0 (để trống = 0)", "12", 10),
        Column(
            "is_active",
            "Đang hoạt động",
            False,
            _BOOL_HINT_YES,
            "có",
            16,
            choices=BOOLEAN_LABELS,
        ),
        Column(
            "has_special_calendar",
            "Lịch công tác đặc thù",
            False,
            _BOOL_HINT_NO + "; có = hoàn thành kiểm điểm theo hạn dành cho đơn vị có lịch đặc thù",
            "không",
            20,
            choices=BOOLEAN_LABELS,
        ),
    ),
)
PEOPLE = Table(
    "people",
    "Nhân sự",
    (
        Column("code", "Mã cán bộ", True, "Duy nhất trong cả hệ thống", "CB0001", 14, True),
        Column("full_name", "Họ và tên", True, "", "Nguyễn Văn An", 28),
        Column("birth_date", "Ngày sinh", False, DATE_HINT, "25/03/1980", 14, True),
        Column("gender", "Giới tính", False, "Nam / Nữ", "Nam", 10, choices=tuple(GENDER_LABELS)),
        Column("email", "Email", False, "", "an.nv@example.gov.vn", 28),
        Column(
            "is_party_member",
            "Đảng viên",
            False,
            _BOOL_HINT_NO,
            "có",
            11,
            choices=BOOLEAN_LABELS,
        ),
        Column(
            "party_admission_date",
            "Ngày vào Đảng",
            False,
            DATE_HINT + "; chỉ ghi cho đảng viên",
            "03/02/2005",
            15,
            True,
        ),
        Column(
            "party_status",
            "Tình trạng sinh hoạt đảng",
            False,
            ", ".join(PARTY_STATUS_LABELS) + " (để trống = Đang sinh hoạt)",
            "Đang sinh hoạt",
            24,
            choices=tuple(PARTY_STATUS_LABELS),
        ),
        Column(
            "works_in_political_system",
            "Trong hệ thống chính trị",
            False,
            _BOOL_HINT_YES,
            "có",
            22,
            choices=BOOLEAN_LABELS,
        ),
        Column(
            "has_leadership_post",
            "Giữ chức vụ lãnh đạo",
            False,
            _BOOL_HINT_NO,
            "không",
            20,
            choices=BOOLEAN_LABELS,
        ),
    ),
)
MEMBERSHIPS = Table(
    "memberships",
    "Sinh hoạt - công tác",
    (
        Column(
            "person_code",
            "Mã cán bộ",
            True,
            "Mã trong trang Nhân sự hoặc đã có",
            "CB0001",
            14,
            True,
        ),
        Column(
            "unit_code", "Mã đơn vị", True, "Mã trong trang Đơn vị hoặc đã có", "CB-DONG", 16, True
        ),
        Column(
            "role",
            "Vai trò",
            True,
            ", ".join(ROLE_LABELS),
            "Bí thư",
            20,
            choices=tuple(ROLE_LABELS),
        ),
        Column("start_date", "Từ ngày", False, DATE_HINT, "01/01/2025", 14, True),
        Column("end_date", "Đến ngày", False, DATE_HINT + "; không trước Từ ngày", "", 14, True),
        Column(
            "is_temporary",
            "Sinh hoạt tạm thời",
            False,
            _BOOL_HINT_NO + "; có = xếp loại tại chi bộ sinh hoạt chính thức, không ở đây",
            "không",
            18,
            choices=BOOLEAN_LABELS,
        ),
    ),
)
TABLES: tuple[Table, ...] = (UNITS, PEOPLE, MEMBERSHIPS)
