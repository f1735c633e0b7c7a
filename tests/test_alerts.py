"""Alert rules and deliveries with real receivers (HTTP on 127.0.0.1, aiosmtpd): what fires,
what each channel gets, throttling, retries, failing channels and PagerDuty resolution.

Events go through the real digest; its facts reach the rules after the commit (captured and
run here). Windows, intervals and retries are single-step functions taking `now`, so time
moves without sleeping.
"""

import hashlib
import hmac
from datetime import timedelta

import pytest
from django.utils import timezone

from alerts import actions as alert_actions
from alerts import rules
from alerts.delivery import claim, deliver_due
from alerts.listeners import DEFAULT_RULE_NAME
from alerts.models import Channel, Delivery, Rule
from errortrack import actions
from errortrack.models import Issue
from errortrack.signals import Facts
from tests.factories import PAGERDUTY_ROUTING_KEY, digest_events, error_event

ROUTING_KEY = PAGERDUTY_ROUTING_KEY


@pytest.fixture
def digest(django_capture_on_commit_callbacks):
    """Digest events as ingest would, running what waits for the commit (the rules)."""
    def run(project, *events):
        with django_capture_on_commit_callbacks(execute=True):
            digest_events(project, *events)
    return run


def webhook_rule(project, receiver, triggers=None, **options) -> Rule:
    channel = alert_actions.create_channel(project.organization, "webhook", "hook",
                                           {"url": receiver.url("/hook"), "secret": "s" * 32})
    return alert_actions.create_rule(project, "rule", triggers or [{"type": "new_issue"}],
                                     channels=[channel], **options)


def sent_to(receiver, path="/hook") -> list:
    return [r for r in receiver.requests if r.path == path]


@pytest.mark.django_db
def test_a_new_project_emails_its_members_on_a_new_issue(smtp, digest, alice, bob,
                                                         web_project):
    assert web_project.alert_rules.get().name == DEFAULT_RULE_NAME
    digest(web_project, error_event("KeyError", "'<b>sku</b>'"))
    assert deliver_due(timezone.now()) == 1
    [(_, recipients)] = smtp.envelopes
    assert sorted(recipients) == ["alice@example.com", "bob@example.com"]
    [mail] = smtp.messages
    assert "[web] New issue: KeyError" in mail["Subject"]
    text, html = (part.get_payload(decode=True).decode() for part in mail.walk()
                  if part.get_content_type() in ("text/plain", "text/html"))
    assert "/organizations/alpha/issues/" in text
    assert "&lt;b&gt;sku&lt;/b&gt;" in html and "<b>sku</b>" not in html  # event text escaped


@pytest.mark.django_db(transaction=True)
def test_a_project_made_through_the_action_gets_the_default_rule_once_committed(alpha):
    """A real commit (bootstrap, the admin, the API all call the action): the project-created
    hook fires once, and the organization's members channel is shared, not duplicated."""
    first = actions.create_project(alpha, "api")
    second = actions.create_project(alpha, "jobs")
    for project in (first, second):
        [rule] = Rule.objects.filter(project=project)
        assert rule.name == DEFAULT_RULE_NAME
        assert rule.triggers == [{"type": "new_issue"}, {"type": "regression"}]
    assert Channel.objects.filter(organization=alpha, kind="email").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_project_added_in_the_admin_is_made_by_the_action(client, django_user_model,
                                                            alpha):
    from django.urls import reverse

    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-1")
    client.force_login(root)
    response = client.post(reverse("admin:errortrack_project_add"), {
        "organization": alpha.pk, "slug": "Admin-Made", "name": "From the admin",
        "platform": "go", "date_created_0": "2026-01-02", "date_created_1": "03:04:05",
        "scrub_defaults": "on", "sensitive_fields": "[]", "safe_fields": "[]",
        "event_retention_days": "30", "grouping_version": "v1", "issue_counter": "0",
        "keys-TOTAL_FORMS": "0", "keys-INITIAL_FORMS": "0"})
    assert response.status_code == 302, response.content.decode()[:2000]
    project = alpha.projects.get(name="From the admin")
    assert (project.slug, project.platform, project.event_retention_days) == (
        "admin-made", "go", 30)
    assert [key.is_active for key in project.keys.all()] == [True]
    assert [rule.name for rule in Rule.objects.filter(project=project)] == [DEFAULT_RULE_NAME]


@pytest.mark.django_db(transaction=True)
def test_a_project_made_without_the_action_or_rolled_back_gets_no_rule(alpha):
    from django.db import transaction

    from errortrack.models import Project

    direct = Project.objects.create(organization=alpha, slug="direct", name="direct")
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.create_project(alpha, "undone")
        raise RuntimeError("the caller failed after creating it")
    assert not Rule.objects.filter(project=direct).exists()
    assert not Project.objects.filter(slug="undone").exists()
    assert Rule.objects.count() == 1  # web's, from the fixture


@pytest.mark.django_db
def test_a_new_issue_reaches_a_signed_webhook_once_per_interval(receiver, digest, alice,
                                                                web_project):
    rule = webhook_rule(web_project, receiver,
                        [{"type": "new_issue"}, {"type": "event_frequency", "value": 1,
                                                  "minutes": 60}])
    digest(web_project, error_event())
    digest(web_project, error_event(), error_event())  # frequency holds, but within interval
    deliver_due(timezone.now())
    [request] = sent_to(receiver)
    body = request.json()
    assert body["action"] == "trigger" and body["reason"] == "new_issue"
    assert body["title"] == "KeyError: 'sku'" and body["project"]["slug"] == "web"
    expected = "sha256=" + hmac.new(b"s" * 32, request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Errortrack-Signature"] == expected
    assert Delivery.objects.get(channel__kind="webhook").rule == rule


@pytest.mark.django_db
def test_a_frequency_rule_fires_exactly_once_when_crossing_n(receiver, digest, alice,
                                                             web_project):
    webhook_rule(web_project, receiver,
                 [{"type": "event_frequency", "value": 3, "minutes": 10}])
    digest(web_project, error_event(), error_event(), error_event())
    assert not Delivery.objects.filter(channel__kind="webhook")  # 3 is not more than 3
    digest(web_project, error_event())
    digest(web_project, error_event())
    assert Delivery.objects.get(channel__kind="webhook").reason == "event_frequency"
    issue = Issue.objects.get()
    later = timezone.now() + timedelta(minutes=61)  # interval over, but the window is empty
    assert rules.evaluate(Facts(events_by_issue={issue.pk: 1}), later) == []


@pytest.mark.django_db
def test_the_action_interval_lets_the_rule_fire_again_afterwards(receiver, alice, web_project,
                                                                 digest):
    rule = webhook_rule(web_project, receiver,
                        [{"type": "event_frequency", "value": 0, "minutes": 120}],
                        action_interval_minutes=30)
    digest(web_project, error_event())
    issue = Issue.objects.get()
    facts, now = Facts(events_by_issue={issue.pk: 1}), timezone.now()
    assert rules.evaluate(facts, now + timedelta(minutes=29)) == []
    assert len(rules.evaluate(facts, now + timedelta(minutes=31))) == 1
    assert Delivery.objects.filter(rule=rule).count() == 2


@pytest.mark.django_db
def test_filters_decide_which_issues_a_rule_takes(receiver, digest, alice, web_project):
    webhook_rule(web_project, receiver, filters={"level": "error",
                                                 "environment": "production",
                                                 "tags": {"customer": "acme"}})
    digest(web_project, error_event("A", level="warning", environment="production",
                                    tags={"customer": "acme"}),
           error_event("B", environment="staging", tags={"customer": "acme"}),
           error_event("C", environment="production", tags={"customer": "other"}),
           error_event("D", level="fatal", environment="production", tags={"customer": "acme"}))
    assert [d.message["title"].split(":")[0] for d in Delivery.objects.filter(
        channel__kind="webhook")] == ["D"]


@pytest.mark.django_db
def test_pagerduty_is_triggered_and_resolved_with_one_dedup_key_and_a_regression_retriggers(
        receiver, digest, alice, web_project, django_capture_on_commit_callbacks):
    channel = alert_actions.create_channel(web_project.organization, "pagerduty", "oncall",
                                           {"routing_key": ROUTING_KEY})
    alert_actions.create_rule(web_project, "page", [{"type": "new_issue"},
                                                    {"type": "regression"}],
                              channels=[channel])
    digest(web_project, error_event(level="fatal"))
    issue = Issue.objects.get()
    deliver_due(timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_issue_status(issue, "resolved", alice)
    deliver_due(timezone.now())
    digest(web_project, error_event(level="fatal"))  # regression
    deliver_due(timezone.now())
    bodies = [r.json() for r in sent_to(receiver, "/v2/enqueue")]
    assert [b["event_action"] for b in bodies] == ["trigger", "resolve", "trigger"]
    assert {b["dedup_key"] for b in bodies} == {f"errortrack-issue-{issue.pk}"}
    trigger = bodies[0]
    assert trigger["routing_key"] == ROUTING_KEY and trigger["payload"]["severity"] == "critical"
    assert trigger["links"][0]["href"].endswith(f"/issues/{issue.pk}/")
    assert bodies[2]["payload"]["class"] == "regression"


@pytest.mark.django_db
def test_slack_gets_block_kit_with_event_text_escaped(receiver, digest, alice, web_project):
    channel = alert_actions.create_channel(web_project.organization, "slack", "alerts",
                                           {"url": receiver.url("/slack")})
    alert_actions.create_rule(web_project, "slack", [{"type": "new_issue"}], channels=[channel])
    digest(web_project, error_event("ValueError", "<!channel> <script>x</script>"))
    deliver_due(timezone.now())
    [request] = sent_to(receiver, "/slack")
    body = request.json()
    title = body["attachments"][0]["blocks"][1]["text"]
    assert title["type"] == "plain_text"
    assert "&lt;!channel&gt;" in title["text"] and "<!channel>" not in title["text"]
    assert "<!channel>" not in body["text"] and body["mrkdwn"] is False
    assert body["attachments"][0]["color"] == "#e03e2f"
    assert body["attachments"][0]["blocks"][-1]["elements"][0]["url"].endswith("/")


@pytest.mark.django_db
def test_a_receiver_failing_twice_gets_exactly_three_attempts(receiver, digest, alice,
                                                              web_project):
    webhook_rule(web_project, receiver)
    receiver.script = [(500, {}, 0), (503, {"Retry-After": "60"}, 0)]
    digest(web_project, error_event())
    now = timezone.now()
    deliver_due(now)
    delivery = Delivery.objects.get(channel__kind="webhook")
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.next_attempt_at == now + timedelta(seconds=10)
    assert deliver_due(now + timedelta(seconds=5)) == 0  # not due yet
    deliver_due(now + timedelta(seconds=10))
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == now + timedelta(seconds=70)  # Retry-After beats 20 s
    deliver_due(now + timedelta(seconds=70))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("sent", 3, 200)
    assert len(sent_to(receiver)) == 3
    assert [(t.number, t.outcome, t.response_code) for t in delivery.tries.all()] == [
        (1, "retrying", 500), (2, "retrying", 503), (3, "sent", 200)]
    assert deliver_due(now + timedelta(hours=1)) == 0


@pytest.mark.django_db
def test_a_404_marks_the_channel_failing_without_retrying(receiver, digest, alice, web_project):
    webhook_rule(web_project, receiver)
    receiver.script = [(404, {}, 0)]
    digest(web_project, error_event())
    deliver_due(timezone.now())
    delivery = Delivery.objects.get(channel__kind="webhook")
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("failed", 1, 404)
    channel = Channel.objects.get(kind="webhook")
    assert channel.is_failing and "404" in channel.last_error
    assert deliver_due(timezone.now() + timedelta(hours=1)) == 0
    alert_actions.update_channel(channel, name="fixed")
    assert not Channel.objects.get(pk=channel.pk).is_failing


@pytest.mark.django_db
def test_a_private_address_is_refused_and_marks_the_channel_failing(settings, digest, alice,
                                                                     web_project):
    settings.ERRORTRACK_OUTBOUND_ALLOWLIST = []
    channel = alert_actions.create_channel(web_project.organization, "webhook", "internal",
                                           {"url": "http://169.254.169.254/latest/"})
    alert_actions.create_rule(web_project, "r", [{"type": "new_issue"}], channels=[channel])
    digest(web_project, error_event())
    deliver_due(timezone.now())
    delivery = Delivery.objects.get(channel=channel)
    assert delivery.status == "failed" and "not a public address" in delivery.error


@pytest.mark.django_db
def test_a_delivery_and_an_interval_are_claimed_once(receiver, digest, alice, web_project):
    rule = webhook_rule(web_project, receiver)
    digest(web_project, error_event())
    delivery, now = Delivery.objects.get(channel__kind="webhook"), timezone.now()
    assert [claim(delivery.pk, now), claim(delivery.pk, now)] == [True, False]
    issue = Issue.objects.get()
    later = now + timedelta(hours=2)
    assert [rules.claim_interval(rule, issue, later),
            rules.claim_interval(rule, issue, later)] == [True, False]


@pytest.mark.django_db
def test_a_test_notification_reaches_the_channel(receiver, smtp, alice, web_project):
    webhook = alert_actions.create_channel(web_project.organization, "webhook", "hook",
                                           {"url": receiver.url("/hook")})
    members = Channel.objects.get(kind="email")
    alert_actions.send_test_notification(webhook)
    alert_actions.send_test_notification(members)
    assert deliver_due(timezone.now()) == 2
    assert sent_to(receiver)[0].json()["action"] == "test"
    assert smtp.envelopes[0][1] == ["alice@example.com"]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "config"), [
    ("webhook", {"url": "ftp://x"}), ("webhook", {"url": "http://x", "secret": "short"}),
    ("slack", {}), ("pagerduty", {"routing_key": "short"}), ("email", {"addresses": []}),
    ("email", {"addresses": ["not an address"]}), ("carrier-pigeon", {}),
])
def test_bad_channel_settings_are_refused(alpha, kind, config):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        alert_actions.create_channel(alpha, kind, "x", config)


@pytest.mark.django_db
@pytest.mark.parametrize("triggers", [[], [{"type": "nope"}], [{"type": "event_frequency"}],
                                      [{"type": "user_frequency", "value": 1, "minutes": 0}],
                                      "new_issue"])
def test_bad_triggers_are_refused(web_project, triggers):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        alert_actions.create_rule(web_project, "r", triggers)


@pytest.mark.django_db
def test_an_error_rate_rule_fires_after_its_for_duration_and_resolves(receiver, digest, alice,
                                                                      web_project):
    from alerts.rates import evaluate_rates

    channel = alert_actions.create_channel(web_project.organization, "pagerduty", "oncall",
                                           {"routing_key": ROUTING_KEY})
    rule = alert_actions.create_rule(
        web_project, "rate", [{"type": "error_rate", "value": 2, "minutes": 5,
                               "for_minutes": 2}], channels=[channel])
    t0 = (timezone.now() - timedelta(hours=1)).replace(second=0, microsecond=0)
    events = [error_event(timestamp=(t0 + timedelta(minutes=m, seconds=s)).timestamp())
              for m in range(-8, 3) for s in (5, 20, 35, 50)]  # 4 a minute, 8 min before t0
    digest(web_project, *events)
    steps = [evaluate_rates(t0 + timedelta(minutes=m)) for m in (0, 1, 2, 2, 3)]
    assert steps == [0, 0, 1, 0, 0]  # pending, pending, fired, then firing
    deliver_due(timezone.now())
    steps = [evaluate_rates(t0 + timedelta(minutes=m)) for m in (9, 10)]
    assert steps == [1, 0]  # resolved once the window holds no events
    deliver_due(timezone.now())
    bodies = [r.json() for r in sent_to(receiver, "/v2/enqueue")]
    assert [b["event_action"] for b in bodies] == ["trigger", "resolve"]
    assert {b["dedup_key"] for b in bodies} == {f"errortrack-rule-{rule.pk}"}
    assert bodies[0]["payload"]["summary"].startswith("[web] web: 4.0 errors/min")


@pytest.mark.django_db
@pytest.mark.parametrize("trigger", [{"type": "error_rate"}, {"type": "error_rate", "value": -1},
                                     {"type": "error_rate", "value": 1, "minutes": 61},
                                     {"type": "error_rate", "value": True}])
def test_bad_rate_triggers_are_refused(web_project, trigger):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        alert_actions.create_rule(web_project, "r", [trigger])


@pytest.mark.django_db
def test_a_trigger_still_retrying_when_the_issue_resolves_is_never_sent(
        receiver, digest, alice, web_project, django_capture_on_commit_callbacks):
    channel = alert_actions.create_channel(web_project.organization, "pagerduty", "oncall",
                                           {"routing_key": ROUTING_KEY})
    alert_actions.create_rule(web_project, "page", [{"type": "new_issue"}], channels=[channel])
    receiver.script = [(502, {}, 0)]
    digest(web_project, error_event())
    now = timezone.now()
    deliver_due(now)  # the trigger fails once and waits for its retry
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_issue_status(Issue.objects.get(), "resolved", alice)
    deliver_due(now + timedelta(hours=1))
    trigger = Delivery.objects.get(channel=channel)
    assert trigger.status == "failed" and trigger.error.startswith("superseded")
    assert len(sent_to(receiver, "/v2/enqueue")) == 1  # only the failed first attempt


def release_events(release: str, start, minutes: int, per_minute: int,
                   environment: str = "production") -> list[dict]:
    return [error_event(f"E{n % 2}", release=release, environment=environment,
                        timestamp=(start + timedelta(minutes=m, seconds=1 + 50 * n / per_minute)
                                   ).timestamp())
            for m in range(minutes) for n in range(per_minute)]


@pytest.fixture
def guarded(receiver, alice, web_project):
    """A deploy guard with a Slack channel and a rollback webhook; releases start two hours
    ago so every event is in the past."""
    slack = alert_actions.create_channel(web_project.organization, "slack", "deploys",
                                         {"url": receiver.url("/slack")})
    rollback = alert_actions.create_channel(web_project.organization, "webhook", "rollback",
                                            {"url": receiver.url("/rollback"),
                                             "secret": "rollback-secret-0123456789"})
    alert_actions.create_rule(web_project, "guard", [
        {"type": "deploy_guard", "watch_minutes": 15, "factor": 3, "min_events": 20,
         "rollback_channel": rollback.pk}], channels=[slack])
    return (timezone.now() - timedelta(hours=2)).replace(second=0, microsecond=0)


@pytest.mark.django_db
def test_the_deploy_guard_rolls_back_a_bad_release_once(guarded, receiver, digest,
                                                        web_project):
    from alerts.deploys import evaluate_deploys

    t0 = guarded
    digest(web_project, *release_events("app@1", t0 - timedelta(minutes=60), 60, 1))
    digest(web_project, *release_events("app@2", t0, 3, 10))  # 10/min against 1/min
    assert evaluate_deploys(t0 + timedelta(minutes=3)) == 1
    assert evaluate_deploys(t0 + timedelta(minutes=4)) == 0  # once per release
    deliver_due(timezone.now())
    [rollback] = sent_to(receiver, "/rollback")
    body = rollback.json()
    assert body["action"] == "rollback" and body["reason"] == "deploy_guard"
    assert (body["new_release"], body["previous_release"]) == ("app@2", "app@1")
    assert body["environment"] == "production" and body["new_events"] == 30
    assert body["new_rate_per_minute"] == 10 and body["previous_rate_per_minute"] == 1
    assert [issue["count"] for issue in body["top_issues"]] == [15, 15]
    expected = "sha256=" + hmac.new(b"rollback-secret-0123456789", rollback.body,
                                    hashlib.sha256).hexdigest()
    assert rollback.headers["X-Errortrack-Signature"] == expected
    assert len(sent_to(receiver, "/slack")) == 1


@pytest.mark.django_db
def test_the_deploy_guard_leaves_a_healthy_release_alone(guarded, receiver, digest,
                                                         web_project):
    from alerts.deploys import evaluate_deploys

    t0 = guarded
    digest(web_project, *release_events("app@1", t0 - timedelta(minutes=60), 60, 2))
    digest(web_project, *release_events("app@2", t0, 12, 3))  # 3/min against 2/min
    assert [evaluate_deploys(t0 + timedelta(minutes=m)) for m in (3, 8, 12, 15)] == [0] * 4
    digest(web_project, *release_events("app@3", t0 + timedelta(minutes=20), 2, 5))
    # 10 events at 5/min: fast enough, but below min_events
    assert evaluate_deploys(t0 + timedelta(minutes=22)) == 0
    deliver_due(timezone.now())
    assert receiver.requests == []


@pytest.mark.django_db
def test_severity_routing_sends_errors_to_pagerduty_and_warnings_to_email(
        receiver, smtp, digest, alice, web_project):
    from alerts.models import Rule as RuleModel

    RuleModel.objects.filter(project=web_project).delete()  # only the routing below
    organization = web_project.organization
    pagerduty = alert_actions.create_channel(organization, "pagerduty", "oncall",
                                             {"routing_key": ROUTING_KEY})
    email = alert_actions.create_channel(organization, "email", "team",
                                         {"addresses": ["team@example.com"]})
    alert_actions.create_rule(web_project, "page", [{"type": "new_issue"}],
                              {"level": "error"}, [pagerduty])
    alert_actions.create_rule(web_project, "mail", [{"type": "new_issue"}],
                              {"level": "warning", "max_level": "warning"}, [email])
    digest(web_project, error_event("Fatal", level="fatal"), error_event("Warn", level="warning"),
           error_event("Info", level="info"))
    deliver_due(timezone.now())
    [paged] = [r.json() for r in sent_to(receiver, "/v2/enqueue")]
    assert paged["payload"]["summary"].startswith("[web] Fatal")
    [mail] = smtp.messages
    assert "Warn" in mail["Subject"] and smtp.envelopes[0][1] == ["team@example.com"]


@pytest.mark.django_db
def test_a_project_level_alert_mails_the_members_channel_too(smtp, digest, alice, bob,
                                                             web_project):
    from alerts.rates import evaluate_rates

    members = Channel.objects.get(organization__slug="alpha", kind="email")
    alert_actions.create_rule(web_project, "rate", [{"type": "error_rate", "value": 1,
                                                     "minutes": 5}], channels=[members])
    t0 = (timezone.now() - timedelta(hours=1)).replace(second=0, microsecond=0)
    digest(web_project, *[error_event(timestamp=(t0 - timedelta(minutes=m, seconds=30))
                                      .timestamp()) for m in range(5) for _ in range(3)])
    assert evaluate_rates(t0) == 1
    deliver_due(timezone.now())
    rate_mails = [(m, r) for m, (_, r) in zip(smtp.messages, smtp.envelopes, strict=True)
                  if "Error rate too high" in m["Subject"]]
    assert [sorted(r) for _, r in rate_mails] == [["alice@example.com", "bob@example.com"]]
