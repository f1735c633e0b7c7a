from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from alerts import views as alert_views
from errortrack.views import (
    api_tokens,
    issue_detail,
    issues,
    organizations,
    project_keys,
    settings_pages,
)
from health import pages as monitor_pages

MONITORS = "organizations/<slug:org_slug>/projects/<slug:project_slug>/monitors"

urlpatterns = [
    path("", organizations.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(),
         name="password_change_done"),
    # The triage UI: issue streams (errortrack.views.issues) and one issue
    # (errortrack.views.issue_detail).
    path("organizations/<slug:org_slug>/issues/", issues.organization_stream,
         name="issue-stream-org"),
    path("organizations/<slug:org_slug>/issues/bulk/", issues.bulk_change, name="issue-bulk"),
    path("organizations/<slug:org_slug>/projects/<slug:project_slug>/issues/",
         issues.project_stream, name="issue-stream"),
    path("organizations/<slug:org_slug>/issues/<str:issue_id>/", issue_detail.issue_detail,
         name="issue-detail"),
    path("organizations/<slug:org_slug>/issues/<str:issue_id>/events/<str:event_id>/",
         issue_detail.issue_detail, name="issue-event"),
    path("organizations/<slug:org_slug>/issues/<str:issue_id>/events/<str:event_id>/json/",
         issue_detail.event_json, name="issue-event-json"),
    path("organizations/<slug:org_slug>/issues/<str:issue_id>/actions/",
         issue_detail.issue_action, name="issue-action"),
    path("organizations/<slug:org_slug>/", organizations.organization_detail,
         name="organization"),
    path("settings/<slug:org_slug>/projects/<slug:project_slug>/keys/", project_keys.key_list,
         name="project-keys"),
    path("settings/<slug:org_slug>/projects/<slug:project_slug>/keys/new/",
         project_keys.key_create, name="project-key-create"),
    path("settings/<slug:org_slug>/projects/<slug:project_slug>/keys/<str:public_key>/",
         project_keys.key_update, name="project-key-update"),
    path("settings/<slug:org_slug>/alerts/channels/", alert_views.channel_list,
         name="alert-channels"),
    path("settings/<slug:org_slug>/alerts/channels/new/", alert_views.channel_create,
         name="alert-channel-create"),
    path("settings/<slug:org_slug>/alerts/channels/<str:channel_id>/", alert_views.channel_change,
         name="alert-channel-change"),
    path("settings/<slug:org_slug>/projects/<slug:project_slug>/alerts/", alert_views.rule_list,
         name="alert-rules"),
    path("settings/<slug:org_slug>/projects/<slug:project_slug>/alerts/new/",
         alert_views.rule_create, name="alert-rule-create"),
    path("settings/<slug:org_slug>/projects/<slug:project_slug>/alerts/<str:rule_id>/",
         alert_views.rule_change, name="alert-rule-change"),
    path(f"{MONITORS}/", monitor_pages.monitor_list, name="monitors"),
    path(f"{MONITORS}/new/uptime/", monitor_pages.uptime_create, name="monitor-uptime-create"),
    path(f"{MONITORS}/uptime/<str:uptime_id>/", monitor_pages.uptime_detail,
         name="monitor-uptime"),
    path(f"{MONITORS}/new/cron/", monitor_pages.cron_create, name="monitor-cron-create"),
    path(f"{MONITORS}/cron/<str:monitor_slug>/", monitor_pages.cron_detail,
         name="monitor-cron"),
    path("settings/<slug:org_slug>/projects/<slug:project_slug>/", settings_pages.project_settings,
         name="project-settings"),
    path("settings/<slug:org_slug>/members/", settings_pages.member_list, name="org-members"),
    path("settings/<slug:org_slug>/teams/", settings_pages.team_list, name="org-teams"),
    path("settings/<slug:org_slug>/teams/<slug:team_slug>/", settings_pages.team_detail,
         name="org-team"),
    path("settings/account/api/auth-tokens/", api_tokens.token_list, name="api-tokens"),
    path("settings/account/api/auth-tokens/<int:token_id>/revoke/", api_tokens.token_revoke,
         name="api-token-revoke"),
    path("api/0/", include("errortrack.api.urls")),
    path("api/0/", include("alerts.urls")),
    path("api/0/", include("health.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("", include("health.urls")),
]
