"""Cron monitors: check-ins in, monitor state out.

Check-ins arrive as `check_in` envelope items (sentry_sdk.crons: the `monitor` decorator and
`capture_checkin`) or through the HTTP check-in endpoint, and are consumed from the inbox by
`check_ins.record_check_in`, inside the transaction that removes the inbox item. A check-in
with a `monitor_config` creates or updates its monitor (upsert), as in Sentry.

A run is one CheckIn row: `in_progress` first, then `ok` or `error` with the same check_in_id
(an id of all zeros means the latest run in progress). `evaluation.evaluate_crons(now)`, the
periodic job's single step, records what did not arrive: a missed run (nothing by the expected
time plus the margin) and a timeout (in progress longer than max_runtime). Failures in a row
open the monitor's issue (kind cron, health.incidents); ok runs in a row resolve it.

schedule.py says when runs are due, check_ins.py takes runs in, evaluation.py moves monitor
state; the package re-exports what the rest of the app calls.
"""

from health.crons.check_ins import (
    NIL_CHECK_IN_ID,
    SLUG_JUNK,
    find_run,
    normalize_slug,
    record_check_in,
    store_check_in,
    upsert_monitor,
)
from health.crons.evaluation import (
    FAILURE_TEXT,
    delete_expired_checkins,
    evaluate_crons,
    failure_event,
    on_failure,
    on_ok,
    record_missed,
    record_timeouts,
)
from health.crons.schedule import (
    INTERVAL_UNITS,
    MACROS,
    MAX_INTERVAL,
    MAX_MINUTES,
    MAX_THRESHOLD,
    add_months,
    checked_number,
    clean_config,
    clean_schedule,
    crontab_expression,
    next_run,
    schedule_text,
    zone,
)

__all__ = [
    "FAILURE_TEXT",
    "INTERVAL_UNITS",
    "MACROS",
    "MAX_INTERVAL",
    "MAX_MINUTES",
    "MAX_THRESHOLD",
    "NIL_CHECK_IN_ID",
    "SLUG_JUNK",
    "add_months",
    "checked_number",
    "clean_config",
    "clean_schedule",
    "crontab_expression",
    "delete_expired_checkins",
    "evaluate_crons",
    "failure_event",
    "find_run",
    "next_run",
    "normalize_slug",
    "on_failure",
    "on_ok",
    "record_check_in",
    "record_missed",
    "record_timeouts",
    "schedule_text",
    "store_check_in",
    "upsert_monitor",
    "zone",
]
