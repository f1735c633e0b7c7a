"""Recoveries that look like recoveries, and monitors by name, in every channel, through the
real notifiers to real receivers (HTTP on 127.0.0.1, aiosmtpd).

Monitors go down and come back as the product moves them (uptime.record_result, the cron
evaluation and check-ins), with `now` passed in; the rules fire on the commit, captured here.
Deliveries are stamped by the database clock, so `now` starts at the clock.
"""

import uuid
from datetime import UTC, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from alerts import actions as alert_actions
from alerts.delivery import deliver_due
from alerts.message import issue_message
from alerts.notifiers import NOTIFIERS
from errortrack import actions
from errortrack.models import Issue
from health import actions as health_actions
from health import uptime
from health.crons import evaluate_crons, record_check_in
from tests.factories import (
    digest_events,
    error_event,
    one_channel_of_each_kind,
)

RED, GREEN = "#e03e2f", "#2eb67d"
OPS = ["ops@example.com"]


@pytest.fixture
def channels(receiver, smtp, alice, web_project) -> dict:
    organization = web_project.organization
    made = one_channel_of_each_kind(organization, receiver, "s" * 32, OPS)
    alert_actions.create_rule(web_project, "monitors",
                              [{"type": "new_issue"}, {"type": "regression"}], channels=made)
    return {channel.kind: channel for channel in made}


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run `step(now)` as committed work (the rules and recovery notices), then send."""
    def run(step, now):
        with django_capture_on_commit_callbacks(execute=True):
            step(now)
        deliver_due(now)
    return run


def posted(receiver, path: str) -> list:
    return [request.json() for request in receiver.requests if request.path == path]


def mails_to_ops(smtp) -> list:
    return [mail for (_, to), mail in zip(smtp.envelopes, smtp.messages, strict=True)
            if to == OPS]


def text_part(mail) -> str:
    return next(part.get_payload(decode=True).decode() for part in mail.walk()
                if part.get_content_type() == "text/plain")


def html_part(mail) -> str:
    return next(part.get_payload(decode=True).decode() for part in mail.walk()
                if part.get_content_type() == "text/html")


def subject(mail) -> str:
    return " ".join(str(mail["Subject"]).split())


def slack_shown(body: dict) -> str:
    """Every text of a Slack payload, one per line."""
    texts = [body["text"]]
    for block in body["attachments"][0]["blocks"]:
        for item in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]:
            if isinstance(item, dict) and "text" in item:
                texts.append(item["text"] if isinstance(item["text"], str)
                             else item["text"]["text"])
    return "\n".join(texts)


def slack_buttons(body: dict) -> dict[str, str]:
    actions_block = body["attachments"][0]["blocks"][-1]
    return {button["text"]["text"]: button["url"] for button in actions_block["elements"]}


def assert_alert_then_recovery_in_slack(receiver, monitor_line: str, monitor_url: str) -> None:
    alert, recovery = posted(receiver, "/slack")
    assert alert["attachments"][0]["color"] == RED
    assert ":red_circle:" in slack_shown(alert)
    assert recovery["attachments"][0]["color"] == GREEN
    assert ":white_check_mark:" in slack_shown(recovery)
    assert ":red_circle:" not in slack_shown(recovery)
    for body in (alert, recovery):
        assert monitor_line in slack_shown(body)
        assert monitor_line in body["text"]  # the notification itself names it
        assert slack_buttons(body)["Open monitor"] == monitor_url


def assert_alert_then_recovery_by_mail(smtp, monitor_line: str, monitor_url: str) -> None:
    alert, recovery = mails_to_ops(smtp)
    assert subject(alert).startswith("[web] ")
    assert subject(recovery).startswith("[Recovered] [web] ")
    for mail in (alert, recovery):
        assert monitor_line in text_part(mail) and monitor_url in text_part(mail)
        assert f'<a href="{monitor_url}">' in html_part(mail)


def assert_trigger_then_resolve_on_pagerduty(receiver, monitor_line: str,
                                             monitor_url: str) -> None:
    trigger, resolve = posted(receiver, "/v2/enqueue")
    assert (trigger["event_action"], resolve["event_action"]) == ("trigger", "resolve")
    assert resolve["dedup_key"] == trigger["dedup_key"] and "payload" not in resolve
    assert trigger["payload"]["summary"].endswith(monitor_line)
    assert monitor_url in [link["href"] for link in trigger["links"]]


# --- uptime ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_an_uptime_alert_and_its_recovery_name_the_monitor_and_look_different(
        channels, receiver, smtp, web_project, committed):
    start = timezone.now()
    monitor = health_actions.create_uptime_monitor(web_project, {
        "name": "Checkout API", "url": "https://shop.example/health", "failure_threshold": 1,
        "recovery_threshold": 1}, start)
    committed(lambda now: uptime.record_result(
        monitor.pk, uptime.ProbeResult(False, 503, 12.0, "HTTP 503, expected 200-299"), now),
        start + timedelta(minutes=1))
    committed(lambda now: uptime.record_result(
        monitor.pk, uptime.ProbeResult(True, 200, 10.0, ""), now), start + timedelta(minutes=2))

    line = "Uptime monitor Checkout API (https://shop.example/health)"
    page = settings.BASE_URL + reverse("monitor-uptime", args=["alpha", "web", monitor.pk])
    assert_alert_then_recovery_in_slack(receiver, line, page)
    assert_trigger_then_resolve_on_pagerduty(receiver, line, page)
    alert, recovery = mails_to_ops(smtp)
    assert subject(alert) == ("[web] Uptime monitor down: Downtime detected for "
                              "https://shop.example/health (Checkout API)")
    assert subject(recovery).startswith("[Recovered] [web] Uptime monitor recovered: ")
    assert_alert_then_recovery_by_mail(smtp, line, page)
    hooks = posted(receiver, "/hook")
    assert [hook["action"] for hook in hooks] == ["trigger", "resolve"]
    assert all(hook["monitor"] == {"type": "uptime", "name": "Checkout API", "slug": "",
                                   "target": "https://shop.example/health",
                                   "expected_at": "", "url": page} for hook in hooks)


# --- crons -------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_missed_cron_run_names_the_monitor_its_slug_and_the_expected_time(
        channels, receiver, smtp, web_project, committed):
    start = timezone.now()
    monitor = health_actions.create_cron_monitor(web_project, {
        "slug": "nightly-backup", "name": "Nightly backup", "checkin_margin": 5,
        "schedule": {"type": "crontab", "value": "0 2 * * *"}}, start)
    expected = monitor.next_expected_at
    committed(evaluate_crons, expected + timedelta(minutes=5))
    ok = {"check_in_id": uuid.uuid4().hex, "monitor_slug": "nightly-backup", "status": "ok"}
    later = expected + timedelta(minutes=6)
    committed(lambda now: record_check_in(web_project.pk, ok, now, now), later)

    line = (f"Cron monitor Nightly backup (nightly-backup), run expected at "
            f"{expected.astimezone(UTC):%Y-%m-%d %H:%M} UTC")
    page = settings.BASE_URL + reverse("monitor-cron", args=["alpha", "web", "nightly-backup"])
    assert_alert_then_recovery_in_slack(receiver, line, page)
    assert_trigger_then_resolve_on_pagerduty(receiver, line, page)
    assert_alert_then_recovery_by_mail(smtp, line, page)
    assert subject(mails_to_ops(smtp)[0]) == (
        "[web] Cron monitor failing: Cron failure: Nightly backup")
    hooks = posted(receiver, "/hook")
    assert [hook["action"] for hook in hooks] == ["trigger", "resolve"]
    assert hooks[0]["monitor"]["slug"] == "nightly-backup"
    assert hooks[0]["monitor"]["expected_at"] == expected.isoformat()


# --- an issue's resolve notice -----------------------------------------------------------------

@pytest.mark.django_db
def test_an_issue_resolve_notice_is_styled_resolved_in_every_channel(
        channels, receiver, smtp, alice, web_project, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        digest_events(web_project, error_event("KeyError"))
    deliver_due(timezone.now())  # the rule's triggers
    issue = Issue.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_issue_status(issue, "resolved", alice)
    deliver_due(timezone.now())  # PagerDuty's resolve
    assert [body["event_action"] for body in posted(receiver, "/v2/enqueue")] == [
        "trigger", "resolve"]
    notice = issue_message(Issue.objects.get(), "resolved")
    for kind in ("slack", "email"):
        NOTIFIERS[kind](channels[kind].config).send("resolve", notice, [])
    alert, resolved = posted(receiver, "/slack")
    assert (alert["attachments"][0]["color"], resolved["attachments"][0]["color"]) == (RED, GREEN)
    assert resolved["text"].startswith("Resolved: KeyError")
    assert ":white_check_mark: *Resolved*" in slack_shown(resolved)
    assert [subject(mail).split(":")[0] for mail in mails_to_ops(smtp)] == [
        "[web] New issue", "[Resolved] [web] Resolved"]
    assert "Monitor" not in slack_shown(resolved)  # an error issue names no monitor
