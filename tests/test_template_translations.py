"""A `{% translate "…" %}` literal with a percent sign is never found in the catalogue:
makemessages stores it as "%%" while the tag looks it up with "%", so the page stays English."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LITERAL = re.compile(r"""{%\s*(?:translate|trans)\s+(["'])(.*?)\1""")


def test_templates_do_not_put_a_percent_sign_in_a_translate_literal():
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(2)[:60]}"
        for path in TEMPLATES.rglob("*.html")
        for match in LITERAL.finditer(path.read_text())
        if "%" in match.group(2)
    ]
    assert not found, "use blocktranslate with a variable instead:\n" + "\n".join(found)
