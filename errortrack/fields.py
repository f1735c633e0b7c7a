"""Model fields for the hot paths: the inbox payload and event JSON.

Two costs were measured with py-spy on the ingest benchmark (17 KB events, PostgreSQL):
- Django 5.2 bulk-inserts on PostgreSQL as `UNNEST(%s::type[])`, and psycopg then dumps each
  column as one text array, escaping every value in Python with regular expressions. For 17 KB
  bytea and jsonb values that was most of the consumer's CPU. A field with `get_placeholder`
  opts its model out of that path (Django's own rule), so rows go as VALUES with each value bound
  on its own (bytes in binary).
- Django dumps and loads JSON with the stdlib `json`; orjson does it several times faster. The
  stdlib stays the fallback for what orjson refuses (lone surrogates, integers beyond 64 bits).
"""

import json
from typing import Any

import orjson
import zstandard
from django.db import models
from django.db.models.fields.json import KeyTransform
from psycopg.types.json import Jsonb


def dumps_json(value: Any) -> str:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # orjson.JSONEncodeError: surrogates, huge integers
        return json.dumps(value)


def _dumps_json_bytes(value: Any) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return json.dumps(value).encode()


def loads_json(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


class BindEachValue:
    """Opt the model out of Django's UNNEST bulk insert (see the module docstring)."""

    def get_placeholder(self, value: Any, compiler: Any, connection: Any) -> str:
        return "%s"


class PayloadField(BindEachValue, models.BinaryField):
    """Raw bytes (an inbox item's payload)."""


class FastJSONField(BindEachValue, models.JSONField):
    """A JSONField that encodes and decodes with orjson."""

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if not prepared:
            value = self.get_prep_value(value)
        if hasattr(value, "as_sql"):
            return value
        if self.encoder is not None:
            return super().get_db_prep_value(value, connection, prepared=True)
        if connection.vendor == "postgresql":
            return Jsonb(value, dumps=_dumps_json_bytes)
        return dumps_json(value)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or (isinstance(expression, KeyTransform) and not isinstance(value, str)):
            return value
        try:
            return loads_json(value)
        except ValueError:
            return value


class EncodedJSON(bytes):
    """JSON already serialized (the digest has it from scrubbing), so it is not encoded twice."""


_compressor = zstandard.ZstdCompressor(level=3)
_decompressor = zstandard.ZstdDecompressor()


class CompressedJSONField(models.BinaryField):
    """A JSON document stored as zstd-compressed bytes, as Sentry's nodestore keeps events.

    Event documents are read whole and never queried into (searchable parts are columns), so
    the database need not parse them: this costs neither side a JSON parse on insert, and keeps
    a 17 KB event in about 4 KB on disk in SQLite and PostgreSQL alike.
    """

    # What the type checker's Django plugin reads as the attribute's type: the document.
    _pyi_private_set_type: dict[str, Any]
    _pyi_private_get_type: dict[str, Any]  # type: ignore[assignment]  # BinaryField's is bytes

    def get_placeholder(self, value: Any, compiler: Any, connection: Any) -> str:
        return "%s"

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None or hasattr(value, "as_sql"):
            return value
        encoded = value if isinstance(value, EncodedJSON) else _dumps_json_bytes(value)
        return super().get_db_prep_value(_compressor.compress(encoded), connection, prepared)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return value
        return loads_json(_decompressor.decompress(bytes(value)))

    def to_python(self, value: Any) -> Any:
        return value

    def value_to_string(self, obj: Any) -> str:
        return dumps_json(self.value_from_object(obj))
