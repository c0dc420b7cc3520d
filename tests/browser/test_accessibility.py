"""WCAG 2.2 AA on each persona's main pages, checked by axe-core inside Chromium.

axe-core is vendored (tests/browser/vendor/, MPL-2.0) and evaluated through the DevTools
protocol, so the pages' strict CSP stays as it is. A serious or critical violation fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.test_permission_matrix import objects  # noqa: F401  (the shared object fixture)

pytestmark = pytest.mark.django_db(transaction=True)

AXE = (Path(__file__).parent / "vendor" / "axe-4.14.1.min.js").read_text()
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# persona → (URL name, object key of the permission-matrix fixture or None)
PAGES: dict[str, list[tuple[str, str | None]]] = {
    "anonymous": [("login", None), ("password_reset", None), ("accounts:activate", None)],
    "member": [
        ("orgunits:dashboard", None),
        ("reviews:report_edit", "report"),
        ("reviews:report_detail", "report"),
        ("ratings:my_results", None),
        ("accounts:session_list", None),
    ],
    "secretary": [
        ("reviews:period_progress", "period_cell"),
        ("ratings:meeting_detail", "meeting"),
        ("ratings:round_console", "round"),
        ("accounts:unit_accounts", "cell"),
    ],
    "org_officer": [
        ("ratings:appraisal_page", "period_cell"),
        ("ratings:quota_group", "quota_group"),
        ("orgunits:unit_detail", "cell"),
        ("orgunits:person_list", None),
    ],
    "authority": [("ratings:decision_detail", "decision"), ("reviews:period_detail", "period")],
}


def _sign_in(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def _serious_violations(page) -> list[str]:
    page.evaluate(AXE)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    found = []
    for violation in result["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found


@pytest.mark.parametrize("persona", list(PAGES))
def test_main_pages_have_no_serious_accessibility_violations(
    persona,
    request,
    page,
    live_server,
    objects,  # noqa: F811
):
    if persona != "anonymous":
        _sign_in(page.context, live_server, request.getfixturevalue(persona))
    problems = []
    for url_name, key in PAGES[persona]:
        url = reverse(url_name, kwargs=objects[key] if key else None)
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 200, f"{url_name}: HTTP {response.status}"
        problems += [f"{url_name}: {p}" for p in _serious_violations(page)]
    assert not problems, "\n".join(problems)


def test_skip_link_does_take_a_keyboard_user_to_the_main_content(page, live_server, member):
    _sign_in(page.context, live_server, member)
    page.goto(f"{live_server.url}/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Bỏ qua, đến nội dung chính")
    assert skip.is_visible()
    page.keyboard.press("Enter")

    assert page.evaluate("document.activeElement.id") == "main-content"


def test_checkbox_borders_have_at_least_3_to_1_contrast(page, live_server, secretary, tree):
    _sign_in(page.context, live_server, secretary)
    page.goto(f"{live_server.url}/units/{tree.cell_a.pk}/accounts/")

    border = page.evaluate(
        "getComputedStyle(document.querySelector('.form-check-input')).borderTopColor"
    )

    assert _contrast(border, "rgb(255, 255, 255)") >= 3


def _contrast(first: str, second: str) -> float:
    def luminance(css: str) -> float:
        channels = [int(v) / 255 for v in css[css.index("(") + 1 : -1].split(",")[:3]]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)
