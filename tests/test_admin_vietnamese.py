"""The Django admin, where operators still use it, speaks Vietnamese: every registered model's
changelist and add page open under the vi locale, and no model, app or field name is left in
English (the check compares each name under vi with the English one)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

# The same word in both languages, or never shown: treebeard's own columns are not in its form,
# and the derived name keys are not editable.
SAME_IN_BOTH = {"ID", "email"}
NOT_SHOWN = {"path", "depth", "numchild", "given_name", "search_name"}


def _both(text) -> tuple[str, str]:
    with translation.override("en"):
        en = str(text)
    with translation.override("vi"):
        vi = str(text)
    return en, vi


def _english_leftovers() -> list[str]:
    left = []
    for model in admin.site._registry:
        names = [
            ("app", apps.get_app_config(model._meta.app_label).verbose_name),
            ("model", model._meta.verbose_name),
            ("models", model._meta.verbose_name_plural),
        ]
        for field in model._meta.get_fields():
            if getattr(field, "concrete", False) and field.name not in NOT_SHOWN:
                names.append((f"field {field.name}", field.verbose_name))
        for what, text in names:
            en, vi = _both(text)
            if en == vi and en not in SAME_IN_BOTH:
                left.append(f"{model._meta.label} {what}: {en}")
    return left


def test_admin_names_every_model_app_and_field_in_vietnamese():
    leftovers = _english_leftovers()
    assert not leftovers, "\n".join(leftovers)


def test_admin_pages_open_in_vietnamese_for_every_registered_model(client, admin_user, settings):
    settings.LANGUAGE_CODE = "vi"
    client.cookies["django_language"] = "vi"
    client.force_login(admin_user)
    index = client.get(reverse("admin:index")).content.decode()
    assert "Kiểm điểm, xếp loại: trang quản trị" in index
    assert "Quản trị dữ liệu" in index
    opened = 0
    for model in admin.site._registry:
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        changelist = client.get(reverse(f"admin:{info}_changelist"))
        assert changelist.status_code == 200, info
        page = changelist.content.decode()
        _en, vi_plural = _both(model._meta.verbose_name_plural)
        assert vi_plural.lower() in page.lower(), info
        add = client.get(reverse(f"admin:{info}_add"))
        assert add.status_code in (200, 403), info
        if add.status_code == 200:
            assert "Kiểm điểm, xếp loại: trang quản trị" in add.content.decode()
        opened += 1
    assert opened == len(admin.site._registry) > 15
