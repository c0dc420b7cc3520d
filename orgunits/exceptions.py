"""Errors of the orgunits app. Each message is safe to show to the user."""

from __future__ import annotations

from dataclasses import dataclass


class OrgUnitError(Exception):
    """Base class: a rule of the organisation tree refused the change."""


class UnitCodeTaken(OrgUnitError):
    pass


class InvalidParent(OrgUnitError):
    pass


class UserAlreadyLinked(OrgUnitError):
    pass


@dataclass(frozen=True)
class RowProblem:
    """One problem in an uploaded roster: where it is and what is wrong, in Vietnamese."""

    sheet: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.sheet}, dòng {self.row}, cột «{self.column}»: {self.message}"


class RosterImportError(OrgUnitError):
    """The roster has problems; nothing was written."""

    def __init__(self, problems: list[RowProblem]):
        self.problems = problems
        super().__init__(f"Tệp có {len(problems)} lỗi; chưa ghi dữ liệu nào.")


class RoleChangeRefused(OrgUnitError):
    """A role may not be granted or withdrawn as asked (no right, unknown person, no role)."""
