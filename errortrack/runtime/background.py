"""The embedded-mode background runner: the periodic jobs (the digest among them) beside the web
server.

`serve` runs it in a child process (`start_process`), so the digest has a CPU core of its own
instead of sharing the web process's interpreter lock with every ingest request (measured: with
both in one process, ingest and digest together stopped at about 410 events/s on two cores).
Ingest rings a cross-process doorbell after each inbox commit. Within the runner one job runs at
a time, so SQLite sees a single background writer. A job that raises is logged and retried at
its next interval; it never stops the others.
"""

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from typing import Any

from django.db import close_old_connections, connections
from django.utils import timezone

from errortrack.ingest import inbox
from errortrack.runtime.jobs import PeriodicJob
from errortrack.wakeup import CONSUME_JOB

log = logging.getLogger(__name__)
STOP_GRACE_SECONDS = 15


class BackgroundRunner:
    def __init__(self, jobs: Sequence[PeriodicJob], doorbell: Any = None) -> None:
        self.jobs = list(jobs)
        self.doorbell = doorbell if doorbell is not None else inbox.doorbell
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.run, name="errortrack-background",
                                        daemon=True)
        self._next_due = {job.name: 0.0 for job in self.jobs}
        self._threads: dict[str, threading.Thread] = {}

    def start(self) -> None:
        """Run in a thread of this process (tests; the process form is start_process)."""
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.doorbell.set()
        self._thread.join(timeout)

    def run_due_jobs(self, monotonic_now: float) -> float:
        """Run every job that is due; return seconds until the next one is."""
        for job in self.jobs:
            if monotonic_now >= self._next_due[job.name]:
                self._run_one(job)
                self._next_due[job.name] = monotonic_now + job.interval_seconds
        return max(0.0, min(self._next_due.values()) - monotonic_now)

    def _run_one(self, job: PeriodicJob) -> None:
        if job.own_thread:
            self._start_in_thread(job)
            return
        self._run_inline(job)

    def _start_in_thread(self, job: PeriodicJob) -> None:
        """One run of `job` at a time, beside the loop (a run still going skips its turn)."""
        running = self._threads.get(job.name)
        if running is not None and running.is_alive():
            return
        thread = threading.Thread(target=self._run_in_thread, args=(job,), daemon=True,
                                  name=f"errortrack-{job.name}")
        self._threads[job.name] = thread
        thread.start()

    def _run_in_thread(self, job: PeriodicJob) -> None:
        try:
            self._run_inline(job)
        finally:
            connections.close_all()  # this thread's own connections end with it

    def _run_inline(self, job: PeriodicJob) -> None:
        try:
            job.func(timezone.now())
        except Exception:
            log.exception("Periodic job %s failed", job.name)
        finally:
            close_old_connections()

    def run(self, stop: Any = None, parent_pid: int | None = None) -> None:
        """The loop: due jobs, and the consumer whenever the doorbell rings. Ends when `stop`
        (or stop()) is set, or when the parent process `parent_pid` has gone."""
        stop = stop if stop is not None else self._stop
        while not stop.is_set() and (parent_pid is None or os.getppid() == parent_pid):
            wait = self.run_due_jobs(time.monotonic())
            if self.doorbell.wait(min(wait, 1.0)) and not stop.is_set():
                self.doorbell.clear()  # cleared before consuming: a ring during the run is kept
                self.run_now(CONSUME_JOB)

    def run_now(self, name: str) -> None:
        """Run job `name` now (the ingest doorbell), if this runner has it."""
        for job in self.jobs:
            if job.name == name:
                self._run_one(job)


class BackgroundProcess:
    """The runner in a child process, with the doorbell ingest rings from this one. A child that
    dies is started again (after RESTART_DELAY_SECONDS): the inbox keeps what it had not done."""

    RESTART_DELAY_SECONDS = 1.0

    def __init__(self) -> None:
        self._context = multiprocessing.get_context("spawn")  # no inherited connections
        self.doorbell = self._context.Event()
        self._stop = self._context.Event()
        # Live-update announcements from the child's digest to this (the web) process.
        self.live_queue = self._context.Queue(maxsize=1000)
        self._process: Any = None
        self._watcher = threading.Thread(target=self._watch, name="errortrack-background-watch",
                                         daemon=True)

    def _spawn(self) -> None:
        from errortrack.runtime import background_child

        connections.close_all()
        self._process = self._context.Process(
            target=background_child.main, name="errortrack-background",
            args=(self.doorbell, self._stop, os.getpid(), self.live_queue), daemon=True)
        self._process.start()

    def _watch(self) -> None:
        while not self._stop.wait(self.RESTART_DELAY_SECONDS):
            if not self._process.is_alive() and not self._stop.is_set():
                log.error("the background process exited (%s); starting it again",
                          self._process.exitcode)
                self._spawn()

    def start(self) -> None:
        from errortrack.live import publish

        inbox.use_doorbell(self.doorbell)
        publish.forward_from(self.live_queue)
        self._spawn()
        self._watcher.start()

    def stop(self) -> None:
        self._stop.set()
        self.doorbell.set()
        self._watcher.join(STOP_GRACE_SECONDS)
        self._process.join(STOP_GRACE_SECONDS)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
