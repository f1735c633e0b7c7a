"""sentry-cli (from PyPI) against the real server: info, lists, triage, monitors, repos,
debug files, send-event and send-envelope."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from errortrack import actions, tokens
from errortrack.compat.dsn import build_dsn
from errortrack.models import Issue
from health import actions as monitor_actions
from tests.factories import digest_events, error_event
from tests.waiting import wait_for_events


@pytest.fixture
def cli_proc(errortrack_server, transactional_db, alice, web_project):
    """`cli_proc(*args, **env)`: sentry-cli run as alice against the server, the finished
    process itself (for commands meant to fail)."""
    executable = shutil.which("sentry-cli", path=str(Path(sys.executable).parent))
    assert executable, "sentry-cli comes with the test extras: run `make test`"
    token = actions.create_api_token(alice, "cli", tokens.SCOPES)[1]
    env = {"SENTRY_URL": errortrack_server.url, "SENTRY_AUTH_TOKEN": token,
           "SENTRY_ORG": "alpha", "SENTRY_PROJECT": "web", "PATH": "/usr/bin:/bin"}

    def run(*args: str, **more_env: str) -> subprocess.CompletedProcess:
        return subprocess.run([executable, *args], env={**env, **more_env},
                              capture_output=True, text=True, timeout=60)
    return run


@pytest.fixture
def cli(cli_proc):
    """`cli(*args, **env)`: its output, and the command must succeed."""
    def run(*args: str, **more_env: str) -> str:
        proc = cli_proc(*args, **more_env)
        assert proc.returncode == 0, proc.stderr + proc.stdout
        return proc.stdout
    return run


def test_info_lists_and_triage_through_sentry_cli(cli, web_project):
    digest_events(web_project, error_event("KeyError"), error_event("TypeError"),
                  {"message": "third"})
    key_error = Issue.objects.get(title__startswith="KeyError")
    assert "alice" in cli("info")
    listed = cli("issues", "list")
    assert "KeyError: 'sku'" in listed and "WEB-" in listed and "third" in listed
    cli("issues", "resolve", "-i", str(key_error.pk))
    key_error.refresh_from_db()
    assert key_error.status == "resolved"
    assert "KeyError" not in cli("issues", "list", "--query", "is:unresolved")
    cli("issues", "mute", "-s", "unresolved")
    assert set(Issue.objects.values_list("status", flat=True)) == {"resolved", "ignored"}
    cli("issues", "unresolve", "-a")
    assert set(Issue.objects.values_list("status", flat=True)) == {"unresolved"}


def test_monitors_and_repos_list_through_sentry_cli(cli, web_project):
    monitor_actions.create_cron_monitor(
        web_project, {"slug": "nightly-export", "name": "Nightly export",
                      "schedule": "0 3 * * *"}, timezone.now())
    listed = cli("monitors", "list")
    assert "nightly-export" in listed and "Nightly export" in listed
    cli("repos", "list")  # an empty list, decoded without error


def test_debug_files_upload_is_refused_with_the_reason(cli_proc, tmp_path):
    elf = next(path for path in ("/bin/true", "/usr/bin/true") if Path(path).exists())
    target = tmp_path / "true"
    shutil.copy(elf, target)
    proc = cli_proc("debug-files", "upload", "--wait", str(tmp_path))
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "did not process correctly" in output, output
    assert "does not support native debug files" in output, output


def test_organizations_projects_and_events_list_through_sentry_cli(cli, alpha, web_project,
                                                                   charlie):
    actions.add_team_project(actions.create_team(alpha, "backend"), web_project)
    digest_events(web_project, error_event("KeyError"), {"message": "Pool exhausted"})
    organizations = cli("organizations", "list")
    assert "alpha" in organizations and "beta" not in organizations  # charlie's
    assert "web" in cli("projects", "list") and "backend" in cli("projects", "list")
    events = cli("events", "list")
    assert "KeyError: 'sku'" in events and "Pool exhausted" in events


def test_send_event_and_send_envelope_through_sentry_cli(cli, errortrack_server, web_project,
                                                         tmp_path):
    dsn = build_dsn(errortrack_server.url, web_project.keys.get().public_key, web_project.pk)
    envelope = tmp_path / "envelope.txt"
    envelope.write_text(f'{{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","dsn":"{dsn}"}}\n'
                        '{"type":"event"}\n'
                        '{"message":"from send-envelope","level":"error"}\n')
    cli("send-envelope", str(envelope), SENTRY_DSN=dsn)
    cli("send-event", "-m", "from send-event", SENTRY_DSN=dsn)
    titles = {event.title for event in wait_for_events(2, project=web_project)}
    assert titles == {"from send-envelope", "from send-event"}
