"""A `next` address from a form is followed only when it is a path on this site; a bare word
(which Django's redirect() would try to reverse as a URL name) is not a 500."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from orgunits.navigation import local_url

from . import test_permission_matrix as matrix

objects = matrix.objects


@pytest.mark.parametrize(
    "candidate,expected",
    [
        ("/ratings/1/", "/ratings/1/"),
        ("xyz", None),
        ("", None),
        (None, None),
        ("//evil.example/", None),
        ("https://evil.example/", None),
        ("\x8dZTN\xeeea", None),
    ],
)
def test_local_url_does_accept_only_a_path_on_this_site(candidate, expected):
    request = RequestFactory().post("/")
    assert local_url(request, candidate) == expected


def test_rating_change_level_does_ignore_a_next_that_is_not_a_path(client, org_officer, objects):
    client.force_login(org_officer)
    pk = objects["rating"]["pk"]
    response = client.post(
        reverse("ratings:rating_change_level", args=[pk]),
        {"level": "HT", "reason": "Lý do", "next": "xyz"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("ratings:rating_file", args=[pk])
