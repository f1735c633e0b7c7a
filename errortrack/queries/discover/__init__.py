"""Discover: Sentry's events API core (`/events/`, `/events-stats/`, `/events/validate/`).

One module per dataset in this package (`errors.py`; spans, logs and trace metrics come as
modules beside it) defines a module-level `DATASET`; the modules are found when a dataset is
first asked for, so adding one edits nothing here. The core is shared: `fields` (columns and
functions), `filters` (the query dialect), `table` (rows, groups, sort) and `series` (time
buckets).
"""

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Model, QuerySet

from errortrack.models import Project
from errortrack.queries.discover.fields import DiscoverError, FieldSet, FieldSpec

DEFAULT_DATASET = "errors"
CORE_MODULES = {"fields", "filters", "table", "series", "validate"}


@dataclass(frozen=True)
class Dataset:
    """A kind of data the events API reads: its fields, its rows in some projects, the field
    that dates a row, the ORM path of its environment (None: it has none) and the fields free
    text searches."""

    name: str
    fields: FieldSet
    rows: Callable[[QuerySet[Project]], QuerySet[Model]]
    time: FieldSpec
    environment: str | None
    text_fields: tuple[FieldSpec, ...]
    default_fields: tuple[str, ...]

    def scoped(self, projects: QuerySet[Project], environments: list[str],
               start: datetime | None, end: datetime | None) -> QuerySet[Model]:
        """The dataset's rows in `projects`, `environments` (none: all) and the time range."""
        rows = self.rows(projects)
        column = self.time.column
        assert isinstance(column, str)
        if start is not None:
            rows = rows.filter(**{f"{column}__gte": start})
        if end is not None:
            rows = rows.filter(**{f"{column}__lte": end})
        wanted = [name for name in environments if name]
        if wanted:
            if self.environment is None:
                return rows.none()
            rows = rows.filter(**{f"{self.environment}__in": wanted})
        return rows


_registry: dict[str, Dataset] = {}


def _discover_modules() -> None:
    for module in pkgutil.iter_modules(__path__):
        if module.name not in CORE_MODULES:
            dataset = getattr(importlib.import_module(f"{__name__}.{module.name}"),
                              "DATASET", None)
            if isinstance(dataset, Dataset):
                _registry.setdefault(dataset.name, dataset)


def datasets() -> dict[str, Dataset]:
    """Every dataset, by name."""
    if not _registry:
        _discover_modules()
    return _registry


def get_dataset(name: str | None) -> Dataset:
    """The dataset `name` means (none or empty: errors, as Grafana sends no dataset)."""
    wanted = (name or "").strip() or DEFAULT_DATASET
    dataset = datasets().get(wanted)
    if dataset is None:
        raise DiscoverError(f"The {wanted[:40]} dataset is not supported; use one of "
                            f"{', '.join(sorted(datasets()))}.")
    return dataset


__all__ = ["Dataset", "DiscoverError", "datasets", "get_dataset"]
