"""Databases of a test's own: each server an end-to-end test starts gets a copy of the migrated
test database and, in scale-out mode, a Redis database nobody else uses.

The product's rule is one server per SQLite file; tests keep it too, and so never see another
test's server digest, deliver or schedule in their database.
- SQL: the migrated test database is copied once into a template (a file for SQLite, a
  `TEMPLATE` database for PostgreSQL); each copy is made from the template and dropped after.
  `orm_pointed_at(copy)` points this process's ORM at a copy, so fixtures and assertions read
  and write what the server sees.
- Redis: databases 1-14 (never 0, nor the one the tests themselves use) are claimed with a key
  that expires, so two pytest runs on one machine never share one either; released ones are
  flushed. None free is an error that says so, never a silent share.
"""

import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.db import connections

REDIS_DATABASES = range(1, 15)
REDIS_CLAIM_KEY = "errortrack-tests:claimed-by"
REDIS_CLAIM_SECONDS = 3 * 3600  # a run killed without releasing frees its databases by then


def database_url_for(settings_dict: dict[str, Any]) -> str:
    """A DATABASE_URL naming the database `settings_dict` points at."""
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


def current_database_url() -> str:
    """The database this process's ORM uses now (a test's own copy inside `orm_pointed_at`)."""
    return database_url_for(connections["default"].settings_dict)


def _is_sqlite(settings_dict: dict[str, Any]) -> bool:
    return settings_dict["ENGINE"] == "django.db.backends.sqlite3"


def _close_default_connection() -> None:
    """Close this process's connection and, on PostgreSQL, its pool (keyed by alias, not by
    database name: a pool left open would hand out connections to the previous database)."""
    connection = connections["default"]
    connection.close()
    if not _is_sqlite(connection.settings_dict):
        connection.close_pool()  # type: ignore[attr-defined]  # PostgreSQL backend only


@contextmanager
def orm_pointed_at(name: str) -> Iterator[None]:
    """This process's ORM reads and writes database `name` until the block ends."""
    settings_dict = connections["default"].settings_dict
    previous = settings_dict["NAME"]
    _close_default_connection()
    settings_dict["NAME"] = name
    try:
        yield
    finally:
        _close_default_connection()
        settings_dict["NAME"] = previous


@dataclass
class SqlDatabases:
    """Copies of the migrated test database, made from a template taken once per run."""

    test_settings: dict[str, Any]  # the test database's connection settings
    scratch_dir: Path  # SQLite copies live here
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])  # each set its own names
    _template: str | None = None
    _made: int = 0

    def create(self) -> str:
        """A new database with the migrated schema and nothing else; its name (or path)."""
        template = self._template or self._make_template()
        self._made += 1
        if _is_sqlite(self.test_settings):
            path = self.scratch_dir / f"db-{self._made}.sqlite3"
            shutil.copyfile(template, path)
            return str(path)
        name = f"{self.test_settings['NAME']}_{self.run_id}_{self._made}"
        self._admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name

    def drop(self, name: str) -> None:
        if _is_sqlite(self.test_settings):
            for suffix in ("", "-wal", "-shm"):
                Path(name + suffix).unlink(missing_ok=True)
            return
        self._admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop_leftovers(self) -> None:
        """Drop copies a killed earlier run left behind (PostgreSQL; SQLite copies live in that
        run's tmp dir). Two runs never share a PostgreSQL server: they would share its test
        database too."""
        if _is_sqlite(self.test_settings):
            return
        import psycopg

        prefix = self.test_settings["NAME"].replace("_", "\\_") + "\\_%"
        admin_url = database_url_for({**self.test_settings, "NAME": "postgres"})
        with psycopg.connect(admin_url, autocommit=True) as connection:
            names = [row[0] for row in connection.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", [prefix])]
        for name in names:
            self.drop(name)

    def drop_template(self) -> None:
        if self._template is not None:
            self.drop(self._template)
            self._template = None

    def _make_template(self) -> str:
        """Taken while nobody but this process uses the test database (before any server)."""
        _close_default_connection()
        if _is_sqlite(self.test_settings):
            self.scratch_dir.mkdir(parents=True, exist_ok=True)
            path = self.scratch_dir / "template.sqlite3"
            with sqlite3.connect(self.test_settings["NAME"]) as source, \
                    sqlite3.connect(path) as target:
                source.backup(target)
            self._template = str(path)
        else:
            self._template = f"{self.test_settings['NAME']}_{self.run_id}_template"
            self._admin_execute(f'CREATE DATABASE "{self._template}" '
                                f'TEMPLATE "{self.test_settings["NAME"]}"')
        return self._template

    def _admin_execute(self, statement: str) -> None:
        import psycopg

        admin_url = database_url_for({**self.test_settings, "NAME": "postgres"})
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(statement)  # type: ignore[arg-type]  # names quoted above


class NoRedisDatabaseFree(RuntimeError):
    pass


@dataclass
class RedisDatabases:
    """Redis databases 1-14 of one Redis server, each claimed by one server at a time."""

    base_url: str  # redis://host:port (no database number)
    reserved: int  # the database the tests themselves use: never handed out
    owner: str = field(default_factory=lambda: f"pid-{os.getpid()}-{uuid.uuid4().hex[:8]}")

    @classmethod
    def from_url(cls, redis_url: str) -> "RedisDatabases":
        base, _, number = redis_url.rstrip("/").rpartition("/")
        if not number.isdigit():
            base, number = redis_url.rstrip("/"), "0"
        return cls(base_url=base, reserved=int(number))

    def claim(self) -> str:
        """A flushed Redis database of this caller's own, as a REDIS_URL."""
        import redis

        for number in REDIS_DATABASES:
            if number == self.reserved:
                continue
            url = f"{self.base_url}/{number}"
            client = redis.Redis.from_url(url)
            try:
                if client.set(REDIS_CLAIM_KEY, self.owner, nx=True, ex=REDIS_CLAIM_SECONDS):
                    self._flush_keeping_claim(client)
                    return url
            finally:
                client.close()
        raise NoRedisDatabaseFree(
            f"all Redis databases {REDIS_DATABASES.start}-{REDIS_DATABASES.stop - 1} on "
            f"{self.base_url} are claimed (key {REDIS_CLAIM_KEY!r}): too many servers at once, "
            "or another test run holds them")

    def release(self, url: str) -> None:
        """Flush the database (its claim with it) so the next claimer starts empty."""
        import redis

        client = redis.Redis.from_url(url)
        try:
            if client.get(REDIS_CLAIM_KEY) == self.owner.encode():
                client.flushdb()
        finally:
            client.close()

    def _flush_keeping_claim(self, client: Any) -> None:
        """Whatever a killed run left behind goes; the claim stays."""
        for key in client.scan_iter(count=1000):
            if key != REDIS_CLAIM_KEY.encode():
                client.delete(key)
