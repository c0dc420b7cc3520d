"""The production URLs plus the benchmark's baseline: a bare Django view of 20 rows.

Used only by `config.settings.bench` (the gunicorn started by `manage.py bench_web`).
"""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.html import escape

from config.urls import urlpatterns as production_urlpatterns

BARE_ROWS = 20


def bare_rows(request: HttpRequest) -> HttpResponse:
    """20 rows read with one query and written out: what every page costs at the least."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, code, name FROM orgunits_orgunit ORDER BY id LIMIT %s", [BARE_ROWS]
        )
        rows = cursor.fetchall()
    body = "".join(
        f"<tr><td>{pk}</td><td>{escape(code)}</td><td>{escape(name)}</td></tr>"
        for pk, code, name in rows
    )
    return HttpResponse(f"<!doctype html><title>bare</title><table>{body}</table>")


urlpatterns = [path("bench/bare/", bare_rows, name="bench_bare"), *production_urlpatterns]
