"""Monitor state out: a finished run moves its monitor on (failures in a row open the monitor's
issue through health.incidents, ok runs in a row resolve it), and the periodic job records what
did not arrive: missed runs and timeouts."""

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from errortrack import metrics
from errortrack.digest.pipeline import Synthetic
from health import incidents
from health.crons.schedule import next_run, schedule_text
from health.models import CheckIn, CronMonitor

log = logging.getLogger(__name__)


FAILURE_TEXT: dict[str, str] = {CheckIn.Status.MISSED: "A missed check-in was detected",
                                CheckIn.Status.TIMEOUT: "A timeout check-in was detected",
                                CheckIn.Status.ERROR: "An error check-in was detected"}


def after_result(monitor: CronMonitor, run: CheckIn, now: datetime) -> None:
    if run.status == CheckIn.Status.OK:
        on_ok(monitor, now)
    elif run.status in FAILURE_TEXT:
        on_failure(monitor, run, now)


def on_ok(monitor: CronMonitor, now: datetime) -> None:
    if (monitor.status == CronMonitor.Status.OK and not monitor.consecutive_failures
            and monitor.consecutive_ok >= monitor.recovery_threshold):
        return  # healthy and staying so: nothing to write
    monitor.consecutive_failures = 0
    monitor.consecutive_ok += 1
    if monitor.consecutive_ok >= monitor.recovery_threshold:
        monitor.status = CronMonitor.Status.OK
        incidents.resolve_recovered(monitor.issue_id)
    monitor.save(update_fields=["consecutive_failures", "consecutive_ok", "status"])


def on_failure(monitor: CronMonitor, run: CheckIn, now: datetime) -> None:
    """A failed run: once `failure_issue_threshold` are in a row, each one is an event of the
    monitor's issue (the first opens or reopens it, and the rules fire)."""
    monitor.consecutive_ok = 0
    monitor.consecutive_failures += 1
    if monitor.consecutive_failures >= monitor.failure_issue_threshold:
        monitor.status = CronMonitor.Status.ERROR
        monitor.issue = incidents.record_failure(monitor.project_id,
                                                 failure_event(monitor, run, now), now)
    monitor.save(update_fields=["consecutive_failures", "consecutive_ok", "status", "issue"])


def failure_event(monitor: CronMonitor, run: CheckIn, now: datetime) -> Synthetic:
    detail = FAILURE_TEXT[run.status]
    if run.status == CheckIn.Status.TIMEOUT:
        detail += f" (the job ran longer than {monitor.max_runtime_minutes} min)"
    elif run.status == CheckIn.Status.MISSED and run.expected_at:
        detail += f" (expected at {run.expected_at:%Y-%m-%d %H:%M} UTC)"
    return Synthetic(
        kind="cron", source_id=monitor.pk, title=f"Cron failure: {monitor.name}",
        culprit=monitor.slug, message=detail,
        tags={"monitor.type": "cron", "monitor.slug": monitor.slug,
              "monitor.status": run.status},
        context={"type": "cron", "name": monitor.name, "slug": monitor.slug, "status": run.status,
                 "schedule": schedule_text(monitor), "check_in_id": run.check_in_id,
                 "expected_at": run.expected_at.isoformat() if run.expected_at else None,
                 "failures": monitor.consecutive_failures},
        environment=run.environment, release=run.release)


def evaluate_crons(now: datetime) -> int:
    """Periodic job: record missed runs and timeouts as of `now`; return how many."""
    return record_missed(now) + record_timeouts(now)


def record_missed(now: datetime) -> int:
    recorded = 0
    due = CronMonitor.objects.filter(is_active=True, next_expected_at__lte=now)
    for monitor in due[:1000]:
        expected_at = monitor.next_expected_at
        if expected_at is None:  # not due (the filter already leaves these out)
            continue
        deadline = expected_at + timedelta(minutes=monitor.checkin_margin_minutes)
        if deadline <= now and _record_one_missed(monitor.pk, expected_at, now):
            recorded += 1
    return recorded


@transaction.atomic
def _record_one_missed(monitor_id: int, expected_at: datetime, now: datetime) -> bool:
    """Claim the missed slot (the conditional UPDATE moves the expectation on; whoever moves it
    records the miss) and record it. Several slots missed while errortrack was stopped count
    as one: the next expectation is the first one still ahead."""
    monitor = CronMonitor.objects.select_for_update().filter(
        pk=monitor_id, next_expected_at=expected_at).first()
    if monitor is None:
        return False
    following = next_run(monitor, expected_at)
    margin = timedelta(minutes=monitor.checkin_margin_minutes)
    if following + margin <= now:
        following = next_run(monitor, now - margin)
    monitor.next_expected_at = following
    monitor.save(update_fields=["next_expected_at"])
    run = CheckIn.objects.create(
        project_id=monitor.project_id, monitor=monitor, monitor_slug=monitor.slug,
        check_in_id=uuid.uuid4().hex, status=CheckIn.Status.MISSED, received_at=now,
        expected_at=expected_at)
    metrics.cron_checkins.labels("missed").inc()
    on_failure(monitor, run, now)
    return True


def record_timeouts(now: datetime) -> int:
    recorded = 0
    for run_id in CheckIn.objects.filter(status=CheckIn.Status.IN_PROGRESS,
                                         timeout_at__lte=now).values_list("pk", flat=True)[:1000]:
        if _record_one_timeout(run_id, now):
            recorded += 1
    return recorded


@transaction.atomic
def _record_one_timeout(run_id: int, now: datetime) -> bool:
    claimed = CheckIn.objects.filter(pk=run_id, status=CheckIn.Status.IN_PROGRESS).update(
        status=CheckIn.Status.TIMEOUT, updated_at=now)
    if not claimed:
        return False
    run = CheckIn.objects.select_related("monitor").get(pk=run_id)
    if run.monitor_id is None:  # only a monitor's runs get a timeout, so never expected
        raise CronMonitor.DoesNotExist("A timed-out check-in without a monitor.")
    monitor = CronMonitor.objects.select_for_update().get(pk=run.monitor_id)
    metrics.cron_checkins.labels("timeout").inc()
    on_failure(monitor, run, now)
    return True


def delete_expired_checkins(now: datetime) -> int:
    """Periodic job: check-ins older than ERRORTRACK_CRON_HISTORY_DAYS go."""
    cutoff = now - timedelta(days=settings.ERRORTRACK_CRON_HISTORY_DAYS)
    deleted, _ = CheckIn.objects.filter(received_at__lt=cutoff).delete()
    return deleted
