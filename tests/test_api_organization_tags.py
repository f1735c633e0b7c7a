"""An organization's tag keys (Grafana's query editor lists them)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from errortrack import actions
from tests.factories import digest_events, error_event, make_project


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def token(alice):
    return actions.create_api_token(alice, "tags", ["event:read"])[1]


@pytest.mark.django_db
def test_keys_with_their_distinct_values_per_organization_and_project(
        client, token, alpha, web_project, charlie):
    digest_events(web_project, error_event(tags={"customer": "acme", "region": "eu"}),
                  error_event(tags={"customer": "globex"}), error_event(tags={"customer": "acme"}))
    other = make_project(alpha, "api")
    digest_events(other, error_event("TypeError", tags={"shard": "7"}))
    beta_project = charlie.memberships.get().organization.projects.get()
    digest_events(beta_project, error_event(tags={"secret": "beta-only"}))
    keys = client.get("/api/0/organizations/alpha/tags/", **bearer(token)).json()
    by_key = {tag["key"]: tag for tag in keys}
    assert by_key["customer"] == {"key": "customer", "name": "customer", "totalValues": 2,
                                  "uniqueValues": 2}
    assert by_key["region"]["totalValues"] == 1 and "shard" in by_key
    assert "secret" not in by_key  # another organization's
    only_api = client.get(f"/api/0/organizations/alpha/tags/?project={other.pk}",
                          **bearer(token)).json()
    assert {tag["key"] for tag in only_api} >= {"shard"} and "customer" not in {
        tag["key"] for tag in only_api}


@pytest.mark.django_db
def test_a_range_leaves_out_keys_not_seen_in_it(client, token, web_project):
    digest_events(web_project, error_event(tags={"old": "x"}),
                  at=timezone.now() - timedelta(days=40))
    digest_events(web_project, error_event(tags={"fresh": "y"}))
    keys = {tag["key"] for tag in client.get("/api/0/organizations/alpha/tags/?statsPeriod=30d",
                                             **bearer(token)).json()}
    assert "fresh" in keys and "old" not in keys
    everything = {tag["key"] for tag in client.get("/api/0/organizations/alpha/tags/",
                                                   **bearer(token)).json()}
    assert {"fresh", "old"} <= everything


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["project=web", "statsPeriod=1y", "start=2026-01-01"])
def test_bad_parameters_are_400s(client, token, web_project, query):
    response = client.get(f"/api/0/organizations/alpha/tags/?{query}", **bearer(token))
    assert response.status_code == 400 and response.json()["detail"]


@pytest.mark.django_db
def test_other_organizations_and_missing_scopes(client, token, alice, charlie_token):
    assert client.get("/api/0/organizations/alpha/tags/",
                      **bearer(charlie_token)).status_code == 404
    weak = actions.create_api_token(alice, "weak", ["project:read"])[1]
    assert client.get("/api/0/organizations/alpha/tags/", **bearer(weak)).status_code == 403
