"""Reading, merging (`extends`) and validating rule-set files.

One TOML file per rule set, named after its `code`. A file with `extends = "<code>"` is a local
variant: its tables are deep-merged into the parent's, its lists replace the parent's, and the
identity keys (code, version, title, legal_basis, rating_years, default, extends) are its own.
Every problem is a RuleSetError naming the file, the dotted key and the problem.
"""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings

from .model import RuleSet, RuleSetError
from .reader import TableReader
from .sections import build_ruleset

IDENTITY_KEYS = frozenset(
    {"code", "version", "title", "legal_basis", "rating_years", "default", "extends"}
)


def default_directory() -> Path:
    return Path(settings.BASE_DIR) / "rulesets"


def display_path(path: Path) -> str:
    """The path as shown in messages: relative to the project when inside it."""
    try:
        return str(path.resolve().relative_to(Path(settings.BASE_DIR).resolve()))
    except ValueError:
        return str(path)


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Tables merge key by key, recursively; lists and scalars of `override` replace."""
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = value
    return merged


def leaf_keys(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Dotted keys of the non-table values: {"a": {"b": 1}, "c": [2]} → ["a.b", "c"]."""
    keys = []
    for name, value in data.items():
        key = f"{prefix}.{name}" if prefix else name
        if isinstance(value, dict):
            keys.extend(leaf_keys(value, key))
        else:
            keys.append(key)
    return keys


class RuleSetDirectory:
    """The rule-set files of one directory, each read, merged and validated at most once."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._merged: dict[str, dict[str, Any]] = {}
        self._results: dict[str, RuleSet | RuleSetError] = {}

    def load(self, path: Path) -> RuleSet:
        return self._load(path, ())

    def _load(self, path: Path, stack: tuple[str, ...]) -> RuleSet:
        code = path.stem
        done = self._results.get(code)
        if isinstance(done, RuleSetError):
            raise done
        if done is not None:
            return done
        try:
            result = self._validate(path, stack)
        except RuleSetError as exc:
            self._results[code] = exc
            raise
        self._results[code] = result
        return result

    def load_data(self, data: Mapping[str, Any], name: str) -> RuleSet:
        """Validate a rule set kept elsewhere than in a file (a version stored in the database)
        exactly as a file: its `extends` names a file of this directory, which it may not
        shadow."""
        root = TableReader(name, data, "")
        code = root.string("code")
        if (self.directory / f"{code}.toml").is_file():
            raise root.error(
                "code",
                f'"{code}" đã là mã của một tệp bộ quy tắc',
                f'"{code}" is already the code of a rule-set file',
            )
        return self._build(dict(data), root, name, Path(name), code, ())

    def _validate(self, path: Path, stack: tuple[str, ...]) -> RuleSet:
        file = display_path(path)
        data = _read(path, file)
        root = TableReader(file, data, "")
        code = root.string("code")
        if code != path.stem:
            raise root.error(
                "code",
                f'"{code}" phải trùng tên tệp "{path.stem}"',
                f'"{code}" must match the file name "{path.stem}"',
            )
        return self._build(data, root, file, path, code, stack)

    def _build(
        self,
        data: dict[str, Any],
        root: TableReader,
        file: str,
        path: Path,
        code: str,
        stack: tuple[str, ...],
    ) -> RuleSet:
        parent = root.string("extends", default=None)
        merged = data
        overrides: tuple[str, ...] = ()
        if parent is not None:
            merged = deep_merge(self._parent_data(root, code, parent, stack), data)
            own = {k: v for k, v in data.items() if k not in IDENTITY_KEYS and k != "notes"}
            overrides = tuple(leaf_keys(own))
        self._merged[code] = merged
        return build_ruleset(merged, source=path, file=file, overrides=overrides)

    def _parent_data(
        self, root: TableReader, code: str, parent: str, stack: tuple[str, ...]
    ) -> dict[str, Any]:
        chain = (*stack, code)
        if parent in chain:
            cycle = " → ".join((*chain[chain.index(parent) :], parent))
            raise root.error("extends", f"vòng lặp kế thừa: {cycle}", f"inheritance cycle: {cycle}")
        parent_path = self.directory / f"{parent}.toml"
        if not parent_path.is_file():
            raise root.error(
                "extends",
                f'không tìm thấy bộ quy tắc cha "{parent}" ({parent}.toml)',
                f'parent rule set "{parent}" not found ({parent}.toml)',
            )
        try:
            self._load(parent_path, chain)
        except RuleSetError as exc:
            raise root.error(
                "extends",
                f'bộ quy tắc cha "{parent}" không hợp lệ ({exc.key or "tệp"}: {exc.problem_vi})',
                f'parent rule set "{parent}" is invalid ({exc.key or "file"}: {exc.problem_en})',
            ) from exc
        return {k: v for k, v in self._merged[parent].items() if k not in IDENTITY_KEYS}


def _read(path: Path, file: str) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise RuleSetError(
            file, "", f"cú pháp TOML không hợp lệ: {exc}", f"invalid TOML: {exc}"
        ) from exc
    except OSError as exc:
        raise RuleSetError(
            file, "", f"không đọc được tệp: {exc.strerror}", f"cannot read the file: {exc}"
        ) from exc


def load_ruleset_file(path: Path | str) -> RuleSet:
    """Load one file; a parent named by `extends` is read from the same directory."""
    path = Path(path)
    return RuleSetDirectory(path.parent).load(path)


def check_all(directory: Path | str | None = None) -> tuple[dict[str, RuleSet], list[RuleSetError]]:
    """Every rule set of the directory that is valid, and the errors of those that are not."""
    folder = Path(directory) if directory is not None else default_directory()
    if not folder.is_dir():
        error = RuleSetError(
            display_path(folder), "", "thư mục không tồn tại", "the directory does not exist"
        )
        return {}, [error]
    loader = RuleSetDirectory(folder)
    rulesets: dict[str, RuleSet] = {}
    errors: list[RuleSetError] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            ruleset = loader.load(path)
        except RuleSetError as exc:
            errors.append(exc)
        else:
            rulesets[ruleset.code] = ruleset
    errors.extend(_cross_file_errors(rulesets))
    return rulesets, errors


def _cross_file_errors(rulesets: Mapping[str, RuleSet]) -> list[RuleSetError]:
    errors = []
    defaults = sorted(code for code, rs in rulesets.items() if rs.is_default)
    for code in defaults[1:]:
        errors.append(
            RuleSetError(
                display_path(rulesets[code].source),
                "default",
                f'"{defaults[0]}" đã là bộ quy tắc mặc định; chỉ được một',
                f'"{defaults[0]}" is already the default; only one may be',
            )
        )
    # Central rule sets must not overlap, so that a rating year picks exactly one.
    central = sorted(
        (rs for rs in rulesets.values() if rs.extends is None), key=lambda rs: rs.rating_years
    )
    for earlier, later in itertools.pairwise(central):
        if later.rating_years[0] <= earlier.rating_years[1]:
            errors.append(
                RuleSetError(
                    display_path(later.source),
                    "rating_years",
                    f'trùng năm đánh giá với bộ quy tắc "{earlier.code}"',
                    f'overlaps the rating years of "{earlier.code}"',
                )
            )
    return errors


def load_all(directory: Path | str | None = None) -> dict[str, RuleSet]:
    """Every rule set of the directory by code; raises the first RuleSetError if any is invalid."""
    rulesets, errors = check_all(directory)
    if errors:
        raise errors[0]
    return rulesets
