"""Readiness (each component, with time passed in) and /metrics (parsed with
prometheus-client's own parser), in process."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from errortrack.models import InboxItem
from health import heartbeat
from health.checks import PROCESS_STARTED_AT, run_checks
from health.exposition import exposition
from tests.scrape import samples

NOW = datetime(2026, 3, 4, 12, 30, tzinfo=UTC)  # what the tests without a server call now


def inbox_item(project, **fields) -> InboxItem:
    return InboxItem.objects.create(project=project, item_type="event", event_id="a" * 32,
                                    headers={}, payload=b"{}", **fields)


@pytest.fixture
def heartbeats_required(settings):
    settings.ERRORTRACK_READY_HEARTBEATS = ["scheduler", "digest"]
    settings.ERRORTRACK_HEARTBEAT_STALE_SECONDS = 120


@pytest.mark.django_db
def test_fresh_heartbeats_are_ready_and_stale_ones_are_not(heartbeats_required):
    beat_at = NOW
    heartbeat.record_scheduler_heartbeat(beat_at)
    heartbeat.record(heartbeat.DIGEST, beat_at)
    fresh = run_checks(beat_at + timedelta(seconds=60))
    assert fresh["scheduler_heartbeat"]["status"] == fresh["digest_heartbeat"]["status"] == "ok"
    stale = run_checks(beat_at + timedelta(seconds=121))
    assert stale["scheduler_heartbeat"]["status"] == "fail"
    assert "121 s ago" in stale["scheduler_heartbeat"]["error"]


@pytest.mark.django_db
def test_a_heartbeat_never_seen_fails_once_the_process_is_past_its_start(heartbeats_required):
    # "Starting" lasts the stale age (120 s here) from the process's start.
    starting = run_checks(PROCESS_STARTED_AT + timedelta(seconds=120, microseconds=-1))
    assert starting["digest_heartbeat"]["status"] == "ok"
    never = run_checks(PROCESS_STARTED_AT + timedelta(seconds=120))["digest_heartbeat"]
    assert never["status"] == "fail" and never["error"] == "no digest heartbeat yet"


@pytest.mark.django_db
def test_the_digest_heartbeat_is_written_at_most_every_five_seconds(monkeypatch):
    monkeypatch.setattr(heartbeat, "_digest_written_at", None)  # this process wrote none yet
    heartbeat.record_digest_heartbeat(NOW)
    heartbeat.record_digest_heartbeat(NOW + timedelta(seconds=5, microseconds=-1))
    assert heartbeat.last_seen(heartbeat.DIGEST) == NOW
    heartbeat.record_digest_heartbeat(NOW + timedelta(seconds=5))
    assert heartbeat.last_seen(heartbeat.DIGEST) == NOW + timedelta(seconds=5)
    heartbeat.record_digest_heartbeat(NOW)  # the clock went back: written at once
    assert heartbeat.last_seen(heartbeat.DIGEST) == NOW


@pytest.mark.django_db
def test_an_old_inbox_item_or_many_quarantined_ones_make_it_unready(settings, web_project):
    now = NOW
    item = inbox_item(web_project)
    InboxItem.objects.filter(pk=item.pk).update(received_at=now - timedelta(seconds=400))
    lagging = run_checks(now, verbose=True)["inbox"]
    assert lagging["status"] == "fail" and lagging["depth"] == 1
    assert lagging["oldest_age_seconds"] == 400.0
    settings.ERRORTRACK_READY_MAX_INBOX_LAG_SECONDS = 500
    assert run_checks(now)["inbox"]["status"] == "ok"

    inbox_item(web_project, quarantined=True)
    assert run_checks(now)["quarantine"]["status"] == "ok"
    settings.ERRORTRACK_READY_MAX_QUARANTINED = 0
    assert run_checks(now)["quarantine"]["error"] == "1 quarantined items (limit 0)"


@pytest.mark.django_db
def test_ready_answers_503_naming_the_failed_part_and_verbose_shows_detail(client, settings):
    settings.ERRORTRACK_READY_HEARTBEATS = []
    settings.ERRORTRACK_READY_MIN_FREE_DISK_MB = 10**9  # more than any disk has
    response = client.get("/health/ready")
    if settings.IS_POSTGRES:  # no local database file to watch
        assert response.status_code == 200 and "disk" not in response.json()["components"]
        return
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail" and body["components"]["disk"]["status"] == "fail"
    assert body["components"]["database"]["status"] == "ok"
    assert "free_mb" not in body["components"]["disk"]
    assert "free_mb" in client.get("/readyz?verbose").json()["components"]["disk"]


@pytest.mark.django_db
def test_metrics_parse_and_show_the_pipeline_state(client, web_project):
    inbox_item(web_project)
    inbox_item(web_project, quarantined=True)
    response = client.get("/metrics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    scraped = samples(response.content.decode())
    assert scraped[("errortrack_inbox_depth", ())] == 1
    assert scraped[("errortrack_inbox_quarantined", ())] == 1
    assert scraped[("errortrack_database_up", ())] == 1
    assert ("errortrack_ingest_envelopes_total", (("outcome", "unauthorized"),)) in scraped
    [build] = [labels for name, labels in scraped if name == "errortrack_build_info"]
    assert dict(build)["version"] and dict(build)["mode"] in ("embedded", "scale-out")
    assert not [name for name, _ in scraped if not name.startswith(("errortrack_", "process_",
                                                                     "python_"))]


@pytest.mark.django_db
def test_the_scrape_reports_ages_as_of_now(web_project):
    item = inbox_item(web_project)
    InboxItem.objects.filter(pk=item.pk).update(received_at=NOW - timedelta(seconds=90))
    heartbeat.record_scheduler_heartbeat(NOW - timedelta(seconds=12.5))
    scraped = samples(exposition(NOW).decode())
    assert scraped[("errortrack_inbox_oldest_age_seconds", ())] == 90.0
    assert scraped[("errortrack_heartbeat_age_seconds", (("component", "scheduler"),))] == 12.5
    assert ("errortrack_heartbeat_age_seconds", (("component", "digest"),)) not in scraped


@pytest.mark.django_db
def test_metrics_can_require_a_bearer_token(client, settings):
    settings.ERRORTRACK_METRICS_TOKEN = "s3cret-scrape"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    allowed = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape")
    assert allowed.status_code == 200 and b"errortrack_build_info" in allowed.content


@pytest.mark.django_db
def test_the_dashboard_and_alert_rules_name_only_exported_metrics(client):
    import re
    from pathlib import Path

    heartbeat.record_scheduler_heartbeat(timezone.now())
    exported = {name for name, _ in samples(client.get("/metrics").content.decode())}
    docs = Path(__file__).resolve().parent.parent / "docs"
    texts = [(docs / "monitoring" / name).read_text()
             for name in ("grafana-dashboard.json", "errortrack-alerts.yml")]
    named = {name for text in texts for name in re.findall(r"errortrack_[a-z_]+", text)}
    assert len(named) >= 10
    assert named - exported == set()
    documented = set(re.findall(r"`(errortrack_[a-z_]+)`", (docs / "monitoring.md").read_text()))
    families = {re.sub(r"_(bucket|count|sum)$", "", name) for name in exported
                if name.startswith("errortrack_") and not name.endswith("_created")}
    assert families - documented == set()  # docs/monitoring.md lists every metric
