"""Measure the daily deadline reminders at scale, end to end, with real Celery workers.

    manage.py bench_reminders                      # 200,000 recipients, 2 workers
    manage.py bench_reminders --recipients 20000   # a quick run

What it does:

1. Builds a throwaway scope with bulk SQL (``INSERT … SELECT generate_series``): a root unit,
   one chi bộ per `--per-unit` people, N users with a person, a membership, an enrolled
   subject and a not-started report each, in an open period whose self-report deadline is
   the next working day. pghistory's triggers are switched off for these rows: they are not
   history.
2. Starts a private redis-server on a free port (or uses `--broker URL`) and `--workers`
   worker processes (`celery -A config worker -Q reminders -c 1` each), and waits until they
   are ready.
3. Times (a) the fan-out: the daily task run in this process — finding the recipients and
   publishing one `remind_batch` per 500 of them — and (b) processing: from the start of the
   fan-out until every recipient has their notification, then until every digest e-mail is
   sent (workers use the dummy e-mail backend: the mail is rendered, not delivered).
4. Prints the figures, stops the workers and the private Redis and deletes every row it made
   (also after a failure or Ctrl-C).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import kombu.pools
import pgtrigger
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from config.celery import app as celery_app
from notifications.models import EmailDigest, Notification
from orgunits.models import OrgUnit, UnitKind
from orgunits.services import create_unit
from reviews import reminders, rulesets, selectors
from reviews.models import ReviewPeriod
from reviews.services.periods import COMMAND_LINE_REASON, create_period
from reviews.tasks import send_deadline_reminders

RULESET = "qd366-hd43"
POLL = 0.5


class Command(BaseCommand):
    help = "Time the deadline reminders for N recipients with W real Celery workers."

    def add_arguments(self, parser):
        parser.add_argument("--recipients", type=int, default=200_000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--per-unit", type=int, default=50, help="people per chi bộ")
        parser.add_argument("--batch-size", type=int, default=reminders.BATCH_SIZE)
        parser.add_argument(
            "--broker", default="", help="use this Redis instead of starting a private one"
        )
        parser.add_argument("--timeout", type=int, default=1800, help="seconds to wait")

    def handle(self, *args, **options):
        n = options["recipients"]
        if n < 1 or options["workers"] < 1:
            raise CommandError("--recipients and --workers must be positive")
        self.tag = f"bench{uuid.uuid4().hex[:6]}"
        self.log_dir = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
        self.processes: list[subprocess.Popen] = []
        self.root: OrgUnit | None = None
        self.period: ReviewPeriod | None = None
        try:
            self._run(n, options)
        finally:
            self._stop_processes()
            self._cleanup()
        # Kept after a failure, for the worker logs.
        shutil.rmtree(self.log_dir, ignore_errors=True)

    # -- the run ---------------------------------------------------------------------------

    def _run(self, n: int, options) -> None:
        calendar = selectors.work_calendar()
        day = calendar.add_working_days(timezone.localdate(), 0)
        due = calendar.next_working_day(day)
        say = self.stdout.write

        say(f"Building {n:,} recipients in {self.tag} (deadline {due}, run day {day}) …")
        started = time.monotonic()
        units = self._build(n, options["per_unit"], due)
        say(
            f"  built {n:,} users/people/reports in {units:,} units in "
            f"{time.monotonic() - started:.1f} s"
        )

        broker = options["broker"] or self._start_redis()
        self._use_broker(broker)
        say(f"Broker {broker}; starting {options['workers']} worker process(es) …")
        self._start_workers(broker, options["workers"])

        start = time.monotonic()
        batches = send_deadline_reminders.run(
            day.isoformat(), [self.period.pk], options["batch_size"]
        )
        enqueued = time.monotonic() - start
        say(
            f"  fan-out: {batches} batches of ≤ {options['batch_size']} "
            f"enqueued in {enqueued:.2f} s"
        )

        notes_done = self._wait(
            lambda: self._count(Notification, day) >= n, start, options["timeout"], "notifications"
        )
        digests_done = self._wait(
            lambda: self._count(EmailDigest, day) >= n, start, options["timeout"], "digests"
        )
        w = options["workers"]
        say("")
        say(
            f"Reminders for {n:,} recipients, {w} worker process(es) (concurrency 1 each), "
            f"{os.cpu_count()} CPU(s):"
        )
        say(f"  time to enqueue the fan-out ({batches} tasks): {enqueued:8.2f} s")
        say(
            f"  time until all {n:,} notifications exist:  {notes_done:8.2f} s "
            f"→ {n / notes_done:,.0f} notifications/s"
        )
        say(
            f"  time until all {n:,} digest e-mails sent:  {digests_done:8.2f} s "
            f"→ {n / digests_done:,.0f} e-mails/s"
        )

    def _count(self, model, day) -> int:
        return model.objects.filter(day=day, recipient__username__startswith=self.tag).count()

    def _wait(self, done, start: float, timeout: int, what: str) -> float:
        while not done():
            self._check_workers()
            if time.monotonic() - start > timeout:
                raise CommandError(f"Timed out waiting for {what}; logs in {self.log_dir}")
            time.sleep(POLL)
        return time.monotonic() - start

    # -- data ------------------------------------------------------------------------------

    def _build(self, n: int, per_unit: int, due) -> int:
        with pgtrigger.ignore(), transaction.atomic():
            self.root = create_unit(
                code=f"{self.tag}-ROOT",
                name=f"Đảng bộ thử tải {self.tag}",
                kind=UnitKind.PARTY_COMMITTEE,
            )
            count = -(-n // per_unit)
            OrgUnit.objects.bulk_create(
                [
                    OrgUnit(
                        path=OrgUnit._get_path(self.root.path, 2, i + 1),
                        depth=2,
                        numchild=0,
                        code=f"{self.tag}-C{i + 1:05d}",
                        name=f"Chi bộ thử tải {i + 1:05d}",
                        kind=UnitKind.PARTY_CELL,
                    )
                    for i in range(count)
                ],
                batch_size=2000,
            )
            OrgUnit.objects.filter(pk=self.root.pk).update(numchild=count)
            # The cell tier's offset: open the period so that the deadline falls on `due`.
            offset = _cell_offset()
            opens_on = selectors.work_calendar().add_working_days(due, -offset)
            self.period = create_period(
                placeholders_reason=COMMAND_LINE_REASON,
                name=f"Thử tải nhắc việc {self.tag}",
                kind="ad_hoc",
                year=opens_on.year,
                scope=self.root,
                opens_on=opens_on,
                ruleset_code=RULESET,
            )
            params = {"tag": self.tag, "n": n, "per": per_unit, "period": self.period.pk}
            with connection.cursor() as c:
                for sql in BUILD_SQL:
                    c.execute(*_positional(sql, params))
        with connection.cursor() as c:
            c.execute("ANALYZE auth_user, orgunits_person, reviews_subject, reviews_report")
        return count

    def _cleanup(self) -> None:
        if self.root is None:
            return
        self.stdout.write(f"Deleting the {self.tag} data …")
        params = {"tag": self.tag, "period": self.period.pk if self.period else None}
        with pgtrigger.ignore(), transaction.atomic(), connection.cursor() as c:
            for sql in CLEANUP_SQL:
                c.execute(*_positional(sql, {**params, "path": self.root.path}))
        self.stdout.write("  done.")

    # -- processes -------------------------------------------------------------------------

    def _start_redis(self) -> str:
        binary = shutil.which("redis-server")
        if binary is None:
            raise CommandError("redis-server is not installed; pass --broker redis://…")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        command = [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self._spawn(command, "redis", os.environ.copy())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return f"redis://127.0.0.1:{port}/0"
            except OSError:
                time.sleep(0.1)
        raise CommandError(f"redis-server did not start; see {self.log_dir}")

    def _use_broker(self, url: str) -> None:
        os.environ["CELERY_BROKER_URL"] = url
        celery_app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
        kombu.pools.reset()
        celery_app._pool = None

    def _start_workers(self, broker: str, count: int) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get(
                "DJANGO_SETTINGS_MODULE", "config.settings.local"
            ),
            "CELERY_BROKER_URL": broker,
            "CELERY_RESULT_BACKEND": broker,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            # Render every digest but deliver none.
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "DATABASE_URL": _database_url(),
        }
        self.workers = []
        for i in range(count):
            name = f"{self.tag}-{i + 1}@localhost"
            command = [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                "reminders",
                "-c",
                "1",
                "-n",
                name,
                "--without-gossip",
                "--without-mingle",
                "-l",
                "info",
            ]
            self.workers.append((self._spawn(command, name, env), name))
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            self._check_workers()
            logs = [
                (self.log_dir / f"{name}.log").read_text(errors="replace")
                for _, name in self.workers
            ]
            if all(" ready." in log for log in logs):
                return
            time.sleep(0.2)
        raise CommandError(f"workers did not become ready; logs in {self.log_dir}")

    def _check_workers(self) -> None:
        for process, name in getattr(self, "workers", []):
            if process.poll() is not None:
                raise CommandError(f"worker {name} exited; log in {self.log_dir / name}.log")

    def _spawn(self, command: list[str], name: str, env: dict[str, str]) -> subprocess.Popen:
        with (self.log_dir / f"{name}.log").open("wb") as out:
            process = subprocess.Popen(  # noqa: S603 - fixed argv, our own programs
                command,
                cwd=settings.BASE_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)
        return process

    def _stop_processes(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


def _positional(sql: str, params: dict) -> tuple[str, list]:
    # pgtrigger.ignore() prepends a statement with a positional parameter; psycopg2 cannot
    # mix that with named ones.
    names = re.findall(r"%\((\w+)\)s", sql)
    return re.sub(r"%\((\w+)\)s", "%s", sql), [params[name] for name in names]


def _cell_offset() -> int:
    return rulesets.get_ruleset(RULESET).tier_for_kind(UnitKind.PARTY_CELL).self_report_due


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{db.get('USER') or 'postgres'}{password}@{host}:{port}/{db['NAME']}"


# Row i (1..n) is user "<tag>-<i>", person "<tag>-P<i>", member of cell ((i-1) // per) + 1.
BUILD_SQL = [
    """
    INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
                           is_staff, is_active, date_joined)
    SELECT '!', false, %(tag)s || '-' || g, '', '', %(tag)s || '-' || g || '@example.invalid',
           false, true, now()
    FROM generate_series(1, %(n)s) AS g
    """,
    """
    INSERT INTO orgunits_person (code, full_name, given_name, search_name, gender, email, user_id,
                                 is_party_member, party_status, works_in_political_system,
                                 has_leadership_post)
    SELECT %(tag)s || '-P' || substr(u.username, length(%(tag)s) + 2),
           'Người thử ' || substr(u.username, length(%(tag)s) + 2),
           substr(u.username, length(%(tag)s) + 2),
           'nguoi thu ' || substr(u.username, length(%(tag)s) + 2),
           '', u.email, u.id, true, 'active', true, false
    FROM auth_user u WHERE u.username LIKE %(tag)s || '-%%'
    """,
    """
    INSERT INTO orgunits_membership (role, unit_id, person_id)
    SELECT 'party_member', c.id, p.id
    FROM orgunits_person p
    JOIN orgunits_orgunit c
      ON c.code = %(tag)s || '-C' ||
         lpad(((substr(p.code, length(%(tag)s) + 3)::int - 1) / %(per)s + 1)::text, 5, '0')
    WHERE p.code LIKE %(tag)s || '-P%%'
    """,
    """
    INSERT INTO reviews_subject (period_id, unit_id, person_id, subject_class, eligibility,
                                 eligibility_reason, eligibility_overridden, override_reason,
                                 needs_residence_comment, residence_comment,
                                 residence_comment_from)
    SELECT %(period)s, m.unit_id, m.person_id, 'non_leader', 'eligible', '', false, '', false,
           '', ''
    FROM orgunits_membership m JOIN orgunits_person p ON p.id = m.person_id
    WHERE p.code LIKE %(tag)s || '-P%%'
    """,
    """
    INSERT INTO reviews_report (subject_id, form_code, status, sections, scores, checklist,
                                remediation, answers, self_level, version, return_reason)
    SELECT s.id, '2A', 'not_started', '{}', '{}', '{}', '{}', '{}', '', 0, ''
    FROM reviews_subject s WHERE s.period_id = %(period)s
    """,
]

CLEANUP_SQL = [
    """DELETE FROM notifications_notification WHERE recipient_id IN
       (SELECT id FROM auth_user WHERE username LIKE %(tag)s || '-%%')""",
    """DELETE FROM notifications_emaildigest WHERE recipient_id IN
       (SELECT id FROM auth_user WHERE username LIKE %(tag)s || '-%%')""",
    """DELETE FROM reviews_report WHERE subject_id IN
       (SELECT id FROM reviews_subject WHERE period_id = %(period)s)""",
    "DELETE FROM reviews_subject WHERE period_id = %(period)s",
    "DELETE FROM reviews_quotagroup WHERE period_id = %(period)s",
    "DELETE FROM reviews_reviewperiod WHERE id = %(period)s",
    """DELETE FROM orgunits_membership WHERE unit_id IN
       (SELECT id FROM orgunits_orgunit WHERE path LIKE %(path)s || '%%')""",
    "DELETE FROM orgunits_person WHERE code LIKE %(tag)s || '-P%%'",
    "DELETE FROM auth_user WHERE username LIKE %(tag)s || '-%%'",
    "DELETE FROM orgunits_orgunit WHERE path LIKE %(path)s || '%%'",
]
