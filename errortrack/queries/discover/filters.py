"""The events search: Sentry's query dialect over a dataset's fields.

    level:error  environment:prod  release:"app@1.2"  issue:WEB-1  project:web
    user.email:a@example.com  error.type:KeyError  message:timeout  "free text"  words
    !key:value (negation)  has:user.email  !has:release  level:[error,warning] (any of)
    timestamp:>2026-12-01T00:00:00  project.id:>=3  key:*wild*card*  customer:acme (a tag)

`AND` between terms is implied and may be written; `OR` and parentheses are refused with a
400 for now. A key the dataset does not know is a tag, as in Sentry. Each condition runs in the
database where its field is a column (`q()`), else in Python on the rows read (`matches()`).
"""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from django.db.models import Q
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    IContains,
    IsNull,
    LessThan,
    LessThanOrEqual,
)
from django.utils.dateparse import parse_datetime

from errortrack.queries.discover.fields import DiscoverError, FieldSet, FieldSpec
from errortrack.queries.search import MAX_TERMS, unquote

TOKEN = re.compile(r'(!?)([A-Za-z_][\w.\[\]-]*?):(\[[^\]]*\]|"(?:[^"\\]|\\.)*"|\S*)'
                   r'|"((?:[^"\\]|\\.)*)"|(\S+)')
COMPARISONS = {">=": GreaterThanOrEqual, "<=": LessThanOrEqual, ">": GreaterThan,
               "<": LessThan}
LARGEST = 2**63 - 1  # what a database integer column holds
EMPTY: tuple[Any, ...] = (None, "", [], ())


class Condition(Protocol):
    def q(self) -> Q | None:
        """The condition in SQL, or None when only Python can decide it."""

    def matches(self, row: Any) -> bool:
        """Whether one row object meets it."""


def _moment(raw: str) -> datetime:
    try:
        moment = parse_datetime(raw[:-1] + "+00:00" if raw.endswith("Z") else raw)
    except (ValueError, OverflowError):  # well formed, but no such day or hour
        moment = None
    if moment is None:
        raise DiscoverError(f"{raw[:40]!r} is not a datetime such as 2026-12-01T00:00:00.")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def typed(spec: FieldSpec, raw: str) -> Any:
    """`raw` as a value of `spec`'s type (a DiscoverError naming both when it is not one)."""
    if spec.kind == "date":
        return _moment(raw)
    if spec.kind in ("integer", "number", "duration"):
        try:
            number = int(raw) if spec.kind == "integer" else float(raw)
        except ValueError:
            number = None
        if number is None or not math.isfinite(number) or abs(number) > LARGEST:
            raise DiscoverError(f"{spec.name} takes a number (at most {LARGEST}); got "
                                f"{raw[:40]!r}.")
        return number
    return raw


def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$",
                      re.DOTALL)


@dataclass(frozen=True)
class Filter:
    """One term: `op` is `=` (any of `values`), a comparison, `has`, `text` (free text over
    `text_fields`) or `is` (exactly the raw value: top events' groups)."""

    spec: FieldSpec | None
    op: str
    values: tuple[Any, ...]
    negated: bool = False
    text_fields: tuple[FieldSpec, ...] = ()

    def q(self) -> Q | None:
        condition = self._positive_q()
        if condition is None or not self.negated:
            return condition
        return ~condition

    def _positive_q(self) -> Q | None:
        spec = self.spec
        if spec is None or spec.expression is None:
            return None
        column = spec.expression
        if self.op == "has":
            present = Q(IsNull(column, False))
            return present & ~Q(Exact(column, "")) if spec.kind == "string" else present
        if self.op == "is":
            value = self.values[0]
            if isinstance(value, list | tuple):
                return None
            if value is None:  # a string column's "" is shown as null too
                empty = Q(IsNull(column, True))
                return empty | Q(Exact(column, "")) if spec.kind == "string" else empty
            return Q(Exact(column, value))
        if self.op in COMPARISONS:
            return Q(COMPARISONS[self.op](column, self.values[0]))
        if self.op != "=":
            return None
        parts = []
        for value in self.values:
            if isinstance(value, str) and "*" in value:
                return None
            if spec.lookup is not None:
                parts.append(spec.lookup(value))
            elif spec.contains:
                parts.append(Q(IContains(column, value)))
            elif value == "":
                parts.append(Q(IsNull(column, True)) | Q(Exact(column, "")))
            else:
                parts.append(Q(Exact(column, value)))
        combined = parts[0]
        for part in parts[1:]:
            combined |= part
        return combined

    def matches(self, row: Any) -> bool:
        return self._positive_match(row) != self.negated

    def _positive_match(self, row: Any) -> bool:
        if self.op == "text":
            needle = str(self.values[0]).lower()
            return any(needle in str(spec.read(row) or "").lower() for spec in self.text_fields)
        assert self.spec is not None
        raw = self.spec.read(row)
        if self.op == "has":
            return raw not in EMPTY
        if self.op == "is":
            return raw == self.values[0]
        candidates = raw if isinstance(raw, list) else [raw]
        return any(self._value_matches(candidate, value)
                   for candidate in candidates for value in self.values)

    def _value_matches(self, candidate: Any, value: Any) -> bool:
        if self.op in COMPARISONS:
            if candidate is None:
                return False
            return {">": candidate > value, "<": candidate < value, ">=": candidate >= value,
                    "<=": candidate <= value}[self.op]
        if value == "":
            return candidate in EMPTY
        if candidate is None:
            return False
        assert self.spec is not None
        if self.spec.contains:
            return str(value).lower() in str(candidate).lower()
        if isinstance(value, str) and "*" in value:
            return bool(_wildcard(value).match(str(candidate)))
        return candidate == value if not isinstance(value, str) else str(candidate) == value


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Condition, ...]

    def q(self) -> Q | None:
        conditions = [part.q() for part in self.parts]
        if any(condition is None for condition in conditions):
            return None
        combined = Q()
        for condition in conditions:
            combined &= condition  # type: ignore[operator]
        return combined

    def matches(self, row: Any) -> bool:
        return all(part.matches(row) for part in self.parts)


@dataclass(frozen=True)
class NoneOf:
    """Rows in none of the groups (top events' "Other")."""

    groups: tuple[Condition, ...]

    def q(self) -> Q | None:
        conditions = [group.q() for group in self.groups]
        if any(condition is None for condition in conditions):
            return None
        combined = Q(pk__in=[])
        for condition in conditions:
            combined |= condition  # type: ignore[operator]
        return ~combined

    def matches(self, row: Any) -> bool:
        return not any(group.matches(row) for group in self.groups)


def _term_filter(fields: FieldSet, text_fields: tuple[FieldSpec, ...], negated: bool,
                 key: str | None, raw_value: str) -> Filter:
    if key is None:
        return Filter(None, "text", (raw_value,), negated, text_fields)
    if key == "has":
        if not raw_value:
            raise DiscoverError("has: needs a field name, such as has:user.email.")
        spec = fields.plain(raw_value) or (fields.tag(raw_value) if fields.tag else None)
        if spec is None:
            raise DiscoverError(f"Unknown field in has:{raw_value[:100]}.")
        return Filter(spec, "has", (), negated)
    spec = fields.plain(key) or (fields.tag(key) if fields.tag else None)
    if spec is None:
        raise DiscoverError(f"Unknown field in the query: {key[:100]}.")
    if raw_value.startswith("[") and raw_value.endswith("]"):
        values = tuple(typed(spec, unquote(part.strip()))
                       for part in raw_value[1:-1].split(",") if part.strip())
        if not values:
            raise DiscoverError(f"{key}:[] lists no values.")
        return Filter(spec, "=", values, negated)
    value = unquote(raw_value)
    for op in COMPARISONS:
        if value.startswith(op) and spec.kind not in ("string", "array"):
            return Filter(spec, op, (typed(spec, value[len(op):]),), negated)
    return Filter(spec, "=", (typed(spec, value),), negated)


def parse_query(fields: FieldSet, text_fields: Sequence[FieldSpec], query: str) -> list[Filter]:
    """The conditions of `query`, all of which a row must meet (a DiscoverError, with a
    message for a 400, for what cannot be read)."""
    filters = []
    for match in TOKEN.finditer(query or ""):
        negated, key, value, quoted_text, word = match.groups()
        if key is None and quoted_text is None:
            if word == "AND":
                continue
            if word == "OR" or word.startswith("(") or word.endswith(")"):
                raise DiscoverError("OR and parentheses are not supported in this query yet; "
                                    "terms are combined with AND.")
        if key is not None:
            filters.append(_term_filter(fields, tuple(text_fields), bool(negated), key.lower()
                                        if not key.startswith("tags[") else key, value))
        else:
            text = unquote(f'"{quoted_text}"') if quoted_text is not None else word
            filters.append(_term_filter(fields, tuple(text_fields), False, None, text))
    if len(filters) > MAX_TERMS:
        raise DiscoverError(f"A query may have at most {MAX_TERMS} terms.")
    return filters


def query_keys(query: str) -> list[str]:
    """The keys a query names, in order, each once (what events/validate reports on)."""
    keys = [match.group(2) for match in TOKEN.finditer(query or "") if match.group(2)]
    return list(dict.fromkeys(keys))
