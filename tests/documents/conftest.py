"""Document jobs write their files under a per-test MEDIA_ROOT; renders can be counted."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from documents import registry


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def renders(monkeypatch):
    """Wrap every registered kind's renderer to count its calls per (kind, object id)."""
    counts: Counter[tuple[str, int]] = Counter()
    for kind in registry.kinds():
        entry = registry.get(kind)

        def counted(object_id: int, *, _entry=entry) -> bytes:
            counts[(_entry.kind, object_id)] += 1
            return _entry.render(object_id)

        # Put back as it was after the test (monkeypatch restores the registry's dict entry).
        monkeypatch.setitem(registry._kinds, kind, dataclasses.replace(entry, render=counted))
    return counts


@pytest.fixture
def fake_kind(monkeypatch):
    """Register a throwaway kind for the test: fake_kind(name, render=..., ...)."""

    def add(kind: str, **overrides):
        monkeypatch.delitem(registry._kinds, kind, raising=False)
        spec = {
            "render": lambda object_id: b"%PDF-1.7\n<</Type /Page>>\n",
            "source_fingerprint": lambda object_id: "v1",
            "filename": lambda object_id: f"{kind}-{object_id}.pdf",
            "can_access": lambda user, object_id: True,
        }
        spec.update(overrides)
        return registry.register(kind, **spec)

    return add
