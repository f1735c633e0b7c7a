"""API root: how sentry-cli (`info`, `login`) validates a token."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from errortrack.models import ApiToken


class ApiRootView(APIView):
    """Anonymous callers get `auth: null`; a bad token gets 401 from authentication."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        user = request.user
        if not user.is_authenticated:
            return Response({"version": "0", "auth": None, "user": None})
        scopes = request.auth.scopes if isinstance(request.auth, ApiToken) else []
        return Response({
            "version": "0",
            "auth": {"scopes": scopes},
            "user": {"id": str(user.pk), "username": user.get_username(), "email": user.email,
                     "name": user.get_full_name() or user.get_username()},
        })


class InternalHealthView(APIView):
    """`GET /internal/health/`: Terraform's provider calls it on start and needs a 200; a 401
    tells it the token is bad (a 404, that the base URL is). What the server's own health is:
    /health/ready (the health app)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        return Response({"problems": [], "healthy": {}})
