"""The Django admin covers every model, and each changelist renders for a superuser, with
search and filters (a broken list_display or search field would be a 500 here)."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests.factories import digest_events, error_event

APPS = ("errortrack", "alerts", "health")


def our_models() -> list:
    return [model for model in apps.get_models() if model._meta.app_label in APPS]


def test_every_model_has_an_admin():
    missing = [model._meta.label for model in our_models() if model not in admin.site._registry]
    assert missing == []


@pytest.mark.django_db
def test_every_changelist_renders_with_search(client, django_user_model, web_project):
    digest_events(web_project, error_event())
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-1")
    client.force_login(root)
    for model in our_models():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url, {"q": "x"} if admin.site._registry[model].search_fields
                              else {})
        assert response.status_code == 200, model._meta.label
