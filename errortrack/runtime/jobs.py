"""Periodic jobs: single-step functions that take `now`.

The embedded runner (errortrack.runtime.background) and Celery beat (errortrack.celery) both
schedule exactly this list, so the two modes cannot drift apart. Later issues add their steps here.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.module_loading import import_string

from alerts.listeners import DELIVER_JOB
from errortrack.wakeup import CONSUME_JOB


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    interval_seconds: float
    func: Callable[[datetime], object]
    # Embedded runner: run in a thread of its own, so a slow run (uptime probes waiting on
    # their timeouts) never holds up the digest and the other jobs.
    own_thread: bool = False


def periodic_jobs() -> list[PeriodicJob]:
    return [
        PeriodicJob("health.heartbeat", settings.ERRORTRACK_HEARTBEAT_INTERVAL_SECONDS,
                    import_string("health.heartbeat.record_scheduler_heartbeat")),
        # The doorbell starts consumption at once; this interval is the safety net.
        PeriodicJob(CONSUME_JOB, settings.ERRORTRACK_CONSUME_INTERVAL_SECONDS,
                    import_string("errortrack.digest.consume.consume_inbox")),
        PeriodicJob(DELIVER_JOB, settings.ERRORTRACK_DELIVERY_INTERVAL_SECONDS,
                    import_string("alerts.delivery.deliver_due")),
        PeriodicJob("alerts.rates", settings.ERRORTRACK_RATE_RULES_INTERVAL_SECONDS,
                    import_string("alerts.rates.evaluate_rates")),
        PeriodicJob("alerts.deploys", settings.ERRORTRACK_RATE_RULES_INTERVAL_SECONDS,
                    import_string("alerts.deploys.evaluate_deploys")),
        PeriodicJob("digest.retention", settings.ERRORTRACK_RETENTION_INTERVAL_SECONDS,
                    import_string("errortrack.digest.retention.delete_expired")),
        PeriodicJob("health.uptime", settings.ERRORTRACK_UPTIME_SCHEDULER_INTERVAL_SECONDS,
                    import_string("health.uptime.run_uptime_checks"), own_thread=True),
        PeriodicJob("health.crons", settings.ERRORTRACK_CRON_SCHEDULER_INTERVAL_SECONDS,
                    import_string("health.crons.evaluate_crons")),
        PeriodicJob("health.uptime_retention", settings.ERRORTRACK_RETENTION_INTERVAL_SECONDS,
                    import_string("health.uptime.history.delete_expired_results")),
        PeriodicJob("health.cron_retention", settings.ERRORTRACK_RETENTION_INTERVAL_SECONDS,
                    import_string("health.crons.delete_expired_checkins")),
    ]


def get_job(name: str) -> PeriodicJob:
    for job in periodic_jobs():
        if job.name == name:
            return job
    raise KeyError(f"No periodic job named {name!r}")
