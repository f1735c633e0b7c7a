"""The embedded-mode background runner: periodic jobs in a thread beside the web server.

One thread, one job at a time, so SQLite sees a single background writer. A job that raises is
logged and retried at its next interval; it never stops the others.
"""

import logging
import threading
import time
from collections.abc import Sequence

from django.db import close_old_connections
from django.utils import timezone

from errortrack.ingest.inbox import doorbell
from errortrack.jobs import CONSUME_JOB, PeriodicJob

log = logging.getLogger(__name__)


class BackgroundRunner:
    def __init__(self, jobs: Sequence[PeriodicJob]) -> None:
        self.jobs = list(jobs)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="errortrack-background",
                                        daemon=True)
        self._next_due = {job.name: 0.0 for job in self.jobs}

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        doorbell.set()
        self._thread.join(timeout)

    def run_due_jobs(self, monotonic_now: float) -> float:
        """Run every job that is due; return seconds until the next one is."""
        for job in self.jobs:
            if monotonic_now >= self._next_due[job.name]:
                self._run_one(job)
                self._next_due[job.name] = monotonic_now + job.interval_seconds
        return max(0.0, min(self._next_due.values()) - monotonic_now)

    def _run_one(self, job: PeriodicJob) -> None:
        try:
            job.func(timezone.now())
        except Exception:
            log.exception("Periodic job %s failed", job.name)
        finally:
            close_old_connections()

    def _loop(self) -> None:
        while not self._stop.is_set():
            wait = self.run_due_jobs(time.monotonic())
            if doorbell.wait(min(wait, 1.0)) and not self._stop.is_set():
                doorbell.clear()  # cleared before consuming: a ring during the run is kept
                self.run_now(CONSUME_JOB)

    def run_now(self, name: str) -> None:
        """Run job `name` now (the ingest doorbell), if this runner has it."""
        for job in self.jobs:
            if job.name == name:
                self._run_one(job)
