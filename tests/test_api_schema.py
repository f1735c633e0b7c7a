"""The OpenAPI schema (/api/schema/) is served and complete, and schemathesis, generating
requests from it, never gets a 5xx: path parameters point at real objects, and query strings
and bodies are whatever hypothesis makes up."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings

from alerts.models import Channel, Rule
from errortrack import actions, tokens
from errortrack.models import Issue
from health import actions as monitor_actions
from tests.factories import digest_events, error_event

EXAMPLES_PER_OPERATION = 8  # enough to vary every parameter; CI stays fast


@pytest.fixture
def connection_kept_open():
    """As Django's test client does: requests run inside the test's transaction, so the
    handler must not close the connection when a request ends."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def api_world(db, alice, alpha, web_project, bob, connection_kept_open):
    digest_events(web_project, error_event(tags={"customer": "acme"}))
    team = actions.create_team(alpha, "backend")
    actions.add_team_project(team, web_project)
    issue = Issue.objects.get()
    return {"token": actions.create_api_token(alice, "fuzz", tokens.SCOPES)[1],
            "path": {"org_slug": "alpha", "project_slug": "web", "issue_id": str(issue.pk),
                     "event_id": issue.events.get().event_id, "key": "customer",
                     "key_id": web_project.keys.get().public_key,
                     "comment_id": str(actions.add_comment(issue, alice, "fuzz me").pk),
                     "channel_id": str(Channel.objects.get(organization=alpha).pk),
                     "rule_id": str(Rule.objects.get(project=web_project).pk),
                     "uptime_id": str(monitor_actions.create_uptime_monitor(
                         web_project, {"name": "fuzz", "url": "https://example.com/"},
                         timezone.now()).pk),
                     "monitor_slug": monitor_actions.create_cron_monitor(
                         web_project, {"slug": "fuzz", "schedule": "0 3 * * *"},
                         timezone.now()).slug,
                     "team_slug": team.slug,
                     "member_id": str(alpha.members.get(user=bob).pk)}}


# Built when the module is collected: generating the schema needs no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.mark.django_db
def test_the_schema_and_docs_are_served(client):
    spec = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/0/projects/{org_slug}/{project_slug}/issues/" in spec["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    assert b"cdn" not in docs.content.lower()  # assets from this server


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_no_generated_request_gets_a_5xx(case, api_world):
    case.path_parameters = {name: api_world["path"].get(name, value)
                            for name, value in (case.path_parameters or {}).items()}
    response = case.call(headers={"Authorization": f"Bearer {api_world['token']}"})
    assert response.status_code < 500, (case.method, case.formatted_path, case.query,
                                        case.body, response.text[:500])
