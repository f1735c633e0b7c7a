from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from errortrack.views import (
    api_tokens,
    issue_detail,
    issues,
    organizations,
    project_keys,
    settings_pages,
)

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
    path("api/0/", include("alerts.api_urls")),
    path("api/0/", include("health.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("", include("alerts.urls")),
    path("", include("health.urls")),
]

handler404 = "errortrack.views.not_found.not_found"
