"""The real server as a subprocess: `manage.py serve` (the product's own entry point) on a free
port, started against a database (and in scale-out a Redis database) of the caller's own.

Every server started is remembered until its test's report is made, so a failing test's report
carries each server's log tail (tests/conftest.py); their logs live in tmp dirs CI does not keep.
"""

import os
import re
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.conf import settings

from tests.waiting import eventually

ROOT = Path(__file__).resolve().parent.parent
SERVER_START_TIMEOUT_SECONDS = 30
LOG_TAIL_CHARS = 20_000


@dataclass
class RunningServer:
    url: str
    process: subprocess.Popen
    log_path: Path
    database_url: str
    redis_url: str | None = None  # scale-out: its own Redis database (Celery, channels)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_tail(self) -> str:
        try:
            return self.log()[-LOG_TAIL_CHARS:]
        except OSError as error:
            return f"(log unreadable: {error})"


started_by_this_test: list[RunningServer] = []  # emptied after each test's report


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scale_out() -> bool:
    """The scale-out pass (PostgreSQL, Redis, Celery) rather than the embedded one."""
    return bool(os.environ.get("REDIS_URL"))


def server_environment(database_url: str, base_url: str, redis_url: str | None = None,
                       **extra: str) -> dict[str, str]:
    """The environment of a server (or a lone worker) on `database_url` and `redis_url`."""
    env = {**os.environ, "DATABASE_URL": database_url, "BASE_URL": base_url,
           "SECRET_KEY": settings.SECRET_KEY, "ERRORTRACK_DATA_DIR": str(settings.DATA_DIR),
           "ERRORTRACK_WEB_WORKERS": "1", "PYTHONUNBUFFERED": "1"}
    for inherited in ("REDIS_URL", "CELERY_BROKER_URL", "CHANNELS_REDIS_URL"):
        env.pop(inherited, None)  # the tests' own Redis database is never a server's
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def start_server(tmp_dir: Path, database_url: str, *, redis_url: str | None = None,
                 all_processes: bool = False, **extra_env: str) -> RunningServer:
    """Start `manage.py serve` on a free port and wait until it is live.

    In scale-out (`redis_url` given) only the web process runs unless `all_processes` (web,
    Celery worker and beat).
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "manage.py", "serve", "--port", str(port)]
    if redis_url and not all_processes:
        argv += ["--only", "web"]
        # No beat and no worker beside it: readiness is about the web process here.
        extra_env.setdefault("ERRORTRACK_READY_HEARTBEATS", "")
    log_path = tmp_dir / f"server-{port}.log"
    # Its own data directory too: beat's schedule file lives there, and a schedule left by an
    # earlier server would make this one's jobs look recently run.
    extra_env.setdefault("ERRORTRACK_DATA_DIR", str(tmp_dir / f"data-{port}"))
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            env=server_environment(database_url, url, redis_url, **extra_env))
    server = RunningServer(url, process, log_path, database_url, redis_url)
    started_by_this_test.append(server)
    try:
        wait_until_live(server)
    except BaseException:
        stop_server(server)  # never leave a half-started server (and its workers) behind
        raise
    return server


def wait_until_live(server: RunningServer) -> None:
    def live() -> bool:
        if server.process.poll() is not None:
            pytest.fail(f"server exited with {server.process.returncode}:\n{server.log()}")
        return requests.get(f"{server.url}/health/live", timeout=2).status_code == 200

    eventually(live, lambda: f"server {server.url} live:\n{server.log()}",
               timeout=SERVER_START_TIMEOUT_SECONDS)


def stop_process(process: subprocess.Popen, grace_seconds: float = 20) -> None:
    """SIGTERM, then SIGKILL if it has not exited within the grace period."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(grace_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def environment_of(server: RunningServer, **extra: str) -> dict[str, str]:
    """The environment for another process of `server` (a second worker, a shell)."""
    return server_environment(server.database_url, server.url, server.redis_url, **extra)


def stop_server(server: RunningServer) -> None:
    stop_process(server.process, grace_seconds=15)


def log_in(base_url: str, username: str, password: str) -> requests.Session:
    """A real session through the login form: its CSRF token, then the session cookie."""
    session = requests.Session()
    page = session.get(f"{base_url}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, f"no CSRF token on the login page ({page.status_code})"
    response = session.post(f"{base_url}/accounts/login/", timeout=10, data={
        "username": username, "password": password, "csrfmiddlewaretoken": token[1]},
        headers={"Referer": f"{base_url}/accounts/login/"})
    assert response.status_code == 200 and "sessionid" in session.cookies, (
        f"login as {username} failed ({response.status_code})")
    return session
