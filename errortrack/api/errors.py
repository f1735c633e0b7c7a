"""API errors as Sentry answers them: `{"detail": …}` with a 4xx, never a 500 for bad input."""

from typing import Any

from django.core.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler

from errortrack.queries.search import SearchError


def handle(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus our actions' ValidationError and search errors as 400."""
    if isinstance(exc, ValidationError | SearchError):
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        return Response({"detail": " ".join(messages)}, status=400)
    return exception_handler(exc, context)
