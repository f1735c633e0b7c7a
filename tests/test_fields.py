"""The hot-path fields: orjson JSON that still stores what orjson refuses, and bulk inserts that
bind each value instead of Django's UNNEST arrays."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from errortrack.fields import dumps_json, loads_json
from errortrack.models import Event, InboxItem


@pytest.mark.parametrize("value", [
    {"a": [1, 2.5, None, True], "nested": {"b": "ü €"}},
    {"huge": 2**80},  # beyond 64 bits: orjson refuses, the stdlib keeps it exact
    {"lone": "\ud800"},  # orjson refuses lone surrogates
])
def test_json_round_trips_what_orjson_handles_and_what_it_refuses(value):
    assert loads_json(dumps_json(value)) == value


def test_integer_keys_become_strings_as_in_the_stdlib():
    assert loads_json(dumps_json({1: "x"})) == {"1": "x"}


@pytest.mark.django_db
def test_event_json_is_stored_compressed_and_read_back_whole(web_project):
    data = {"message": "héllo", "extra": {"n": 2**40, "list": [1, {"k": None}]},
            "breadcrumbs": {"values": [{"message": "same words again"}] * 200}}
    Event.objects.create(project=web_project, event_id="a" * 32, data=data,
                         received_at=timezone.now())
    assert Event.objects.get(event_id="a" * 32).data == data
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM errortrack_event")
        stored = bytes(cursor.fetchone()[0])
    assert len(stored) < len(dumps_json(data)) / 10


@pytest.mark.django_db
def test_json_lookups_work_on_the_orjson_field(web_project):
    InboxItem.objects.create(project=web_project, item_type="event", headers={"k": "héllo"},
                             payload=b"{}")
    assert InboxItem.objects.filter(headers__k="héllo").count() == 1


@pytest.mark.django_db
def test_bulk_inserts_bind_each_value_and_keep_bytes_exact(web_project):
    payloads = [bytes(range(256)) * 70, b"\x00\xff" * 10, b"{}"]
    with CaptureQueriesContext(connection) as queries:
        InboxItem.objects.bulk_create([
            InboxItem(project=web_project, item_type="attachment", headers={"n": n},
                      payload=payload) for n, payload in enumerate(payloads)])
    inserts = [q["sql"] for q in queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1 and "UNNEST" not in inserts[0].upper()
    stored = InboxItem.objects.filter(project=web_project).order_by("id")
    assert [bytes(item.payload) for item in stored] == payloads
    assert [item.headers for item in stored] == [{"n": 0}, {"n": 1}, {"n": 2}]
