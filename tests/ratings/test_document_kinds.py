"""The minutes go through the documents app's workers like every PDF."""

from __future__ import annotations

import pytest
from django.urls import reverse

from documents.models import DocumentJob
from ratings.services import ballots

from .conftest import everyone


def _request(client, kind: str, pk: int, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("documents:request", args=[kind, pk]))


def test_counting_minutes_does_render_in_a_worker_after_close(
    client, secretary, make_meeting, django_capture_on_commit_callbacks
):
    convened = make_meeting(6)
    ballot_round = convened.open()
    client.force_login(secretary)
    # No figure exists before close, so neither does the document.
    assert (
        _request(
            client, "counting_minutes", ballot_round.pk, django_capture_on_commit_callbacks
        ).status_code
        == 404
    )
    convened.cast_all(ballot_round, everyone("HTT"))
    ballots.close_round(ballot_round=ballot_round)
    response = _request(
        client, "counting_minutes", ballot_round.pk, django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    job = DocumentJob.objects.get(kind="counting_minutes", object_id=ballot_round.pk)
    assert job.status == "done"
    assert job.file.read().startswith(b"%PDF")


@pytest.mark.parametrize("persona,status", [("member", 404), ("secretary", 302)])
def test_meeting_minutes_does_answer_only_the_chair_side(
    client, request, make_meeting, persona, status, django_capture_on_commit_callbacks
):
    convened = make_meeting(4)
    client.force_login(request.getfixturevalue(persona))
    response = _request(
        client, "meeting_minutes", convened.meeting.pk, django_capture_on_commit_callbacks
    )
    assert response.status_code == status
