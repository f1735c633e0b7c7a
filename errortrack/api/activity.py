"""An issue's activity and comments, as Sentry's `…/issues/{id}/activities/` and
`…/issues/{id}/comments/[{comment_id}/]`, also under Sentry's own name `…/notes/` (the MCP
server's add_issue_note posts there); comments are activity of type `note`."""

from rest_framework import serializers as drf
from rest_framework.exceptions import ParseError
from rest_framework.exceptions import ValidationError as BodyError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from errortrack import access, actions
from errortrack.api import serializers
from errortrack.api.pagination import paginate
from errortrack.api.schema import detail, extend_schema, listing
from errortrack.models import Activity
from errortrack.queries.activity import recent_activity

COMMENT_SCOPES = {"GET": "event:read", "POST": "event:write", "PUT": "event:write",
                  "DELETE": "event:write"}


class CommentInput(drf.Serializer):
    text = drf.CharField(max_length=actions.MAX_COMMENT_LENGTH, trim_whitespace=True)


def valid_body(serializer_class: type[drf.Serializer], data: object) -> dict:
    """A request body checked by `serializer_class`; what is wrong in it is a 400 whose
    `detail` names each field, as Sentry's clients show errors."""
    serializer = serializer_class(data=data)
    try:
        serializer.is_valid(raise_exception=True)
    except BodyError as error:
        raise ParseError(_messages(error.detail)) from None
    return serializer.validated_data


def _messages(detail: object, field: str = "") -> str:
    if isinstance(detail, dict):
        return " ".join(_messages(value, str(key) if key != "non_field_errors" else "")
                        for key, value in detail.items())
    if isinstance(detail, list):
        return " ".join(_messages(item, field) for item in detail)
    return f"{field}: {detail}" if field else str(detail)


def activity_json(issue_id: int) -> list[dict]:
    return [serializers.activity(item) for item in recent_activity(issue_id)]


class IssueActivity(APIView):
    required_scopes = {"GET": "event:read"}

    @detail()
    def get(self, request: Request, issue_id: str, org_slug: str | None = None) -> Response:
        issue = access.get_issue_for_user(request.user, issue_id, org_slug)
        return Response({"activity": activity_json(issue.pk)})


class IssueCommentList(APIView):
    required_scopes = COMMENT_SCOPES

    @listing()
    def get(self, request: Request, issue_id: str, org_slug: str | None = None) -> Response:
        issue = access.get_issue_for_user(request.user, issue_id, org_slug)
        notes = Activity.objects.filter(issue=issue, kind=Activity.Kind.NOTE
                                        ).select_related("user")
        page = paginate(request, notes)
        return Response([serializers.activity(item) for item in page.items],
                        headers={"Link": page.link})

    @detail(request=CommentInput, status=201)
    def post(self, request: Request, issue_id: str, org_slug: str | None = None) -> Response:
        issue = access.get_rw_issue_for_user(request.user, issue_id, org_slug)
        text = valid_body(CommentInput, request.data)["text"]
        comment = actions.add_comment(issue, access.signed_in_user(request), text)
        comment.refresh_from_db()
        return Response(serializers.activity(comment), status=201)


class IssueCommentDetail(APIView):
    """Anyone who sees the issue reads a comment; only its author edits or deletes it
    (anyone else gets 404)."""

    required_scopes = COMMENT_SCOPES

    @detail()
    def get(self, request: Request, issue_id: str, comment_id: str,
            org_slug: str | None = None) -> Response:
        issue = access.get_issue_for_user(request.user, issue_id, org_slug)
        return Response(serializers.activity(
            access.get_comment_for_user(request.user, issue, comment_id)))

    @detail(request=CommentInput)
    def put(self, request: Request, issue_id: str, comment_id: str,
            org_slug: str | None = None) -> Response:
        issue = access.get_rw_issue_for_user(request.user, issue_id, org_slug)
        comment = access.get_comment_for_user(request.user, issue, comment_id, authored=True)
        text = valid_body(CommentInput, request.data)["text"]
        return Response(serializers.activity(actions.edit_comment(comment, text)))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, issue_id: str, comment_id: str,
               org_slug: str | None = None) -> Response:
        issue = access.get_rw_issue_for_user(request.user, issue_id, org_slug)
        actions.delete_comment(access.get_comment_for_user(request.user, issue, comment_id,
                                                           authored=True))
        return Response(status=204)
