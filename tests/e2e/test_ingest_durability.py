"""An acked event is never lost: SIGKILL a Celery worker mid-way through 2,000 events, start
another, and find exactly 2,000 stored (no loss, no duplicates)."""

import signal
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest
import requests

from errortrack.models import Event, InboxItem
from tests.servers import ROOT, RunningServer, environment_of
from tests.waiting import eventually

EVENTS = 2000


def start_worker(server: RunningServer, log_path) -> subprocess.Popen:
    env = environment_of(server, ERRORTRACK_CONSUME_BATCH_SIZE="50")
    with open(log_path, "ab") as log:
        return subprocess.Popen([sys.executable, "-m", "celery", "-A", "errortrack", "worker",
                                 "--loglevel", "INFO", "--concurrency", "2"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def kill_tree(process: subprocess.Popen) -> None:
    family = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
    for member in family:
        member.send_signal(signal.SIGKILL)
    psutil.wait_procs(family, timeout=10)


@pytest.mark.scaleout
@pytest.mark.timeout(300)
def test_killing_a_worker_mid_way_loses_nothing(start_own_server, web_project, tmp_path):
    server = start_own_server(all_processes=False)  # the web process only: workers below
    url = f"{server.url}/api/{web_project.pk}/envelope/"
    auth = {"X-Sentry-Auth": f"Sentry sentry_key={web_project.keys.get().public_key}"}
    event_ids = [uuid.uuid4().hex for _ in range(EVENTS)]

    def send(event_id: str) -> int:
        body = b'{"event_id":"%s"}\n{"type":"event"}\n{"message":"durable"}' % event_id.encode()
        return requests.post(url, data=body, headers=auth, timeout=30).status_code

    first = start_worker(server, tmp_path / "worker.log")
    with ThreadPoolExecutor(8) as pool:
        sending = [pool.submit(send, event_id) for event_id in event_ids]
        try:
            eventually(lambda: Event.objects.count() >= 300, "300 events stored before the kill",
                       timeout=60)
        finally:
            kill_tree(first)  # while events are still arriving and being consumed
        stored_at_kill = Event.objects.count()
        statuses = [future.result() for future in sending]
    assert statuses == [200] * EVENTS
    assert 0 < stored_at_kill < EVENTS, "the kill should land mid-way"

    second = start_worker(server, tmp_path / "worker.log")
    try:
        eventually(lambda: Event.objects.count() >= EVENTS,
                   lambda: f"{EVENTS} events stored (stored {Event.objects.count()})",
                   timeout=120)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    assert Event.objects.count() == EVENTS
    assert set(Event.objects.values_list("event_id", flat=True)) == set(event_ids)
    assert InboxItem.objects.count() == 0
