"""Alert settings pages: channels per organization, rules and delivery history per project;
owner, member and outsider."""

import pytest
from django.utils import timezone

from alerts.delivery import deliver_due
from alerts.models import Channel, Delivery, Rule
from tests.factories import digest_events, error_event
from tests.receivers import HttpReceiver

CHANNELS = "/settings/alpha/alerts/channels/"
RULES = "/settings/alpha/projects/web/alerts/"


@pytest.mark.django_db
def test_an_owner_creates_tests_and_deletes_a_channel(client, alice, settings):
    client.force_login(alice)
    with HttpReceiver() as receiver:
        settings.ERRORTRACK_OUTBOUND_ALLOWLIST = ["127.0.0.1"]
        response = client.post(f"{CHANNELS}new/", {"kind": "webhook", "name": "<b>ops</b>",
                                                   "url": receiver.url()})
        assert response.status_code == 302
        channel = Channel.objects.get(kind="webhook")
        page = client.get(CHANNELS).content.decode()
        assert "&lt;b&gt;ops&lt;/b&gt;" in page and "<b>ops</b>" not in page
        client.post(f"{CHANNELS}{channel.pk}/", {"do": "test"})
        deliver_due(timezone.now())
        assert receiver.requests[0].json()["action"] == "test"
    client.post(f"{CHANNELS}{channel.pk}/", {"do": "delete"})
    assert not Channel.objects.filter(pk=channel.pk).exists()


@pytest.mark.django_db
def test_a_bad_channel_shows_why(client, alice):
    client.force_login(alice)
    response = client.post(f"{CHANNELS}new/", {"kind": "pagerduty", "name": "p",
                                               "routing_key": "short"}, follow=True)
    assert b"routing_key" in response.content
    assert not Channel.objects.filter(kind="pagerduty").exists()


@pytest.mark.django_db
def test_a_failing_channel_shows_its_error(client, alice, alpha):
    Channel.objects.filter(organization=alpha).update(is_failing=True,
                                                      last_error="HTTP 404: no such hook")
    client.force_login(alice)
    assert b"failing: HTTP 404: no such hook" in client.get(CHANNELS).content


@pytest.mark.django_db
def test_an_owner_creates_pauses_and_deletes_a_rule(client, alice, web_project):
    client.force_login(alice)
    channel = Channel.objects.get(organization__slug="alpha")
    response = client.post(f"{RULES}new/", {
        "name": "busy", "event_frequency_value": "100", "event_frequency_minutes": "5",
        "level": "error", "environment": "production", "channels": [str(channel.pk)],
        "interval": "30"})
    assert response.status_code == 302
    rule = Rule.objects.get(name="busy")
    assert rule.triggers == [{"type": "event_frequency", "value": 100, "minutes": 5}]
    assert rule.filters == {"level": "error", "environment": "production"}
    assert list(rule.channels.all()) == [channel] and rule.action_interval_minutes == 30
    client.post(f"{RULES}{rule.pk}/", {"do": "pause"})
    assert not Rule.objects.get(pk=rule.pk).is_active
    client.post(f"{RULES}{rule.pk}/", {"do": "delete"})
    assert not Rule.objects.filter(pk=rule.pk).exists()


@pytest.mark.django_db
def test_a_rule_without_triggers_is_refused_with_a_message(client, alice, web_project):
    client.force_login(alice)
    response = client.post(f"{RULES}new/", {"name": "empty"}, follow=True)
    assert b"at least one trigger" in response.content
    assert not Rule.objects.filter(name="empty").exists()


@pytest.mark.django_db
def test_the_delivery_history_shows_event_text_escaped(client, alice, web_project,
                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        digest_events(web_project, error_event("XSS", "<script>alert(1)</script>"))
    assert Delivery.objects.count() == 1  # the default rule's email
    client.force_login(alice)
    page = client.get(RULES).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page


@pytest.mark.django_db
def test_members_see_but_cannot_change(client, bob, web_project):
    client.force_login(bob)
    assert client.get(CHANNELS).status_code == 200 and b"New channel" not in client.get(
        CHANNELS).content
    assert client.get(RULES).status_code == 200
    assert client.post(f"{CHANNELS}new/", {"kind": "slack", "url": "https://x/y"}
                       ).status_code == 403
    rule = Rule.objects.get(project=web_project)
    assert client.post(f"{RULES}{rule.pk}/", {"do": "delete"}).status_code == 403
    assert Rule.objects.filter(pk=rule.pk).exists()


@pytest.mark.django_db
def test_outsiders_get_404(client, charlie, web_project):
    client.force_login(charlie)
    rule = Rule.objects.get(project=web_project)
    channel = Channel.objects.get(organization__slug="alpha")
    for url in (CHANNELS, RULES):
        assert client.get(url).status_code == 404
    assert client.post(f"{CHANNELS}{channel.pk}/", {"do": "delete"}).status_code == 404
    assert client.post(f"{RULES}{rule.pk}/", {"do": "delete"}).status_code == 404
    assert Channel.objects.filter(pk=channel.pk).exists()


@pytest.mark.django_db
def test_an_owner_edits_a_rule_and_a_channel_in_their_forms(client, alice, web_project):
    from alerts import actions as alert_actions

    client.force_login(alice)
    hook = alert_actions.create_channel(web_project.organization, "webhook", "hook",
                                        {"url": "https://hooks.example/a", "secret": "k" * 20})
    rule = Rule.objects.get(project=web_project)
    page = client.get(RULES).content.decode()
    assert 'value="Email members on new issues and regressions"' in page  # prefilled
    client.post(f"{RULES}{rule.pk}/", {
        "do": "edit", "name": "noisy only", "event_frequency_value": "9",
        "event_frequency_minutes": "3", "level": "warning", "max_level": "error",
        "channels": [str(hook.pk)], "interval": "15"})
    rule.refresh_from_db()
    assert (rule.name, rule.triggers, rule.filters, rule.action_interval_minutes) == (
        "noisy only", [{"type": "event_frequency", "value": 9, "minutes": 3}],
        {"level": "warning", "max_level": "error"}, 15)
    assert list(rule.channels.all()) == [hook]
    client.post(f"{CHANNELS}{hook.pk}/", {"do": "edit", "name": "hook2",
                                          "url": "https://hooks.example/b"})
    hook.refresh_from_db()
    assert hook.name == "hook2" and hook.config == {"url": "https://hooks.example/b",
                                                     "secret": "k" * 20}  # secret kept
    bad = client.post(f"{RULES}{rule.pk}/", {"do": "edit", "name": "none"}, follow=True)
    assert b"at least one trigger" in bad.content
    rule.refresh_from_db()
    assert rule.name == "noisy only"
