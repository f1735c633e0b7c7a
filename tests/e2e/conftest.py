"""End-to-end fixtures: real servers, each on a database of its own.

- Each module gets its own copy of the migrated test database (`module_database`, automatic);
  this process's ORM points at it, so fixtures and assertions see what its servers see.
  `errortrack_server` is that module's one server (all its processes; a Redis database of its
  own in scale-out). Its tests use `transactional_db` (committed rows), flushed after each.
- A test that starts a server of its own (`start_own_server`) gets a database of its own too
  (`test_database`, set up before any other fixture of the test so its rows land there).
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connections

from tests.databases import (
    RedisDatabases,
    SqlDatabases,
    current_database_url,
    orm_pointed_at,
)
from tests.servers import RunningServer, scale_out, start_server, stop_server

E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(E2E_DIR):
            item.add_marker(pytest.mark.e2e)
            names = getattr(item, "fixturenames", None)
            if names is not None and not {"db", "transactional_db"} & set(names):
                # pytest-django creates the test database (the template of every copy here)
                # only for a run that has a test asking for one.
                item.add_marker(pytest.mark.django_db(transaction=True))
            if names is not None and "test_database" in names:
                names.remove("test_database")
                names.insert(0, "test_database")  # before any fixture that writes rows


@pytest.fixture(scope="session")
def sql_databases(django_db_setup, django_db_blocker,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlDatabases]:
    with django_db_blocker.unblock():
        databases = SqlDatabases(dict(connections["default"].settings_dict),
                                 tmp_path_factory.mktemp("databases"))
        databases.drop_leftovers()
        yield databases
        databases.drop_template()


@pytest.fixture(scope="session")
def redis_databases() -> RedisDatabases | None:
    """Redis databases for servers (scale-out pass only)."""
    return RedisDatabases.from_url(os.environ["REDIS_URL"]) if scale_out() else None


def _own_database(sql_databases: SqlDatabases, django_db_blocker) -> Iterator[str]:
    with django_db_blocker.unblock():
        name = sql_databases.create()
        try:
            with orm_pointed_at(name):
                yield current_database_url()
        finally:
            sql_databases.drop(name)


@pytest.fixture(scope="module", autouse=True)
def module_database(sql_databases, django_db_blocker) -> Iterator[str]:
    """This module's own database (its DATABASE_URL); the ORM points at it meanwhile."""
    yield from _own_database(sql_databases, django_db_blocker)


@pytest.fixture
def test_database(module_database, sql_databases, django_db_blocker) -> Iterator[str]:
    """This test's own database, for a server of its own (its DATABASE_URL)."""
    yield from _own_database(sql_databases, django_db_blocker)


@pytest.fixture
def redis_database(redis_databases: RedisDatabases | None) -> Iterator[str | None]:
    """A Redis database of this test's own (scale-out), flushed when released; else None."""
    if redis_databases is None:
        yield None
        return
    url = redis_databases.claim()
    try:
        yield url
    finally:
        redis_databases.release(url)


@pytest.fixture(scope="module")
def errortrack_server(module_database: str, redis_databases: RedisDatabases | None,
                      tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """This module's server with all its processes (web, and in scale-out a Celery worker and
    beat on a Redis database of its own)."""
    redis_url = redis_databases.claim() if redis_databases else None
    try:
        server = start_server(tmp_path_factory.mktemp("server"), module_database,
                              redis_url=redis_url, all_processes=True)
        yield server
        stop_server(server)
    finally:
        if redis_databases and redis_url:
            redis_databases.release(redis_url)


StartOwnServer = Callable[..., RunningServer]


@pytest.fixture
def start_own_server(test_database: str, transactional_db, redis_databases,
                     tmp_path: Path) -> Iterator[StartOwnServer]:
    """Start servers on this test's own database, each with a Redis database of its own in
    scale-out; all stopped (and their Redis databases released) when the test ends.

    `start_own_server(all_processes=False, database_url=..., **env)`."""
    started: list[tuple[RunningServer, str | None]] = []

    def start(*, all_processes: bool = True, database_url: str | None = None,
              **env: str) -> RunningServer:
        redis_url = redis_databases.claim() if redis_databases else None
        try:
            server = start_server(tmp_path, database_url or test_database, redis_url=redis_url,
                                  all_processes=all_processes, **env)
        except BaseException:
            if redis_databases and redis_url:
                redis_databases.release(redis_url)
            raise
        started.append((server, redis_url))
        return server

    yield start
    for server, redis_url in started:
        stop_server(server)
        if redis_databases and redis_url:
            redis_databases.release(redis_url)
