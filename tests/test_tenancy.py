"""Every route that names a tenant's object 404s for an outsider, so no route can skip the check.

The test walks the whole URL configuration. A route with parameters is requested as charlie (who
belongs to another organization), with parameters naming alice's objects: it must answer 404.
A route without parameters must be listed in PUBLIC_ROUTES with a reason. A new parameter name
must be added to `tenant_parameters`: the test fails until then, on purpose.
"""

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from alerts.models import Channel, Rule
from errortrack import actions
from errortrack.digest.consume import consume_inbox
from errortrack.models import ApiToken, EventAttachment, InboxItem, Issue
from health import actions as monitor_actions

# Routes that name no tenant object, and why each may answer an outsider.
PUBLIC_ROUTES = {
    "home": "lists only the user's own organizations",
    "login": "authentication",
    "logout": "authentication",
    "password_change": "the user's own account",
    "password_change_done": "the user's own account",
    "api-root": "token validation for sentry-cli; reveals only the caller's own token",
    "api-organizations": "lists only the caller's own organizations",
    "api-projects": "lists only the projects of the caller's organizations",
    "api-tokens": "the user's own tokens",
    "api-tokens-api": "the user's own tokens",
    "api-schema": "the OpenAPI description of the routes; no data",
    "api-docs": "Swagger UI for that description; no data",
    "health-live": "health probe",
    "health-ready": "health probe",
    "livez": "health probe",
    "readyz": "health probe",
    "metrics": "Prometheus scrape: counts only, no tenant data (a token setting guards it)",
}
# Django admin has its own gate (staff only), tested separately below.
SKIPPED_NAMESPACES = {"admin"}


def walk(patterns: list, namespace: str = "") -> list[tuple[str, URLPattern]]:
    """(qualified name, pattern) for every named route, descending into includes."""
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if ns in SKIPPED_NAMESPACES:
                continue
            found += walk(entry.url_patterns, f"{ns}:" if entry.namespace else namespace)
        elif isinstance(entry, URLPattern):
            assert entry.name, f"route {entry.pattern} has no name; name it so it can be checked"
            found.append((f"{namespace}{entry.name}", entry))
    return found


def tenant_parameters(alpha, web_project, issue=None) -> dict[str, str]:
    issue = issue or digested_issue(web_project)
    return {
        "org_slug": alpha.slug,
        "project_slug": web_project.slug,
        "public_key": web_project.keys.first().public_key,
        "key_id": web_project.keys.first().public_key,
        "issue_id": str(issue.pk),
        "event_id": issue.events.get().event_id,
        "key": "level",
        "token_id": str(owner_token(alpha).pk),
        "comment_id": str(actions.add_comment(issue, owner_of(alpha), "owner's note").pk),
        "channel_id": str(Channel.objects.filter(organization=alpha).first().pk),
        "rule_id": str(Rule.objects.filter(project=web_project).first().pk),
        "uptime_id": str(monitor_actions.create_uptime_monitor(
            web_project, {"name": "alpha site", "url": "https://alpha.example/"},
            timezone.now()).pk),
        "monitor_slug": monitor_actions.create_cron_monitor(
            web_project, {"slug": "alpha-nightly", "schedule": "0 3 * * *"},
            timezone.now()).slug,
        "team_slug": actions.create_team(alpha, "alpha-team").slug,
        "attachment_id": str(attached_file(issue.events.get()).pk),
    }


def attached_file(event):
    """A file attached to alice's event, made as every one is: an inbox item, the digest."""
    InboxItem.objects.create(project_id=event.project_id, item_type="attachment",
                             event_id=event.event_id, payload=b"alpha's file",
                             headers={"item": {"type": "attachment", "filename": "a.txt"}})
    consume_inbox(timezone.now())
    return EventAttachment.objects.get(event_id=event.event_id)


def owner_of(organization):
    return organization.members.order_by("pk").first().user


def owner_token(organization) -> ApiToken:
    """A token of the organization's first member (alice): tokens belong to users."""
    return actions.create_api_token(owner_of(organization), "walk", ["org:read"])[0]


def digested_issue(project):
    """One of alice's issues, made the way every issue is: through the digest."""
    InboxItem.objects.create(project=project, item_type="event", event_id=uuid.uuid4().hex,
                             headers={}, payload=b'{"message": "alpha only"}')
    consume_inbox(timezone.now())
    return Issue.objects.get(project=project)


def route_parameters(pattern: URLPattern) -> list[str]:
    return list(pattern.pattern.converters)


def all_routes() -> list[tuple[str, URLPattern]]:
    return walk(get_resolver().url_patterns)


def request(client, url: str, token: str | None = None):
    """GET, or POST when the route refuses GET (405), as the method it accepts."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    response = client.get(url, **headers)
    if response.status_code == 405:
        response = client.post(url, {}, **headers)
    return response


def test_every_parameterless_route_is_listed_as_public():
    unlisted = [name for name, pattern in all_routes()
                if not route_parameters(pattern) and name not in PUBLIC_ROUTES]
    assert unlisted == [], f"list these in PUBLIC_ROUTES with a reason, or check them: {unlisted}"


def test_there_are_tenant_routes_to_check():
    assert len([1 for _, p in all_routes() if route_parameters(p)]) >= 4


@pytest.mark.django_db
def test_every_tenant_route_answers_404_to_an_outsider(client, alice, alpha, web_project, charlie,
                                                       charlie_token):
    values = tenant_parameters(alpha, web_project)
    client.force_login(charlie)
    failures = []
    for name, pattern in all_routes():
        params = route_parameters(pattern)
        if not params:
            continue
        missing = [p for p in params if p not in values]
        assert not missing, f"{name}: add a value for {missing} to tenant_parameters()"
        url = reverse(name, kwargs={p: values[p] for p in params})
        for token in (None, charlie_token):
            status = request(client, url, token).status_code
            if status != 404:
                failures.append(f"{name} {url} (token={bool(token)}) answered {status}")
    assert failures == []


@pytest.mark.django_db
def test_the_same_routes_do_not_404_for_their_owner(client, alice, alpha, web_project):
    """Guards the walk itself: if alice got 404 too, the parameters would be wrong."""
    values = tenant_parameters(alpha, web_project)
    client.force_login(alice)
    for name, pattern in all_routes():
        params = route_parameters(pattern)
        if params:
            url = reverse(name, kwargs={p: values[p] for p in params})
            assert request(client, url).status_code != 404, name


@pytest.mark.django_db
def test_the_admin_turns_away_non_staff(client, charlie):
    client.force_login(charlie)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
