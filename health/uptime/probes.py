"""Uptime monitors: probe URLs on their interval, keep the history, go down and come back.

`run_uptime_checks(now)` is the periodic job's single step. It claims each due monitor with a
conditional UPDATE of `next_check_at` (so two schedulers never probe the same monitor for the
same slot), probes the claimed ones in parallel through the SSRF-safe outbound module, and
records each result. `failure_threshold` failures in a row take a monitor down: its issue
(kind uptime) opens or reopens and the alert rules fire (health.incidents). After
`recovery_threshold` good checks it is up and the issue resolves, which sends the recovery
notices and PagerDuty's resolve (alerts.listeners).
"""

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from errortrack import metrics, outbound
from errortrack.digest.pipeline import Synthetic
from health import incidents
from health.models import UptimeMonitor
from health.uptime import history as uptime_history

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1024 * 1024  # read for the keyword check; the rest is not downloaded


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    status_code: int | None
    duration_ms: float | None
    error: str


def parse_expected_status(text: str) -> list[tuple[int, int]]:
    """"200-299,301" → [(200, 299), (301, 301)]; ValidationError for anything else."""
    ranges = []
    for part in (text or "").split(","):
        low, dash, high = part.strip().partition("-")
        if not low.isdecimal() or (dash and not high.isdecimal()) or len(low) > 3 \
                or len(high) > 3:
            raise ValidationError(f"Expected status codes are codes or ranges like "
                                  f"200-299,301; not {part.strip()!r}.")
        first, last = int(low), int(high or low)
        if not 100 <= first <= last <= 599:
            raise ValidationError(f"{part.strip()!r} is not a range of HTTP status codes.")
        ranges.append((first, last))
    return ranges


def status_expected(code: int, expected: str) -> bool:
    return any(first <= code <= last for first, last in parse_expected_status(expected))


def probe(monitor: UptimeMonitor) -> ProbeResult:
    """One request to the monitor's URL: up when the status is expected and the keyword (if
    any) is in the first MAX_BODY_BYTES of the body."""
    started = time.perf_counter()
    try:
        response = outbound.request(monitor.method, monitor.url, timeout=monitor.timeout_seconds,
                                    max_body_bytes=MAX_BODY_BYTES,
                                    body=b"" if monitor.method == "POST" else None)
    except outbound.OutboundRefused as exc:
        return ProbeResult(False, None, None, f"refused: {exc}"[:500])
    except OSError as exc:
        return ProbeResult(False, None, _elapsed_ms(started), str(exc)[:500] or "network error")
    duration = _elapsed_ms(started)
    if not status_expected(response.status, monitor.expected_status):
        return ProbeResult(False, response.status, duration,
                           f"HTTP {response.status}, expected {monitor.expected_status}")
    keyword = monitor.expected_keyword
    if keyword and keyword.encode() not in response.body:
        return ProbeResult(False, response.status, duration,
                           f"the response does not contain {keyword!r}")
    return ProbeResult(True, response.status, duration, "")


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


# --- scheduling --------------------------------------------------------------------------------

def claim_due(now: datetime) -> list[UptimeMonitor]:
    """The active monitors due at `now` that this caller claimed (a conditional UPDATE moves
    each one's next check on; whoever moves it first probes it)."""
    claimed = []
    for monitor in UptimeMonitor.objects.filter(is_active=True, next_check_at__lte=now)[:500]:
        won = UptimeMonitor.objects.filter(pk=monitor.pk, is_active=True, next_check_at__lte=now
                                           ).update(next_check_at=next_check(monitor, now))
        if won:
            claimed.append(monitor)
    return claimed


def next_check(monitor: UptimeMonitor, now: datetime) -> datetime:
    return now + timedelta(seconds=monitor.interval_seconds)


def run_uptime_checks(now: datetime) -> int:
    """Periodic job: probe every due monitor once; return how many were probed."""
    monitors = claim_due(now)
    if not monitors:
        return 0
    workers = max(1, min(settings.ERRORTRACK_UPTIME_PROBE_CONCURRENCY, len(monitors)))
    with ThreadPoolExecutor(workers, thread_name_prefix="uptime-probe") as pool:
        results = list(pool.map(probe, monitors))
    for monitor, result in zip(monitors, results, strict=True):
        try:
            record_result(monitor.pk, result, now)
        except Exception:
            log.exception("uptime monitor %s: could not record its check", monitor.pk)
    return len(monitors)


# --- state -------------------------------------------------------------------------------------

@transaction.atomic
def record_result(monitor_id: int, result: ProbeResult, now: datetime) -> UptimeMonitor:
    """Keep `result` and move the monitor's state on (down after enough failures in a row, up
    after enough successes)."""
    monitor = UptimeMonitor.objects.select_for_update().get(pk=monitor_id)
    uptime_history.keep_result(monitor.pk, now, ok=result.ok, status_code=result.status_code,
                               duration_ms=result.duration_ms, error=result.error)
    metrics.uptime_checks.labels("up" if result.ok else "down").inc()
    monitor.last_checked_at = now
    monitor.last_error = result.error
    if result.ok:
        _on_success(monitor, now)
    else:
        _on_failure(monitor, result, now)
    monitor.save()
    return monitor


def _on_success(monitor: UptimeMonitor, now: datetime) -> None:
    monitor.consecutive_failures = 0
    monitor.consecutive_successes += 1
    if monitor.status == UptimeMonitor.Status.PENDING:
        _set_status(monitor, UptimeMonitor.Status.UP, now)
    elif (monitor.status == UptimeMonitor.Status.DOWN
          and monitor.consecutive_successes >= monitor.recovery_threshold):
        _set_status(monitor, UptimeMonitor.Status.UP, now)
        incidents.resolve_recovered(monitor.issue_id)


def _on_failure(monitor: UptimeMonitor, result: ProbeResult, now: datetime) -> None:
    monitor.consecutive_successes = 0
    monitor.consecutive_failures += 1
    if (monitor.status != UptimeMonitor.Status.DOWN
            and monitor.consecutive_failures >= monitor.failure_threshold):
        _set_status(monitor, UptimeMonitor.Status.DOWN, now)
        monitor.issue = incidents.record_failure(
            monitor.project_id, downtime_event(monitor, result), now)


def _set_status(monitor: UptimeMonitor, status: str, now: datetime) -> None:
    monitor.status = status
    monitor.status_changed_at = now
    metrics.uptime_transitions.labels(status).inc()


def downtime_event(monitor: UptimeMonitor, result: ProbeResult) -> Synthetic:
    return Synthetic(
        kind="uptime", source_id=monitor.pk, title=f"Downtime detected for {monitor.url}",
        culprit=monitor.url,
        message=(f"{monitor.name}: {monitor.consecutive_failures} failed checks in a row. "
                 f"Last: {result.error}"),
        tags={"monitor.type": "uptime", "monitor.id": str(monitor.pk),
              "uptime.url": monitor.url[:200]},
        context={"type": "uptime", "name": monitor.name, "url": monitor.url,
                 "method": monitor.method, "status_code": result.status_code,
                 "duration_ms": result.duration_ms, "error": result.error,
                 "failures": monitor.consecutive_failures,
                 "expected_status": monitor.expected_status})
