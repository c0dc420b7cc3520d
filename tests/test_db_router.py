"""The read replica: summary and export reads through the router, against the streaming
replica that scripts/provision.sh runs on port 5433 (config/db_router.py, docs/scaling.md)."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.db import connections, router
from django.test.utils import CaptureQueriesContext

from config.db_router import replica_reads, reporting_alias
from orgunits.models import OrgUnit
from orgunits.services import create_unit

REPLAY_TIMEOUT = 30  # seconds; replay of one small transaction takes milliseconds


def _wait_for_replay() -> None:
    """Return once the replica has replayed everything the primary has written so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        (lsn,) = cursor.fetchone()
    deadline = time.monotonic() + REPLAY_TIMEOUT
    with connections["replica"].cursor() as cursor:
        while True:  # a bounded poll: each round is one query, the loop ends at the deadline
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if cursor.fetchone()[0]:
                return
            assert time.monotonic() < deadline, f"the replica did not replay {lsn} in time"


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_replica_reads_does_read_from_the_replica_when_the_primary_wrote_the_row():
    assert "replica" in settings.DATABASES, "no read replica configured (scripts/provision.sh)"
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), current_setting('port')")
        assert cursor.fetchone() == (True, str(settings.DATABASES["replica"]["PORT"]))
    unit = create_unit(code="REPLICA-1", name="Đảng bộ đọc bản sao", kind="party_committee")

    _wait_for_replay()
    with CaptureQueriesContext(connections["replica"]) as on_replica, replica_reads():
        copy = OrgUnit.objects.get(code="REPLICA-1")
        assert router.db_for_write(OrgUnit) == "default"

    assert copy.pk == unit.pk and copy._state.db == "replica"
    assert len(on_replica.captured_queries) == 1
    assert OrgUnit.objects.get(code="REPLICA-1")._state.db == "default"


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_replica_reads_does_write_to_the_primary_when_a_replica_read_row_is_saved():
    create_unit(code="REPLICA-2", name="Trước", kind="party_committee")
    _wait_for_replay()

    with replica_reads():
        unit = OrgUnit.objects.get(code="REPLICA-2")
        unit.name = "Sau"
        unit.save(update_fields=["name"])

    assert OrgUnit.objects.using("default").get(code="REPLICA-2").name == "Sau"


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_replica_reads_does_use_default_when_no_replica_is_configured(settings):
    settings.DATABASES = {"default": settings.DATABASES["default"]}

    with replica_reads():
        assert reporting_alias() == "default"
        assert router.db_for_read(OrgUnit) == "default"
    assert router.db_for_write(OrgUnit) == "default"


def test_replica_reads_does_send_only_reads_inside_the_block_to_the_replica():
    assert "replica" in settings.DATABASES
    assert router.db_for_read(OrgUnit) == "default"
    with replica_reads():
        assert router.db_for_read(OrgUnit) == "replica"
        assert router.db_for_write(OrgUnit) == "default"
    assert reporting_alias() == "default"
