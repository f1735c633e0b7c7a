"""The events table: the rows (or groups) a Discover request selects, sorted.

Where every condition, sort key, group and aggregated field is a database column, the database
does all of it, and paging slices the query. Otherwise the newest ROW_CAP rows that the
database can select are read and the rest is done in Python: a request over more rows than that
answers from the newest ROW_CAP only, and says so (`meta.dataScanned: "partial"`).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from django.db.models import F, Lookup, Model, QuerySet
from django.db.models.expressions import OrderBy

from errortrack.queries.discover import Dataset
from errortrack.queries.discover.fields import DiscoverError, Selected, hashable
from errortrack.queries.discover.filters import Condition

ROW_CAP = 10_000
SCAN_CHUNK = 500
T = TypeVar("T")
SORT_NOT_SELECTED = "Cannot sort by a field that is not selected: {}."


@dataclass(frozen=True)
class Sort:
    column: Selected
    descending: bool


@dataclass
class TableQuery:
    """What one request asks of a dataset, already scoped to its projects, environments and
    time range (`rows`)."""

    dataset: Dataset
    rows: QuerySet[Model]
    columns: list[Selected]
    conditions: list[Condition]
    sorts: list[Sort] = field(default_factory=list)

    @property
    def is_aggregate(self) -> bool:
        return any(column.is_aggregate for column in self.columns)

    @property
    def groups(self) -> list[Selected]:
        return [column for column in self.columns if not column.is_aggregate]

    def in_database(self) -> bool:
        return all(condition.q() is not None for condition in self.conditions)

    def filtered_rows(self) -> QuerySet[Model]:
        rows = self.rows
        for condition in self.conditions:
            q = condition.q()
            if q is not None:
                rows = rows.filter(q)
        return rows

    def scanned(self, read: Callable[[Any], T]) -> tuple[list[T], bool]:
        """What `read` makes of each of the newest ROW_CAP rows the database selects that
        Python's conditions keep; and whether the cap cut the scan short. Rows are fetched in
        chunks and dropped once read: only what `read` keeps stays in memory."""
        time = self.dataset.time.column
        assert isinstance(time, str)
        window = self.filtered_rows().order_by(f"-{time}", "-pk")[:ROW_CAP + 1]
        kept: list[T] = []
        for seen, row in enumerate(window.iterator(chunk_size=SCAN_CHUNK), start=1):
            if seen > ROW_CAP:
                return kept, True
            if all(condition.matches(row) for condition in self.conditions):
                kept.append(read(row))
        return kept, False


@dataclass(frozen=True)
class Table:
    """Rows to page through (a query or a list) and how to shape one of them as JSON."""

    items: QuerySet[Any] | list[Any]
    shape: Callable[[Any], dict]
    capped: bool = False


def parse_sorts(columns: list[Selected], raw: list[str]) -> list[Sort]:
    """`sort=-count()`: each must be a selected column, as Sentry requires."""
    by_text = {column.text: column for column in columns}
    sorts = []
    for text in (item.strip() for item in raw):
        if not text:
            continue
        name = text[1:].strip() if text.startswith("-") else text
        if name not in by_text:
            raise DiscoverError(SORT_NOT_SELECTED.format(name[:100]))
        sorts.append(Sort(by_text[name], text.startswith("-")))
    return sorts[:5]


def default_sorts(query: TableQuery) -> list[Sort]:
    """Newest first when the time field is shown; else the first aggregate, largest first."""
    time_name = query.dataset.time.name
    for column in query.columns:
        if not column.is_aggregate and column.spec is not None and column.spec.name == time_name:
            return [Sort(column, True)]
    return [Sort(column, True) for column in query.columns if column.is_aggregate][:1]


def _python_sorted(rows: list[dict], sorts: list[Sort]) -> list[dict]:
    for sort in reversed(sorts):  # stable: the first key is applied last
        def key(row: dict, text: str = sort.column.text, descending: bool = sort.descending
                ) -> tuple:
            value = hashable(row[text])
            # The type's name before the value: a document may hold 7 in one event and "7"
            # in the next, and Python refuses to order those.
            kind = type(value).__name__ if not isinstance(value, int | float) else "number"
            return ((value is not None, kind, value) if descending
                    else (value is None, kind, value))
        rows.sort(key=key, reverse=sort.descending)
    return rows


def _presenter(columns: list[Selected], key: Callable[[int, Selected], str]
               ) -> Callable[[dict], dict]:
    def shape(row: dict) -> dict:
        return {column.text: column.present(row[key(index, column)])
                for index, column in enumerate(columns)}
    return shape


def _by_text(index: int, column: Selected) -> str:
    return column.text


def _read_row(columns: list[Selected], obj: Any) -> dict:
    return {column.text: column.spec.read(obj) for column in columns if column.spec}


def _time_bounded(rows: QuerySet[Model], column: str) -> bool:
    """Whether `rows` are filtered (AND-ed, not negated) by a range on `column`, so that none
    of them has a null there."""
    where = rows.query.where
    if where.connector != "AND" or where.negated:
        return False
    return any(isinstance(child, Lookup) and child.lookup_name in ("gte", "lte", "gt", "lt")
               and getattr(child.lhs, "target", None) is not None
               and child.lhs.target.column == column for child in where.children)


def _order(query: TableQuery, sort: Sort) -> OrderBy:
    """The sort in SQL, nulls last; on the time field within a time range (no nulls there)
    without the NULLS LAST clause, which keeps PostgreSQL from reading a project's newest rows
    from the (project, timestamp) index."""
    expression = sort.column.spec.expression  # type: ignore[union-attr]
    time = query.dataset.time
    if sort.column.spec is time and isinstance(time.column, str) \
            and _time_bounded(query.rows, time.column):
        return expression.desc() if sort.descending else expression.asc()  # type: ignore[union-attr]
    return (expression.desc(nulls_last=True) if sort.descending  # type: ignore[union-attr]
            else expression.asc(nulls_last=True))  # type: ignore[union-attr]


def plain_table(query: TableQuery, sorts: list[Sort]) -> Table:
    """Rows one per event; the database orders and pages them when it can."""
    if query.in_database() and all(sort.column.spec and sort.column.spec.expression
                                   is not None for sort in sorts):
        order = [_order(query, sort) for sort in sorts]
        rows = query.filtered_rows().order_by(*order, "-pk")
        shape = _presenter(query.columns, _by_text)
        return Table(rows, lambda obj: shape(_read_row(query.columns, obj)))
    rows_read, capped = query.scanned(partial(_read_row, query.columns))
    return Table(_python_sorted(rows_read, sorts), _presenter(query.columns, _by_text), capped)


def _alias(index: int, column: Selected) -> str:
    return f"c{index}"


def _database_groups(query: TableQuery, sorts: list[Sort]) -> Table:
    columns = query.columns
    rows = query.filtered_rows().order_by()
    groups = {_alias(i, c): c.spec.expression for i, c in enumerate(columns)
              if not c.is_aggregate and c.spec is not None}
    aggregates = {_alias(i, c): c.function.db(c.spec.expression if c.spec else None)  # type: ignore[union-attr]
                  for i, c in enumerate(columns) if c.is_aggregate}
    shape = _presenter(columns, _alias)
    if not groups:
        return Table([rows.aggregate(**aggregates)], shape)
    alias_of = {id(c): _alias(i, c) for i, c in enumerate(columns)}
    order = [F(alias_of[id(s.column)]).desc(nulls_last=True) if s.descending
             else F(alias_of[id(s.column)]).asc(nulls_last=True) for s in sorts]
    grouped = (rows.annotate(**groups).values(*groups).annotate(**aggregates)
               .order_by(*order, *groups))
    return Table(grouped, shape)


def _python_groups(query: TableQuery, sorts: list[Sort]) -> Table:
    groups = query.groups
    aggregates = [column for column in query.columns if column.is_aggregate]

    def read(obj: Any) -> tuple[tuple, list]:
        return (tuple(hashable(column.spec.read(obj)) for column in groups if column.spec),
                [column.spec.read(obj) if column.spec else None for column in aggregates])

    scanned, capped = query.scanned(read)
    buckets: dict[tuple, list[list]] = {}
    for key, values in scanned:
        buckets.setdefault(key, []).append(values)
    if not groups and not buckets:
        buckets[()] = []
    rows = []
    for key, members in buckets.items():
        row = {column.text: value for column, value in zip(groups, key, strict=True)}
        for index, column in enumerate(aggregates):
            assert column.function is not None
            row[column.text] = column.function.python([values[index] for values in members])
        rows.append(row)
    return Table(_python_sorted(rows, sorts), _presenter(query.columns, _by_text), capped)


def table(query: TableQuery) -> Table:
    """The table `query` asks for: plain rows, or groups by its plain columns with its
    aggregates when it has any (Sentry's rule)."""
    sorts = query.sorts or default_sorts(query)
    if not query.is_aggregate:
        return plain_table(query, sorts)
    if query.in_database() and all(column.in_database for column in query.columns):
        return _database_groups(query, sorts)
    return _python_groups(query, sorts)


def meta(columns: list[Selected], capped: bool = False) -> dict:
    """Sentry's `meta`: each column's type and unit."""
    body: dict[str, Any] = {"fields": {column.text: column.kind for column in columns},
                            "units": {column.text: column.unit for column in columns
                                      if column.unit}}
    if capped:
        body["dataScanned"] = "partial"
    return body
