"""The alerts API: channels, rules, delivery history, test notifications and alert snoozes;
owner, member and outsider."""

import pytest
from django.utils import timezone

from alerts.delivery import deliver_due
from alerts.models import Channel, Delivery, Rule
from errortrack import actions, tokens
from errortrack.models import Issue
from tests.factories import digest_events, error_event, make_owner
from tests.receivers import HttpReceiver

CHANNELS = "/api/0/organizations/alpha/alert-channels/"
RULES = "/api/0/projects/alpha/web/alert-rules/"


@pytest.fixture
def call(client):
    def request(user, method: str, url: str, data=None):
        token = actions.create_api_token(user, "t", tokens.SCOPES)[1]
        kwargs = {"content_type": "application/json"} if method != "get" else {}
        return getattr(client, method)(url, data, HTTP_AUTHORIZATION=f"Bearer {token}",
                                       **kwargs)
    return request


@pytest.fixture
def receiver(settings):
    with HttpReceiver() as http:
        settings.ERRORTRACK_OUTBOUND_ALLOWLIST = ["127.0.0.1"]
        yield http


@pytest.mark.django_db
def test_an_owner_creates_a_channel_and_its_secret_is_shown_once(call, alice, bob):
    created = call(alice, "post", CHANNELS, {"kind": "webhook", "name": "ops",
                                             "config": {"url": "https://hooks.example/x"}})
    assert created.status_code == 201
    body = created.json()
    secret = body["config"]["secret"]
    assert len(secret) >= 32 and body["isFailing"] is False
    listed = call(bob, "get", CHANNELS).json()
    webhook = next(c for c in listed if c["kind"] == "webhook")
    assert webhook["config"]["secret"] == "…" + secret[-4:]
    assert call(bob, "get", f"{CHANNELS}{body['id']}/").json()["name"] == "ops"


@pytest.mark.django_db
def test_members_read_but_only_managers_change_channels_and_rules(call, alice, bob):
    refused = call(bob, "post", CHANNELS, {"kind": "slack", "config": {"url": "https://x/y"}})
    assert refused.status_code == 403
    channel = Channel.objects.get(kind="email", organization__slug="alpha")
    assert call(bob, "put", f"{CHANNELS}{channel.pk}/", {"name": "x"}).status_code == 403
    assert call(bob, "post", RULES, {"triggers": [{"type": "new_issue"}]}).status_code == 403
    assert call(bob, "get", RULES).status_code == 200


@pytest.mark.django_db
def test_outsiders_get_404_everywhere(call, alice, charlie, web_project):
    channel = Channel.objects.get(kind="email", organization__slug="alpha")
    rule = Rule.objects.get(project=web_project)
    for method, url in [("get", CHANNELS), ("get", f"{CHANNELS}{channel.pk}/"),
                        ("post", f"{CHANNELS}{channel.pk}/test/"), ("get", RULES),
                        ("get", f"{RULES}{rule.pk}/"), ("delete", f"{RULES}{rule.pk}/"),
                        ("get", "/api/0/projects/alpha/web/alert-deliveries/")]:
        assert call(charlie, method, url).status_code == 404, (method, url)


@pytest.mark.django_db
def test_rules_are_created_edited_and_deleted(call, alice, web_project):
    channel = Channel.objects.get(kind="email", organization__slug="alpha")
    created = call(alice, "post", RULES, {
        "name": "pages", "triggers": [{"type": "event_frequency", "value": 50, "minutes": 5}],
        "filters": {"level": "fatal"}, "channels": [str(channel.pk)],
        "actionIntervalMinutes": 15})
    assert created.status_code == 201, created.json()
    rule = created.json()
    assert rule["channels"] == [str(channel.pk)] and rule["filters"] == {"level": "fatal"}
    edited = call(alice, "put", f"{RULES}{rule['id']}/", {"isActive": False, "channels": []})
    assert edited.json()["isActive"] is False and edited.json()["channels"] == []
    assert call(alice, "delete", f"{RULES}{rule['id']}/").status_code == 204
    assert not Rule.objects.filter(pk=rule["id"]).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("body", [
    {"triggers": []}, {"triggers": [{"type": "sometimes"}]},
    {"triggers": [{"type": "new_issue"}], "filters": {"level": "apocalyptic"}},
    {"triggers": [{"type": "new_issue"}], "channels": ["999999"]},
    {"triggers": [{"type": "new_issue"}], "channels": ["abc"]},
    {"triggers": [{"type": "new_issue"}], "actionIntervalMinutes": 0},
    {"triggers": "new_issue"}, [],
])
def test_bad_rules_get_400(call, alice, web_project, body):
    response = call(alice, "post", RULES, body)
    assert response.status_code == 400 and response.json()


@pytest.mark.django_db
def test_another_organizations_channel_cannot_be_used(call, alice, web_project):
    other = make_owner("dora", "delta")
    from alerts import actions as alert_actions

    foreign = alert_actions.create_channel(other.memberships.get().organization, "slack", "x",
                                           {"url": "https://hooks.example/y"})
    response = call(alice, "post", RULES, {"triggers": [{"type": "new_issue"}],
                                           "channels": [str(foreign.pk)]})
    assert response.status_code == 400


@pytest.mark.django_db
def test_a_test_notification_shows_in_the_delivery_history(call, alice, receiver, web_project):
    digest_events(web_project, error_event())  # so the project has an issue's delivery too
    created = call(alice, "post", CHANNELS, {"kind": "webhook", "name": "hook",
                                             "config": {"url": receiver.url()}}).json()
    queued = call(alice, "post", f"{CHANNELS}{created['id']}/test/")
    assert queued.status_code == 202
    deliver_due(timezone.now())
    assert receiver.requests[0].json()["action"] == "test"
    assert Delivery.objects.get(pk=queued.json()["delivery"]).status == "sent"
    history = call(alice, "get", "/api/0/projects/alpha/web/alert-deliveries/?status=pending")
    assert history.status_code == 200 and all(d["status"] == "pending" for d in history.json())
    assert call(alice, "get", "/api/0/projects/alpha/web/alert-deliveries/?status=x"
                ).status_code == 400


@pytest.mark.django_db
def test_a_snoozed_issue_does_not_notify_until_resumed(call, alice, web_project,
                                                       django_capture_on_commit_callbacks):
    digest_events(web_project, error_event())
    issue = Issue.objects.get()
    url = f"/api/0/organizations/alpha/issues/{issue.pk}/alert-snooze/"
    snoozed = call(alice, "post", url, {"minutes": 60})
    assert snoozed.status_code == 201 and snoozed.json()["until"]
    actions.set_issue_status(issue, "resolved")
    with django_capture_on_commit_callbacks(execute=True):
        digest_events(web_project, error_event())  # a regression, but snoozed
    assert not Delivery.objects.filter(reason="regression").exists()
    assert call(alice, "delete", url).status_code == 204
    actions.set_issue_status(Issue.objects.get(), "resolved")
    with django_capture_on_commit_callbacks(execute=True):
        digest_events(web_project, error_event())
    assert Delivery.objects.filter(reason="regression").count() == 1
    assert call(alice, "post", url, {"minutes": 0}).status_code == 400
