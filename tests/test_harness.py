"""The test harness's own promises: a server's database is a fresh migrated copy of its own, a
Redis database is handed to one claimer at a time and flushed after, and `eventually` fails
naming what it waited for."""

import os
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from errortrack.models import Organization
from tests.databases import (
    NoRedisDatabaseFree,
    RedisDatabases,
    SqlDatabases,
    current_database_url,
    orm_pointed_at,
)
from tests.waiting import eventually


def test_eventually_returns_the_first_truthy_value():
    answers = iter([None, 0, "", "ready"])
    assert eventually(lambda: next(answers), "an answer", timeout=5) == "ready"


def test_eventually_fails_loudly_naming_what_it_waited_for_and_the_last_error():
    def broken() -> bool:
        raise LookupError("no such row")

    with pytest.raises(pytest.fail.Exception, match=r"the digest.*LookupError"):
        eventually(broken, "the digest", timeout=0.3)
    with pytest.raises(pytest.fail.Exception, match="3 rows, found 1"):
        eventually(lambda: False, lambda: "3 rows, found 1", timeout=0.2)


def test_a_database_copy_is_migrated_empty_and_its_own(transactional_db, tmp_path: Path):
    databases = SqlDatabases(dict(connection.settings_dict), tmp_path)
    test_database_url = current_database_url()
    copy = databases.create()
    try:
        with orm_pointed_at(copy):
            assert current_database_url() != test_database_url
            assert MigrationRecorder(connection).applied_migrations()
            assert not Organization.objects.exists()
            Organization.objects.create(name="Only here", slug="only-here")
        assert current_database_url() == test_database_url
        assert not Organization.objects.filter(slug="only-here").exists()
        second = databases.create()
        with orm_pointed_at(second):
            assert not Organization.objects.exists()  # a copy of the template, not of a copy
        databases.drop(second)
    finally:
        databases.drop(copy)
        databases.drop_template()


@pytest.mark.scaleout
def test_redis_databases_go_to_one_claimer_each_flushed_and_run_out_loudly():
    mine = RedisDatabases.from_url(os.environ["REDIS_URL"])
    another_run = RedisDatabases(mine.base_url, mine.reserved, owner="another-run")
    claimed: list[str] = []
    try:
        with pytest.raises(NoRedisDatabaseFree, match="are claimed"):
            while True:
                claimed.append(mine.claim())
        numbers = [int(url.rsplit("/", 1)[1]) for url in claimed]
        assert claimed and len(set(numbers)) == len(numbers)
        assert all(1 <= number <= 14 and number != mine.reserved for number in numbers)
        with pytest.raises(NoRedisDatabaseFree):
            another_run.claim()

        first = redis.Redis.from_url(claimed[0])
        first.set("left-by-a-server", "1")
        another_run.release(claimed[0])  # not its claim: nothing happens
        assert first.get("left-by-a-server") == b"1"
        freed = claimed.pop(0)
        mine.release(freed)
        assert first.dbsize() == 0
        assert another_run.claim() == freed  # the one free database, empty
        another_run.release(freed)
    finally:
        for url in claimed:
            mine.release(url)
