"""The alerts API routes, under /api/0/ beside errortrack's."""

from django.urls import path

from alerts import api, workflows_api

ORG = "organizations/<slug:org_slug>"
PROJECT = "projects/<slug:org_slug>/<slug:project_slug>"

urlpatterns = [
    path(f"{ORG}/alert-channels/", api.ChannelList.as_view(), name="api-alert-channels"),
    path(f"{ORG}/alert-channels/<str:channel_id>/", api.ChannelDetail.as_view(),
         name="api-alert-channel"),
    path(f"{ORG}/alert-channels/<str:channel_id>/test/", api.ChannelTest.as_view(),
         name="api-alert-channel-test"),
    path(f"{ORG}/issues/<str:issue_id>/alert-snooze/", api.IssueAlertSnooze.as_view(),
         name="api-issue-alert-snooze"),
    path(f"{PROJECT}/alert-rules/", api.RuleList.as_view(), name="api-alert-rules"),
    path(f"{PROJECT}/alert-rules/<str:rule_id>/", api.RuleDetail.as_view(),
         name="api-alert-rule"),
    path(f"{PROJECT}/alert-deliveries/", api.DeliveryList.as_view(),
         name="api-alert-deliveries"),
]

urlpatterns += [
    path(f"{PROJECT}/rules/", api.SentryRuleList.as_view(), name="api-sentry-rules"),
    path(f"{PROJECT}/rules/<str:rule_id>/", api.SentryRuleDetail.as_view(),
         name="api-sentry-rule"),
]

urlpatterns += [
    path(f"{ORG}/workflows/", workflows_api.WorkflowList.as_view(), name="api-workflows"),
    path(f"{ORG}/workflows/<str:rule_id>/", workflows_api.WorkflowDetail.as_view(),
         name="api-workflow"),
]
