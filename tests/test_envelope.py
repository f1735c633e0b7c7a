"""The envelope parser: both framings real SDKs use, lenient JSON, and clear errors."""

import contextlib
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sentry_sdk.envelope import Envelope as SdkEnvelope
from sentry_sdk.envelope import Item as SdkItem
from sentry_sdk.envelope import PayloadRef

from errortrack.ingest.envelope import (
    EnvelopeError,
    EnvelopeTooLarge,
    normalize_event_id,
    parse_envelope,
)

EVENT_ID = "9ec79c33ec9942ab8353589fcb2e04dc"
EVENT = b'{"message":"hello","level":"error"}'


def test_it_parses_the_python_framing_with_lengths_and_newlines():
    body = (b'{"event_id":"%s","sent_at":"2026-11-23T00:00:00Z"}\n' % EVENT_ID.encode()
            + b'{"type":"event","length":%d,"content_type":"application/json"}\n' % len(EVENT)
            + EVENT + b"\n"
            + b'{"type":"attachment","length":3,"filename":"a.bin"}\n\x00\n\x01\n')
    envelope = parse_envelope(body)
    assert envelope.event_id == EVENT_ID
    assert [i.type for i in envelope.items] == ["event", "attachment"]
    assert envelope.items[0].payload == EVENT
    assert envelope.items[1].payload == b"\x00\n\x01"  # length wins over newlines inside


def test_it_parses_the_javascript_framing_without_lengths_or_final_newline():
    body = b'{"sdk":{"name":"sentry.javascript.node"}}\n{"type":"event"}\n' + EVENT
    envelope = parse_envelope(body)
    assert [(i.type, i.payload) for i in envelope.items] == [("event", EVENT)]


def test_an_envelope_may_have_no_items_and_a_dashed_event_id():
    envelope = parse_envelope(b'{"event_id":"9ec79c33-ec99-42ab-8353-589fcb2e04dc"}')
    assert envelope.items == [] and envelope.event_id == EVENT_ID


def test_unknown_item_types_and_header_keys_are_kept_for_the_caller_to_skip():
    envelope = parse_envelope(b'{"future":1}\n{"type":"hologram","x":2}\nzzz\n')
    assert envelope.headers["future"] == 1
    assert envelope.items[0].headers == {"type": "hologram", "x": 2}


def test_nan_and_infinity_in_headers_become_null():
    envelope = parse_envelope(b'{"x":NaN,"y":-Infinity}\n{"type":"event","z":Infinity}\n{}')
    assert envelope.headers == {"x": None, "y": None}
    assert envelope.items[0].headers["z"] is None


def test_a_carriage_return_belongs_to_the_payload():
    envelope = parse_envelope(b'{}\n{"type":"event"}\r\n{"a":1}\r')
    # The header line is `{"type":"event"}\r` (JSON allows the trailing whitespace).
    assert envelope.items[0].payload == b'{"a":1}\r'


@pytest.mark.parametrize("body, detail", [
    (b"", "empty envelope"),
    (b"\n\n", "empty envelope"),
    (b"not json\n", "envelope header: invalid JSON"),
    (b"[1,2]\n", "envelope header must be a JSON object"),
    (b'{"event_id":"nope"}\n', "invalid event_id"),
    (b'{"event_id":12}\n', "invalid event_id"),
    (b'{}\n{"length":2}\nab', "item 1 header has no type"),
    (b'{}\n{"type":""}\nab', "item 1 header has no type"),
    (b'{}\n{"type":"event"}\nx\n{bad\n', "item 2 header: invalid JSON"),
    (b'{}\n{"type":"event","length":10}\nabc', "length 10 runs past the end"),
    (b'{}\n{"type":"event","length":2}\nabc', "expected a newline after its 2-byte payload"),
    (b'{}\n{"type":"event","length":-1}\n', "length must be a non-negative integer"),
    (b'{}\n{"type":"event","length":"3"}\nabc', "length must be a non-negative integer"),
    (b'{}\n{"type":"event","length":true}\na', "length must be a non-negative integer"),
    (b'{"a":"\xff\xfe"}\n', "invalid UTF-8"),
    (b'{"a":' * 100_000 + b"\n", "envelope header"),
])
def test_malformed_envelopes_say_what_is_wrong(body, detail):
    with pytest.raises(EnvelopeError) as caught:
        parse_envelope(body)
    assert detail in caught.value.detail
    assert caught.value.status == 400


def test_too_many_items_is_413():
    body = b"{}\n" + b'{"type":"session"}\n{}\n' * 1001
    with pytest.raises(EnvelopeTooLarge) as caught:
        parse_envelope(body)
    assert caught.value.status == 413
    assert len(parse_envelope(b"{}\n" + b'{"type":"session"}\n{}\n' * 1000).items) == 1000


@pytest.mark.parametrize("value, expected", [
    (None, None),
    (EVENT_ID, EVENT_ID),
    (EVENT_ID.upper(), EVENT_ID),
    ("9ec79c33-ec99-42ab-8353-589fcb2e04dc", EVENT_ID),
])
def test_event_ids_are_normalized(value, expected):
    assert normalize_event_id(value) == expected


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=512))
def test_random_bytes_raise_only_the_parsers_own_error(data):
    with contextlib.suppress(EnvelopeError):
        parse_envelope(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8),
                                                                     children, max_size=4),
    max_leaves=12)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(items=st.lists(st.tuples(st.sampled_from(["event", "attachment", "session", "mystery"]),
                                st.one_of(st.binary(max_size=200), json_values)), max_size=6),
       headers=st.dictionaries(st.sampled_from(["sent_at", "sdk", "trace"]), json_values,
                               max_size=3))
def test_envelopes_serialized_by_sentry_sdk_round_trip(items, headers):
    sdk_envelope = SdkEnvelope(headers={"event_id": EVENT_ID, **headers})
    for item_type, payload in items:
        if isinstance(payload, bytes):
            sdk_envelope.add_item(SdkItem(payload=PayloadRef(bytes=payload), type=item_type))
        else:
            sdk_envelope.add_item(SdkItem(payload=PayloadRef(json=payload), type=item_type))
    parsed = parse_envelope(sdk_envelope.serialize())
    assert parsed.headers == json.loads(json.dumps({"event_id": EVENT_ID, **headers}))
    assert [i.type for i in parsed.items] == [t for t, _ in items]
    for parsed_item, sdk_item in zip(parsed.items, sdk_envelope.items, strict=True):
        assert parsed_item.payload == sdk_item.payload.get_bytes()
