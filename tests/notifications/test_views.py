"""The bell and the notification list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications import services
from notifications.models import Notification

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 12, 3)


def _notes(user, n, prefix="report"):
    for i in range(n):
        services.notify(
            recipient_id=user.pk,
            kind="due_soon",
            item_key=f"{prefix}:{i}:self_report_due",
            day=DAY,
            title=f"Hạn nộp bản tự kiểm điểm {i}",
            url=f"/reports/{i}/edit/",
        )


def test_bell_shows_the_unread_count(client, member, secretary):
    _notes(member, 3)
    _notes(secretary, 5)
    client.force_login(member)
    page = client.get(reverse("orgunits:dashboard")).content.decode()
    assert 'data-testid="notification-bell"' in page
    assert 'data-testid="unread-count">3<' in page


def test_bell_shows_no_count_when_everything_is_read(client, member):
    client.force_login(member)
    page = client.get(reverse("orgunits:dashboard")).content.decode()
    assert 'data-testid="notification-bell"' in page
    assert "unread-count" not in page


def test_list_shows_own_notifications_and_marks_them_read(client, member, secretary):
    _notes(member, 2)
    _notes(secretary, 1, prefix="secret")
    client.force_login(member)
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-testid="notification"') == 2
    assert "Hạn nộp bản tự kiểm điểm 1" in page and "/reports/1/edit/" in page
    assert "secret" not in page
    assert not Notification.objects.filter(recipient=member, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=secretary, read_at__isnull=True).count() == 1
    again = client.get(reverse("orgunits:dashboard")).content.decode()
    assert "unread-count" not in again


def test_list_asks_anonymous_users_to_log_in(client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_list_query_count_does_not_grow_with_notifications(client, member):
    client.force_login(member)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("notifications:list")).status_code == 200
        return len(ctx.captured_queries)

    _notes(member, 2)
    count()  # warm per-process caches
    _notes(member, 2, prefix="a")
    few = count()
    _notes(member, 30, prefix="b")
    assert count() == few
