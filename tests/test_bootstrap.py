"""`manage.py bootstrap`: idempotent first-run setup that prints a usable DSN and token."""

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from sentry_sdk.utils import Dsn

from errortrack.models import ApiToken, Organization, Project, ProjectKey
from tests.servers import ROOT


def bootstrap(*args: str) -> tuple[dict, str]:
    out = StringIO()
    call_command("bootstrap", "--org", "acme", "--project", "backend", "--json", *args, stdout=out)
    text = out.getvalue()
    return json.loads(text.strip().splitlines()[-1]), text


@pytest.mark.django_db
def test_it_creates_org_project_key_admin_and_token(client):
    result, text = bootstrap()
    assert set(result) == {"dsn", "token", "org", "project", "url"}
    assert (result["org"], result["project"]) == ("acme", "backend")
    project = Project.objects.get(organization__slug="acme", slug="backend")
    dsn = Dsn(result["dsn"])
    assert dsn.project_id == str(project.pk)
    assert ProjectKey.objects.get(public_key=dsn.public_key, is_active=True).project == project
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.memberships.get().role == "owner"
    response = client.get("/api/0/", HTTP_AUTHORIZATION=f"Bearer {result['token']}")
    assert response.json()["user"]["username"] == "admin"
    assert "Login:     admin / " in text


@pytest.mark.django_db
def test_the_printed_password_logs_in():
    _, text = bootstrap()
    password = text.split("Login:     admin / ")[1].split()[0]
    assert authenticate(username="admin", password=password) is not None


@pytest.mark.django_db
def test_a_second_run_keeps_the_dsn_and_rotates_the_token(client):
    first, _ = bootstrap()
    second, text = bootstrap()
    assert second["dsn"] == first["dsn"]
    assert second["token"] != first["token"]
    counts = (Organization.objects.count(), Project.objects.count(), ProjectKey.objects.count())
    assert counts == (1, 1, 1)
    assert ApiToken.objects.filter(name="bootstrap").count() == 1
    old = client.get("/api/0/", HTTP_AUTHORIZATION=f"Bearer {first['token']}")
    assert old.status_code == 401
    assert "password unchanged" in text


@pytest.mark.django_db
def test_it_takes_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "from-the-env-123")
    _, text = bootstrap()
    assert authenticate(username="admin", password="from-the-env-123") is not None
    assert "from-the-env-123" not in text


@pytest.mark.django_db
def test_if_empty_reports_the_existing_project_instead_of_creating(alice, web_project):
    out = StringIO()
    call_command("bootstrap", "--org", "demo", "--project", "demo", "--if-empty", "--json",
                 stdout=out)
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert (result["org"], result["project"]) == ("alpha", "web")
    assert not Organization.objects.filter(slug="demo").exists()


def test_it_rejects_an_invalid_slug_without_a_traceback(tmp_path):
    proc = run_bootstrap_subprocess(tmp_path, "--org", "Not A Slug!", "--project", "x")
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "slug" in proc.stderr.lower()


def run_bootstrap_subprocess(data_dir, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_SUPERUSER_PASSWORD")}
    env["ERRORTRACK_DATA_DIR"] = str(data_dir)
    return subprocess.run([sys.executable, "manage.py", "bootstrap", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.embedded
def test_on_a_fresh_data_directory_it_migrates_and_prints_one_json_line(tmp_path):
    runs = [run_bootstrap_subprocess(tmp_path, "--org", "demo", "--project", "demo", "--json")
            for _ in range(2)]
    for proc in runs:
        assert proc.returncode == 0, proc.stderr
    results = [json.loads(proc.stdout.strip().splitlines()[-1]) for proc in runs]
    assert results[0]["dsn"] == results[1]["dsn"]
    assert (tmp_path / "errortrack.sqlite3").exists()
