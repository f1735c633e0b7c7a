"""Health endpoints.

/health/live proves only that the process answers HTTP (never checks dependencies, so a database
outage does not get the web process restarted). /health/ready says whether it can serve now: each
dependency is checked and a failure answers 503 naming the component.
"""

from asgiref.sync import sync_to_async
from django.db import close_old_connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from health.checks import readiness_checks


@never_cache
@require_GET
async def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def run_readiness_checks() -> dict[str, dict]:
    components = {}
    for name, check in readiness_checks().items():
        error = check()
        components[name] = {"status": "ok"} if error is None else {"status": "fail",
                                                                  "error": error}
    if components.get("database", {}).get("status") == "fail":
        close_old_connections()  # don't keep a broken connection for the next request
    return components


@never_cache
@require_GET
async def ready(request: HttpRequest) -> JsonResponse:
    # Async views skip Django's sync-thread hop; the checks themselves are blocking I/O.
    components = await sync_to_async(run_readiness_checks)()
    healthy = all(c["status"] == "ok" for c in components.values())
    return JsonResponse({"status": "ok" if healthy else "fail", "components": components},
                        status=200 if healthy else 503)
