"""The periodic jobs and the embedded runner that drives them (single steps, explicit time)."""

import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from errortrack.runtime.background import BackgroundRunner
from errortrack.runtime.jobs import PeriodicJob, get_job
from health.heartbeat import SCHEDULER, last_seen, record_scheduler_heartbeat
from health.models import Heartbeat
from tests.waiting import eventually


# The runner closes stale connections after every job, as its own thread must, so these steps
# need database access outside a test transaction.
@pytest.mark.django_db(transaction=True)
def test_it_runs_due_jobs_and_waits_for_the_others():
    ran = []
    runner = BackgroundRunner([PeriodicJob("fast", 1, lambda now: ran.append("fast")),
                               PeriodicJob("slow", 60, lambda now: ran.append("slow"))])
    assert runner.run_due_jobs(1000.0) == 1.0
    assert runner.run_due_jobs(1000.5) == 0.5
    runner.run_due_jobs(1001.0)
    assert ran == ["fast", "slow", "fast"]


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_does_not_stop_the_others():
    ran = []

    def broken(now):
        raise RuntimeError("boom")

    runner = BackgroundRunner([PeriodicJob("broken", 1, broken),
                               PeriodicJob("fine", 1, lambda now: ran.append(now))])
    runner.run_due_jobs(0.0)
    runner.run_due_jobs(1.0)
    assert len(ran) == 2


@pytest.mark.django_db(transaction=True)
def test_a_job_in_its_own_thread_never_holds_up_the_others():
    release, started, ran = threading.Event(), threading.Event(), []

    def slow_probes(now):
        started.set()
        release.wait(10)

    runner = BackgroundRunner([PeriodicJob("probes", 1, slow_probes, own_thread=True),
                               PeriodicJob("digest", 1, lambda now: ran.append(now))])
    runner.run_due_jobs(0.0)
    assert started.wait(5)
    runner.run_due_jobs(1.0)  # the probes still run: skipped, not started twice
    assert len(ran) == 2
    assert len([t for t in threading.enumerate() if t.name == "errortrack-probes"]) == 1
    release.set()


@pytest.mark.django_db
def test_the_heartbeat_job_keeps_one_row_per_component():
    now = timezone.now()
    record_scheduler_heartbeat(now - timedelta(minutes=1))
    record_scheduler_heartbeat(now)
    assert Heartbeat.objects.count() == 1
    assert last_seen(SCHEDULER) == now


def test_jobs_are_found_by_name():
    assert get_job("health.heartbeat").func is record_scheduler_heartbeat
    with pytest.raises(KeyError):
        get_job("nope")


@pytest.mark.embedded
@pytest.mark.django_db(transaction=True)
def test_the_runner_thread_really_runs_the_heartbeat():
    runner = BackgroundRunner([get_job("health.heartbeat")])
    runner.start()
    try:
        eventually(lambda: last_seen(SCHEDULER) is not None, "the runner's first heartbeat",
                   timeout=5)
    finally:
        runner.stop()
