"""The read-only report page shows everything the author wrote in the editor."""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from reviews.services import reports
from reviews.services.reports import report_ruleset

pytestmark = pytest.mark.django_db


class _Fields(HTMLParser):
    """The editor's typed fields (name → value) and its checked radios."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.checked: dict[str, str] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name") or ""
        if tag == "textarea":
            self._textarea = name
            self.values[name] = ""
        elif tag == "input" and a.get("type") == "radio" and "checked" in a:
            self.checked[name] = a.get("value") or ""
        elif tag == "input" and a.get("type") in ("text", "number"):
            self.values[name] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def _written(report, user, tree, org_officer):
    ruleset = report_ruleset(report)
    form = ruleset.form_for_class(report.subject.subject_class)
    criteria = ruleset.criteria_for_class(report.subject.subject_class)
    items = [item for g in ruleset.manifestations for item in g.items]
    reports.issue_suggestion(
        subject=report.subject, issuing_unit=tree.district, user=org_officer, text="Làm rõ"
    )
    suggestion = report.subject.suggestions.get()
    changes = {
        "sections": {s.key: f"Đoạn viết mục {s.key}" for s in form.sections if s.kind == "text"},
        "scores": {c.code: float(c.max_points) * 0.75 for c in criteria},
        "checklist": {
            item.code: {"present": n % 2 == 0, "note": f"Ghi chú biểu hiện số {n}"}
            for n, item in enumerate(items)
        },
        "answers": {str(suggestion.pk): "Trả lời gợi ý của cấp trên"},
        "self_level": "HTT",
    }
    return reports.save_report_draft(
        report_id=report.pk, user=user, base_version=report.version, changes=changes
    )


def test_report_detail_does_show_every_field_the_editor_holds(
    client, member_report, member, tree, org_officer
):
    report = _written(member_report, member, tree, org_officer)
    client.force_login(member)
    editor = _Fields()
    editor.feed(client.get(reverse("reviews:report_edit", args=[report.pk])).content.decode())
    page = unescape(client.get(reverse("reviews:report_detail", args=[report.pk])).content.decode())

    typed = {
        name: value
        for name, value in editor.values.items()
        if value and name.split(":")[0] in ("sections", "answers", "checklist", "remediation")
    }
    assert len(typed) > 10
    for name, value in typed.items():
        assert value.strip() in page, f"{name} is in the editor but not on the report page"

    # Every checklist answer, "none" included, is stated in words.
    ruleset = report_ruleset(report)
    items = [item for g in ruleset.manifestations for item in g.items]
    assert page.count('data-testid="read-checklist-item"') == len(items)
    answers = [editor.checked[f"checklist:{item.code}:present"] for item in items]
    assert "no" in answers and "yes" in answers
    for item in items:
        assert f'data-code="{item.code}"' in page

    # Every score, and the self-assessed level.
    for name in editor.values:
        if name.startswith("scores:"):
            assert f'data-testid="read-score-{name.split(":")[1]}"' in page
    assert "Hoàn thành tốt nhiệm vụ" in page
