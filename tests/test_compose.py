"""docker-compose.yml shows the scale-out topology. There is no Docker engine here, so these tests
parse the file and check it against errortrack/topology.py (what `manage.py serve` starts) and the
README (what a person starts by hand)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from errortrack.runtime.topology import PROCESSES

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("migrate", "web", "worker", "beat")


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_the_services_are_exactly_the_topology(services):
    assert set(services) == {"postgres", "redis", *APP_SERVICES}


@pytest.mark.parametrize("name", sorted(PROCESSES))
def test_each_process_runs_its_topology_command(services, name):
    command = services[name]["command"]
    assert command[:len(PROCESSES[name])] == PROCESSES[name]


def test_the_image_runs_the_web_process_by_default():
    cmd = next(line for line in (ROOT / "Dockerfile").read_text().splitlines()
               if line.startswith("CMD "))
    assert json.loads(cmd.removeprefix("CMD "))[:len(PROCESSES["web"])] == PROCESSES["web"]


def test_web_runs_several_workers(services):
    command = services["web"]["command"]
    assert int(command[command.index("--workers") + 1]) > 1


def test_exactly_one_service_runs_beat(services):
    beats = [name for name, service in services.items()
             if service.get("command", [])[:len(PROCESSES["beat"])] == PROCESSES["beat"]]
    assert beats == ["beat"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1


def test_every_app_service_shares_one_scale_out_environment(services):
    environments = [services[name]["environment"] for name in APP_SERVICES]
    assert all(env == environments[0] for env in environments)
    env = environments[0]
    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["REDIS_URL"].startswith("redis://")
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")  # compose refuses to start without one


def test_migrate_runs_once_before_the_others(services):
    assert "exec python manage.py migrate --noinput" in " ".join(services["migrate"]["command"])
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in PROCESSES:
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["redis"]["condition"] == "service_healthy"


def test_every_app_process_shares_the_metrics_directory(services):
    for name in ("migrate", *PROCESSES):
        assert "metrics-data:/metrics-data" in services[name]["volumes"], name
        assert services[name]["environment"]["PROMETHEUS_MULTIPROC_DIR"] == "/metrics-data"
    assert "rm -f /metrics-data/*.db" in " ".join(services["migrate"]["command"])


def test_postgres_redis_and_web_have_healthchecks(services):
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "ping" in services["redis"]["healthcheck"]["test"]
    assert "/health/ready" in " ".join(services["web"]["healthcheck"]["test"])


def test_the_readme_documents_the_same_processes():
    readme = (ROOT / "README.md").read_text()
    for documented in (" ".join(PROCESSES["web"][:2]), " ".join(PROCESSES["worker"]),
                       " ".join(PROCESSES["beat"]), "python manage.py migrate"):
        assert documented in readme


def test_scale_out_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "SECRET_KEY_FILE")}
    env.update(DJANGO_SETTINGS_MODULE="errortrack.settings",
               DATABASE_URL="postgres://u:p@127.0.0.1:5432/x", REDIS_URL="redis://127.0.0.1:6379/0")
    proc = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "SECRET_KEY" in proc.stderr
