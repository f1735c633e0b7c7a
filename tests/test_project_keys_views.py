"""Project settings → client keys pages: owners manage keys, members read them, input is hostile."""

import pytest
from django.urls import reverse

from errortrack.models import ProjectKey


def keys_url(project) -> str:
    return reverse("project-keys", args=[project.organization.slug, project.slug])


def update_url(key) -> str:
    return reverse("project-key-update",
                   args=[key.project.organization.slug, key.project.slug, key.public_key])


@pytest.mark.django_db
def test_it_shows_the_dsn_to_a_member(client, bob, web_project):
    client.force_login(bob)
    response = client.get(keys_url(web_project))
    assert response.status_code == 200
    assert web_project.keys.get().dsn in response.content.decode()
    assert b"Create key" not in response.content  # members read, owners and admins manage


@pytest.mark.django_db
def test_an_owner_creates_disables_and_limits_keys(client, alice, web_project):
    client.force_login(alice)
    response = client.post(reverse("project-key-create",
                                   args=["alpha", "web"]), {"label": "Frontend"})
    assert response.status_code == 302
    key = web_project.keys.get(label="Frontend")
    client.post(update_url(key), {"active": "0"})
    client.post(update_url(key), {"rate_limit_count": "120", "rate_limit_window_seconds": "60"})
    key.refresh_from_db()
    assert (key.is_active, key.rate_limit_count, key.rate_limit_window_seconds) == (False, 120, 60)
    assert "(disabled)" in client.get(keys_url(web_project)).content.decode()


@pytest.mark.django_db
def test_a_member_cannot_change_keys(client, bob, web_project):
    client.force_login(bob)
    key = web_project.keys.get()
    assert client.post(update_url(key), {"active": "0"}).status_code == 403
    assert client.post(reverse("project-key-create", args=["alpha", "web"])).status_code == 403
    key.refresh_from_db()
    assert key.is_active


@pytest.mark.django_db
@pytest.mark.parametrize("data, message", [
    ({"rate_limit_count": "lots"}, "whole numbers"),
    ({"rate_limit_count": "-5"}, "0 (unlimited) or more"),
    ({"rate_limit_count": "10", "rate_limit_window_seconds": "0"}, "between 1 second and 1 day"),
    ({"rate_limit_count": "10", "rate_limit_window_seconds": "9" * 40}, "between 1 second"),
    ({"rate_limit_count": "9" * 40}, "at most"),
])
def test_bad_rate_limits_are_refused_with_a_message(client, alice, web_project, data, message):
    client.force_login(alice)
    key = web_project.keys.get()
    response = client.post(update_url(key), data, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    key.refresh_from_db()
    assert key.rate_limit_count == 0


@pytest.mark.django_db
def test_labels_are_escaped_and_truncated(client, alice, web_project):
    client.force_login(alice)
    label = "<script>alert(1)</script>" + "x" * 200
    client.post(reverse("project-key-create", args=["alpha", "web"]), {"label": label})
    key = ProjectKey.objects.get(label__startswith="<script>")
    assert len(key.label) == 64
    page = client.get(keys_url(web_project)).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.django_db
def test_an_unknown_key_is_404(client, alice):
    client.force_login(alice)
    url = reverse("project-key-update", args=["alpha", "web", "0" * 32])
    assert client.post(url, {"active": "0"}).status_code == 404


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client, web_project):
    response = client.get(keys_url(web_project))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
