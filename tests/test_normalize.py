"""Normalize: every payload variant SDKs send becomes one event shape."""

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from errortrack.digest.derive import derive
from errortrack.digest.normalize import MAX_STRING, Received, normalize

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
EVENT_ID = "a" * 32


def norm(payload: dict, client_ip: str | None = "203.0.113.9", suspicious: bool = False) -> dict:
    return derive(normalize(payload, Received(EVENT_ID, NOW, client_ip), suspicious))


@pytest.mark.parametrize("timestamp", [
    "2026-11-23T11:59:00.000000Z", "2026-11-23T11:59:00", "2026-11-23T12:59:00+01:00",
    NOW.timestamp() - 60, int(NOW.timestamp()) - 60,
])
def test_timestamps_arrive_as_rfc3339_or_unix_seconds(timestamp):
    assert norm({"timestamp": timestamp})["timestamp"] == NOW.timestamp() - 60


@pytest.mark.parametrize("timestamp, error", [
    ("yesterday-ish", "invalid_data"), ((NOW + timedelta(hours=1)).isoformat(), "future_timestamp"),
    ((NOW - timedelta(days=40)).isoformat(), "past_timestamp"), (None, None),
])
def test_unusable_timestamps_become_the_receive_time_with_a_note(timestamp, error):
    event = norm({"timestamp": timestamp})
    assert event["timestamp"] == NOW.timestamp()
    assert [e["type"] for e in event.get("errors", [])] == ([error] if error else [])


@pytest.mark.parametrize("exception", [
    {"values": [{"type": "ValueError", "value": "bad"}]},
    [{"type": "ValueError", "value": "bad"}],
    {"type": "ValueError", "value": "bad"},
])
def test_exception_comes_as_values_list_or_single_object(exception):
    event = norm({"exception": exception})
    assert event["exception"] == {"values": [{"type": "ValueError", "value": "bad"}]}
    assert event["type"] == "error" and event["title"] == "ValueError: bad"


def test_exception_values_that_are_not_strings_are_kept_as_json():
    event = norm({"exception": {"type": "E", "value": {"code": 7}}})
    assert event["exception"]["values"][0]["value"] == '{"code":7}'


@pytest.mark.parametrize("breadcrumbs", [
    {"values": [{"message": "one", "timestamp": "2026-11-23T11:00:00Z"}]},
    [{"message": "one", "timestamp": NOW.timestamp() - 3600}],
])
def test_breadcrumbs_come_as_values_or_a_bare_list(breadcrumbs):
    [crumb] = norm({"breadcrumbs": breadcrumbs})["breadcrumbs"]["values"]
    assert crumb == {"message": "one", "timestamp": NOW.timestamp() - 3600, "type": "default"}


def test_only_the_newest_hundred_breadcrumbs_are_kept():
    crumbs = [{"message": str(n)} for n in range(150)]
    kept = norm({"breadcrumbs": crumbs})["breadcrumbs"]["values"]
    assert [c["message"] for c in kept] == [str(n) for n in range(50, 150)]


@pytest.mark.parametrize("tags", [{"customer": "acme", "tier": 3},
                                  [["customer", "acme"], ["tier", 3]]])
def test_tags_come_as_a_dict_or_pairs(tags):
    event = norm({"tags": tags, "environment": "staging"})
    assert event["tags"][:2] == [["customer", "acme"], ["tier", "3"]]
    assert ["environment", "staging"] in event["tags"]  # derived tags follow the SDK's


def test_invalid_tags_are_dropped_with_a_note():
    event = norm({"tags": {"ok": "yes", "bad key!": "x", "long": "x" * 201, "nl": "a\nb",
                           "empty": " "}})
    assert [k for k, _ in event["tags"] if k in ("ok", "bad key!", "long", "nl", "empty")] == [
        "ok"]
    assert {e["name"] for e in event["errors"]} == {"tags", "tags.long", "tags.nl",
                                                    "tags.empty"}


def test_the_sdks_own_tag_wins_over_a_derived_one():
    event = norm({"tags": {"level": "custom"}, "level": "warning"})
    assert ["level", "custom"] in event["tags"] and ["level", "warning"] not in event["tags"]


@pytest.mark.parametrize("payload, formatted, template", [
    ({"message": "plain text"}, "plain text", None),
    ({"message": {"message": "user %s failed", "params": ["bob"]}}, "user bob failed",
     "user %s failed"),
    ({"logentry": {"message": "user %s failed", "params": ["bob"],
                   "formatted": "user bob failed"}}, "user bob failed", "user %s failed"),
    ({"logentry": {"formatted": "only formatted"}}, "only formatted", None),
    ({"logentry": {"message": "bad %d", "params": ["x"]}}, "bad %d", "bad %d"),
])
def test_messages_as_string_object_or_logentry(payload, formatted, template):
    event = norm(payload)
    assert event["message"] == event["logentry"]["formatted"] == formatted
    assert event["logentry"].get("message") == (template if template != formatted else None)
    assert event["title"] == formatted.splitlines()[0] and event["type"] == "default"


def test_request_headers_query_and_cookies_in_all_their_forms():
    dict_form = norm({"request": {"url": "https://x.test/p?a=1&b=2#frag", "method": "post",
                                  "headers": {"Accept": "*/*", "X-Multi": ["1", "2"]},
                                  "cookies": "sid=abc; theme=dark"}})["request"]
    pair_form = norm({"request": {"url": "https://x.test/p", "query_string": [["a", "1"],
                                                                            ["b", "2"]],
                                  "headers": [["Accept", "*/*"], ["X-Multi", "1"],
                                              ["X-Multi", "2"]],
                                  "cookies": {"sid": "abc", "theme": "dark"},
                                  "fragment": "frag", "method": "POST"}})["request"]
    assert dict_form == pair_form == {
        "url": "https://x.test/p", "method": "POST", "fragment": "frag",
        "headers": [["Accept", "*/*"], ["X-Multi", "1"], ["X-Multi", "2"]],
        "query_string": [["a", "1"], ["b", "2"]],
        "cookies": [["sid", "abc"], ["theme", "dark"]]}
    as_dict = norm({"request": {"query_string": {"a": "1"}}})["request"]
    assert as_dict["query_string"] == [["a", "1"]]


def test_thread_stack_traces_and_the_crash_frame():
    event = norm({"message": "with stack", "threads": {"values": [
        {"id": 1, "current": True, "stacktrace": {"frames": [
            {"function": "main", "module": "app", "in_app": True, "lineno": "12"},
            {"function": "log", "module": "logging", "in_app": False}]}}]}})
    [thread] = event["threads"]["values"]
    assert thread["stacktrace"]["frames"][0]["lineno"] == 12
    assert event["culprit"] == "app in main"
    assert event["metadata"]["function"] == "main"


def test_legacy_interface_names_and_a_top_level_stacktrace():
    event = norm({"sentry.interfaces.Exception": {"values": [{"type": "E", "value": "v"}]},
                  "sentry.interfaces.User": {"id": 7},
                  "stacktrace": {"frames": [{"function": "f", "filename": "a.py"}]}})
    assert event["exception"]["values"][0]["stacktrace"]["frames"][0]["function"] == "f"
    assert event["user"] == {"id": "7"}
    assert ["user", "id:7"] in event["tags"]


@pytest.mark.parametrize("user, sdk, ip", [
    ({"ip_address": "{{auto}}"}, None, "203.0.113.9"),
    ({"id": "1"}, {"settings": {"infer_ip": "auto"}}, "203.0.113.9"),
    ({"id": "1"}, {"settings": {"infer_ip": "never"}}, None),
    ({"ip_address": "10.0.0.1"}, None, "10.0.0.1"),
])
def test_auto_ip_becomes_the_client_address_recorded_at_ingest(user, sdk, ip):
    payload = {"user": user, **({"sdk": sdk} if sdk else {})}
    assert norm(payload).get("user", {}).get("ip_address") == ip


def test_auto_ip_without_a_recorded_address_is_dropped():
    assert "ip_address" not in norm({"user": {"id": "1", "ip_address": "{{auto}}"}},
                                    client_ip=None)["user"]


def test_levels_platforms_release_and_environment_are_normalized():
    event = norm({"level": "WARN", "platform": "Python", "release": " app@1 ",
                  "environment": ""})
    assert (event["level"], event["platform"], event["release"], event["environment"]) == (
        "warning", "python", "app@1", "production")
    odd = norm({"level": "loud", "platform": "no such!", "release": "a\nb",
                "environment": "a/b"})
    assert (odd["level"], odd["platform"], odd["release"], odd["environment"]) == (
        "error", "other", "", "production")
    assert norm({"level": 40})["level"] == "error"  # Python logging numbers


def test_over_long_values_are_trimmed_not_refused():
    event = norm({"message": "m" * (MAX_STRING + 100), "extra": {"blob": "b" * 20000},
                  "exception": {"values": [{"type": "T" * 300, "value": "v"}]},
                  "stacktrace": {"frames": [{"function": str(n)} for n in range(400)]}})
    assert len(event["message"]) == MAX_STRING and event["message"].endswith("...")
    assert len(event["extra"]["blob"]) == MAX_STRING
    assert len(event["exception"]["values"][0]["type"]) == 256
    frames = event["exception"]["values"][0]["stacktrace"]
    assert len(frames["frames"]) == 250 and frames["frames_omitted"] == [125, 275]
    assert frames["frames"][-1]["function"] == "399"  # the crash end survives


def test_deeply_nested_data_is_cut():
    deep: dict = {}
    cursor = deep
    for _ in range(30):
        cursor["next"] = {}
        cursor = cursor["next"]
    event = norm({"extra": {"deep": deep}})
    assert "[too deep]" in orjson.dumps(event).decode()


def test_nul_and_lone_surrogates_become_replacement_characters():
    payload = {"message": "a\x00b\ud800c", "extra": {"k\x00": ["\udfff"]},
               "tags": {"t": "x\x00"}}
    event = norm(payload, suspicious=True)
    assert event["message"] == "a\ufffdb\ufffdc"
    assert event["extra"] == {"k\ufffd": ["\ufffd"]}
    orjson.dumps(event)  # encodable: no surrogates left anywhere


def test_huge_integers_and_nan_from_the_lenient_parser_are_made_storable():
    event = norm({"extra": {"big": 2**70, "nan": float("nan")}}, suspicious=True)
    assert event["extra"] == {"big": str(2**70), "nan": None}


def test_title_culprit_and_metadata_come_from_the_crash():
    event = norm({"transaction": "/checkout", "exception": {"values": [
        {"type": "KeyError", "value": "'sku'\nsecond line", "stacktrace": {"frames": [
            {"module": "shop.views", "function": "checkout", "filename": "shop/views.py",
             "in_app": True},
            {"module": "django.core", "function": "inner", "in_app": False}]}}]}})
    assert event["title"] == "KeyError: 'sku'"
    assert event["culprit"] == "/checkout"  # the transaction when there is one
    assert event["metadata"] == {"type": "KeyError", "value": "'sku'\nsecond line",
                                 "filename": "shop/views.py", "function": "checkout",
                                 "in_app_frame": True}
    no_transaction = norm({"exception": {"values": [{"type": "E", "stacktrace": {"frames": [
        {"module": "shop.views", "function": "checkout", "in_app": True}]}}]}})
    assert no_transaction["culprit"] == "shop.views in checkout"


def test_an_event_with_nothing_has_a_title_still():
    event = norm({})
    assert event["title"] == "<unlabeled event>" and event["type"] == "default"
    assert event["level"] == "error" and event["platform"] == "other"


def test_garbage_in_known_places_is_dropped_not_fatal():
    event = norm({"exception": "boom", "breadcrumbs": 5, "request": [], "user": "x",
                  "contexts": {"os": "linux", "runtime": {"name": "CPython"}},
                  "tags": "x", "fingerprint": "x", "extra": [1], "modules": 3})
    assert "exception" not in event and "request" not in event and "user" not in event
    assert event["contexts"] == {"runtime": {"name": "CPython", "type": "runtime"}}
    assert "extra" not in event and "modules" not in event and "fingerprint" not in event


def test_a_frame_number_written_with_superscript_digits_is_dropped_not_fatal():
    """"²" is a digit to str.isdigit but int() refuses it: it must not fail the event."""
    event = norm({"exception": {"values": [{"type": "E", "stacktrace": {"frames": [
        {"function": "f", "lineno": "²"}, {"function": "g", "lineno": "12"}]}}]}})
    frames = event["exception"]["values"][0]["stacktrace"]["frames"]
    assert "lineno" not in frames[0] and frames[1]["lineno"] == 12
