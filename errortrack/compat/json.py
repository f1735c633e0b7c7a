"""JSON as SDKs really send it.

orjson is fast but rejects what some clients emit and Relay accepts: `NaN`/`Infinity` tokens
(become null, as Relay does), lone surrogate escapes (`"\\ud800"`) and integers beyond 64 bits.
Those fall back to the stdlib parser; the normalizer later makes strings storable.
"""

import json
from typing import Any

import orjson


class JSONError(ValueError):
    """The bytes are not JSON, even leniently."""


def _non_finite_to_none(token: str) -> None:
    return None


_lenient = json.JSONDecoder(parse_constant=_non_finite_to_none)


def loads_lenient(data: bytes | str) -> Any:
    """Parse JSON, accepting NaN/Infinity (→ None), lone surrogates and big integers."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        pass
    try:
        text = data.decode("utf-8") if isinstance(data, bytes | bytearray | memoryview) else data
        return _lenient.decode(text)
    except UnicodeDecodeError as exc:
        raise JSONError(f"invalid UTF-8 at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise JSONError(f"invalid JSON: {exc.msg} at line {exc.lineno} "
                        f"column {exc.colno}") from None
    except RecursionError:
        raise JSONError("invalid JSON: nested too deeply") from None


def text_field(value: object, limit: int) -> str:
    """A payload field that should be a string: cut to `limit`, or "" when it is anything
    else (SDKs and hand-written clients send numbers, nulls and objects where text belongs)."""
    return value[:limit] if isinstance(value, str) else ""
