"""Numbers inside <input> are never localized; numbers in text are written the Vietnamese way.

A number field cannot show "9,0": a saved score rendered that way reopens empty and the editor
then counts a total of 0.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from reviews.services import reports
from reviews.services.reports import report_ruleset

# The groups of Annex 4 (a member without a post): 89 points, "Hoàn thành tốt".
SCORES = {"K_CT": 13.5, "K_NL": 9.5, "K_TPB": 4, "K_NV": 62}


def _save_scores(report, user):
    criteria = report_ruleset(report).criteria_for_class(report.subject.subject_class)
    assert [c.code for c in criteria] == list(SCORES)
    return reports.save_report_draft(
        report_id=report.pk, user=user, base_version=report.version, changes={"scores": SCORES}
    )


def test_report_edit_does_show_saved_scores_unlocalized_in_number_inputs(
    client, member, member_report
):
    _save_scores(member_report, member)
    client.force_login(member)
    html = client.get(reverse("reviews:report_edit", args=[member_report.pk])).text
    values = dict(re.findall(r'name="scores:(\w+)"\s+value="([^"]*)"', html))
    assert values == {"K_CT": "13.5", "K_NL": "9.5", "K_TPB": "4", "K_NV": "62"}
    # The total in text is Vietnamese: a decimal comma.
    assert re.search(r'data-testid="score-total">89,00<', html)
    assert "Hoàn thành tốt nhiệm vụ" in html


def test_report_detail_does_write_scores_the_vietnamese_way(client, member, member_report):
    _save_scores(member_report, member)
    client.force_login(member)
    html = client.get(reverse("reviews:report_detail", args=[member_report.pk])).text
    assert ": 9,5/10</li>" in html
    assert "89,00" in html


# A number-bearing attribute of a number input must not go through the template engine's
# localization: `|input_number` (or `|unlocalize`) says so explicitly.
_NUMBER_INPUT = re.compile(r"<input\b[^>]*\btype=\"number\"[^>]*>", re.S)
_VARIABLE = re.compile(r"\b(value|min|max|step)=\"([^\"]*\{\{[^\"]*)\"")


def test_templates_do_not_localize_numbers_inside_number_inputs():
    offenders = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        for tag in _NUMBER_INPUT.findall(path.read_text()):
            for attribute, text in _VARIABLE.findall(tag):
                if "|input_number" not in text and "|unlocalize" not in text:
                    offenders.append(f"{path.name}: {attribute}={text}")
    assert not offenders, offenders
