"""Shared fixtures: three users (alice owns org "alpha", bob is a plain member of it, charlie owns
org "beta" and is an outsider to alpha), and the real ASGI server run as a subprocess.

Two test passes: plain (SQLite, embedded) and scale-out (DATABASE_URL + REDIS_URL). Tests marked
`scaleout` run only in the second, tests marked `embedded` only in the first.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.conf import settings
from django.db import connections

from errortrack import actions
from errortrack.models import Issue, Member
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
SERVER_START_TIMEOUT_SECONDS = 30


def pytest_sessionstart(session: pytest.Session) -> None:
    """Django deletes an old SQLite test database but not its -wal/-shm files; a run that ended
    with a connection open leaves them, and they poison the next run ("disk I/O error")."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        for suffix in ("", "-wal", "-shm"):
            Path(db["TEST"]["NAME"] + suffix).unlink(missing_ok=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    scaleout = bool(os.environ.get("REDIS_URL"))
    skip_scaleout = pytest.mark.skip(reason="scale-out pass only (set DATABASE_URL and REDIS_URL)")
    skip_embedded = pytest.mark.skip(reason="embedded pass only (unset REDIS_URL)")
    for item in items:
        if "scaleout" in item.keywords and not scaleout:
            item.add_marker(skip_scaleout)
        if "embedded" in item.keywords and scaleout:
            item.add_marker(skip_embedded)


QUIET_WAIT_SECONDS = 15


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or (
        "transactional_db" in getattr(item, "fixturenames", ()))


def wait_for_background_queries(seconds: float = QUIET_WAIT_SECONDS) -> None:
    """Until no other session of the test database is mid-query or mid-transaction.

    A transactional test ends with a TRUNCATE of every table. A Celery worker of the test's
    server may still be digesting or sending what the test caused, and its locks, taken in
    another order, deadlock against the TRUNCATE. Waiting for it to finish avoids that.
    """
    import psycopg

    deadline = time.monotonic() + seconds
    with psycopg.connect(database_url_for(connections["default"].settings_dict),
                         autocommit=True) as conn:
        quiet_checks = 0
        while quiet_checks < 2 and time.monotonic() < deadline:
            busy = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() "
                "AND state IN ('active', 'idle in transaction')").fetchone()[0]
            quiet_checks = quiet_checks + 1 if busy == 0 else 0
            time.sleep(0.1)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """Before the fixtures' teardown (the TRUNCATE) of a transactional PostgreSQL test."""
    if _is_transactional(item) and settings.IS_POSTGRES:
        wait_for_background_queries()
    yield


SERVER_LOG_TAIL_CHARS = 20_000
_servers_of_this_test: list["RunningServer"] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A failing test's report carries the log tail of each server it started: their logs live
    in tmp dirs that CI does not keep, and without them a flaky end-to-end failure is a guess."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for server in _servers_of_this_test:
            try:
                tail = server.log()[-SERVER_LOG_TAIL_CHARS:]
            except OSError as error:
                tail = f"(log unreadable: {error})"
            report.sections.append((f"server log {server.url}", tail))
    if call.when == "teardown":
        _servers_of_this_test.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2 dominates fixture time; subprocess tests (bootstrap, serve) keep the real hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- People and their organizations -------------------------------------------------------------

@pytest.fixture
def alice(db):
    return factories.make_owner("alice", "alpha")


@pytest.fixture
def alpha(alice):
    return alice.memberships.get().organization


@pytest.fixture
def web_project(alpha):
    return alpha.projects.get(slug="web")


@pytest.fixture
def bob(alpha):
    return factories.make_member(alpha, "bob", Member.Role.MEMBER)


@pytest.fixture
def charlie(db):
    return factories.make_owner("charlie", "beta")


@pytest.fixture
def charlie_token(charlie) -> str:
    from errortrack import tokens

    return actions.create_api_token(charlie, "charlie's token", tokens.SCOPES)[1]


# --- Data ---------------------------------------------------------------------------------------

@pytest.fixture
def issues(web_project) -> dict:
    """Three issues in alpha/web by title (KeyError twice in prod, a TypeError warning in
    staging, an info message), digested: what the stream and issue API tests search and sort."""
    factories.digest_events(
        web_project,
        factories.error_event("KeyError", tags={"customer": "acme"}, environment="prod"),
        factories.error_event("KeyError", tags={"customer": "acme"}, environment="prod"),
        factories.error_event("TypeError", level="warning", environment="staging"),
        {"message": "disk almost full", "level": "info"})
    return {issue.title.split(":")[0]: issue for issue in Issue.objects.all()}


# --- The real server ----------------------------------------------------------------------------

@dataclass
class RunningServer:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_for(settings_dict: dict) -> str:
    """A DATABASE_URL naming the database `settings_dict` points at (the test database)."""
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


def private_broker(db_index: int) -> str:
    """A Redis database of the test's own (emptied) for a server whose Celery work no other
    test's worker may take: REDIS_URL with another database number."""
    import redis

    url = os.environ["REDIS_URL"].rsplit("/", 1)[0] + f"/{db_index}"
    redis.Redis.from_url(url).flushdb()
    return url


def server_environment(database_url: str, base_url: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "BASE_URL": base_url,
           "SECRET_KEY": settings.SECRET_KEY, "ERRORTRACK_DATA_DIR": str(settings.DATA_DIR),
           "ERRORTRACK_WEB_WORKERS": "1", "PYTHONUNBUFFERED": "1"}
    env.update(extra)
    return env


def start_server(tmp_dir: Path, database_url: str, *, all_processes: bool = False,
                 **extra_env: str) -> RunningServer:
    """Start `manage.py serve` (the product's own entry point) on a free port; wait until live.

    In scale-out mode only the web process runs unless `all_processes` (web, worker and beat).
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "manage.py", "serve", "--port", str(port)]
    if os.environ.get("REDIS_URL") and not all_processes:
        argv += ["--only", "web"]
        # No beat and maybe no worker beside it: readiness is about the web process here.
        extra_env.setdefault("ERRORTRACK_READY_HEARTBEATS", "")
    log_path = tmp_dir / f"server-{port}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                env=server_environment(database_url, url, **extra_env))
    server = RunningServer(url, proc, log_path)
    _servers_of_this_test.append(server)
    try:
        wait_until_live(server)
    except BaseException:
        stop_server(server)  # never leave a half-started server (and its workers) behind
        raise
    return server


def wait_until_live(server: RunningServer) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited with {server.process.returncode}:\n"
                               f"{server.log()}")
        try:
            if requests.get(f"{server.url}/health/live", timeout=2).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass  # not listening yet, or still starting on a busy machine
        time.sleep(0.1)
    raise RuntimeError(f"server did not come up in {SERVER_START_TIMEOUT_SECONDS}s:\n"
                       f"{server.log()}")


def stop_process(process: subprocess.Popen, grace_seconds: float = 20) -> None:
    """SIGTERM, then SIGKILL if it has not exited within the grace period."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(grace_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def stop_server(server: RunningServer) -> None:
    stop_process(server.process, grace_seconds=15)


# Embedded mode is one server per SQLite file, but the tests run several on the test database:
# this session-wide one, and those single tests start (live updates, alerts, crons, browser).
# The shared one's periodic jobs would do the single tests' work in the wrong server: its inbox
# safety net digested a test's event, whose live update then never came (CI saw it); its
# delivery job, without the test's allowlist, would fail the test's alerts; its cron scheduler
# would record the test's missed runs. So they run once at start, then hourly. Its own ingest
# still rings its consumer at once; the heartbeat (readiness) keeps its interval.
HOURLY = "3600"
SHARED_SERVER_JOB_INTERVALS = {
    "ERRORTRACK_CONSUME_INTERVAL_SECONDS": HOURLY,
    "ERRORTRACK_DELIVERY_INTERVAL_SECONDS": HOURLY,
    "ERRORTRACK_RATE_RULES_INTERVAL_SECONDS": HOURLY,
    "ERRORTRACK_UPTIME_SCHEDULER_INTERVAL_SECONDS": HOURLY,
    "ERRORTRACK_CRON_SCHEDULER_INTERVAL_SECONDS": HOURLY,
}


@pytest.fixture(scope="session")
def errortrack_server(django_db_setup, tmp_path_factory) -> Iterator[RunningServer]:
    """The real ASGI server against the test database. Tests that write data it must read use
    `transactional_db` (committed rows); `django_db_setup` ensures it is torn down before the
    test database is dropped."""
    server = start_server(tmp_path_factory.mktemp("server"),
                          database_url_for(connections["default"].settings_dict),
                          **SHARED_SERVER_JOB_INTERVALS)
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def inbox_consumer(errortrack_server, tmp_path_factory) -> Iterator[None]:
    """Something consuming the inbox: the embedded server does; in scale-out, a Celery worker."""
    if not os.environ.get("REDIS_URL"):
        yield
        return
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    env = server_environment(database_url_for(connections["default"].settings_dict),
                             errortrack_server.url)
    with open(log_path, "wb") as log:
        worker = subprocess.Popen([sys.executable, "manage.py", "serve", "--only", "worker"],
                                  cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    yield
    stop_process(worker)


@pytest.fixture
def receiver(settings):
    """A real HTTP receiver on 127.0.0.1 that notifications may reach (Slack, PagerDuty and
    webhooks), with short retries."""
    from tests.receivers import HttpReceiver

    with HttpReceiver() as http:
        settings.ERRORTRACK_OUTBOUND_ALLOWLIST = ["127.0.0.1"]
        settings.ERRORTRACK_PAGERDUTY_EVENTS_URL = http.url("/v2/enqueue")
        settings.ERRORTRACK_DELIVERY_RETRY_BASE_SECONDS = 10
        yield http


@pytest.fixture
def smtp(settings):
    """A real SMTP server (aiosmtpd) that Django's mail goes to."""
    from tests.receivers import SmtpReceiver

    with SmtpReceiver() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield server
