"""No internal code in what people read: rule ids (R-Q1, R-E3…) and rule-set codes and versions
("qd366-hd43 v1") stay in the code and the rule-set files; pages, PDFs and exports explain the
rule in words and name its legal source.

One test walks every page the permission matrix answers 200 for some persona, the list pages,
a few PDFs (through the documents app's render path) and the summary workbook and CSV, and
reports every hit with where it was found.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from documents import registry
from ratings.models import Decision, Rating, SummaryNarrative
from reviews.models import Subject
from reviews.rulesets import all_rulesets
from reviews.rulesets.loader import leaf_keys
from reviews.services import periods
from tests.test_permission_matrix import MATRIX, PERSONAS, objects  # noqa: F401 (fixture)

RULE_ID = re.compile(r"\bR-[A-Z]\d\b")
LIST_PAGES = [
    "orgunits:dashboard",
    "orgunits:unit_roots",
    "orgunits:person_list",
    "reviews:period_list",
    "reviews:period_create",
    "reviews:my_reports",
    "notifications:list",
    "ratings:meeting_list",
    "ratings:my_results",
    "ratings:reports_index",
]
# Stored by older versions of enrolment and appraisal, before the texts lost their rule ids.
LEGACY_REASON = "R-E3: nghỉ ốm khoảng 4,0 tháng trong năm: không xếp loại cao hơn HT."
LEGACY_CHANGE = "Điều chỉnh theo tỷ lệ tối đa HTXS của nhóm (R-Q1): tối đa 1 HTXS."
LEGACY_CHECK = {"code": "R-K1", "ok": False, "cap": "KHT", "message": "R-K1: bị kỷ luật."}


def _internal_codes() -> re.Pattern[str]:
    codes = sorted({rs.code for rs in all_rulesets()}, key=len, reverse=True)
    return re.compile("|".join(re.escape(code) for code in codes), re.IGNORECASE)


def _parameter_keys() -> re.Pattern[str]:
    """The dotted parameter keys of the rule-set files (`quota.small_group_threshold`), the way
    a local variant records what it changes."""
    keys: set[str] = set()
    for rs in all_rulesets():
        keys.update(rs.overrides)
        keys.update(leaf_keys(tomllib.loads(Path(rs.source).read_text())))
    dotted = sorted((k for k in keys if "." in k), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(k) for k in dotted) + r")\b")


def hits(text: str) -> list[str]:
    """Rule ids, rule-set codes and parameter keys in `text`, each with a little context."""
    found = []
    for pattern in (RULE_ID, _internal_codes(), _parameter_keys()):
        for match in pattern.finditer(text):
            found.append(text[max(0, match.start() - 40) : match.end() + 20].replace("\n", " "))
    return found


class _VisibleText(HTMLParser):
    """The text a reader sees: text nodes and the attributes shown as text, not scripts."""

    SHOWN_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        self.parts.extend(v for k, v in attrs if k in self.SHOWN_ATTRIBUTES and v)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def pdf_text(pdf: bytes) -> str:
    done = subprocess.run(
        ["/usr/bin/pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return done.stdout.decode()


def _pages(client, request, objects) -> dict[str, str]:  # noqa: F811
    users = {p: request.getfixturevalue(p) for p in PERSONAS if p != "anonymous"}
    texts = {}
    for persona, user in users.items():
        client.force_login(user)
        urls = [reverse(name) for name in LIST_PAGES]
        for name, spec in sorted(MATRIX.items()):
            if spec["method"] == "GET" and spec["expected"][persona] == 200:
                urls.append(reverse(name, kwargs=objects[spec["obj"]]))
        for url in urls:
            response = client.get(url)
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                texts[f"{persona} {url}"] = visible_text(response.content.decode())
    return texts


def _documents(tree, objects) -> dict[str, str]:  # noqa: F811
    period_pk = objects["period"]["pk"]
    narrative, _ = SummaryNarrative.objects.get_or_create(period_id=period_pk, unit=tree.district)
    decision = Decision.objects.get(pk=objects["decision"]["pk"])
    texts = {
        "report PDF": registry.get("report").render(objects["report"]["pk"]),
        "decision PDF": registry.get("decision").render(decision.pk),
        "meeting minutes PDF": registry.get("meeting_minutes").render(objects["meeting"]["pk"]),
        "summary PDF": registry.get("summary").render(narrative.pk),
    }
    texts = {name: pdf_text(pdf) for name, pdf in texts.items()}
    for kind in ("summary_xlsx", "summary_people_xlsx"):
        book = openpyxl.load_workbook(io.BytesIO(registry.get(kind).render(narrative.pk)))
        cells = [
            str(cell.value)
            for sheet in book.worksheets
            for row in sheet.iter_rows()
            for cell in row
            if cell.value is not None
        ]
        cells.extend(sheet.title for sheet in book.worksheets)
        texts[kind] = "\n".join(cells)
    rows = csv.reader(io.StringIO(registry.get("summary_csv").render(narrative.pk).decode()))
    texts["summary_csv"] = "\n".join(cell for row in rows for cell in row)
    return texts


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["vi", "en"])
def test_pages_pdfs_and_exports_show_no_rule_id_nor_rule_set_code(
    language,
    client,
    request,
    tree,
    objects,  # noqa: F811 (the fixture imported above)
    settings,
):
    settings.LANGUAGE_CODE = language
    client.cookies["django_language"] = language
    # Rows written before the texts lost their rule ids: shown without them.
    secretary_subject = Subject.objects.get(
        period_id=objects["period"]["pk"], unit=tree.cell_a, person__user__username="secretary"
    )
    Subject.objects.filter(pk=secretary_subject.pk).update(eligibility_reason=LEGACY_REASON)
    Subject.objects.filter(pk=objects["subject"]["pk"]).update(eligibility_reason=LEGACY_REASON)
    Rating.objects.filter(subject=secretary_subject).update(level="KHT", checks=[LEGACY_CHECK])
    Rating.objects.filter(pk=objects["rating"]["pk"]).update(change_reason=LEGACY_CHANGE)

    # A local variant over the district: its rules page lists the parameters it changes.
    period = Subject.objects.get(pk=objects["subject"]["pk"]).period
    periods.set_local_ruleset(period=period, unit=tree.district, ruleset_code="thanhhoa-qd366")
    client.force_login(request.getfixturevalue("org_officer"))
    local_rules = client.get(
        reverse("reviews:period_rules", args=[period.pk]), {"unit": tree.district.pk}
    )
    assert "Kế thừa" in local_rules.content.decode() or language == "en"

    texts = _pages(client, request, objects) | _documents(tree, objects)
    texts["local rules page"] = visible_text(local_rules.content.decode())
    found = {where: shown for where, text in texts.items() if (shown := hits(text))}

    assert len(texts) > 60
    assert ("Review periods" in texts[next(iter(texts))]) == (language == "en")
    assert not found, "\n".join(f"{where}: {shown}" for where, shown in found.items())
