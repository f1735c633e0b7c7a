"""Cron monitors in process: schedules, check-in runs, and what evaluate_crons(now) records."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given, settings
from hypothesis import strategies as st

from errortrack.models import Issue
from health import actions
from health.crons import (
    NIL_CHECK_IN_ID,
    clean_config,
    delete_expired_checkins,
    evaluate_crons,
    next_run,
    record_check_in,
)
from health.models import CheckIn, CronMonitor

HOURLY = {"schedule": {"type": "crontab", "value": "0 * * * *"}, "checkin_margin": 5,
          "max_runtime": 10}
NOW = datetime(2026, 3, 4, 12, 30, tzinfo=UTC)  # what these tests call now


def check_in(project, status, check_in_id=None, at=NOW, config=HOURLY, slug="billing",
             **extra):
    """One check-in as sentry-sdk sends it, consumed at `at`."""
    data = {"check_in_id": check_in_id or uuid.uuid4().hex, "monitor_slug": slug,
            "status": status, "type": "check_in", "event_id": uuid.uuid4().hex, **extra}
    if config is not None:
        data["monitor_config"] = config
    return record_check_in(project.pk, data, at, at)


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the alert rules) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


# --- schedules ---------------------------------------------------------------------------------

def test_crontab_runs_in_the_monitors_timezone():
    monitor = CronMonitor(schedule_type="crontab", schedule="30 2 * * *", timezone="Europe/Berlin")
    after = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert next_run(monitor, after) == datetime(2026, 6, 2, 0, 30, tzinfo=UTC)  # 02:30 CEST
    # 02:30 does not exist on the day clocks go forward: cron runs at 03:00 local instead.
    assert next_run(monitor, datetime(2026, 3, 28, 12, 0, tzinfo=UTC)) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC)


def test_interval_schedules_add_calendar_months():
    monitor = CronMonitor(schedule_type="interval", schedule="1", interval_unit="month")
    assert next_run(monitor, datetime(2026, 1, 31, 8, tzinfo=UTC)) == datetime(
        2026, 2, 28, 8, tzinfo=UTC)
    monitor.interval_unit, monitor.schedule = "minute", "15"
    assert next_run(monitor, datetime(2026, 1, 31, 8, tzinfo=UTC)) == datetime(
        2026, 1, 31, 8, 15, tzinfo=UTC)


def test_config_accepts_what_the_sdk_sends():
    fields = clean_config({"schedule": {"type": "crontab", "value": "@daily"},
                           "checkin_margin": 5, "max_runtime": 30, "timezone": "Europe/Paris",
                           "failure_issue_threshold": 2, "recovery_threshold": 3,
                           "owner": "user:a@b.c"})
    assert fields["schedule"] == "0 0 * * *"
    assert (fields["checkin_margin_minutes"], fields["max_runtime_minutes"]) == (5, 30)
    assert (fields["failure_issue_threshold"], fields["recovery_threshold"]) == (2, 3)
    assert clean_config({"schedule": {"type": "interval", "value": 2, "unit": "hour"}})[
        "interval_unit"] == "hour"
    assert clean_config({"schedule": "*/5 * * * *", "schedule_type": "crontab"})[
        "schedule"] == "*/5 * * * *"


@pytest.mark.parametrize("config, message", [
    ({}, "schedule"),
    ({"schedule": {"type": "crontab", "value": "61 * * * *"}}, "Invalid crontab"),
    ({"schedule": {"type": "crontab", "value": "* * *"}}, "Invalid crontab"),
    ({"schedule": {"type": "interval", "value": 0, "unit": "minute"}}, "between"),
    ({"schedule": {"type": "interval", "value": 5, "unit": "fortnight"}}, "unit"),
    ({"schedule": {"type": "weekly"}}, "type"),
    ({"schedule": "0 * * * *", "timezone": "Mars/Olympus"}, "timezone"),
    ({"schedule": "0 * * * *", "checkin_margin": -1}, "checkin_margin"),
    ({"schedule": "0 * * * *", "max_runtime": "30"}, "max_runtime"),
    ({"schedule": "0 * * * *", "failure_issue_threshold": True}, "failure_issue_threshold"),
    ("0 * * * *", "object"),
])
def test_bad_configs_are_refused_with_a_reason(config, message):
    with pytest.raises(ValidationError, match=message):
        clean_config(config)


# --- check-ins ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_run_is_one_row_from_in_progress_to_ok(web_project):
    started = NOW
    run_id = uuid.uuid4().hex
    check_in(web_project, "in_progress", run_id, at=started)
    run = check_in(web_project, "ok", run_id, at=started + timedelta(seconds=42))
    assert CheckIn.objects.count() == 1
    assert (run.status, run.duration, run.timeout_at) == ("ok", 42.0, None)
    monitor = CronMonitor.objects.get(slug="billing")
    assert (monitor.status, monitor.schedule, monitor.checkin_margin_minutes) == (
        "ok", "0 * * * *", 5)
    assert monitor.next_expected_at == next_run(monitor, started) == datetime(
        2026, 3, 4, 13, tzinfo=UTC)


@pytest.mark.django_db
def test_the_nil_check_in_id_finishes_the_latest_run_in_progress(web_project):
    older = check_in(web_project, "in_progress", at=NOW - timedelta(minutes=1))
    latest = check_in(web_project, "in_progress")
    check_in(web_project, "error", NIL_CHECK_IN_ID, duration=3)
    older.refresh_from_db()
    latest.refresh_from_db()
    assert (older.status, latest.status, latest.duration) == ("in_progress", "error", 3.0)


@pytest.mark.django_db
def test_an_error_opens_a_cron_issue_and_an_ok_resolves_it(web_project, on_commit):
    with on_commit():
        check_in(web_project, "error", release="billing@2", environment="production")
    monitor = CronMonitor.objects.get(slug="billing")
    issue = Issue.objects.get(pk=monitor.issue_id)
    assert (issue.kind, issue.status, issue.title) == ("cron", "unresolved",
                                                      "Cron failure: billing")
    assert issue.culprit == "billing"
    event = issue.events.get()
    assert (event.environment, event.release) == ("production", "billing@2")
    assert event.data["contexts"]["monitor"]["status"] == "error"
    from alerts.models import Delivery  # the project's default rule mails its members

    assert Delivery.objects.filter(issue=issue, reason="new_issue").count() == 1
    with on_commit():
        check_in(web_project, "ok")
    issue.refresh_from_db()
    assert issue.status == "resolved"
    assert CronMonitor.objects.get(pk=monitor.pk).status == "ok"


@pytest.mark.django_db
def test_thresholds_count_failures_and_recoveries_in_a_row(web_project):
    config = {**HOURLY, "failure_issue_threshold": 2, "recovery_threshold": 2}
    check_in(web_project, "error", config=config)
    monitor = CronMonitor.objects.get(slug="billing")
    assert (monitor.issue_id, monitor.consecutive_failures) == (None, 1)
    check_in(web_project, "ok", config=config)
    check_in(web_project, "error", config=config)
    assert CronMonitor.objects.get(pk=monitor.pk).issue_id is None  # the ok broke the streak
    check_in(web_project, "error", config=config)
    monitor.refresh_from_db()
    issue = Issue.objects.get(pk=monitor.issue_id)
    check_in(web_project, "ok", config=config)
    issue.refresh_from_db()
    assert issue.status == "unresolved"  # one ok is not a recovery yet
    check_in(web_project, "ok", config=config)
    issue.refresh_from_db()
    assert issue.status == "resolved"


@pytest.mark.django_db
def test_a_check_in_for_an_unknown_monitor_without_config_is_kept_alone(web_project):
    run = check_in(web_project, "ok", slug="mystery", config=None)
    assert (run.monitor, run.monitor_slug) == (None, "mystery")
    assert not CronMonitor.objects.exists()


@pytest.mark.django_db
def test_a_bad_config_does_not_change_an_existing_monitor(web_project):
    check_in(web_project, "ok")
    check_in(web_project, "ok", config={"schedule": {"type": "crontab", "value": "nope"}})
    assert CronMonitor.objects.get().schedule == "0 * * * *"
    assert CheckIn.objects.count() == 2


@pytest.mark.django_db
def test_a_check_in_without_slug_or_id_fails_its_item(web_project):
    with pytest.raises(ValueError):
        record_check_in(web_project.pk, {"status": "ok", "monitor_slug": "x",
                                         "check_in_id": "short"}, NOW, NOW)


# --- missed runs and timeouts ------------------------------------------------------------------

@pytest.mark.django_db
def test_a_missed_run_is_recorded_once_after_the_margin(web_project, on_commit):
    check_in(web_project, "ok", at=NOW)
    monitor = CronMonitor.objects.get()
    expected = monitor.next_expected_at
    assert expected == datetime(2026, 3, 4, 13, tzinfo=UTC)
    assert evaluate_crons(expected + timedelta(minutes=4)) == 0  # within the 5 min margin
    assert evaluate_crons(expected + timedelta(minutes=5, microseconds=-1)) == 0
    with on_commit():
        assert evaluate_crons(expected + timedelta(minutes=5)) == 1
    assert evaluate_crons(expected + timedelta(minutes=5, seconds=1)) == 0  # once
    missed = CheckIn.objects.get(status="missed")
    assert missed.expected_at == expected
    monitor.refresh_from_db()
    assert monitor.status == "error"
    assert monitor.next_expected_at == expected + timedelta(hours=1)
    issue = Issue.objects.get(pk=monitor.issue_id)
    assert "A missed check-in was detected" in issue.events.get().data["message"]


@pytest.mark.django_db
@pytest.mark.parametrize("minutes_past_the_hour", [2, 30])
def test_many_slots_missed_while_stopped_count_as_one(web_project, minutes_past_the_hour):
    hour = datetime(2026, 3, 4, 11, tzinfo=UTC)
    now = hour + timedelta(minutes=minutes_past_the_hour)
    check_in(web_project, "ok", at=now - timedelta(days=2))
    assert evaluate_crons(now) == 1
    assert evaluate_crons(now) == 0
    monitor = CronMonitor.objects.get()
    # The next slot whose deadline (slot + 5 min margin) is still ahead: two minutes past the
    # hour that is the slot just passed, which can still be checked in on time.
    expected = hour if minutes_past_the_hour < 5 else hour + timedelta(hours=1)
    assert monitor.next_expected_at == expected


@pytest.mark.django_db
def test_a_user_made_monitor_that_never_checks_in_is_missed(web_project):
    monitor = actions.create_cron_monitor(web_project, {
        "slug": "weekly-export", "schedule": "*/10 * * * *", "checkin_margin": 2}, NOW)
    assert monitor.next_expected_at == datetime(2026, 3, 4, 12, 40, tzinfo=UTC)
    deadline = monitor.next_expected_at + timedelta(minutes=2)
    assert evaluate_crons(deadline - timedelta(seconds=1)) == 0
    assert evaluate_crons(deadline) == 1
    monitor.refresh_from_db()
    assert (monitor.status, Issue.objects.get(pk=monitor.issue_id).kind) == ("error", "cron")


@pytest.mark.django_db
def test_a_run_in_progress_past_max_runtime_times_out(web_project):
    # At minute 1 of the hour: the next hourly run (and a missed one) is an hour away.
    started = datetime(2026, 3, 4, 12, 1, tzinfo=UTC)
    run_id = uuid.uuid4().hex
    check_in(web_project, "in_progress", run_id, at=started)
    assert evaluate_crons(started + timedelta(minutes=9)) == 0
    assert evaluate_crons(started + timedelta(minutes=10)) == 1
    run = CheckIn.objects.get(check_in_id=run_id)
    assert run.status == "timeout"
    # A late ok does not undo the timeout.
    check_in(web_project, "ok", run_id, at=started + timedelta(minutes=11))
    run.refresh_from_db()
    assert run.status == "timeout"
    issue = Issue.objects.get(pk=CronMonitor.objects.get().issue_id)
    assert "ran longer than 10 min" in issue.events.get().data["message"]


@pytest.mark.django_db
def test_a_paused_monitor_records_nothing(web_project):
    monitor = actions.create_cron_monitor(web_project, {"slug": "paused",
                                                        "schedule": "* * * * *"}, NOW)
    actions.update_cron_monitor(monitor, {"is_active": False}, NOW)
    later = NOW + timedelta(hours=3)
    assert evaluate_crons(later) == 0
    resumed = actions.update_cron_monitor(monitor, {"is_active": True}, later)
    # Runs missed while paused don't count: the next one is the first after resuming.
    assert resumed.next_expected_at == later + timedelta(minutes=1)
    assert evaluate_crons(later + timedelta(minutes=1)) == 0


@pytest.mark.django_db
def test_old_check_ins_are_deleted(settings, web_project):
    settings.ERRORTRACK_CRON_HISTORY_DAYS = 90
    check_in(web_project, "ok", at=NOW - timedelta(days=91))
    check_in(web_project, "ok", at=NOW - timedelta(days=1))
    assert delete_expired_checkins(NOW) == 1
    assert CheckIn.objects.count() == 1


@pytest.mark.django_db
def test_a_duplicate_slug_is_refused(web_project):
    actions.create_cron_monitor(web_project, {"slug": "dup", "schedule": "* * * * *"}, NOW)
    with pytest.raises(ValidationError, match="has a cron monitor"):
        actions.create_cron_monitor(web_project, {"slug": "dup", "schedule": "* * * * *"}, NOW)
    with pytest.raises(ValidationError, match="slug"):
        actions.create_cron_monitor(web_project, {"slug": "Bad Slug!", "schedule": "* * * * *"},
                                    NOW)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=10), inner, max_size=3), max_leaves=8)
CONFIG_KEYS = st.sampled_from(["schedule", "schedule_type", "timezone", "checkin_margin",
                               "max_runtime", "failure_issue_threshold", "recovery_threshold"])
SCHEDULES = st.fixed_dictionaries({"type": st.sampled_from(["crontab", "interval"]) | JSON,
                                   "value": JSON, "unit": st.sampled_from(
                                       ["minute", "month", "year"]) | JSON})


@given(config=st.dictionaries(CONFIG_KEYS, JSON | SCHEDULES, max_size=7) | JSON)
@example(config={"schedule": {"type": "interval", "value": None, "unit": "minute"}})
@settings(max_examples=300, deadline=None)
def test_any_config_is_cleaned_or_refused_with_a_reason(config):
    try:
        fields = clean_config(config)
    except ValidationError:
        return
    monitor = CronMonitor(**fields)
    assert next_run(monitor, datetime(2026, 1, 31, tzinfo=UTC)) > datetime(2026, 1, 31,
                                                                           tzinfo=UTC)


@pytest.mark.django_db
def test_slugs_from_check_ins_are_normalized(web_project):
    check_in(web_project, "ok", slug="Jobs/Daily Report")
    assert CronMonitor.objects.get().slug == "jobs-daily-report"
