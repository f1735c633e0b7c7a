"""Shared fixtures: three users (alice owns org "alpha", bob is a plain member of it, charlie owns
org "beta" and is an outsider to alpha), their data, and real receivers. Servers started by
end-to-end tests: tests/e2e/conftest.py.

Two test passes: plain (SQLite, embedded) and scale-out (DATABASE_URL + REDIS_URL). Tests marked
`scaleout` run only in the second, tests marked `embedded` only in the first.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

from errortrack import actions
from errortrack.models import Issue, Member
from tests import factories, servers
from tests.databases import current_database_url
from tests.waiting import eventually


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
    """Until no other session of the test's database is mid-query or mid-transaction (twice
    in a row).

    A transactional test ends with a TRUNCATE of every table. A Celery worker of the module's
    server may still be digesting or sending what the test caused, and its locks, taken in
    another order, deadlock against the TRUNCATE. Waiting for it to finish avoids that.
    """
    import psycopg

    quiet_checks = 0
    with psycopg.connect(current_database_url(), autocommit=True) as conn:
        def quiet_twice() -> bool:
            nonlocal quiet_checks
            busy = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() "
                "AND state IN ('active', 'idle in transaction')").fetchone()[0]
            quiet_checks = quiet_checks + 1 if busy == 0 else 0
            return quiet_checks >= 2

        eventually(quiet_twice, "no other session busy in the database before its flush",
                   timeout=seconds)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """Before the fixtures' teardown (the TRUNCATE) of a transactional PostgreSQL test."""
    if _is_transactional(item) and settings.IS_POSTGRES:
        wait_for_background_queries()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A failing test's report carries the log tail of each server it started (tests/servers.py):
    without them a flaky end-to-end failure is a guess."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for server in servers.started_by_this_test:
            report.sections.append((f"server log {server.url}", server.log_tail()))
    if call.when == "teardown":
        servers.started_by_this_test.clear()


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


@pytest.fixture
def api_call(client):
    """`api_call(user, method, url, data, scopes, raw)`: one API request with a fresh token
    of `user` holding `scopes` (all by default); `raw` sends a body as it is."""
    from errortrack import tokens

    def request(user, method: str, url: str, data=None, scopes=tokens.SCOPES, raw=None):
        token = actions.create_api_token(user, "t", list(scopes))[1]
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        if method != "get":
            kwargs["content_type"] = "application/json"
        return getattr(client, method)(url, raw if raw is not None else data, **kwargs)
    return request


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


# --- Receivers ----------------------------------------------------------------------------------

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
