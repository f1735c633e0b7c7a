"""The Sentry envelope format: a header line, then items of `header line, payload`.

Both framings real SDKs use are accepted: items with `length` (sentry-python: every item, each
followed by a newline) and without (JavaScript: JSON items end at the next newline or at EOF, and
there is no final newline). Pure and allocation-light: it slices the body it is given, which the
ingest app has already capped. Errors are EnvelopeError with a detail for the 4xx answer.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from errortrack.compat.errors import PayloadTooLarge, RequestRejected
from errortrack.compat.json import JSONError, loads_lenient

_EVENT_ID = re.compile(r"^[0-9a-f]{32}$")
_WHITESPACE = b" \t\r\n"


class EnvelopeError(RequestRejected):
    """The envelope is malformed."""


class EnvelopeTooLarge(EnvelopeError, PayloadTooLarge):
    pass


@dataclass(slots=True)
class Item:
    headers: dict[str, Any]
    payload: bytes

    @property
    def type(self) -> str:
        return self.headers["type"]


@dataclass(slots=True)
class Envelope:
    headers: dict[str, Any]
    items: list[Item]

    @property
    def event_id(self) -> str | None:
        return self.headers.get("event_id")


def normalize_event_id(value: Any) -> str | None:
    """32 lowercase hex from a dashed or plain UUID; None when absent; EnvelopeError if invalid."""
    if value is None:
        return None
    if isinstance(value, str):
        candidate = value.replace("-", "").lower()
        if _EVENT_ID.match(candidate) and (len(value) == 32 or len(value) == 36):
            return candidate
    raise EnvelopeError(f"invalid event_id {str(value)[:64]!r}: expected a UUID")


def _json_object(line: bytes, what: str) -> dict[str, Any]:
    try:
        value = loads_lenient(line)
    except JSONError as exc:
        raise EnvelopeError(f"{what}: {exc}") from None
    if not isinstance(value, dict):
        raise EnvelopeError(f"{what} must be a JSON object")
    return value


def _line(data: bytes, start: int) -> tuple[bytes, int]:
    """The bytes from `start` to the next newline (or EOF), and where the next line starts."""
    end = data.find(b"\n", start)
    if end == -1:
        return data[start:], len(data)
    return data[start:end], end + 1


def _item_length(headers: dict[str, Any], index: int) -> int | None:
    length = headers.get("length")
    if length is None:
        return None
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise EnvelopeError(f"item {index}: length must be a non-negative integer")
    return length


def iter_items(data: bytes, start: int, max_items: int) -> Iterator[Item]:
    """Yield the items that follow the envelope header (which ends at `start`)."""
    pos, index, size = start, 0, len(data)
    while True:
        while pos < size and data[pos] in _WHITESPACE:  # blank lines between items
            pos += 1
        if pos >= size:
            return
        index += 1
        if index > max_items:
            raise EnvelopeTooLarge(f"too many items: at most {max_items} per envelope")
        line, pos = _line(data, pos)
        headers = _json_object(line, f"item {index} header")
        if not isinstance(headers.get("type"), str) or not headers["type"]:
            raise EnvelopeError(f"item {index} header has no type")
        length = _item_length(headers, index)
        if length is None:
            payload, pos = _line(data, pos)
        else:
            if pos + length > size:
                raise EnvelopeError(f"item {index}: length {length} runs past the end of the "
                                    f"envelope ({size - pos} bytes left)")
            payload = data[pos:pos + length]
            pos += length
            if pos < size:
                if data[pos] != 0x0A:
                    raise EnvelopeError(f"item {index}: expected a newline after its "
                                        f"{length}-byte payload")
                pos += 1
        yield Item(headers, payload)


def parse_envelope(data: bytes, max_items: int = 1000) -> Envelope:
    """Parse a whole envelope. Raises EnvelopeError (400) or EnvelopeTooLarge (413)."""
    if not data.strip(_WHITESPACE):
        raise EnvelopeError("empty envelope")
    line, pos = _line(data, 0)
    headers = _json_object(line, "envelope header")
    if "event_id" in headers:
        headers["event_id"] = normalize_event_id(headers["event_id"])
    return Envelope(headers, list(iter_items(data, pos, max_items)))
