"""Discover's columns: what a dataset offers (FieldSpec), the aggregate functions over them
(Function), and the parsing of a requested `field` string (`level`, `tags[customer]`,
`count()`, `count_unique(user)`, `max(timestamp)`) into a Selected column.

A FieldSpec reads its value from one row object in Python; when it also names a database
`column` (an ORM path or expression), filters, sorts, groups and aggregates on it run in the
database instead.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Aggregate, Avg, Count, Expression, F, Max, Min, Q, Sum
from django.db.models.expressions import Combinable

from errortrack.queries.search import SearchError

MAX_FIELDS = 20
FUNCTION = re.compile(r"^([a-z_][a-z0-9_]*)\((.*)\)$")
TAG = re.compile(r"^tags\[([^\[\],]{1,200})(?:,\s*(string|number|boolean))?\]$")
NUMERIC = {"integer", "number", "duration"}
ORDERED = NUMERIC | {"date", "string"}


class DiscoverError(SearchError):
    """A field, function, sort or query the dataset cannot answer; the message says which."""


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class FieldSpec:
    """One column a dataset offers. `kind` is Sentry's meta type (string, integer, number,
    date, array, boolean); `read` gives the raw value of one row object; `present` turns a raw
    value into its JSON. `column` (an ORM path or expression) lets the database filter, sort
    and group by it; `lookup` overrides the equality filter there (a short id, say);
    `contains` makes `key:value` a substring match (Sentry's `message:`)."""

    name: str
    kind: str
    read: Callable[[Any], Any]
    column: str | Expression | None = None
    present: Callable[[Any], Any] = _same
    lookup: Callable[[str], Q] | None = None
    contains: bool = False
    unit: str | None = None

    @property
    def expression(self) -> Combinable | None:
        if self.column is None:
            return None
        return F(self.column) if isinstance(self.column, str) else self.column


@dataclass(frozen=True)
class Function:
    """An aggregate: its result type (given the argument's field, if any), its database
    aggregate and its Python equivalent over a group's values."""

    name: str
    arity: tuple[int, int]  # least and most arguments
    kind: Callable[[FieldSpec | None], str]
    db: Callable[[Any], Aggregate]  # given the argument's expression (None: no argument)
    python: Callable[[list[Any]], Any]
    arg_kinds: frozenset[str] = frozenset()  # empty: any kind
    default_arg: str | None = None
    zero: Any = None  # the value of an empty time bucket


def _present_values(values: list[Any]) -> list[Any]:
    return [value for value in values if value not in (None, "", [], ())]


def hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _numeric(values: list[Any]) -> list[Any]:
    return [value for value in values if isinstance(value, int | float)]


FUNCTIONS: dict[str, Function] = {function.name: function for function in [
    Function("count", (0, 1), lambda arg: "integer", lambda arg: Count("pk"), len, zero=0),
    Function("count_unique", (1, 1), lambda arg: "integer",
             lambda arg: Count(arg, distinct=True),
             lambda values: len({hashable(v) for v in _present_values(values)}), zero=0),
    Function("min", (1, 1), lambda arg: arg.kind if arg else "number", lambda arg: Min(arg),
             lambda values: min(_present_values(values), default=None),
             arg_kinds=frozenset(ORDERED - {"string"})),
    Function("max", (1, 1), lambda arg: arg.kind if arg else "number", lambda arg: Max(arg),
             lambda values: max(_present_values(values), default=None),
             arg_kinds=frozenset(ORDERED - {"string"})),
    Function("sum", (1, 1), lambda arg: "number", lambda arg: Sum(arg),
             lambda values: sum(_numeric(values)), arg_kinds=frozenset(NUMERIC), zero=0),
    Function("avg", (1, 1), lambda arg: "number", lambda arg: Avg(arg),
             lambda values: (sum(_numeric(values)) / len(_numeric(values))
                             if _numeric(values) else None), arg_kinds=frozenset(NUMERIC)),
    Function("last_seen", (0, 0), lambda arg: "date", lambda arg: Max(arg),
             lambda values: max(_present_values(values), default=None),
             default_arg="timestamp"),
]}


@dataclass(frozen=True)
class Selected:
    """One requested column: `text` is the string the caller sent (the row's key); a plain
    field has only `spec`; a function has `function` and the field it aggregates (if any)."""

    text: str
    spec: FieldSpec | None
    function: Function | None = None

    @property
    def is_aggregate(self) -> bool:
        return self.function is not None

    @property
    def kind(self) -> str:
        if self.function is not None:
            return self.function.kind(self.spec)
        return self.spec.kind if self.spec else "string"

    @property
    def unit(self) -> str | None:
        if self.function is not None and self.function.name in ("count", "count_unique"):
            return None
        return self.spec.unit if self.spec else None

    @property
    def in_database(self) -> bool:
        return self.spec is None or self.spec.column is not None

    def present(self, value: Any) -> Any:
        if self.function is not None and self.kind not in ("date",):
            return value
        return self.spec.present(value) if self.spec is not None and value is not None \
            else value


@dataclass
class FieldSet:
    """A dataset's fields by name, and how it reads `tags[key]` (None: it has no tags)."""

    fields: dict[str, FieldSpec]
    tag: Callable[[str], FieldSpec] | None = None
    aliases: dict[str, str] = field(default_factory=dict)

    def plain(self, name: str) -> FieldSpec | None:
        """The field `name` means: a field, an alias of one, or a tag."""
        name = self.aliases.get(name, name)
        if name in self.fields:
            return self.fields[name]
        match = TAG.match(name)
        if match and self.tag is not None:
            return self.tag(match.group(1))
        return None


def parse_field(fields: FieldSet, text: str) -> Selected:
    """The column `text` asks for; a DiscoverError naming it when the dataset has none."""
    text = text.strip()
    match = FUNCTION.match(text)
    if match is None:
        spec = fields.plain(text)
        if spec is None:
            raise DiscoverError(f"Unknown field: {text[:100]}.")
        return Selected(text, spec)
    name, raw_args = match.groups()
    function = FUNCTIONS.get(name)
    if function is None:
        raise DiscoverError(f"Unknown function: {name[:100]}().")
    args = [arg.strip() for arg in raw_args.split(",")] if raw_args.strip() else []
    low, high = function.arity
    if not low <= len(args) <= high:
        raise DiscoverError(f"{name}() takes {low if low == high else f'{low} to {high}'} "
                            f"argument{'s' if high != 1 else ''}; got {len(args)} in {text[:100]}.")
    arg_name = args[0] if args else function.default_arg
    spec = None
    if arg_name is not None:
        spec = fields.plain(arg_name)
        if spec is None:
            raise DiscoverError(f"Unknown field {arg_name[:100]} in {text[:100]}.")
        if function.arg_kinds and spec.kind not in function.arg_kinds:
            raise DiscoverError(f"{name}() needs a field of type "
                                f"{' or '.join(sorted(function.arg_kinds))}; {spec.name} is "
                                f"{spec.kind}.")
    if name == "count":
        spec = None  # count(x) counts rows, as Sentry's does
    return Selected(text, spec, function)


def parse_fields(fields: FieldSet, texts: list[str]) -> list[Selected]:
    """The requested columns in order, each once; at most MAX_FIELDS."""
    unique = list(dict.fromkeys(text.strip() for text in texts if text.strip()))
    if len(unique) > MAX_FIELDS:
        raise DiscoverError(f"You can view up to {MAX_FIELDS} fields at a time; got "
                            f"{len(unique)}.")
    return [parse_field(fields, text) for text in unique]
