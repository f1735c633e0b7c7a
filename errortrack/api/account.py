"""`/api/0/api-tokens/`: the signed-in user's personal tokens, as Sentry's endpoint; and
`/auth/`, `/users/me/`: who the caller is.

Browser sessions only: a token may not mint or revoke tokens (Sentry's rule too), so a leaked
token cannot make itself permanent.
"""

from rest_framework import serializers as drf
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from errortrack import access, actions, tokens
from errortrack.api import serializers
from errortrack.api.organizations import valid
from errortrack.api.schema import detail, extend_schema
from errortrack.models import ApiToken


class TokenInput(drf.Serializer):
    name = drf.CharField(max_length=100, required=False, allow_blank=True)
    scopes = drf.ListField(child=drf.ChoiceField(tokens.SCOPES), allow_empty=False,
                           max_length=len(tokens.SCOPES))


class TokenRevoke(drf.Serializer):
    tokenId = drf.IntegerField(min_value=1)


def token_json(token: ApiToken, plaintext: str | None = None) -> dict:
    body = {"id": str(token.pk), "name": token.name, "scopes": token.scopes,
            "application": None, "expiresAt": serializers.iso(token.expires_at),
            "dateCreated": serializers.iso(token.date_created),
            "dateLastUsed": serializers.iso(token.date_last_used),
            "tokenLastCharacters": token.token_last_characters, "state": None}
    if plaintext:
        body["token"] = plaintext
    return body


class ApiTokenList(APIView):
    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        super().initial(request, *args, **kwargs)
        if isinstance(request.auth, ApiToken):
            raise PermissionDenied("Sign in to manage tokens; a token cannot.")

    @detail()
    def get(self, request: Request) -> Response:
        user = access.signed_in_user(request)
        return Response([token_json(token) for token in user.api_tokens.all()])

    @detail(request=TokenInput, status=201)
    def post(self, request: Request) -> Response:
        body = valid(TokenInput, request.data)
        token, plaintext = actions.create_api_token(
            access.signed_in_user(request), body.get("name") or "API token", body["scopes"])
        token.refresh_from_db()
        return Response(token_json(token, plaintext), status=201)

    @extend_schema(request=TokenRevoke, responses={204: None})
    def delete(self, request: Request) -> Response:
        body = valid(TokenRevoke, request.data)
        actions.revoke_api_token(access.get_api_token_for_user(request.user, body["tokenId"]))
        return Response(status=204)


class AuthenticatedOnly(APIView):
    """Any valid token or session, whatever its scopes: Sentry asks only who is calling."""

    permission_classes = [IsAuthenticated]


class AuthView(AuthenticatedOnly):
    """`GET /auth/`: the caller (MCP's whoami reads id, name (nullable) and email); 401 for no
    or a bad token."""

    @detail()
    def get(self, request: Request) -> Response:
        return Response(serializers.user_detail(access.signed_in_user(request)))


class UserMe(AuthenticatedOnly):
    """`GET /users/me/`: the same user JSON."""

    @detail()
    def get(self, request: Request) -> Response:
        return Response(serializers.user_detail(access.signed_in_user(request)))
