"""Pages under load: gunicorn with the production settings against a generated province.

    python manage.py bench_web                       # 200,000 people, 6,000 units, 30 s a page
    python manage.py bench_web --people 20000 --units 600 --duration 10    # a quick run

The command creates its own database (`--database`, default kd_bench_web, next to the one of
DATABASE_URL), migrates it, generates the province once (`generate_province`; `--fresh` drops
and makes it again), prepares three personas in it (a member with a report in draft, the
secretary of the member's party cell chairing its meeting, an organisation officer of the
whole province) and starts `gunicorn config.wsgi` with `config.settings.bench` — the production
settings plus a bare view of 20 rows, the baseline, routed only there. It signs in as each
persona through the login page, then runs `wrk` (Debian package, scripts/provision.sh) with
`--connections` (50) for `--duration` seconds on each page, the baseline first in every round,
waiting after each page for the server to drain its queue. Responses other than 200, socket
errors, timeouts and workers gunicorn killed past its 30 s timeout (read from its log) are
counted. The machine's load average is printed with each figure:
the machine is shared, so compare a page with the baseline of the same round only.

Targets (issue #14): every page ≥ ⅓ of the baseline's req/s, p95 ≤ 300 ms, no errors.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

BASE_DIR = Path(settings.BASE_DIR)
LUA_SCRIPT = BASE_DIR / "scripts" / "bench_web.lua"
PERSONAS = ("member", "secretary", "officer")
# (name, persona, what it is): the order of a round; the baseline comes first.
PAGES: list[tuple[str, str, str]] = [
    ("bare", "member", "bare Django view, 20 rows (baseline)"),
    ("home", "member", "member's home"),
    ("report_editor", "member", "report editor"),
    ("meeting", "secretary", "meeting console (chair)"),
    ("progress", "officer", "officer's progress, whole province"),
    ("summary", "officer", "summary, whole province"),
]
JSON_MARK = "BENCH_JSON "


@dataclass
class Result:
    page: str
    round: int
    requests: int
    seconds: float
    non200: int
    socket_errors: int
    timeouts: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    load_before: float
    load_after: float
    # Workers gunicorn killed for running past its timeout (30 s) while serving this page,
    # the queue it left behind included: each is a request that never got an answer.
    worker_timeouts: int = 0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.non200 + self.socket_errors + self.timeouts + self.worker_timeouts


def parse_wrk(page: str, round_no: int, output: str, loads: tuple[float, float]) -> Result:
    """The figures of one wrk run from the JSON line printed by scripts/bench_web.lua."""
    line = next((ln for ln in output.splitlines() if ln.startswith(JSON_MARK)), None)
    if line is None:
        raise CommandError(f"wrk printed no figures for {page}:\n{output}")
    data = json.loads(line[len(JSON_MARK) :])
    return Result(
        page=page,
        round=round_no,
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        non200=data["non200"],
        socket_errors=data["connect_errors"] + data["read_errors"] + data["write_errors"],
        timeouts=data["timeouts"],
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        load_before=loads[0],
        load_after=loads[1],
    )


# -- the data: personas and their pages (runs inside the benchmark's database) -----------------


def prepare(*, code: str, people: int, units: int) -> dict[str, Any]:
    """Generate the province if missing and make the personas; returns their logins and URLs.

    Idempotent: a second run reuses the province, the users and the meeting, and sets new
    passwords."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Exists, OuterRef
    from django.urls import reverse

    from orgunits.models import Membership, MembershipRole, OrgUnit, Person, UnitKind
    from orgunits.roles import Role
    from orgunits.services import people as people_services
    from orgunits.services import roles as role_services
    from ratings.models import Meeting
    from ratings.services import meetings as meeting_services
    from reviews.models import PeriodStatus, Report, ReportStatus, ReviewPeriod

    root = OrgUnit.objects.filter(code=code, depth=1).first()
    if root is None:
        call_command("generate_province", people=people, units=units, code=code)
        root = OrgUnit.objects.get(code=code, depth=1)
    period = ReviewPeriod.objects.filter(scope=root).order_by("-year", "-pk").first()
    if period is None:
        raise CommandError(f"No review period on {root.name}.")
    # December, in the middle of the season: the period is open, reports are being written.
    if period.status != PeriodStatus.OPEN:
        ReviewPeriod.objects.filter(pk=period.pk).update(status=PeriodStatus.OPEN)
        period.refresh_from_db()
    # A party cell of a typical size: the one closest to 30 members, the first by path.
    cells = (
        OrgUnit.objects.filter(path__startswith=root.path, kind=UnitKind.PARTY_CELL)
        .annotate(size=Count("memberships"))
        .filter(
            Exists(Membership.objects.filter(unit=OuterRef("pk"), role=MembershipRole.SECRETARY))
        )
        .order_by("path")
    )
    cell = min(cells, key=lambda c: abs(c.size - 30), default=None)
    if cell is None:
        raise CommandError("No party cell with a secretary in the province.")
    secretary_person = (
        Membership.objects.filter(unit=cell, role=MembershipRole.SECRETARY).first().person
    )
    member_report = (
        Report.objects.filter(
            subject__period=period,
            subject__unit=cell,
            subject__person__isnull=False,
        )
        .exclude(subject__person=secretary_person)
        .select_related("subject__person")
        .order_by("subject__person__code")
        .first()
    )
    if member_report is None:
        raise CommandError(f"No member's report in {cell.name}.")
    Report.objects.filter(pk=member_report.pk).update(status=ReportStatus.DRAFTING)

    User = get_user_model()
    logins: dict[str, dict[str, str]] = {}

    def login_for(persona: str, person=None) -> Any:
        username = f"{code.lower()}_web_{persona}"
        password = secrets.token_urlsafe(16)
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(password)
        user.save()
        if person is not None and person.user_id != user.pk:
            # An earlier run (other sizes) may have linked this login to another person.
            Person.objects.filter(user=user).update(user=None)
            people_services.link_user(person=person, user=user)
        logins[persona] = {"username": username, "password": password}
        return user

    with transaction.atomic():
        login_for("member", member_report.subject.person)
        secretary = login_for("secretary", secretary_person)
        officer = login_for("officer")
        if not secretary.has_perm("orgunits.run_review", cell):
            role_services.grant_role(user=secretary, unit=cell, role=Role.SECRETARY)
        if not officer.has_perm("orgunits.appraise", root):
            role_services.grant_role(user=officer, unit=root, role=Role.ORG_OFFICER)
        meeting = Meeting.objects.filter(period=period, unit=cell).first()
        if meeting is None:
            meeting = meeting_services.create_meeting(
                period=period,
                unit=cell,
                chair=secretary,
                starts_on=period.opens_on + dt.timedelta(days=10),
                ends_on=period.opens_on + dt.timedelta(days=10),
                duration_days=Decimal("0.5"),
            )
    urls = {
        "bare": "/bench/bare/",
        "home": reverse("orgunits:dashboard"),
        "report_editor": reverse("reviews:report_edit", args=[member_report.pk]),
        "meeting": reverse("ratings:meeting_detail", args=[meeting.pk]),
        "progress": reverse("reviews:period_progress", args=[period.pk, root.pk]),
        "summary": reverse("ratings:summary", args=[period.pk, root.pk]),
    }
    sizes = {
        "units": OrgUnit.objects.filter(path__startswith=root.path).count(),
        "reports": Report.objects.filter(subject__period=period).count(),
        "cell_members": Membership.objects.filter(unit=cell).count(),
    }
    return {"logins": logins, "urls": urls, "sizes": sizes}


# -- HTTP: sign in as a browser would -----------------------------------------------------------


class Client:
    """A minimal HTTP client that keeps cookies, behind a TLS-terminating proxy as in
    production (X-Forwarded-Proto: https)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(
        self, method: str, path: str, body: dict[str, str] | None = None, timeout: float = 300
    ) -> tuple[int, str, dict[str, str]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"X-Forwarded-Proto": "https", "Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"https://127.0.0.1:{self.port}{path}"
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            return response.status, text, dict(response.getheaders())
        finally:
            conn.close()

    def login(self, username: str, password: str) -> None:
        status, text, _ = self.request("GET", "/accounts/login/")
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
        if status != 200 or match is None:
            raise CommandError(f"The login page answered {status}.")
        status, _, _ = self.request(
            "POST",
            "/accounts/login/",
            {"username": username, "password": password, "csrfmiddlewaretoken": match[1]},
        )
        if status != 302:
            raise CommandError(f"Signing in as {username} answered {status}, not a redirect.")


# -- the command ---------------------------------------------------------------------------------


class Command(BaseCommand):
    help = "Measure the main pages under 50 connections (gunicorn, production settings, wrk)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=200_000)
        parser.add_argument("--units", type=int, default=6_000)
        parser.add_argument("--code", default="BENCH", help="Root unit code of the province.")
        parser.add_argument("--database", default="kd_bench_web")
        parser.add_argument("--fresh", action="store_true", help="Drop and regenerate the data.")
        parser.add_argument("--duration", type=int, default=30, help="Seconds per page.")
        parser.add_argument("--connections", type=int, default=50)
        parser.add_argument("--threads", type=int, default=2, help="wrk threads.")
        parser.add_argument("--workers", type=int, default=4, help="gunicorn workers.")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--rounds", type=int, default=1)
        parser.add_argument(
            "--pages", default=",".join(p[0] for p in PAGES), help="Comma-separated subset."
        )
        parser.add_argument("--json", help="Also write the figures to this file.")
        # Internal: the set-up step, run by the command itself against the benchmark database.
        parser.add_argument("--prepare-only", action="store_true", help="(internal)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["prepare_only"]:
            data = prepare(code=options["code"], people=options["people"], units=options["units"])
            self.stdout.write(JSON_MARK + json.dumps(data))
            return
        if shutil.which("wrk") is None:
            raise CommandError("wrk is missing: run scripts/provision.sh (Debian package wrk).")
        wanted = [p.strip() for p in options["pages"].split(",") if p.strip()]
        unknown = set(wanted) - {p[0] for p in PAGES}
        if unknown:
            raise CommandError(f"Unknown pages: {', '.join(sorted(unknown))}")
        if "bare" not in wanted:
            wanted.insert(0, "bare")
        env = self._environment(options["database"])
        self._ensure_database(options["database"], fresh=options["fresh"])
        started = time.perf_counter()
        self._manage(env, "migrate", "-v0")
        self._manage(env, "compilemessages", "--ignore=.venv", "-v0")
        self._manage(env, "collectstatic", "--noinput", "-v0")
        output = self._manage(
            env,
            "bench_web",
            "--prepare-only",
            f"--code={options['code']}",
            f"--people={options['people']}",
            f"--units={options['units']}",
            capture=True,
        )
        line = next(ln for ln in output.splitlines() if ln.startswith(JSON_MARK))
        data = json.loads(line[len(JSON_MARK) :])
        sizes = data["sizes"]
        self.stdout.write(
            f"Province {options['code']}: {sizes['units']} units, {sizes['reports']} reports; "
            f"the member's cell has {sizes['cell_members']} members "
            f"(set-up {time.perf_counter() - started:.0f} s)."
        )
        server = self._start_gunicorn(env, options["port"], options["workers"])
        try:
            clients = {}
            for persona in PERSONAS:
                client = Client(options["port"])
                client.login(**data["logins"][persona])
                clients[persona] = client
            personas = {p[0]: p[1] for p in PAGES}
            for page in wanted:
                client = clients[personas[page]]
                for _ in range(3):  # warm every worker's caches a little
                    status, _, _ = client.request("GET", data["urls"][page])
                    if status != 200:
                        raise CommandError(f"{page} ({data['urls'][page]}) answered {status}.")
            results = []
            self._drain(clients["member"], data["urls"]["bare"])
            for round_no in range(1, options["rounds"] + 1):
                for page in wanted:
                    logged = self._log_size()
                    result = self._wrk(
                        page,
                        round_no,
                        f"http://127.0.0.1:{options['port']}{data['urls'][page]}",
                        clients[personas[page]].cookie_header(),
                        options,
                    )
                    self._drain(clients["member"], data["urls"]["bare"])
                    result.worker_timeouts = self._worker_timeouts(since=logged)
                    results.append(result)
                    self.stdout.write(self._line(result, self._baseline(results, round_no)))
        finally:
            self._stop(server)
        self._report(results, wanted, options)

    # -- set-up

    def _environment(self, database: str) -> dict[str, str]:
        db = settings.DATABASES["default"]
        user = db.get("USER") or "postgres"
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or "5432"
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.bench",
            DATABASE_URL=f"postgres://{user}{password}@{host}:{port}/{database}",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
            DJANGO_STATIC_ROOT=f"/tmp/{database}_static",  # noqa: S108 - local benchmark files
            DJANGO_MEDIA_ROOT=f"/tmp/{database}_media",  # noqa: S108
            # Anything the set-up enqueues runs in-process: nothing reaches a shared broker.
            CELERY_BROKER_URL="",
            CELERY_RESULT_BACKEND="",
            DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            DJANGO_LOG_LEVEL="WARNING",
            BENCH_DATABASE=database,
        )
        return env

    def _ensure_database(self, name: str, *, fresh: bool) -> None:
        import psycopg2
        from psycopg2 import sql

        db = settings.DATABASES["default"]
        conn = psycopg2.connect(
            dbname="postgres",
            user=db.get("USER") or "postgres",
            password=db.get("PASSWORD") or None,
            host=db.get("HOST") or "127.0.0.1",
            port=db.get("PORT") or "5432",
        )
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                if fresh:
                    drop = sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name))
                    cursor.execute(drop)
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
                if cursor.fetchone() is None:
                    self.stdout.write(f"Creating database {name}.")
                    cursor.execute(
                        sql.SQL(
                            "CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0 "
                            "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
                        ).format(sql.Identifier(name))
                    )
        finally:
            conn.close()

    def _manage(self, env: dict[str, str], *args: str, capture: bool = False) -> str:
        command = [sys.executable, str(BASE_DIR / "manage.py"), *args]
        done = subprocess.run(  # noqa: S603 - our own manage.py
            command, env=env, cwd=BASE_DIR, capture_output=capture, text=True, check=False
        )
        if done.returncode != 0:
            detail = (done.stderr or "")[-3000:] if capture else ""
            raise CommandError(f"{' '.join(args)} failed ({done.returncode}).\n{detail}")
        return done.stdout or ""

    def _start_gunicorn(self, env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
        self.log_path = Path(env["DJANGO_MEDIA_ROOT"]).with_name(f"{env['BENCH_DATABASE']}.log")
        self.log_path.write_text("")
        self.stdout.write(f"gunicorn's log: {self.log_path}")
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [
            str(gunicorn) if gunicorn.exists() else "gunicorn",
            "config.wsgi",
            f"--workers={workers}",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
            f"--error-logfile={self.log_path}",
        ]
        self.stdout.write(f"Starting {' '.join(command[1:])} (config.settings.bench).")
        server = subprocess.Popen(  # noqa: S603
            command, env=env, cwd=BASE_DIR, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError("gunicorn stopped at start (see above).")
            try:
                status, _, _ = Client(port).request("GET", "/accounts/login/", timeout=5)
                if status == 200:
                    return server
            except OSError:
                pass
            time.sleep(0.5)
        self._stop(server)
        raise CommandError(f"gunicorn did not answer on port {port} within 60 s.")

    @staticmethod
    def _stop(server: subprocess.Popen) -> None:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()

    # -- measuring

    def _log_size(self) -> int:
        return self.log_path.stat().st_size

    def _worker_timeouts(self, *, since: int) -> int:
        with self.log_path.open("rb") as log:
            log.seek(since)
            return log.read().count(b"WORKER TIMEOUT")

    def _drain(self, client: Client, bare_url: str) -> None:
        """Wait until the requests queued by the previous page are served (a request the
        server accepted is served even after wrk has hung up)."""
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                client.request("GET", bare_url, timeout=60)
            except OSError:  # a worker killed under it, or still queued: ask again
                continue
            if time.monotonic() - started < 0.2:
                return
        raise CommandError("The server did not drain its queue within 10 minutes.")

    def _wrk(self, page: str, round_no: int, url: str, cookie: str, options) -> Result:
        command = [
            "wrk",
            f"--threads={options['threads']}",
            f"--connections={options['connections']}",
            f"--duration={options['duration']}s",
            "--timeout=120s",
            f"--script={LUA_SCRIPT}",
            "--header=X-Forwarded-Proto: https",
            f"--header=Cookie: {cookie}",
            url,
        ]
        before = os.getloadavg()[0]
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        after = os.getloadavg()[0]
        if done.returncode != 0:
            raise CommandError(f"wrk failed on {page}: {done.stderr}")
        return parse_wrk(page, round_no, done.stdout, (before, after))

    @staticmethod
    def _baseline(results: list[Result], round_no: int) -> Result | None:
        return next((r for r in results if r.page == "bare" and r.round == round_no), None)

    @staticmethod
    def _line(r: Result, baseline: Result | None) -> str:
        ratio = f"×{r.rps / baseline.rps:.2f}" if baseline and baseline.rps else "—"
        if r.requests == 0:
            return (
                f"round {r.round} {r.page:<14} no answer within the {r.seconds:.0f} s run"
                f" (worker timeouts {r.worker_timeouts})"
                f"  load {r.load_before:.2f}→{r.load_after:.2f}"
            )
        return (
            f"round {r.round} {r.page:<14} {r.rps:8.1f} req/s {ratio:>6}  p50 {r.p50_ms:7.0f} ms"
            f"  p95 {r.p95_ms:7.0f} ms  p99 {r.p99_ms:7.0f} ms  errors {r.errors}"
            f" (non-200 {r.non200}, socket {r.socket_errors}, timeouts {r.timeouts},"
            f" worker timeouts {r.worker_timeouts})"
            f"  load {r.load_before:.2f}→{r.load_after:.2f}"
        )

    def _report(self, results: list[Result], wanted: list[str], options) -> None:
        titles = {p[0]: p[2] for p in PAGES}
        self.stdout.write("")
        self.stdout.write(
            f"{options['connections']} connections, {options['duration']} s a page, "
            f"{options['workers']} gunicorn workers, {options['rounds']} round(s). "
            "Median over rounds; ratio to the same round's baseline:"
        )
        self.stdout.write(
            f"{'page':<40} {'req/s':>8} {'ratio':>6} {'p50 ms':>8} {'p95 ms':>8} "
            f"{'p99 ms':>8} {'errors':>7}  verdict"
        )
        summary = []
        for page in wanted:
            rows = [r for r in results if r.page == page]
            ratios = [
                r.rps / b.rps
                for r in rows
                if (b := self._baseline(results, r.round)) is not None and b.rps
            ]

            def median(values: list[float]) -> float:
                ordered = sorted(values)
                return ordered[len(ordered) // 2] if ordered else 0.0

            rps = median([r.rps for r in rows])
            ratio = median(ratios)
            p50 = median([r.p50_ms for r in rows])
            p95 = median([r.p95_ms for r in rows])
            p99 = median([r.p99_ms for r in rows])
            errors = sum(r.errors for r in rows)
            ok = page == "bare" or (ratio >= 1 / 3 and p95 <= 300 and errors == 0)
            self.stdout.write(
                f"{titles[page]:<40} {rps:8.1f} {ratio:6.2f} {p50:8.0f} {p95:8.0f} {p99:8.0f}"
                f" {errors:7d}  "
                f"{'' if page == 'bare' else ('meets the target' if ok else 'misses the target')}"
            )
            summary.append(
                {"page": page, "rps": rps, "ratio": ratio, "p50": p50, "p95": p95, "p99": p99}
            )
        loads = [r.load_after for r in results]
        self.stdout.write(
            f"Load average (1 min) during the runs: {min(loads):.2f}–{max(loads):.2f} "
            f"on {os.cpu_count()} cores."
        )
        if options["json"]:
            Path(options["json"]).write_text(
                json.dumps(
                    {"results": [r.__dict__ | {"rps": r.rps} for r in results], "summary": summary},
                    indent=2,
                )
            )
