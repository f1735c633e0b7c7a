"""User feedback, as Sentry's user report routes answer it:

- `GET|POST /projects/{org}/{project}/user-feedback/`: the project's reports, newest first,
  each with the issue of its event (null while the event is not stored); POST
  `{event_id, name, email, comments}` stores one (201)
- `GET /organizations/{org}/issues/{id}/user-reports/` (and the legacy `/issues/{id}/…`): the
  reports about the issue's events
"""

from django.utils import timezone
from rest_framework import serializers as drf
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from errortrack import access, actions
from errortrack.api import serializers
from errortrack.api.activity import valid_body
from errortrack.api.pagination import paginate
from errortrack.api.schema import detail, listing
from errortrack.queries.feedback import issue_reports, issues_of_reports, project_reports


class ReportInput(drf.Serializer):
    """Sentry's user report body; every field is required (actions.create_user_report says
    what a valid one is)."""

    event_id = drf.CharField(max_length=36)
    name = drf.CharField(max_length=actions.MAX_REPORT_NAME)
    email = drf.CharField(max_length=actions.MAX_REPORT_EMAIL)
    comments = drf.CharField(max_length=actions.MAX_REPORT_COMMENTS)


class ProjectUserFeedback(APIView):
    required_scopes = {"GET": "project:read", "POST": "project:write"}

    @listing()
    def get(self, request: Request, org_slug: str, project_slug: str) -> Response:
        project = access.get_project_for_user(request.user, org_slug, project_slug)
        page = paginate(request, project_reports(project))
        issue_of = issues_of_reports(project, page.items)
        issue_bodies = dict(zip(issue_of, serializers.issues(
            list(issue_of.values()), access.signed_in_user(request), timezone.now(), None),
            strict=True))
        return Response([serializers.user_report(report, issue_bodies.get(report.event_id),
                                                 with_issue=True)
                         for report in page.items], headers={"Link": page.link})

    @detail(request=ReportInput, status=201)
    def post(self, request: Request, org_slug: str, project_slug: str) -> Response:
        now = timezone.now()
        project = access.get_project_for_user(request.user, org_slug, project_slug)
        body = valid_body(ReportInput, request.data)
        report = actions.create_user_report(project, body["event_id"], body["name"],
                                            body["email"], body["comments"], now)
        issue = issues_of_reports(project, [report]).get(report.event_id)
        issue_body = serializers.issues([issue], access.signed_in_user(request), now,
                                        None)[0] if issue is not None else None
        return Response(serializers.user_report(report, issue_body, with_issue=True),
                        status=201)


class IssueUserReports(APIView):
    required_scopes = {"GET": "event:read"}

    @listing()
    def get(self, request: Request, issue_id: str, org_slug: str | None = None) -> Response:
        issue = access.get_issue_for_user(request.user, issue_id, org_slug)
        page = paginate(request, issue_reports(issue))
        return Response([serializers.user_report(report) for report in page.items],
                        headers={"Link": page.link})
