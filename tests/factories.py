"""Plain factory functions. Where an action exists, data is made through it."""

from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser

from errortrack import actions
from errortrack.models import Member, Organization, Project

PASSWORD = "correct horse battery staple"
PAGERDUTY_ROUTING_KEY = "R0UT1NGKEY0123456789abcdefABCDEF"  # 32 characters, as PagerDuty's


def make_user(username: str, **extra: object) -> AbstractBaseUser:
    return get_user_model().objects.create_user(username=username,
                                                email=f"{username}@example.com",
                                                password=PASSWORD, **extra)


def make_organization(owner: AbstractBaseUser, slug: str) -> Organization:
    return actions.create_organization(owner, slug, name=slug.title())


def make_project(organization: Organization, slug: str, platform: str = "python") -> Project:
    """Through the action, with what it runs on commit (the default alert rule) run now: a
    test's transaction never commits. In a transactional test they run at the commit, once."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        return actions.create_project(organization, slug, platform=platform)


def make_owner(username: str, org_slug: str, project_slug: str = "web") -> AbstractBaseUser:
    """A user who owns an organization with one project."""
    user = make_user(username)
    make_project(make_organization(user, org_slug), project_slug)
    return user


def make_member(organization: Organization, username: str,
                role: str = Member.Role.MEMBER) -> AbstractBaseUser:
    user = make_user(username)
    actions.add_member(organization, user, role)
    return user


def digest_events(project: Project, *payloads: dict, at: datetime | None = None) -> None:
    """Events made as every event is: into the inbox, then through the digest. With `at`
    they are received and digested then (a test's pinned `now`), else now by the clock."""
    import uuid

    import orjson
    from django.utils import timezone

    from errortrack.digest.consume import consume_inbox
    from errortrack.models import InboxItem

    received = {} if at is None else {"received_at": at}
    InboxItem.objects.bulk_create([
        InboxItem(project=project, item_type="event", event_id=uuid.uuid4().hex, headers={},
                  payload=orjson.dumps(payload), **received) for payload in payloads])
    consume_inbox(at or timezone.now())


def error_event(kind: str = "KeyError", value: str = "'sku'", **extra: object) -> dict:
    """A Python error as sentry-sdk sends it (trimmed): one in-app frame."""
    return {"platform": "python", "level": "error", "exception": {"values": [
        {"type": kind, "value": value, "stacktrace": {"frames": [
            {"module": "shop.views", "function": "checkout", "lineno": 42, "in_app": True,
             "context_line": f"raise {kind}()", "pre_context": ["def checkout():"],
             "post_context": [""], "vars": {"cart": "{}"}}]}}]}, **extra}


def usable_by_a_server(user: AbstractBaseUser) -> AbstractBaseUser:
    """Tests hash passwords with MD5 for speed, which a real server refuses; re-hash PASSWORD
    with PBKDF2 (few iterations: a test password) so the user can log in through a form."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])
    return user


PINNED_NOW = datetime(2026, 3, 4, 12, 30, tzinfo=UTC)  # what the time-pinned tests call now


def digest_on_the_chart_edges(project: Project) -> None:
    """Seven errors of one issue, digested at PINNED_NOW, on the edges of the 24h and 14d charts:
    each window's first slot's start (in) and the moment before it (out), plus two 10 minutes
    ago. The stream rows and the issues API both chart them."""
    from datetime import timedelta

    moments = [datetime(2026, 2, 18, 23, 59, 59, tzinfo=UTC), datetime(2026, 2, 19, tzinfo=UTC),
               PINNED_NOW - timedelta(hours=24), datetime(2026, 3, 3, 13, tzinfo=UTC),
               datetime(2026, 3, 4, 11, 59, 59, tzinfo=UTC),
               PINNED_NOW - timedelta(minutes=10), PINNED_NOW - timedelta(minutes=10)]
    digest_events(project, *[error_event(timestamp=moment.timestamp()) for moment in moments],
                  at=PINNED_NOW)


def one_channel_of_each_kind(organization: Organization, receiver: object, secret: str,
                             addresses: list[str]) -> list:
    """A Slack, a PagerDuty, a webhook and an email channel, the HTTP ones pointed at
    `receiver` (tests/receivers.py), for tests that follow one alert into every channel."""
    from alerts import actions as alert_actions

    url = receiver.url  # type: ignore[attr-defined]
    return [
        alert_actions.create_channel(organization, "slack", "slack", {"url": url("/slack")}),
        alert_actions.create_channel(organization, "pagerduty", "pd",
                                     {"routing_key": PAGERDUTY_ROUTING_KEY}),
        alert_actions.create_channel(organization, "webhook", "hook",
                                     {"url": url("/hook"), "secret": secret}),
        alert_actions.create_channel(organization, "email", "mail", {"addresses": addresses}),
    ]
