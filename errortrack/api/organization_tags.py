"""`GET /api/0/organizations/{org}/tags/`: the tag keys of an organization's events, as
Grafana's query editor lists them (`[{key, name, totalValues}]`, totalValues an integer: the
number of distinct values, as Sentry counts a key's values_seen)."""

from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from errortrack import access
from errortrack.api.discover import requested_projects
from errortrack.api.schema import listing
from errortrack.api.timerange import time_range
from errortrack.models import Issue
from errortrack.queries.tags import tag_keys_of

MAX_KEYS = 1000


class OrganizationTagList(APIView):
    required_scopes = {"GET": "event:read"}

    @listing()
    def get(self, request: Request, org_slug: str) -> Response:
        organization = access.get_organization_for_user(request.user, org_slug)
        projects = requested_projects(request, organization)
        span = time_range(request.query_params, timezone.now(), default_period=None)
        issues = Issue.objects.filter(project__in=projects)
        keys = tag_keys_of(issues, span.start if span else None, MAX_KEYS)
        return Response([{"key": tag.key, "name": tag.key, "totalValues": tag.distinct_values,
                          "uniqueValues": tag.distinct_values} for tag in keys])
