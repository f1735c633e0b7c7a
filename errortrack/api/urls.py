"""Sentry's web API paths under /api/0/ (the legacy /issues/{id}/ forms too)."""

from django.urls import path

from errortrack.api import (
    account,
    activity,
    attachments,
    discover,
    events,
    feedback,
    issues,
    members,
    organization_tags,
    organizations,
    teams,
    uploads,
    views,
)

ORG = "organizations/<slug:org_slug>"
PROJECT = "projects/<slug:org_slug>/<slug:project_slug>"


def issue_routes(prefix: str, name: str) -> list:
    """The routes under one issue, once under an organization and once legacy."""
    return [
        path(f"{prefix}/", issues.IssueDetail.as_view(), name=f"{name}"),
        path(f"{prefix}/events/", events.IssueEventList.as_view(), name=f"{name}-events"),
        path(f"{prefix}/events/<str:event_id>/", events.IssueEventDetail.as_view(),
             name=f"{name}-event"),
        path(f"{prefix}/activities/", activity.IssueActivity.as_view(),
             name=f"{name}-activities"),
        path(f"{prefix}/comments/", activity.IssueCommentList.as_view(), name=f"{name}-comments"),
        path(f"{prefix}/comments/<str:comment_id>/", activity.IssueCommentDetail.as_view(),
             name=f"{name}-comment"),
        path(f"{prefix}/tags/", events.IssueTagList.as_view(), name=f"{name}-tags"),
        path(f"{prefix}/tags/<str:key>/", events.IssueTagDetail.as_view(), name=f"{name}-tag"),
        path(f"{prefix}/tags/<str:key>/values/", events.IssueTagValueList.as_view(),
             name=f"{name}-tag-values"),
        path(f"{prefix}/notes/", activity.IssueCommentList.as_view(), name=f"{name}-notes"),
        path(f"{prefix}/notes/<str:comment_id>/", activity.IssueCommentDetail.as_view(),
             name=f"{name}-note"),
        path(f"{prefix}/attachments/", attachments.IssueAttachmentList.as_view(),
             name=f"{name}-attachments"),
        path(f"{prefix}/user-reports/", feedback.IssueUserReports.as_view(),
             name=f"{name}-user-reports"),
    ]


urlpatterns = [
    path("", views.ApiRootView.as_view(), name="api-root"),
    path("api-tokens/", account.ApiTokenList.as_view(), name="api-tokens-api"),
    path("organizations/", organizations.OrganizationList.as_view(), name="api-organizations"),
    path(f"{ORG}/", organizations.OrganizationDetail.as_view(), name="api-organization"),
    path(f"{ORG}/projects/", organizations.ProjectList.as_view(),
         name="api-organization-projects"),
    path(f"{ORG}/issues/", issues.IssueList.as_view(), name="api-organization-issues"),
    *issue_routes(f"{ORG}/issues/<str:issue_id>", "api-issue"),
    *issue_routes("issues/<str:issue_id>", "api-legacy-issue"),
    path("projects/", organizations.ProjectList.as_view(), name="api-projects"),
    path(f"{PROJECT}/", organizations.ProjectDetail.as_view(), name="api-project"),
    path(f"{PROJECT}/keys/", organizations.ProjectKeyList.as_view(), name="api-project-keys"),
    path(f"{PROJECT}/keys/<str:key_id>/", organizations.ProjectKeyDetail.as_view(),
         name="api-project-key"),
    path(f"{PROJECT}/issues/", issues.IssueList.as_view(), name="api-project-issues"),
    path(f"{PROJECT}/events/<str:event_id>/", events.ProjectEventDetail.as_view(),
         name="api-project-event"),
    path(f"{PROJECT}/events/", events.ProjectEventList.as_view(), name="api-project-events"),
    path(f"{PROJECT}/events/<str:event_id>/attachments/",
         attachments.EventAttachmentList.as_view(), name="api-project-event-attachments"),
    path(f"{PROJECT}/events/<str:event_id>/attachments/<str:attachment_id>/",
         attachments.EventAttachmentDetail.as_view(), name="api-project-event-attachment"),
    path(f"{PROJECT}/user-feedback/", feedback.ProjectUserFeedback.as_view(),
         name="api-project-user-feedback"),
]

urlpatterns += [
    path(f"{ORG}/tags/", organization_tags.OrganizationTagList.as_view(),
         name="api-organization-tags"),
]

# The tenancy API: who the caller is, teams, members, project and key changes.
TEAM = "teams/<slug:org_slug>/<slug:team_slug>"
MEMBER = f"{ORG}/members/<str:member_id>"
urlpatterns += [
    path("auth/", account.AuthView.as_view(), name="api-auth"),
    path("users/me/", account.UserMe.as_view(), name="api-user-me"),
    path("internal/health/", views.InternalHealthView.as_view(), name="api-internal-health"),
    path(f"{ORG}/teams/", teams.TeamList.as_view(), name="api-organization-teams"),
    path(f"{TEAM}/", teams.TeamDetail.as_view(), name="api-team"),
    path(f"{TEAM}/projects/", teams.TeamProjectList.as_view(), name="api-team-projects"),
    path(f"{PROJECT}/teams/", teams.ProjectTeamList.as_view(), name="api-project-teams"),
    path(f"{PROJECT}/teams/<slug:team_slug>/", teams.ProjectTeamDetail.as_view(),
         name="api-project-team"),
    path(f"{ORG}/members/", members.MemberList.as_view(), name="api-organization-members"),
    path(f"{MEMBER}/", members.MemberDetail.as_view(), name="api-organization-member"),
    path(f"{MEMBER}/teams/<slug:team_slug>/", members.MemberTeamDetail.as_view(),
         name="api-organization-member-team"),
]

# sentry-cli's repos list and debug-files upload (chunk uploads: the releases work).
urlpatterns += [
    path(f"{ORG}/repos/", uploads.RepositoryList.as_view(), name="api-organization-repos"),
    path(f"{ORG}/chunk-upload/", uploads.ChunkUploadOptions.as_view(), name="api-chunk-upload"),
    path(f"{PROJECT}/files/difs/assemble/", uploads.DifAssemble.as_view(),
         name="api-difs-assemble"),
]

# The events API, Discover-style (errortrack.queries.discover).
urlpatterns += [
    path(f"{ORG}/events/", discover.OrganizationEvents.as_view(), name="api-organization-events"),
    path(f"{ORG}/events/validate/", discover.OrganizationEventsValidate.as_view(),
         name="api-organization-events-validate"),
    path(f"{ORG}/events-stats/", discover.OrganizationEventsStats.as_view(),
         name="api-organization-events-stats"),
]
