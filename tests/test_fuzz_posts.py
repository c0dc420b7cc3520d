"""Random bodies to every URL that takes a POST: never a 500, and a refusal writes nothing.

Each example sends one random body to every project URL (the objects and the persona allowed
to use each come from the permission matrix): form fields named like the real ones or junk,
texts with NUL bytes, huge texts, bytes that are not UTF-8, far dates, odd numbers, files of
any content, and nested JSON for the autosave. A response of 400 or more, or a redirect that
shows an error message, must leave the project's tables exactly as they were.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path
from urllib.parse import quote_from_bytes

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.messages import constants, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import get_resolver, reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from reviews.models import Report

from . import test_permission_matrix as matrix
from .test_permission_matrix import MATRIX, PERSONAS, PROJECT_NAMESPACES, _walk

objects = matrix.objects  # the matrix's objects, one of each kind, as a fixture here too

# Project URLs without an object id, and who may use them.
UNSCOPED_PERSONA = "admin_user"
OTHER_URLS = {"login": "anonymous", "password_reset": "anonymous"}
# Tables a refused request must leave untouched: the project's own data.
CHECKED_APPS = ("orgunits", "reviews", "ratings", "documents", "notifications")

# A valid body for URLs the matrix posts without data; "@version" is the report's version.
GOOD_BODIES: dict[str, dict[str, str]] = {
    "reviews:report_edit": {"version": "@version", "sections:a": "Nội dung", "scores:C1": "9"},
    "ratings:meeting_create": {
        "kind": "party_cell",
        "starts_on": "2026-12-16",
        "ends_on": "2026-12-16",
        "duration_days": "1.0",
    },
    "ratings:round_prepare": {"kind": "rating", "mode": "paper"},
    "reviews:period_create": {
        "name": "Kỳ mới",
        "kind": "annual",
        "year": "2027",
        "opens_on": "2027-12-01",
        "ruleset": "qd366-hd43",
    },
    "ratings:quota_exception": {"percent": "25", "scope": "group", "reason": "Lý do"},
}

SUFFIXES = ("", ".pdf", ".png", ".jpg", ".docx", ".xlsx", ".csv", ".exe")


def _post_urls() -> list[tuple[str, str]]:
    """(URL name, persona) for every project URL: a view that takes no POST answers 405."""
    urls = []
    for name, pattern in _walk(get_resolver().url_patterns):
        namespace = name.split(":")[0] if ":" in name else ""
        if name in OTHER_URLS:
            urls.append((name, OTHER_URLS[name]))
        elif namespace in PROJECT_NAMESPACES | {"accounts"}:
            if pattern.pattern.converters and name not in MATRIX:
                continue  # test_every_object_url_has_a_row reports it
            urls.append((name, _allowed_persona(name)))
    return sorted(set(urls))


def _allowed_persona(name: str) -> str:
    """The first persona the matrix lets use the URL (or an administrator)."""
    if name not in MATRIX:
        return UNSCOPED_PERSONA
    expected = MATRIX[name]["expected"]
    return next((p for p in PERSONAS[1:] if expected[p] in (200, 302, 400)), UNSCOPED_PERSONA)


def _field_names() -> list[str]:
    """Names the real forms use: every literal name="…" in the templates, the matrix's data and
    the report editor's dynamic names."""
    names = set()
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        names.update(re.findall(r'\bname="([^"{}]+)"', path.read_text()))
    for spec in MATRIX.values():
        names.update(spec["data"])
    names.update(
        [
            *("version", "scores:C1", "scores:N1", "sections:a", "answers:1", "self_level"),
            *("checklist:1:present", "checklist:1:note", "remediation:1:status", "file"),
            *("meeting_on", "day", "milestone", "received_on", "decided_on", "due_on", "text"),
            *("starts_on", "ends_on", "duration_days", "percent", "issued", "valid", "kind"),
        ]
    )
    return sorted(names)


FIELD_NAMES = _field_names()

texts = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20).map(lambda t: t + "\x00"),
    st.sampled_from(
        [
            *("", "0", "-1", "1e400", "NaN", "9" * 30, "2026-12-15", "9999-12-31", "0001-01-01"),
            *("2026-02-30", "yes", "no", "on", "HT", "HTT", "done", "accepted", "electronic"),
        ]
    ),
    st.integers(min_value=1, max_value=300_000).map(lambda n: "ạ" * n),
)
values = st.one_of(texts.map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary(max_size=40))
keys = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=20)).map(
    lambda k: k.encode("utf-8", "surrogatepass")
)


def _form_body(good: dict[str, str]):
    """The known-good body with some values replaced, some keys dropped, junk pairs added."""
    kept = st.lists(st.sampled_from(sorted(good)), unique=True) if good else st.just([])
    return st.builds(
        lambda names, replaced, extra: (
            [(k.encode(), replaced.get(k, good[k].encode())) for k in names] + extra
        ),
        kept,
        st.dictionaries(st.sampled_from(sorted(good) or ["x"]), values, max_size=3),
        st.lists(st.tuples(keys, values), max_size=6),
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | texts,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)
json_bodies = st.one_of(
    st.fixed_dictionaries(
        {"base_version": json_values, "changes": json_values},
        optional={"junk": json_values},
    ).map(lambda d: json.dumps(d).encode()),
    st.builds(
        lambda version, changes: json.dumps({"base_version": version, "changes": changes}).encode(),
        st.just("@version") | st.integers(min_value=-1, max_value=5),
        st.dictionaries(
            st.sampled_from(["sections", "scores", "checklist", "remediation", "answers"]),
            json_values,
        ),
    ),
    st.integers(min_value=1, max_value=50_000).map(lambda n: b"[" * n + b"]" * n),
    st.binary(max_size=60),
)
uploads = st.builds(
    lambda stem, suffix, head, content: SimpleUploadedFile(stem + suffix, head + content),
    st.text(min_size=1, max_size=10).filter(lambda s: "/" not in s and "\x00" not in s),
    st.sampled_from(SUFFIXES),
    st.sampled_from([b"", b"%PDF-1.7\n", b"PK\x03\x04", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"]),
    st.binary(max_size=200),
)


def _encode(pairs: list[tuple[bytes, bytes]]) -> bytes:
    return b"&".join(
        quote_from_bytes(k).encode() + b"=" + quote_from_bytes(v).encode() for k, v in pairs
    )


def _checksum() -> str:
    """One digest of every row of the project's tables."""
    tables = [
        m._meta.db_table
        for app in CHECKED_APPS
        for m in apps.get_app_config(app).get_models()
        if not m._meta.proxy and m._meta.managed
    ]
    # Table names come from the models, not from input.
    digest = "md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), ''))"
    union = " UNION ALL ".join(
        f"SELECT '{t}' AS t, {digest} AS h FROM \"{t}\" x"  # noqa: S608
        for t in sorted(set(tables))
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT md5(string_agg(t || h, ',' ORDER BY t)) FROM ({union}) s")  # noqa: S608
        return cursor.fetchone()[0]


def _refused(response) -> bool:
    if response.status_code >= 400:
        return True
    shown = get_messages(response.wsgi_request)
    return any(m.level == constants.ERROR for m in shown)


POST_URLS = _post_urls()
STATUSES: Counter[tuple[str, int]] = Counter()
GET_ONLY: set[str] = set()


@pytest.fixture(scope="module", autouse=True)
def _report_statuses():
    """With FUZZ_REPORT=1, print how each URL answered (what the fuzzing reached)."""
    yield
    if os.environ.get("FUZZ_REPORT"):
        for (name, status), count in sorted(STATUSES.items()):
            print(f"{name:45} {status} × {count}")


hypothesis_settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "3")),
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


def _post(client, name: str, url: str, data, version: int) -> object:
    """One random request of the kind the URL takes."""
    if name == "reviews:report_autosave":
        body = data.draw(json_bodies, label=name)
        body = body.replace(b'"@version"', str(version).encode())
        return client.post(url, body, content_type="application/json")
    good = dict(MATRIX[name]["data"]) if name in MATRIX else {}
    good = {k: str(v) for k, v in {**good, **GOOD_BODIES.get(name, {})}.items()}
    good = {k: str(version) if v == "@version" else v for k, v in good.items()}
    if data.draw(st.integers(0, 3), label=f"{name} multipart") == 0:
        fields = data.draw(st.dictionaries(st.sampled_from(FIELD_NAMES), texts, max_size=6))
        return client.post(url, {**good, **fields, "file": data.draw(uploads)})
    body = _encode(data.draw(_form_body(good), label=name))
    return client.post(url, body, content_type="application/x-www-form-urlencoded")


@pytest.mark.django_db
@hypothesis_settings(hypothesis_settings.get_profile("fuzz"))
@given(data=st.data())
def test_random_posts_never_fail_and_a_refusal_writes_nothing(data, client, request, objects):
    users = {p: request.getfixturevalue(p) for p in PERSONAS if p != "anonymous"}
    state = _checksum()
    for name, persona in POST_URLS:
        if name in GET_ONLY:
            continue
        spec = MATRIX.get(name)
        url = reverse(name, kwargs=objects[spec["obj"]]) if spec else reverse(name)
        client.logout()
        if persona != "anonymous":
            client.force_login(users[persona])
        version = Report.objects.get(pk=objects["report"]["pk"]).version
        with transaction.atomic():  # a failure must not poison the next request
            response = _post(client, name, url, data, version)
        STATUSES[(name, response.status_code)] += 1
        assert response.status_code < 500, (name, response.status_code)
        if response.status_code == 405:
            GET_ONLY.add(name)  # takes no POST: nothing more to learn from it
        after = _checksum()
        if _refused(response):
            assert after == state, (name, response.status_code, "wrote while refusing")
        state = after
