"""Scrub: no secret survives into what is stored, and ordinary data is left alone."""

import re
from datetime import UTC, datetime

import orjson
import pytest

from errortrack.digest.derive import derive
from errortrack.digest.normalize import Received, normalize
from errortrack.digest.scrub import FILTERED, config_for, luhn_valid, scrub, scrub_text

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DEFAULTS = config_for(True, [], [], False)
CARD = "4111 1111 1111 1111"  # a test Visa number: passes Luhn
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"


def scrubbed(payload: dict, config=DEFAULTS) -> dict:
    event = derive(normalize(payload, Received("a" * 32, NOW, "203.0.113.9"), False))
    document = scrub(event, config)
    assert orjson.loads(document) == event  # what is stored is the scrubbed event
    return event


def test_values_under_sensitive_keys_are_filtered_everywhere():
    event = scrubbed({
        "request": {"headers": {"Authorization": "Bearer SEC1", "X-Api-Key": "SEC2",
                                "Accept": "text/html"},
                    "cookies": "sessionid=SEC3; theme=SEC4",
                    "query_string": "token=SEC5&page=2",
                    "data": {"username": "bob", "password": "SEC6", "nested": {
                        "client_secret": "SEC7"}},
                    "env": {"DB_PASSWD": "SEC8"}},
        "extra": {"environ": {"AWS_SECRET_ACCESS_KEY": "SEC9", "GITHUB_TOKEN": "SEC10",
                              "HOME": "/root"}, "credentials": ["SEC11", "SEC12"]},
        "breadcrumbs": [{"message": "login", "data": {"csrf_token": "SEC13", "user": "bob"}}],
        "exception": {"values": [{"type": "E", "stacktrace": {"frames": [
            {"function": "f", "vars": {"api_key": "SEC14", "count": "3"}}]}}]},
        "user": {"id": "7", "auth": {"session": "SEC15"}},
        "contexts": {"app": {"private_key": "SEC16"}},
        "tags": {"access_token": "SEC17", "plan": "pro"},
    })
    text = orjson.dumps(event).decode()
    assert not re.search(r"SEC\d", text)
    request = event["request"]
    assert ["Accept", "text/html"] in request["headers"]
    assert ["page", "2"] in request["query_string"]
    assert request["cookies"] == [["sessionid", FILTERED], ["theme", FILTERED]]
    assert request["data"]["username"] == "bob"
    assert event["extra"]["environ"]["HOME"] == "/root"
    assert event["extra"]["credentials"] == FILTERED
    assert event["breadcrumbs"]["values"][0]["data"] == {"csrf_token": FILTERED, "user": "bob"}
    assert ["plan", "pro"] in event["tags"]


@pytest.mark.parametrize("where", ["message", "exception", "breadcrumb", "extra", "frame"])
def test_card_numbers_are_filtered_inside_any_string(where):
    text = f"paid with {CARD} today"
    payload = {
        "message": {"message": text},
        "exception": {"exception": {"values": [{"type": "PaymentError", "value": text}]}},
        "breadcrumb": {"breadcrumbs": [{"message": text}]},
        "extra": {"extra": {"note": text, "as_number": 4111111111111111}},
        "frame": {"exception": {"values": [{"type": "E", "stacktrace": {"frames": [
            {"function": "pay", "context_line": text, "vars": {"card": text}}]}}]}},
    }[where]
    event = scrubbed(payload)
    stored = orjson.dumps(event).decode()
    assert "4111" not in stored
    assert f"paid with {FILTERED} today" in stored


def test_card_title_and_metadata_are_scrubbed_too():
    event = scrubbed({"exception": {"values": [{"type": "E", "value": f"card {CARD}"}]}})
    assert CARD not in event["title"] and CARD not in event["metadata"]["value"]


@pytest.mark.parametrize("survivor", [
    "1700000000123",  # a 13-digit millisecond timestamp
    "order 4111111111111112 failed",  # card-shaped, but fails the Luhn check
    "id 12345678901234567890",  # a long id
    "2026-11-23 12:00:00",
])
def test_timestamps_ids_and_non_cards_survive(survivor):
    event = scrubbed({"message": survivor, "extra": {"n": int(survivor) if survivor.isdigit()
                                                     else survivor}})
    assert event["message"] == survivor
    assert str(event["extra"]["n"]) == survivor


def test_private_keys_and_url_passwords_are_filtered():
    assert scrub_text(f"key: {PEM} end") == f"key: {FILTERED} end"
    assert scrub_text("-----BEGIN PRIVATE KEY-----\ntruncated") == FILTERED
    assert (scrub_text("connect postgres://app:s3cret@db:5432/x failed")
            == f"connect postgres://{FILTERED}@db:5432/x failed")
    event = scrubbed({"extra": {"DATABASE_URL": "postgres://u:p4ss@h/db"},
                      "request": {"url": "https://user:pw@example.com/x"}})
    assert "p4ss" not in orjson.dumps(event).decode()
    assert event["request"]["url"] == f"https://{FILTERED}@example.com/x"


def test_luhn():
    assert luhn_valid("4111111111111111") and luhn_valid("378282246310005")
    assert not luhn_valid("4111111111111112")


def test_ip_addresses_go_when_the_project_asks():
    payload = {"user": {"id": "1", "ip_address": "198.51.100.7"},
               "request": {"headers": {"X-Forwarded-For": "198.51.100.7"},
                           "env": {"REMOTE_ADDR": "198.51.100.7", "SERVER_NAME": "web"}},
               "sdk": {"name": "s", "client_ip": "198.51.100.7"}}
    kept = scrubbed(payload)
    assert kept["user"]["ip_address"] == "198.51.100.7"
    gone = scrubbed(payload, config_for(True, [], [], True))
    assert "198.51.100.7" not in orjson.dumps(gone).decode()
    assert gone["request"]["env"] == {"SERVER_NAME": "web"}
    assert ["user", "id:1"] in gone["tags"]


def test_an_ip_only_user_leaves_no_ip_in_the_user_tag():
    gone = scrubbed({"user": {"ip_address": "{{auto}}"}}, config_for(True, [], [], True))
    assert "user" not in dict(gone["tags"])


def test_project_fields_match_keys_and_values_and_safe_fields_are_exempt():
    config = config_for(True, ["iban"], ["csrf_token"], False)
    event = scrubbed({"extra": {"customer_iban": "DE00", "note": "my IBAN is DE00",
                                "csrf_token": "visible", "other": "fine"}}, config)
    assert event["extra"] == {"customer_iban": FILTERED, "note": FILTERED,
                              "csrf_token": "visible", "other": "fine"}


def test_scrubbing_off_keeps_everything():
    event = scrubbed({"extra": {"password": "p", "card": CARD}},
                     config_for(False, [], [], False))
    assert event["extra"] == {"password": "p", "card": CARD}


def test_debug_meta_is_left_alone():
    event = scrubbed({"debug_meta": {"images": [{"debug_id": "4111111111111111",
                                                 "token": "kept"}]},
                      "extra": {"token": "gone"}})
    assert event["debug_meta"]["images"][0]["token"] == "kept"
    assert event["extra"]["token"] == FILTERED


def test_an_event_with_nothing_to_filter_is_serialized_once_and_unchanged():
    payload = {"message": "nothing secret", "extra": {"count": 3}}
    event = derive(normalize(payload, Received("a" * 32, NOW), False))
    before = orjson.dumps(event)
    assert scrub(event, DEFAULTS) == before
