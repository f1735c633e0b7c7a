"""The 404 page, and for the web API a 404 in JSON.

API clients parse every answer as JSON: the MCP server reports a page of HTML as "Received HTML
instead of JSON … may indicate an invalid URL or server issue", sentry-cli as a parse error.
A route errortrack does not serve answers `{"detail": …}` naming the path, as Sentry does.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": f"The requested resource does not exist: "
                                       f"{request.path[:200]}"}, status=404)
    return page_not_found(request, exception)
