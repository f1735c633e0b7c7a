"""`manage.py serve`, the command behind `make run`, in both modes.

Embedded: web and the periodic jobs in one process. Scale-out: web, a real Celery worker and Celery
beat as children against PostgreSQL and Redis; the scheduler's heartbeat proves beat → Redis →
worker → database works. Ctrl-C (SIGINT) stops everything.
"""

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import psutil
import pytest
import requests

from health.heartbeat import SCHEDULER, last_seen
from health.models import Heartbeat
from health.multiprocess import PREFIX
from tests.waiting import eventually, wait_for_events


def wait_for_heartbeat() -> None:
    """A heartbeat written by this server: any earlier one is removed first."""
    Heartbeat.objects.filter(name=SCHEDULER).delete()
    eventually(lambda: last_seen(SCHEDULER) is not None, "a scheduler heartbeat")


def interrupt_and_check_all_stopped(server) -> None:
    process = psutil.Process(server.process.pid)
    family = [process, *process.children(recursive=True)]
    server.process.send_signal(signal.SIGINT)
    try:
        server.process.wait(30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"serve did not stop on SIGINT:\n{server.log()}")
    _, alive = psutil.wait_procs(family, timeout=10)
    assert alive == [], f"left running: {[p.cmdline() for p in alive]}"


def start_full_server(start_own_server):
    return start_own_server(ERRORTRACK_HEARTBEAT_INTERVAL_SECONDS="1")


@pytest.mark.embedded
def test_embedded_serve_runs_the_scheduler_beside_the_web_server(start_own_server):
    server = start_full_server(start_own_server)
    try:
        assert requests.get(f"{server.url}/health/ready", timeout=5).status_code == 200
        wait_for_heartbeat()
    finally:
        if server.process.poll() is None:
            interrupt_and_check_all_stopped(server)
    assert "errortrack (embedded) serving" in server.log()


def background_children(server) -> list[psutil.Process]:
    return [child for child in psutil.Process(server.process.pid).children()
            if "spawn_main" in " ".join(child.cmdline())]


@pytest.mark.embedded
def test_a_killed_background_process_is_replaced_and_the_digest_goes_on(start_own_server,
                                                                        web_project):
    """The digest runs in a child process of its own; if it dies, serve starts another."""
    server = start_full_server(start_own_server)
    try:
        [first] = background_children(server)
        first.kill()
        first.wait(10)
        children = eventually(lambda: background_children(server), "a new background child")
        assert [child.pid for child in children] != [first.pid] and len(children) == 1
        key = web_project.keys.get().public_key
        response = requests.post(f"{server.url}/api/{web_project.pk}/envelope/",
                                 params={"sentry_key": key}, timeout=10,
                                 data=b'{}\n{"type":"event"}\n{"message":"after restart"}')
        assert response.status_code == 200
        wait_for_events(1, project=web_project)
    finally:
        if server.process.poll() is None:
            interrupt_and_check_all_stopped(server)


@pytest.mark.embedded
def test_the_background_process_ends_when_serve_is_killed(start_own_server):
    server = start_full_server(start_own_server)
    [child] = background_children(server)
    server.process.kill()
    server.process.wait(10)
    assert child.wait(10) is not None or not child.is_running()


@pytest.mark.scaleout
def test_scale_out_serve_starts_web_worker_and_beat(start_own_server):
    server = start_full_server(start_own_server)
    try:
        children = psutil.Process(server.process.pid).children()
        commands = [" ".join(child.cmdline()) for child in children]
        assert any("uvicorn errortrack.asgi:application" in c for c in commands), commands
        assert any("celery -A errortrack worker" in c for c in commands), commands
        assert any("celery -A errortrack beat" in c for c in commands), commands
        wait_for_heartbeat()
        # The worker yields the CPU to the web processes (ERRORTRACK_WORKER_NICE), pool and all.
        # Beat can heartbeat before the worker has initialised (worker_init sets the niceness,
        # then the pool forks), so wait for the pool.
        [worker] = [c for c in children if "celery -A errortrack worker" in " ".join(c.cmdline())]
        web = next(c for c in children if "uvicorn" in " ".join(c.cmdline()))
        eventually(worker.children, "the worker's pool processes")
        family = [worker, *worker.children()]
        assert len(family) > 1 and all(p.nice() == web.nice() + 10 for p in family), [
            (p.pid, p.nice(), p.cmdline()) for p in [web, *family]]
    finally:
        if server.process.poll() is None:
            interrupt_and_check_all_stopped(server)


def metrics_dirs(pid: int) -> list[Path]:
    return list(Path(tempfile.gettempdir()).glob(f"{PREFIX}{pid}-*"))


def test_sigterm_stops_everything_and_removes_the_metrics_directory(start_own_server):
    """What a container runtime or systemd sends; the same cleanup as Ctrl-C."""
    server = start_full_server(start_own_server)
    family = [psutil.Process(server.process.pid),
              *psutil.Process(server.process.pid).children(recursive=True)]
    assert len(metrics_dirs(server.process.pid)) == 1
    server.process.send_signal(signal.SIGTERM)
    server.process.wait(30)
    _, alive = psutil.wait_procs(family, timeout=10)
    assert alive == [], f"left running: {[p.cmdline() for p in alive]}"
    assert metrics_dirs(server.process.pid) == []


def test_a_killed_serves_metrics_directory_is_swept_at_the_next_start():
    from health.multiprocess import _remove_orphans

    dead = subprocess.Popen(["true"])
    dead.wait()
    orphan = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{dead.pid}-"))
    mine = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
    try:
        _remove_orphans()
        assert not orphan.exists() and mine.exists()
    finally:
        shutil.rmtree(mine, ignore_errors=True)
