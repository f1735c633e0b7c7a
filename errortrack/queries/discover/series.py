"""Time series of aggregates (`/events-stats/`): one value per time bucket, as Grafana charts
them, optionally per top group ("top events").

Buckets start at multiples of the interval (Unix time), from the one holding `start` to the
last one starting before `end`; a bucket without rows is the function's zero (0 for counts). At most
MAX_BUCKETS buckets per series.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from errortrack.dbfunctions import EpochSeconds
from errortrack.queries.discover.fields import DiscoverError, Selected
from errortrack.queries.discover.filters import AllOf, Filter, NoneOf, typed
from errortrack.queries.discover.table import Sort, TableQuery, table

MAX_BUCKETS = 10_000
MAX_TOP_EVENTS = 10


@dataclass(frozen=True)
class Buckets:
    size: int  # seconds
    first: int  # bucket index (Unix seconds // size)
    last: int

    @property
    def starts(self) -> range:
        return range(self.first * self.size, (self.last + 1) * self.size, self.size)


def buckets(start: datetime, end: datetime, size: int) -> Buckets:
    """The buckets of `size` seconds covering [start, end) (a 400 when there are too many)."""
    first = int(start.timestamp()) // size
    last = max(first, -(-int(end.timestamp()) // size) - 1)
    if last - first + 1 > MAX_BUCKETS:
        raise DiscoverError(f"The interval is too small for the range: at most {MAX_BUCKETS} "
                            f"buckets; this would make {last - first + 1}.")
    return Buckets(size, first, last)


def _counts_in_database(query: TableQuery, y: Selected, slots: Buckets) -> dict[int, Any]:
    time = query.dataset.time.column
    assert isinstance(time, str) and y.function is not None
    rows = (query.filtered_rows().order_by()
            .annotate(slot=EpochSeconds(time) / slots.size).values("slot")
            .annotate(value=y.function.db(y.spec.expression if y.spec else None)))
    return {row["slot"]: row["value"] for row in rows}


def _counts_in_python(query: TableQuery, y: Selected, slots: Buckets) -> dict[int, Any]:
    assert y.function is not None
    def read(obj: Any) -> tuple[Any, Any]:
        return query.dataset.time.read(obj), y.spec.read(obj) if y.spec else None

    scanned, _capped = query.scanned(read)
    members: dict[int, list[Any]] = {}
    for moment, value in scanned:
        if moment is not None:
            members.setdefault(int(moment.timestamp()) // slots.size, []).append(value)
    return {slot: y.function.python(values) for slot, values in members.items()}


def series(query: TableQuery, y: Selected, slots: Buckets) -> list[list]:
    """`[[bucket start (Unix seconds), [{"count": value}]], …]` for the aggregate `y`."""
    if query.in_database() and y.in_database:
        by_slot = _counts_in_database(query, y, slots)
    else:
        by_slot = _counts_in_python(query, y, slots)
    assert y.function is not None
    zero = y.function.zero
    points = []
    for start in slots.starts:
        value = by_slot.get(start // slots.size, zero)
        points.append([start, [{"count": zero if value is None else value}]])
    return points


@dataclass(frozen=True)
class TopGroup:
    name: str  # the group's values joined by ",", as Sentry names a top event
    condition: AllOf


def top_groups(query: TableQuery, limit: int) -> list[TopGroup]:
    """The `limit` largest groups of the query's plain columns, by its sort (default: the
    first aggregate, largest first)."""
    found = table(query)
    groups = query.groups
    top = []
    for item in list(found.items[:limit]):
        row = found.shape(item)
        raw = [_raw(group, row[group.text]) for group in groups]
        name = ",".join("" if value is None else str(value) for value in
                        (row[group.text] for group in groups))
        top.append(TopGroup(name, AllOf(tuple(Filter(group.spec, "is", (value,))
                                              for group, value in zip(groups, raw,
                                                                      strict=True)))))
    return top


def _raw(group: Selected, shown: Any) -> Any:
    """The raw value behind a shown one: dates were shown as ISO text, arrays as lists."""
    if group.kind == "date" and isinstance(shown, str):
        assert group.spec is not None
        return typed(group.spec, shown)
    return list(shown) if isinstance(shown, tuple) else shown


def within(query: TableQuery, condition: AllOf | NoneOf) -> TableQuery:
    return replace(query, conditions=[*query.conditions, condition])


def top_sort(query: TableQuery, y_axes: list[Selected]) -> list[Sort]:
    return query.sorts or [Sort(y_axes[0], True)]
