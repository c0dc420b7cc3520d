"""A TOML table under validation: typed getters whose errors name the file and dotted key."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .model import RuleSetError

MISSING: Any = object()


def _kind_of(value: object) -> tuple[str, str]:
    if isinstance(value, bool):
        return "giá trị đúng/sai", "a boolean"
    if isinstance(value, int):
        return "số nguyên", "an integer"
    if isinstance(value, float):
        return "số thực", "a float"
    if isinstance(value, str):
        return "chuỗi", "a string"
    if isinstance(value, list):
        return "danh sách", "a list"
    if isinstance(value, dict):
        return "bảng", "a table"
    return type(value).__name__, type(value).__name__


def choices_text(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(values)


def _fmt(value: Decimal | Fraction | int) -> str:
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}" if value.denominator != 1 else str(value)
    return str(value)


class TableReader:
    """A TOML table being validated: typed getters, and unknown keys reported by `finish`."""

    def __init__(self, file: str, data: Mapping[str, Any], key: str) -> None:
        self.file = file
        self.data = data
        self.key = key
        self._seen: set[str] = set()

    def path(self, name: str) -> str:
        return f"{self.key}.{name}" if self.key else name

    def error(self, name: str | None, vi: str, en: str) -> RuleSetError:
        return RuleSetError(self.file, self.path(name) if name else self.key, vi, en)

    def has(self, name: str) -> bool:
        return name in self.data

    def names(self) -> list[str]:
        return list(self.data)

    def value(self, name: str) -> Any:
        """The raw value of a required key."""
        self._seen.add(name)
        if name not in self.data:
            raise self.error(name, "thiếu khóa bắt buộc", "required key is missing")
        return self.data[name]

    def _wrong_type(self, name: str, value: object, vi: str, en: str) -> RuleSetError:
        got_vi, got_en = _kind_of(value)
        return self.error(name, f"phải là {vi}, không phải {got_vi}", f"must be {en}, got {got_en}")

    def forbid(self, name: str, vi: str, en: str) -> None:
        if name in self.data:
            self._seen.add(name)
            raise self.error(name, vi, en)

    def string(
        self, name: str, *, default: Any = MISSING, choices: tuple[str, ...] | None = None
    ) -> Any:
        if default is not MISSING and name not in self.data:
            self._seen.add(name)
            return default
        value = self.value(name)
        if not isinstance(value, str):
            raise self._wrong_type(name, value, "chuỗi", "a string")
        if not value.strip():
            raise self.error(name, "không được để trống", "must not be empty")
        if choices is not None and value not in choices:
            raise self.error(
                name,
                f'giá trị "{value}" không hợp lệ; chọn một trong {choices_text(choices)}',
                f'invalid value "{value}"; choose one of {choices_text(choices)}',
            )
        return value

    def integer(
        self,
        name: str,
        *,
        default: Any = MISSING,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> Any:
        if default is not MISSING and name not in self.data:
            self._seen.add(name)
            return default
        value = self.value(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._wrong_type(name, value, "số nguyên", "an integer")
        self._check_range(name, value, minimum, maximum)
        return value

    def decimal(
        self,
        name: str,
        *,
        default: Any = MISSING,
        minimum: Decimal | int | None = None,
        maximum: Decimal | int | None = None,
        positive: bool = False,
    ) -> Any:
        if default is not MISSING and name not in self.data:
            self._seen.add(name)
            return default
        value = self.value(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._wrong_type(name, value, "số", "a number")
        number = Decimal(str(value))
        if positive and number <= 0:
            raise self.error(name, "phải lớn hơn 0", "must be greater than 0")
        self._check_range(name, number, minimum, maximum)
        return number

    def fraction(
        self, name: str, *, maximum: Fraction = Fraction(1), below_max: bool = False
    ) -> Any:
        """A ratio in (0, maximum]: a number (0.2) or an exact fraction string ("2/3")."""
        value = self.value(name)
        if isinstance(value, str):
            match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", value)
            if not match or int(match.group(2)) == 0:
                raise self.error(
                    name,
                    f'"{value}" không phải phân số dạng "a/b"',
                    f'"{value}" is not a fraction like "a/b"',
                )
            ratio = Fraction(int(match.group(1)), int(match.group(2)))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            ratio = Fraction(Decimal(str(value)))
        else:
            raise self._wrong_type(name, value, 'số hoặc phân số "a/b"', 'a number or "a/b"')
        too_big = ratio >= maximum if below_max else ratio > maximum
        if ratio <= 0 or too_big:
            bound = "<" if below_max else "≤"
            raise self.error(
                name,
                f"phải lớn hơn 0 và {bound} {_fmt(maximum)}",
                f"must be greater than 0 and {bound} {_fmt(maximum)}",
            )
        return ratio

    def boolean(self, name: str, *, default: Any = MISSING) -> Any:
        if default is not MISSING and name not in self.data:
            self._seen.add(name)
            return default
        value = self.value(name)
        if not isinstance(value, bool):
            raise self._wrong_type(name, value, "true hoặc false", "true or false")
        return value

    def strings(
        self,
        name: str,
        *,
        default: Any = MISSING,
        choices: tuple[str, ...] | None = None,
        non_empty: bool = True,
    ) -> Any:
        if default is not MISSING and name not in self.data:
            self._seen.add(name)
            return default
        value = self.value(name)
        if not isinstance(value, list):
            raise self._wrong_type(name, value, "danh sách chuỗi", "a list of strings")
        if non_empty and not value:
            raise self.error(name, "danh sách không được rỗng", "list must not be empty")
        seen: set[str] = set()
        for index, item in enumerate(value):
            key = f"{name}[{index}]"
            if not isinstance(item, str) or not item.strip():
                raise self.error(key, "phải là chuỗi không rỗng", "must be a non-empty string")
            if choices is not None and item not in choices:
                raise self.error(
                    key,
                    f'giá trị "{item}" không hợp lệ; chọn một trong {choices_text(choices)}',
                    f'invalid value "{item}"; choose one of {choices_text(choices)}',
                )
            if item in seen:
                raise self.error(key, f'"{item}" bị lặp', f'"{item}" is repeated')
            seen.add(item)
        return tuple(value)

    def table(self, name: str, *, optional: bool = False) -> TableReader:
        if optional and name not in self.data:
            self._seen.add(name)
            return TableReader(self.file, {}, self.path(name))
        value = self.value(name)
        if not isinstance(value, dict):
            raise self._wrong_type(name, value, "bảng", "a table")
        return TableReader(self.file, value, self.path(name))

    def tables(self, name: str, *, non_empty: bool = True) -> list[TableReader]:
        value = self.value(name)
        if not isinstance(value, list):
            raise self._wrong_type(name, value, "danh sách bảng", "a list of tables")
        if non_empty and not value:
            raise self.error(name, "danh sách không được rỗng", "list must not be empty")
        result = []
        for index, item in enumerate(value):
            key = f"{name}[{index}]"
            if not isinstance(item, dict):
                raise self._wrong_type(key, item, "bảng", "a table")
            result.append(TableReader(self.file, item, self.path(key)))
        return result

    def finish(self) -> None:
        for name in self.data:
            if name not in self._seen:
                raise self.error(
                    name,
                    "khóa không được hỗ trợ (có thể gõ sai)",
                    "unknown key (a typo?)",
                )

    def _check_range(
        self,
        name: str,
        value: Decimal | int,
        minimum: Decimal | int | None,
        maximum: Decimal | int | None,
    ) -> None:
        if minimum is not None and value < minimum:
            raise self.error(name, f"phải ≥ {minimum}, nhận {value}", f"must be ≥ {minimum}")
        if maximum is not None and value > maximum:
            raise self.error(name, f"phải ≤ {maximum}, nhận {value}", f"must be ≤ {maximum}")


def exact_keys(table: TableReader, wanted: tuple[str, ...], what_vi: str, what_en: str) -> None:
    """The table's keys must be exactly `wanted` (used for subject classes and tiers)."""
    for name in table.names():
        if name not in wanted:
            raise table.error(
                name,
                f"{what_vi} không hợp lệ; chọn trong {choices_text(wanted)}",
                f"unknown {what_en}; expected one of {choices_text(wanted)}",
            )
    for name in wanted:
        if not table.has(name):
            raise table.error(name, f"thiếu {what_vi}", f"{what_en} is missing")


def placeholder_title(item: TableReader, name: str, text: str, placeholder: bool) -> None:
    bracketed = text.startswith("[") and text.endswith("]")
    if placeholder and not bracketed:
        raise item.error(
            name,
            "nội dung giữ chỗ phải đặt trong ngoặc vuông [...] để người dùng nhận ra",
            "a placeholder's text must be in square brackets [...]",
        )
    if not placeholder and bracketed:
        raise item.error(
            "placeholder",
            "nội dung trong ngoặc vuông là chỗ trống; đặt placeholder = true",
            "bracketed text is a placeholder; set placeholder = true",
        )
