"""Files sent with events, as Sentry's attachment routes answer them:

- `GET /projects/{org}/{project}/events/{event_id}/attachments/`: the event's attachments
- `GET …/attachments/{id}/`: one attachment's JSON; with `?download=1` its bytes
- `GET /organizations/{org}/issues/{id}/attachments/` (and the legacy `/issues/{id}/…`): those
  of the issue's events, `types=` (repeatable, e.g. `event.minidump`) narrowing them

A download is served as a download, never as a page: `Content-Disposition: attachment`,
`nosniff`, a sandboxing CSP, and a content type that is a plain `type/subtype` (anything else
the SDK sent is served as `application/octet-stream`).
"""

import re
from collections.abc import Iterable

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from errortrack import access
from errortrack.api import serializers
from errortrack.api.pagination import paginate
from errortrack.api.schema import detail, listing, query
from errortrack.models import EventAttachment
from errortrack.queries.events import attachment_bytes, event_attachments, issue_attachments

ATTACHMENT_SCOPES = {"GET": "event:read"}
MEDIA_TYPE = re.compile(r"^[A-Za-z0-9][\w.+-]{0,63}/[A-Za-z0-9][\w.+-]{0,63}$")


class AnyAccept(DefaultContentNegotiation):
    """A download answers bytes whatever the client says it accepts (a browser or script asking
    for application/octet-stream must not get a 406); JSON answers stay JSON."""

    def select_renderer(self, request: Request, renderers: Iterable[BaseRenderer],
                        format_suffix: str | None = None) -> tuple[BaseRenderer, str]:
        renderers = list(renderers)
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            return renderers[0], renderers[0].media_type


def attachment_page(request: Request, attachments: QuerySet[EventAttachment]) -> Response:
    """One page of attachments, each with the sha1 of its bytes (read one at a time)."""
    page = paginate(request, attachments)
    return Response([serializers.attachment(item, serializers.sha1_of(attachment_bytes(item)))
                     for item in page.items], headers={"Link": page.link})


def download(attachment: EventAttachment) -> HttpResponse:
    """The attachment's bytes, served so that no browser renders them."""
    declared = attachment.content_type.split(";")[0].strip()
    response = HttpResponse(attachment_bytes(attachment),
                            content_type=declared if MEDIA_TYPE.match(declared)
                            else "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, attachment.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


class EventAttachmentList(APIView):
    required_scopes = ATTACHMENT_SCOPES

    @listing()
    def get(self, request: Request, org_slug: str, project_slug: str,
            event_id: str) -> Response:
        event = access.get_event_for_user(request.user, org_slug, project_slug, event_id)
        return attachment_page(request, event_attachments(event.project_id, [event.event_id]))


class EventAttachmentDetail(APIView):
    required_scopes = ATTACHMENT_SCOPES
    content_negotiation_class = AnyAccept

    @detail(description="The attachment's JSON; with `download=1` its bytes.")
    def get(self, request: Request, org_slug: str, project_slug: str, event_id: str,
            attachment_id: str) -> Response | HttpResponse:
        attachment = access.get_attachment_for_user(request.user, org_slug, project_slug,
                                                    event_id, attachment_id)
        if request.query_params.get("download", "").lower() in ("1", "true"):
            return download(attachment)
        return Response(serializers.attachment(
            attachment, serializers.sha1_of(attachment_bytes(attachment))))


class IssueAttachmentList(APIView):
    required_scopes = ATTACHMENT_SCOPES

    @listing(query("types", "Only attachments of these types (event.attachment, "
                            "event.minidump, …)", many=True))
    def get(self, request: Request, issue_id: str, org_slug: str | None = None) -> Response:
        issue = access.get_issue_for_user(request.user, issue_id, org_slug)
        return attachment_page(request, issue_attachments(
            issue, request.query_params.getlist("types")))
