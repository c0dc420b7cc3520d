"""Seed a fictional province ("Sông Hồng") with units, people and demo logins.

Idempotent: units and people are looked up by code, logins by username, memberships by
(person, unit, role); whatever exists is left alone, so a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from orgunits import services
from orgunits.models import (
    Gender,
    Membership,
    MembershipRole,
    OrgUnit,
    PartyStatus,
    Person,
    UnitKind,
)
from orgunits.roles import Role
from orgunits.text import nfc, search_key

DEMO_PASSWORD = "kiemdiem2026"  # noqa: S105 - public demo password, printed with a warning
SEED = 2025
# The newest member was admitted less than 6 months before the December 2026 review (R-E1).
RECENT_ADMISSION = dt.date(2026, 8, 15)
LATEST_ORDINARY_ADMISSION = dt.date(2025, 6, 30)

MR = MembershipRole


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    kind: str
    parent: str | None
    staff_count: int = 0


PC, GC, CELL = UnitKind.PARTY_COMMITTEE, UnitKind.GRASSROOTS_COMMITTEE, UnitKind.PARTY_CELL
SNN_NAME = "Sở Nông nghiệp và Môi trường"
# Parents come before their children.
UNITS: tuple[UnitSpec, ...] = (
    UnitSpec("SH", "Đảng bộ tỉnh Sông Hồng", PC, None),
    UnitSpec("SH-KCQ", "Đảng bộ Khối các cơ quan tỉnh", PC, "SH"),
    UnitSpec("SH-KCQ-SNN", f"Đảng bộ {SNN_NAME}", GC, "SH-KCQ", 86),
    UnitSpec("SH-KCQ-SNN-VP", "Chi bộ Văn phòng Sở", CELL, "SH-KCQ-SNN"),
    UnitSpec("SH-KCQ-SNN-KHTC", "Chi bộ Phòng Kế hoạch - Tài chính", CELL, "SH-KCQ-SNN"),
    UnitSpec("SH-KCQ-SNN-TL", "Chi bộ Chi cục Thủy lợi", CELL, "SH-KCQ-SNN"),
    UnitSpec("SH-KCQ-SNN-KL", "Chi bộ Chi cục Kiểm lâm", CELL, "SH-KCQ-SNN"),
    UnitSpec("SH-YL", "Đảng bộ xã Yên Lạc", GC, "SH", 32),
    UnitSpec("SH-YL-CQ", "Chi bộ Cơ quan xã", CELL, "SH-YL"),
    UnitSpec("SH-YL-DX", "Chi bộ thôn Đông Xá", CELL, "SH-YL"),
    UnitSpec("SH-YL-TH", "Chi bộ thôn Trung Hòa", CELL, "SH-YL"),
    UnitSpec("SH-YL-DK", "Chi bộ thôn Đoài Khê", CELL, "SH-YL"),
    # The state side: the same people review again in the agency's leadership collective.
    UnitSpec("SH-SNN", SNN_NAME, UnitKind.AGENCY, "SH", 86),
    UnitSpec("SH-SNN-LD", f"Tập thể lãnh đạo {SNN_NAME}", UnitKind.LEADERSHIP_COLLECTIVE, "SH-SNN"),
    UnitSpec("SH-SNN-VP", "Văn phòng Sở", UnitKind.DEPARTMENT, "SH-SNN"),
    UnitSpec("SH-SNN-KHTC", "Phòng Kế hoạch - Tài chính", UnitKind.DEPARTMENT, "SH-SNN"),
)


@dataclass(frozen=True)
class Named:
    """A person the demo refers to by name (leaders, demo logins)."""

    full_name: str
    gender: str
    cell_role: str = MR.PARTY_MEMBER
    birth_year: int | None = None
    leader: bool = False
    also: tuple[tuple[str, str], ...] = ()  # further (unit code, membership role): R-E4


@dataclass(frozen=True)
class CellSpec:
    unit: str
    size: int
    email_domain: str
    named: tuple[Named, ...] = ()
    # Village cells: some members are farmers, retirees or traders (form 2C).
    village: bool = False


M, F = Gender.MALE, Gender.FEMALE
SNN_MAIL = "snn.songhong.example"
YL_MAIL = "yenlac.songhong.example"
LD = "SH-SNN-LD"
SEC, MEMBER = MR.SECRETARY, MR.PARTY_MEMBER

# Leaders sit in their chi bộ and also in the leadership collective or department (R-E4).
CELLS: tuple[CellSpec, ...] = (
    CellSpec("SH-KCQ-SNN-VP", 4, SNN_MAIL, (
        Named("Trần Quốc Bình", M, SEC, 1978),
        Named("Nguyễn Thị Thu Hương", F, MEMBER, 1990),
        Named("Lê Đức Thắng", M, MEMBER, 1970, True, ((LD, MR.HEAD),)),
        Named("Hoàng Thị Ngọc Lan", F, MEMBER, 1976, True, (("SH-SNN-VP", MR.HEAD),)),
    )),
    CellSpec("SH-KCQ-SNN-KHTC", 5, SNN_MAIL, (
        Named("Dương Minh Quân", M, SEC, 1975, True, (("SH-SNN-KHTC", MR.HEAD),)),
        Named("Phạm Thị Mai", F, MEMBER, 1972, True, ((LD, MR.DEPUTY_HEAD),)),
    )),
    CellSpec("SH-KCQ-SNN-TL", 28, SNN_MAIL, (
        Named("Vũ Văn Hùng", M, SEC, 1971, True),
        Named("Bùi Quang Hải", M, MEMBER, 1973, True, ((LD, MR.DEPUTY_HEAD),)),
    )),
    CellSpec("SH-KCQ-SNN-KL", 30, SNN_MAIL, (
        Named("Ngô Đức Trung", M, SEC, 1969, True),
        Named("Đặng Văn Khánh", M, MEMBER, 1974, True, ((LD, MR.DEPUTY_HEAD),)),
    )),
    CellSpec("SH-YL-CQ", 12, YL_MAIL, (
        Named("Lê Văn Phúc", M, MEMBER, 1972, True),
        Named("Trần Thị Hồng Nhung", F, MEMBER, 1980, True),
    )),
    CellSpec("SH-YL-DX", 4, YL_MAIL, village=True),
    CellSpec("SH-YL-TH", 26, YL_MAIL, village=True),
    CellSpec("SH-YL-DK", 30, YL_MAIL, village=True),
)  # fmt: skip
# Civil servants of the Sở who are not party members: staff of a department.
NON_PARTY_STAFF: tuple[tuple[str, int], ...] = (("SH-SNN-VP", 7), ("SH-SNN-KHTC", 6))


@dataclass(frozen=True)
class LoginSpec:
    username: str
    full_name: str
    role_vi: str
    role_en: str
    scope: str  # unit code shown in the table
    grants: tuple[tuple[str, str], ...] = ()  # (Role, unit code)
    has_person: bool = False  # link to the Named person of the same name
    superuser: bool = False


LOGINS: tuple[LoginSpec, ...] = (
    LoginSpec("dangvien", "Nguyễn Thị Thu Hương", "Đảng viên", "Party member", "SH-KCQ-SNN-VP",
              has_person=True),
    LoginSpec("bithu", "Trần Quốc Bình", "Bí thư chi bộ", "Cell secretary", "SH-KCQ-SNN-VP",
              ((Role.SECRETARY, "SH-KCQ-SNN-VP"),), has_person=True),
    LoginSpec("tochuc", "Đỗ Thị Minh Phương", "Cán bộ tổ chức", "Organisation officer",
              "SH-KCQ", ((Role.ORG_OFFICER, "SH-KCQ"),)),
    LoginSpec("lanhdao", "Vũ Đức Long", "Cấp có thẩm quyền", "Competent authority", "SH",
              ((Role.AUTHORITY, "SH"),)),
    LoginSpec("quantri", "Phan Hữu Nghĩa", "Quản trị hệ thống", "Administrator (superuser)",
              "SH", ((Role.ADMINISTRATOR, "SH"),), superuser=True),
)  # fmt: skip

# Weights roughly follow the frequency of Vietnamese family names in the north.
FAMILY_NAMES: dict[str, int] = {
    "Nguyễn": 34, "Trần": 11, "Lê": 9, "Phạm": 7, "Hoàng": 5, "Huỳnh": 1, "Phan": 4, "Vũ": 5,
    "Võ": 1, "Đặng": 3, "Bùi": 3, "Đỗ": 3, "Hồ": 2, "Ngô": 2, "Dương": 2, "Lý": 1, "Đinh": 2,
    "Trịnh": 1,
}  # fmt: skip
MIDDLE_NAMES = {
    M: ("Văn", "Đức", "Minh", "Hữu", "Quang", "Công", "Xuân", "Mạnh", "Tiến", "Trọng", "Quốc"),
    F: ("Thị", "Thu", "Ngọc", "Thanh", "Thúy", "Hồng", "Kim", "Bích", "Diệu"),
}
# A second middle name after "Thị" ("Nguyễn Thị Thu Hà").
FEMALE_SECOND_MIDDLE = ("Thu", "Thanh", "Ngọc", "Hồng", "Minh", "Phương")
GIVEN_NAMES = {
    M: (
        "An", "Bình", "Cường", "Dũng", "Đạt", "Giang", "Hải", "Hiếu", "Hùng", "Huy", "Khánh",
        "Long", "Minh", "Nam", "Phong", "Phúc", "Quân", "Quang", "Sơn", "Tâm", "Thắng", "Thành",
        "Trung", "Tuấn", "Việt", "Vinh", "Ơn",
    ),
    F: (
        "An", "Ánh", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Huyền", "Lan", "Linh", "Mai", "Nga",
        "Ngọc", "Nhung", "Oanh", "Phương", "Tâm", "Thảo", "Thủy", "Trang", "Vân", "Yến",
    ),
}  # fmt: skip


@dataclass
class PersonSpec:
    code: str
    full_name: str
    gender: str
    birth_date: dt.date
    email_domain: str
    is_party_member: bool = True
    party_admission_date: dt.date | None = None
    party_status: str = PartyStatus.ACTIVE
    works_in_political_system: bool = True
    has_leadership_post: bool = False
    memberships: list[tuple[str, str]] = field(default_factory=list)
    email: str = ""

    def fields(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "full_name": self.full_name,
            "gender": self.gender,
            "birth_date": self.birth_date,
            "email": self.email,
            "is_party_member": self.is_party_member,
            "party_admission_date": self.party_admission_date,
            "party_status": self.party_status,
            "works_in_political_system": self.works_in_political_system,
            "has_leadership_post": self.has_leadership_post,
        }


class _Generator:
    """Deterministic names, dates and e-mails: the same seed gives the same people."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not security
        self.used_names: set[str] = set()
        self.used_emails: set[str] = set()

    def gender(self) -> str:
        return M if self.rng.random() < 0.5 else F

    def name(self, gender: str) -> str:
        families, weights = list(FAMILY_NAMES), list(FAMILY_NAMES.values())
        while True:
            family = self.rng.choices(families, weights)[0]
            middle = self.rng.choice(MIDDLE_NAMES[gender])
            given = self.rng.choice(GIVEN_NAMES[gender])
            if middle == "Thị" and self.rng.random() < 0.3:
                middle = f"Thị {self.rng.choice(FEMALE_SECOND_MIDDLE)}"
            if given in middle.split():
                continue
            full_name = f"{family} {middle} {given}"
            if full_name not in self.used_names:
                self.used_names.add(full_name)
                return full_name

    def birth_date(self, year: int | None = None) -> dt.date:
        start = dt.date(year or 1966, 1, 1)
        end = dt.date(year or 2000, 12, 31)
        return start + dt.timedelta(days=self.rng.randint(0, (end - start).days))

    def admission_date(self, birth: dt.date) -> dt.date:
        days = self.rng.randint(21 * 365, 35 * 365)
        return min(birth + dt.timedelta(days=days), LATEST_ORDINARY_ADMISSION)

    def email(self, full_name: str, domain: str) -> str:
        parts = search_key(full_name).split()
        local = f"{parts[-1]}.{parts[0]}"
        candidate, n = local, 1
        while f"{candidate}@{domain}" in self.used_emails:
            n += 1
            candidate = f"{local}{n}"
        address = f"{candidate}@{domain}"
        self.used_emails.add(address)
        return address


def build_people(seed: int = SEED) -> list[PersonSpec]:
    """The demo roster, identical on every call with the same seed."""
    gen = _Generator(seed)
    for cell in CELLS:
        gen.used_names.update(named.full_name for named in cell.named)
    people: list[PersonSpec] = []
    village_members: list[PersonSpec] = []
    cell_members: dict[str, list[PersonSpec]] = {}

    def new_code() -> str:
        return f"SH-{len(people) + 1:04d}"

    for cell in CELLS:
        members: list[PersonSpec] = []
        has_secretary = any(n.cell_role == MR.SECRETARY for n in cell.named)
        for named in cell.named:
            birth = gen.birth_date(named.birth_year)
            spec = PersonSpec(
                code=new_code(),
                full_name=named.full_name,
                gender=named.gender,
                birth_date=birth,
                email_domain=cell.email_domain,
                party_admission_date=gen.admission_date(birth),
                has_leadership_post=named.leader,
                memberships=[(cell.unit, named.cell_role), *named.also],
            )
            people.append(spec)
            members.append(spec)
        for i in range(cell.size - len(cell.named)):
            role = MR.PARTY_MEMBER
            if i == 0 and not has_secretary:
                role = MR.SECRETARY
            elif i == (0 if has_secretary else 1) and cell.size >= 10:
                role = MR.DEPUTY_SECRETARY
            gender = gen.gender()
            birth = gen.birth_date()
            spec = PersonSpec(
                code=new_code(),
                full_name=gen.name(gender),
                gender=gender,
                birth_date=birth,
                email_domain=cell.email_domain,
                party_admission_date=gen.admission_date(birth),
                memberships=[(cell.unit, role)],
            )
            people.append(spec)
            members.append(spec)
            if cell.village and role == MR.PARTY_MEMBER:
                village_members.append(spec)
        cell_members[cell.unit] = members

    for unit_code, count in NON_PARTY_STAFF:
        for _ in range(count):
            gender = gen.gender()
            people.append(
                PersonSpec(
                    code=new_code(),
                    full_name=gen.name(gender),
                    gender=gender,
                    birth_date=gen.birth_date(),
                    email_domain=SNN_MAIL,
                    is_party_member=False,
                    memberships=[(unit_code, MR.STAFF)],
                )
            )

    # Special cases for the review rules (R-E1, form 2C), drawn without overlap.
    picked = gen.rng.sample(village_members, 14)
    for spec in picked[:5]:
        spec.party_status = PartyStatus.EXEMPT
        spec.works_in_political_system = False
    for spec in picked[5:13]:
        spec.works_in_political_system = False
    newest = picked[13]
    newest.birth_date = dt.date(1999, 3, 12)
    newest.party_admission_date = RECENT_ADMISSION
    suspended = gen.rng.choice(
        [
            s
            for s in cell_members["SH-KCQ-SNN-KL"]
            if s.memberships[0][1] == MR.PARTY_MEMBER and not s.has_leadership_post
        ]
    )
    suspended.party_status = PartyStatus.SUSPENDED

    for spec in people:
        if spec.works_in_political_system:
            spec.email = gen.email(spec.full_name, spec.email_domain)
    return people


class Command(BaseCommand):
    help = (
        "Seed a fictional province (Sông Hồng) with units, about 150 people and demo logins. "
        "Idempotent. The demo password is public: never run this on real data."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even under production settings (creates a superuser with a public "
            "password).",
        )

    def handle(self, *args, **options):
        if "production" in settings.SETTINGS_MODULE and not options["allow_production"]:
            raise CommandError(
                "seed_demo tạo tài khoản quản trị với mật khẩu công khai; không chạy trên "
                "production. / seed_demo creates a superuser with a public password; refusing "
                "under production settings (pass --allow-production to override)."
            )
        people = build_people()
        with transaction.atomic():
            units, new_units = self._ensure_units()
            persons, new_people = self._ensure_people(people)
            new_memberships = self._ensure_memberships(people, units, persons)
            new_users = self._ensure_logins(units, persons)

        self.stdout.write(
            f"Đã tạo / created: {new_units} đơn vị / units, {new_people} người / people, "
            f"{new_memberships} quan hệ công tác / memberships, {new_users} tài khoản / logins "
            f"(tổng / total: {OrgUnit.objects.count()} đơn vị, {Person.objects.count()} người)."
        )
        self._print_logins(units)

    def _ensure_units(self) -> tuple[dict[str, OrgUnit], int]:
        units = {u.code: u for u in OrgUnit.objects.filter(code__in=[s.code for s in UNITS])}
        created = 0
        for spec in UNITS:
            if spec.code in units:
                continue
            units[spec.code] = services.create_unit(
                code=spec.code,
                name=spec.name,
                kind=spec.kind,
                parent=units[spec.parent] if spec.parent else None,
                staff_count=spec.staff_count,
            )
            created += 1
        return units, created

    def _ensure_people(self, people: list[PersonSpec]) -> tuple[dict[str, Person], int]:
        codes = [spec.code for spec in people]
        existing = set(Person.objects.filter(code__in=codes).values_list("code", flat=True))
        new: list[Person] = []
        for spec in people:
            if spec.code in existing:
                continue
            person = Person(**spec.fields())
            # bulk_create skips save(): derive the sort and search keys here.
            person.refresh_derived_names()
            # The database enforces uniqueness and the check constraint; skip their per-row queries.
            person.full_clean(exclude=["user"], validate_unique=False, validate_constraints=False)
            new.append(person)
        Person.objects.bulk_create(new)
        persons = {p.code: p for p in Person.objects.filter(code__in=codes)}
        return persons, len(new)

    def _ensure_memberships(
        self, people: list[PersonSpec], units: dict[str, OrgUnit], persons: dict[str, Person]
    ) -> int:
        existing = set(
            Membership.objects.filter(person__in=persons.values()).values_list(
                "person__code", "unit__code", "role"
            )
        )
        # One INSERT instead of ~150 add_membership() round trips; it has no rule beyond the
        # (person, unit, role) uniqueness that the lookup above already respects.
        new = [
            Membership(person=persons[spec.code], unit=units[unit_code], role=role)
            for spec in people
            for unit_code, role in spec.memberships
            if (spec.code, unit_code, role) not in existing
        ]
        Membership.objects.bulk_create(new)
        return len(new)

    def _ensure_logins(self, units: dict[str, OrgUnit], persons: dict[str, Person]) -> int:
        by_name = {nfc(p.full_name): p for p in persons.values()}
        user_model = get_user_model()
        created = 0
        for spec in LOGINS:
            person = by_name[nfc(spec.full_name)] if spec.has_person else None
            user = user_model.objects.filter(username=spec.username).first()
            if user is None:
                family_and_middle, _, given = nfc(spec.full_name).rpartition(" ")
                # Django shows first_name + " " + last_name: store the Vietnamese order
                # (family and middle names first, given name last) so the navbar reads right.
                user = user_model.objects.create_user(
                    username=spec.username,
                    email=person.email if person else "",
                    password=DEMO_PASSWORD,
                    first_name=family_and_middle,
                    last_name=given,
                    is_staff=spec.superuser,
                    is_superuser=spec.superuser,
                )
                created += 1
            for role, unit_code in spec.grants:
                services.grant_role(user=user, unit=units[unit_code], role=role)
            if person is not None:
                self._link(person, user)
        return created

    def _link(self, person: Person, user) -> None:
        if person.user_id == user.pk:
            return
        if person.user_id is not None or Person.objects.filter(user=user).exists():
            self.stderr.write(
                self.style.WARNING(
                    f"Bỏ qua gắn {user.username} với {person.full_name}: đã gắn tài khoản khác. "
                    f"/ Skipped linking {user.username}: already linked elsewhere."
                )
            )
            return
        services.link_user(person=person, user=user)

    def _print_logins(self, units: dict[str, OrgUnit]) -> None:
        rows = [
            (
                spec.username,
                DEMO_PASSWORD,
                f"{spec.role_vi} / {spec.role_en}",
                f"{units[spec.scope].name} ({spec.scope})",
            )
            for spec in LOGINS
        ]
        header = (
            "Tài khoản / Username",
            "Mật khẩu / Password",
            "Vai trò / Role",
            "Phạm vi / Scope unit",
        )
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

        def line(cells: tuple[str, ...]) -> str:
            return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

        self.stdout.write("")
        self.stdout.write("Tài khoản demo / Demo logins:")
        self.stdout.write(line(header).rstrip())
        self.stdout.write("  ".join("-" * width for width in widths))
        for row in rows:
            self.stdout.write(line(row).rstrip())
        self.stdout.write(
            self.style.WARNING(
                f"CẢNH BÁO: mật khẩu «{DEMO_PASSWORD}» chỉ dùng cho bản demo, không dùng cho dữ "
                "liệu thật. / WARNING: the password is for demo only; never use it with real data."
            )
        )
        self.stdout.write(
            "lanhdao, quantri: lần đăng nhập đầu tiên yêu cầu thiết lập xác thực hai bước (ứng "
            "dụng TOTP bất kỳ, hoặc `oathtool --totp -b KHÓA`). / The first sign-in of these two "
            "asks to set up two-step verification (any TOTP app, or `oathtool --totp -b KEY`)."
        )
