"""Every PDF is rendered by a worker (the documents app's jobs), never in a web request.

Three large autosaves once made one report's PDF take a minute inside the web process: a view
may serve a stored file, but it never renders one.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.conf import settings

APPS = ("orgunits", "reviews", "ratings", "documents", "notifications")
RENDERS_A_PDF = re.compile(r"^render\w*pdf$")


def _view_modules():
    for app in APPS:
        root = Path(settings.BASE_DIR, app)
        yield from root.glob("views.py")
        yield from root.glob("views/*.py")


def _names_used(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            yield node.id, node.lineno
        elif isinstance(node, ast.Attribute):
            yield node.attr, node.lineno
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                yield alias.name, node.lineno


def test_views_do_not_render_pdfs_in_the_request():
    offenders = sorted(
        f"{path.relative_to(settings.BASE_DIR)}:{line} {name}"
        for path in _view_modules()
        for name, line in _names_used(ast.parse(path.read_text()))
        if RENDERS_A_PDF.match(name)
    )
    assert not offenders, offenders
