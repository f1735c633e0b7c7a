"""Waiting for something another process does (a server digesting, a worker delivering).

One loop, which fails loudly naming what it waited for. It is for positives only: that
nothing more happens is proved by running the step that would do it (`deliver_due(now) == 0`),
never by waiting.
"""

import time
from collections.abc import Callable
from typing import TypeVar

import pytest
from django.db.models import QuerySet

DEFAULT_TIMEOUT_SECONDS = 40
POLL_SECONDS = 0.1
T = TypeVar("T")


def eventually(condition: Callable[[], T], what: str | Callable[[], str],
               timeout: float = DEFAULT_TIMEOUT_SECONDS) -> T:
    """`condition()`'s first truthy value, polled until `timeout`; else the test fails with
    `what` (a text, or a function that describes the state at the deadline) and the last error
    `condition` raised, if any."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            value = condition()
        except Exception as error:  # e.g. a row not there yet, a server still starting
            last_error, value = error, None
        else:
            last_error = None
        if value:
            return value
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error!r})" if last_error else ""
            pytest.fail(f"not within {timeout:g}s: {what() if callable(what) else what}{detail}")
        time.sleep(POLL_SECONDS)


def wait_for_rows(queryset: QuerySet, count: int = 1) -> list:
    """At least `count` rows of `queryset` (all of them, queried afresh each time), else fail
    saying how many there were and what the inbox still holds (items not yet digested)."""
    from errortrack.models import InboxItem

    def rows() -> list:
        found = list(queryset.all())  # a fresh query: a QuerySet caches its result
        return found if len(found) >= count else []

    def what() -> str:
        return (f"{count} {queryset.model.__name__} rows (found {queryset.count()}; inbox: "
                f"{list(InboxItem.objects.values_list('item_type', 'last_error'))})")

    return eventually(rows, what)


def wait_for_events(count: int, **filters: object) -> list:
    """At least `count` stored events matching `filters`."""
    from errortrack.models import Event

    return wait_for_rows(Event.objects.filter(**filters), count)
