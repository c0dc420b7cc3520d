"""A real Redis and real Celery workers, started and stopped by the fault tests.

Everything is bounded in time: each wait polls with short sleeps (waiting on another process
is the one place a test has to sleep) and fails with the process's log when the bound passes.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
POLL = 0.1


def wait_for(condition: Callable[[], bool], timeout: float, what: str, log: str = "") -> None:
    """Poll `condition` until it holds; fail after `timeout` seconds naming `what`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(POLL)
    pytest.fail(f"Timed out after {timeout:.0f} s waiting for {what}.\n{log}")


def require(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        pytest.fail(f"{program} is not installed: the Celery fault tests need it (make provision)")
    return found


def free_port() -> int:
    # A fixed port (6390) would collide with another test run on the same machine.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A throwaway redis-server without persistence: stopping it loses every message."""

    def __init__(self, log_dir: Path) -> None:
        self.binary = require("redis-server")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = log_dir / f"redis-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            self.binary,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
        ]  # fmt: skip
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - fixed argv, our own programs
                command, stdout=out, stderr=subprocess.STDOUT
            )
        wait_for(self.answers, 10, f"redis-server on port {self.port}", self.log.read_text())

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None


def worker_env(broker_url: str, **extra: str) -> dict[str, str]:
    """The environment of a worker that runs the tasks against the pytest database."""
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{user}{password}@{host}:{port}/{db['NAME']}",
        # Close the connection after each task: pytest truncates and drops this database.
        "DJANGO_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "KIEMDIEM_FAULT_TEST_TASKS": "true",
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


class Worker:
    """`celery -A config worker` in its own process group (so SIGKILL takes its children)."""

    def __init__(self, broker_url: str, log_dir: Path, concurrency: int = 1, **env: str) -> None:
        if importlib.util.find_spec("celery") is None:
            pytest.fail("Celery is not installed in this virtualenv (make provision)")
        self.hostname = f"fault-{uuid.uuid4().hex[:8]}@localhost"
        self.log = log_dir / f"{self.hostname}.log"
        self.env = worker_env(broker_url, **env)
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "-Q", "celery,documents,reminders",
            "-c", str(self.concurrency),
            "-n", self.hostname,
            "--without-gossip", "--without-mingle",
            "-l", "info",
        ]  # fmt: skip
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - fixed argv, our own programs
                command,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(self.ready, 60, f"worker {self.hostname} to be ready", self.tail())
        return self

    def ready(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            pytest.fail(f"worker {self.hostname} exited early:\n{self.tail()}")
        return " ready." in self.log.read_text(errors="replace")

    def succeeded(self, task_name: str) -> int:
        """How many runs of the task the worker has logged as succeeded."""
        text = self.log.read_text(errors="replace")
        return sum(1 for line in text.splitlines() if task_name in line and "succeeded" in line)

    def tail(self, lines: int = 60) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once: no shutdown, no acknowledgement."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
