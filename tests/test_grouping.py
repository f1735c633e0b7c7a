"""Grouping v1: which events share an issue, and golden hashes that pin v1 forever."""

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from errortrack.digest.derive import derive
from errortrack.digest.grouping import ALGORITHMS, CURRENT, group
from errortrack.digest.grouping.v1 import normalize_function, normalize_message
from errortrack.digest.normalize import Received, normalize

FIXTURES = Path(__file__).parent / "fixtures"
EVENTS = json.loads((FIXTURES / "grouping_v1_events.json").read_text())
# Pinned: if one of these changes, v1 regroups existing issues. Make a v2 instead.
GOLDEN_V1 = json.loads((FIXTURES / "grouping_v1_hashes.json").read_text())
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def hash_of(payload: dict) -> str:
    event = derive(normalize(copy.deepcopy(payload), Received("a" * 32, NOW), False))
    return group(event).hash


def components_of(payload: dict) -> tuple[str, ...]:
    event = derive(normalize(copy.deepcopy(payload), Received("a" * 32, NOW), False))
    return group(event).components


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_v1_hashes_are_pinned(name):
    assert name in GOLDEN_V1, f"new fixture: pin its hash {hash_of(EVENTS[name])!r}"
    assert hash_of(EVENTS[name]) == GOLDEN_V1[name]


def test_every_pinned_hash_has_its_event():
    assert set(GOLDEN_V1) == set(EVENTS)


def test_v1_is_the_current_algorithm_and_registered_by_name():
    assert CURRENT == "v1" and set(ALGORITHMS) == {"v1"}
    assert group(derive(normalize({}, Received("a" * 32, NOW)))).version == "v1"


def python_error(lineno: int = 42, transaction: str | None = None, value: str = "'sku'",
                 context: str = "    item = cart['sku']") -> dict:
    payload = {"platform": "python", "exception": {"values": [
        {"type": "KeyError", "value": value, "stacktrace": {"frames": [
            {"module": "django.core.handlers.base", "function": "_get_response",
             "lineno": 197, "in_app": False, "context_line": "response = callback()"},
            {"module": "shop.views", "function": "checkout", "lineno": lineno,
             "context_line": context, "in_app": True}]}}]}}
    if transaction:
        payload["transaction"] = transaction
    return payload


def test_line_numbers_and_the_transaction_do_not_split_an_issue():
    assert hash_of(python_error(42)) == hash_of(python_error(57)) == hash_of(
        python_error(42, transaction="/checkout"))


def test_the_value_does_not_count_when_frames_do():
    assert hash_of(python_error(value="'sku'")) == hash_of(python_error(value="'qty'"))


def test_different_code_is_a_different_issue():
    assert hash_of(python_error()) != hash_of(python_error(context="    item = cart.pop()"))


def test_only_in_app_frames_count_when_there_are_some():
    other_framework = python_error()
    other_framework["exception"]["values"][0]["stacktrace"]["frames"][0]["module"] = "flask.app"
    assert hash_of(other_framework) == hash_of(python_error())


def test_without_in_app_frames_all_frames_count():
    components = components_of(EVENTS["no_in_app_frames"])
    assert "frame: module:importlib | function:import_module" in components


def test_without_frames_type_and_normalized_value_count():
    components = components_of(EVENTS["exception_without_frames"])
    assert components == ("exception", "type: ValueError",
                          "value: invalid literal for int() with base <int>: 'abc' at <date>")
    assert "type: SIGSEGV" not in components_of(EVENTS["synthetic_exception"])


def test_message_template_and_placeholders():
    assert components_of(EVENTS["message_template"])[-1] == (
        "message: user %s failed after %d tries")
    assert components_of(EVENTS["message_plain"])[-1] == (
        "message: Payment <int> for order <uuid> failed at <ip> (<email>) <url> <hex> <float>")
    assert hash_of({"message": "user 42 failed"}) == hash_of({"message": "user 43 failed"})


def test_a_message_with_a_thread_stack_groups_by_the_stack():
    assert components_of(EVENTS["thread_stack_message"]) == (
        "threads", "frame: module:app.jobs | function:run | context:step()")


def test_recursive_frames_count_once():
    components = components_of(EVENTS["recursion"])
    frame = "frame: module:app.tree | function:walk | context:walk(node.child)"
    assert components.count(frame) == 1


def test_javascript_frames():
    assert components_of(EVENTS["node_frames"])[-1] == (
        "frame: module:server | function:handler | context:return x.y;")
    browser = components_of(EVENTS["browser_url_frames"])
    assert browser == ("exception", "type: Error", "frame: function:bar")  # URLs don't count
    assert normalize_function("new Foo", "javascript") == "Foo"
    assert normalize_function("Object.<anonymous>", "node") == ""
    assert normalize_function("outer/<", "javascript") == "outer"
    assert normalize_function("pkg.mod.func", "python") == "pkg.mod.func"


def test_long_context_lines_are_ignored():
    long_line = "x = " + "1 + " * 40 + "1"
    assert hash_of(python_error(context=long_line)) == hash_of(python_error(context="y" * 121))


def test_a_custom_fingerprint_wins_and_variables_resolve():
    first = {"fingerprint": ["db-down"], "exception": {"values": [{"type": "A"}]}}
    second = {"fingerprint": ["db-down"], "message": "totally different"}
    assert hash_of(first) == hash_of(second)
    assert components_of(EVENTS["fingerprint_variables"]) == (
        "fingerprint", "type=E", "value=v", "function=f", "module=m", "transaction=/x",
        "level=error", "tags.missing=<no value>", "part: {{ unknown.var }}")


def test_default_plus_a_tag_splits_by_the_tag():
    acme = {"fingerprint": ["{{ default }}", "{{ tags.customer }}"], "message": "hi",
            "tags": {"customer": "acme"}}
    globex = copy.deepcopy(acme)
    globex["tags"]["customer"] = "globex"
    assert hash_of(acme) != hash_of(globex)
    assert hash_of(EVENTS["fingerprint_default_only"]) == hash_of({"message": "hi"})


def test_message_normalization_keeps_two_lines():
    assert normalize_message("first 1\n\n second 2 \nthird 3") == "first <int>\nsecond <int>"
