"""Readiness checks. Each takes a Moment (the time, and the pipeline state read once) and
returns a Check: ok or not, and what it saw.

The checks are single-step functions so tests pass the time in (a stale heartbeat is a
heartbeat older than ERRORTRACK_HEARTBEAT_STALE_SECONDS at `now`).
"""

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property

from django.conf import settings
from django.db import connection

from health import heartbeat
from health.state import QueueState, queue_state

# Heartbeats never seen yet are "starting" for the stale age after the process started, so a
# fresh deployment is not unready while its workers take their first step.
PROCESS_STARTED_AT = datetime.now(UTC)


class Moment:
    """`now`, and the pipeline's state read at most once for all the checks that need it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    @cached_property
    def state(self) -> QueueState:
        return queue_state(self.now)


@dataclass
class Check:
    ok: bool
    detail: dict = field(default_factory=dict)  # shown with ?verbose
    error: str | None = None


def _error(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}".strip()[:200]


def check_database(moment: Moment) -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return Check(False, error=_error(exc))
    return Check(True, {"vendor": connection.vendor})


def check_redis(moment: Moment) -> Check:
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2,
                                      socket_timeout=2)
        client.ping()
        client.close()
    except Exception as exc:
        return Check(False, error=_error(exc))
    return Check(True)


def check_heartbeat(name: str) -> Callable[[Moment], Check]:
    def check(moment: Moment) -> Check:
        age = moment.state.heartbeat_ages[name]
        stale_after = settings.ERRORTRACK_HEARTBEAT_STALE_SECONDS
        if age is None:
            starting = moment.now - PROCESS_STARTED_AT < timedelta(seconds=stale_after)
            return Check(starting, {"age_seconds": None},
                         None if starting else f"no {name} heartbeat yet")
        if age > stale_after:
            return Check(False, {"age_seconds": round(age, 1)},
                         f"last {name} heartbeat {age:.0f} s ago (limit {stale_after:.0f} s)")
        return Check(True, {"age_seconds": round(age, 1)})
    return check


def check_inbox(moment: Moment) -> Check:
    state = moment.state
    detail = {"depth": state.depth, "oldest_age_seconds": round(state.oldest_age_seconds, 1)}
    limit = settings.ERRORTRACK_READY_MAX_INBOX_LAG_SECONDS
    if state.oldest_age_seconds > limit:
        return Check(False, detail, f"oldest waiting item is {state.oldest_age_seconds:.0f} s "
                                    f"old (limit {limit:.0f} s)")
    return Check(True, detail)


def check_quarantine(moment: Moment) -> Check:
    quarantined = moment.state.quarantined
    limit = settings.ERRORTRACK_READY_MAX_QUARANTINED
    if quarantined > limit:
        return Check(False, {"items": quarantined},
                     f"{quarantined} quarantined items (limit {limit})")
    return Check(True, {"items": quarantined})


def check_disk(moment: Moment) -> Check:
    free_mb = shutil.disk_usage(settings.DATA_DIR).free // (1024 * 1024)
    limit = settings.ERRORTRACK_READY_MIN_FREE_DISK_MB
    if free_mb < limit:
        return Check(False, {"free_mb": free_mb}, f"{free_mb} MB free (minimum {limit} MB)")
    return Check(True, {"free_mb": free_mb})


def readiness_checks() -> dict[str, Callable[[Moment], Check]]:
    """The components this deployment depends on, in the order they are checked."""
    checks: dict[str, Callable[[Moment], Check]] = {"database": check_database}
    if not settings.EMBEDDED:
        checks["redis"] = check_redis
    for name in settings.ERRORTRACK_READY_HEARTBEATS:
        if name in heartbeat.COMPONENTS:
            checks[f"{name}_heartbeat"] = check_heartbeat(name)
    checks["inbox"] = check_inbox
    checks["quarantine"] = check_quarantine
    if not settings.IS_POSTGRES:  # the SQLite file lives on this machine's disk
        checks["disk"] = check_disk
    return checks


def run_checks(now: datetime, verbose: bool = False) -> dict[str, dict]:
    """Each component's status and latency; when the database is down, the checks that read
    it are skipped (reported as such) instead of each waiting for the pool's timeout."""
    components: dict[str, dict] = {}
    moment = Moment(now)
    database_down = False
    for name, check in readiness_checks().items():
        if database_down and name not in ("redis", "disk"):
            components[name] = {"status": "skipped", "reason": "database unreachable"}
            continue
        started = time.perf_counter()
        try:
            result = check(moment)
        except Exception as exc:  # a check must answer, never raise a 500
            result = Check(False, error=_error(exc))
        entry = {"status": "ok" if result.ok else "fail",
                 "latency_ms": round((time.perf_counter() - started) * 1000, 1)}
        if result.error:
            entry["error"] = result.error
        if verbose:
            entry.update(result.detail)
        components[name] = entry
        database_down = database_down or (name == "database" and not result.ok)
    return components
