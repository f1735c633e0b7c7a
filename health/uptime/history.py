"""Uptime history: every check's result (the response-time chart and the results list read
these) and hourly sums of them (the 24 h / 7 d / 30 d figures read these).

A monitor checked every 30 s has 86,400 results in 30 days; summing them for each page view
took tens of milliseconds per monitor. The figures stay exact: the whole hours inside a window
come from the sums, the partial hour at its start and the current hour (up to `now`) from the
results, at most two hours of them.
"""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Aggregate, Count, F, Q, Sum

from health.models import UptimeHour, UptimeMonitor, UptimeResult

STATS_WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
HOUR = timedelta(hours=1)


def start_of_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def keep_result(monitor_id: int, checked_at: datetime, *, ok: bool,
                status_code: int | None = None, duration_ms: float | None = None,
                error: str = "") -> UptimeResult:
    """The one way a result is stored: the result, and its hour's sums with it."""
    result = UptimeResult.objects.create(monitor_id=monitor_id, checked_at=checked_at, ok=ok,
                                         status_code=status_code, duration_ms=duration_ms,
                                         error=error)
    timed = ok and duration_ms is not None
    _add_to_hour(monitor_id, start_of_hour(checked_at), {
        "checks": 1, "failures": 0 if ok else 1, "timed_successes": int(timed),
        "success_ms_total": duration_ms if timed else 0.0})
    return result


def _add_to_hour(monitor_id: int, hour: datetime, sums: dict) -> None:
    """Add `sums` to the monitor's row for `hour`, made if missing. The scheduler holds the
    monitor's row lock while it records, so a lost race to create is rare; it is retried."""
    row = UptimeHour.objects.filter(monitor_id=monitor_id, hour=hour)
    increments = {field: F(field) + value for field, value in sums.items()}
    if row.update(**increments):
        return
    try:
        with transaction.atomic():
            UptimeHour.objects.create(monitor_id=monitor_id, hour=hour, **sums)
    except IntegrityError:  # made by another writer in between
        row.update(**increments)


def uptime_stats_for(monitor_ids: list[int], now: datetime) -> dict[int, dict[str, dict]]:
    """Per monitor and window (24h, 7d, 30d): checks, failures, uptime percent and mean
    response time of the good checks. Two queries, whatever the number of monitors."""
    starts = {name: now - span for name, span in STATS_WINDOWS.items()}
    first_whole = {name: start_of_hour(start) + HOUR for name, start in starts.items()}
    current_hour = start_of_hour(now)
    hours = _sums_of_whole_hours(monitor_ids, first_whole, current_hour)
    edges = _sums_of_results(monitor_ids, starts, first_whole, current_hour, now)
    return {pk: {name: _window_stats(name, hours.get(pk), edges.get(pk))
                 for name in STATS_WINDOWS} for pk in monitor_ids}


def _sums_of_whole_hours(monitor_ids: list[int], first_whole: dict[str, datetime],
                         current_hour: datetime) -> dict[int, Mapping[str, Any]]:
    aggregates = {}
    for name, first in first_whole.items():
        within = Q(hour__gte=first)
        aggregates[f"checks_{name}"] = Sum("checks", filter=within)
        aggregates[f"failures_{name}"] = Sum("failures", filter=within)
        aggregates[f"timed_{name}"] = Sum("timed_successes", filter=within)
        aggregates[f"ms_{name}"] = Sum("success_ms_total", filter=within)
    rows = (UptimeHour.objects
            .filter(monitor_id__in=monitor_ids, hour__gte=min(first_whole.values()),
                    hour__lt=current_hour)
            .values("monitor_id").annotate(**aggregates))
    return {row["monitor_id"]: row for row in rows}


def _sums_of_results(monitor_ids: list[int], starts: dict[str, datetime],
                     first_whole: dict[str, datetime], current_hour: datetime,
                     now: datetime) -> dict[int, Mapping[str, Any]]:
    """The results no whole hour covers: after each window's start until its first whole hour,
    and in the current hour up to `now`."""
    this_hour = Q(checked_at__gte=current_hour, checked_at__lte=now)
    wanted = this_hour
    aggregates: dict[str, Aggregate] = {}
    for name, start in starts.items():
        before_first_whole = Q(checked_at__gt=start, checked_at__lt=first_whole[name])
        wanted |= before_first_whole
        within = this_hour | before_first_whole
        good = within & Q(ok=True)
        aggregates[f"checks_{name}"] = Count("id", filter=within)
        aggregates[f"failures_{name}"] = Count("id", filter=within & Q(ok=False))
        aggregates[f"timed_{name}"] = Count("duration_ms", filter=good)
        aggregates[f"ms_{name}"] = Sum("duration_ms", filter=good)
    rows = (UptimeResult.objects.filter(wanted, monitor_id__in=monitor_ids)
            .values("monitor_id").annotate(**aggregates))
    return {row["monitor_id"]: row for row in rows}


def _window_stats(name: str, *rows: Mapping[str, Any] | None) -> dict:
    def total(key: str) -> float:
        return sum((row or {}).get(f"{key}_{name}") or 0 for row in rows)

    checks, failures = int(total("checks")), int(total("failures"))
    timed, milliseconds = int(total("timed")), total("ms")
    return {"checks": checks, "failures": failures,
            "uptime_percent": round(100 * (checks - failures) / checks, 3) if checks else None,
            "mean_response_ms": round(milliseconds / timed, 1) if timed else None}


def uptime_stats(monitor: UptimeMonitor, now: datetime) -> dict[str, dict]:
    """uptime_stats_for one monitor (its page, the API's detail)."""
    return uptime_stats_for([monitor.pk], now)[monitor.pk]


def delete_expired_results(now: datetime) -> int:
    """Periodic job: history older than ERRORTRACK_UPTIME_HISTORY_DAYS goes, and the sums of
    the hours wholly before it. Returns how many results were deleted."""
    cutoff = now - timedelta(days=settings.ERRORTRACK_UPTIME_HISTORY_DAYS)
    deleted, _ = UptimeResult.objects.filter(checked_at__lt=cutoff).delete()
    UptimeHour.objects.filter(hour__lt=start_of_hour(cutoff)).delete()
    return deleted
