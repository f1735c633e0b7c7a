"""Health and metrics through the real server: readiness follows a real database going away
and coming back (a throwaway PostgreSQL cluster of the test's own, never the shared server),
and /metrics counts what every process did (two web workers and a Celery worker in scale-out;
the web process and the background child in embedded mode)."""

import contextlib
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
import requests

from tests.scrape import samples
from tests.servers import ROOT, free_port, scale_out
from tests.waiting import eventually


def postgres_binary(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name)]
    if not found[-1]:
        pytest.fail(f"PostgreSQL's {name} is not installed (the CI script installs it)")
    return found[-1]


class ThrowawayCluster:
    """initdb + pg_ctl on a free port, as the postgres user when we are root."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="errortrack-pg-"))
        self.data = self.dir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.run(postgres_binary("initdb"), "-D", str(self.data), "-A", "trust", "-U",
                 "postgres", "--no-sync")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, *argv: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *argv], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(postgres_binary("pg_ctl"), "-D", str(self.data), "-o", options, "-w",
                 "-l", str(self.dir / "log"), "start")

    def stop(self) -> None:
        self.run(postgres_binary("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w",
                 "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def ready(url: str) -> requests.Response:
    return requests.get(f"{url}/health/ready", timeout=30)


def wait_until_ready(url: str) -> requests.Response:
    return eventually(lambda: response if (response := ready(url)).status_code == 200 else None,
                      f"{url} ready")


def test_ready_follows_the_database_down_and_back(start_own_server):
    cluster = ThrowawayCluster()
    try:
        cluster.start()
        env = {**os.environ, "DATABASE_URL": cluster.url, "SECRET_KEY": "throwaway"}
        env.pop("REDIS_URL", None)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT,
                       env=env, check=True, capture_output=True, timeout=300)
        server = start_own_server(all_processes=False, database_url=cluster.url,
                                  ERRORTRACK_DB_POOL_TIMEOUT_SECONDS="2")
        up = wait_until_ready(server.url)
        assert up.status_code == 200, up.text

        cluster.stop()
        down = ready(server.url)
        assert down.status_code == 503
        body = down.json()
        assert body["status"] == "fail" and body["components"]["database"]["status"] == "fail"
        assert body["components"]["database"]["error"]
        assert requests.get(f"{server.url}/health/live", timeout=5).status_code == 200

        cluster.start()
        back = wait_until_ready(server.url)
        assert back.status_code == 200, back.text
    finally:
        cluster.remove()  # the server, stopped after, only sees its database gone for good


# --- /metrics across processes -------------------------------------------------------------------

def scrape(url: str) -> dict[tuple[str, tuple], float]:
    response = requests.get(f"{url}/metrics", timeout=10)
    assert response.status_code == 200
    return samples(response.text)


def counter(scraped: dict, name: str, **labels: str) -> float:
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


def store(url: str, project, key: str, body: bytes) -> int:
    auth = f"Sentry sentry_version=7, sentry_key={key}, sentry_client=test/1"
    return requests.post(f"{url}/api/{project.pk}/store/", data=body, timeout=10,
                         headers={"X-Sentry-Auth": auth,
                                  "Content-Type": "application/json"}).status_code


def test_metrics_count_what_every_process_did(start_own_server, alice, web_project):
    key = web_project.keys.get().public_key
    server = start_own_server(ERRORTRACK_WEB_WORKERS="2")
    accepted = 24
    for n in range(accepted):  # a new connection each: both web workers take some
        word = ("disk full", "queue stuck", "cache cold")[n % 3]  # three issues
        event = {"event_id": uuid.uuid4().hex, "message": word, "level": "error"}
        assert store(server.url, web_project, key, json.dumps(event).encode()) == 200
    assert store(server.url, web_project, key, b"{not json") == 400
    assert store(server.url, web_project, "0" * 32, b"{}") == 401
    assert store(server.url, web_project, key, b'{"m": "%s"}' % (b"x" * 2**21)) == 413

    # The digest counts its items after the batch's commit (and its heartbeat), the stored
    # events at the commit: wait for the later count, so every earlier one is complete too.
    eventually(lambda: counter(scrape(server.url), "errortrack_digest_items_total",
                               outcome="stored") >= accepted,
               f"{accepted} digested items, as /metrics counts them")
    for _ in range(4):  # whichever web worker answers, it reports every process's counts
        scraped = scrape(server.url)
        assert counter(scraped, "errortrack_ingest_envelopes_total",
                       outcome="accepted") == accepted
        assert counter(scraped, "errortrack_ingest_events_total", outcome="accepted") == (
            accepted)
        for outcome in ("invalid", "unauthorized", "too_large"):
            assert counter(scraped, "errortrack_ingest_envelopes_total",
                           outcome=outcome) == 1, outcome
        assert counter(scraped, "errortrack_ingest_request_duration_seconds_count") == (
            accepted + 3)
        # Digested elsewhere (the Celery worker, or embedded mode's background child):
        assert counter(scraped, "errortrack_events_stored_total") == accepted
        assert counter(scraped, "errortrack_digest_items_total", outcome="stored") == (
            accepted)
        assert counter(scraped, "errortrack_issues_created_total") == 3
        assert counter(scraped, "errortrack_digest_batch_size_count") >= 1
        assert counter(scraped, "errortrack_inbox_depth") == 0
    info = [labels for name, labels in scraped if name == "errortrack_build_info"]
    assert dict(info[0])["mode"] == ("scale-out" if scale_out() else "embedded")
