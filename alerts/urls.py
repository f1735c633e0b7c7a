"""The alerts pages' routes (channels of an organization, rules of a project)."""

from django.urls import path

from alerts import views

urlpatterns = [
    path("settings/<slug:org_slug>/alerts/channels/", views.channel_list,
         name="alert-channels"),
    path("settings/<slug:org_slug>/alerts/channels/new/", views.channel_create,
         name="alert-channel-create"),
    path("settings/<slug:org_slug>/alerts/channels/<str:channel_id>/", views.channel_change,
         name="alert-channel-change"),
    path("settings/<slug:org_slug>/projects/<slug:project_slug>/alerts/", views.rule_list,
         name="alert-rules"),
    path("settings/<slug:org_slug>/projects/<slug:project_slug>/alerts/new/",
         views.rule_create, name="alert-rule-create"),
    path("settings/<slug:org_slug>/projects/<slug:project_slug>/alerts/<str:rule_id>/",
         views.rule_change, name="alert-rule-change"),
]
