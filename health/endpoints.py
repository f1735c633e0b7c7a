"""Health endpoints and the Prometheus scrape.

/health/live proves only that the process answers HTTP (never checks dependencies, so a database
outage does not get the web process restarted). /health/ready says whether it can serve now: each
component is checked and a failure answers 503 naming it (`?verbose` adds what each check saw).
/metrics is Prometheus' text format, behind a bearer token when ERRORTRACK_METRICS_TOKEN is
set.
"""

import hmac

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from health.checks import run_checks
from health.exposition import exposition


@never_cache
@require_GET
async def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def run_readiness_checks(verbose: bool) -> dict[str, dict]:
    try:
        return run_checks(timezone.now(), verbose)
    finally:
        close_old_connections()  # never keep a broken connection for the next request


@never_cache
@require_GET
async def ready(request: HttpRequest) -> JsonResponse:
    # Async views skip Django's sync-thread hop; the checks themselves are blocking I/O.
    verbose = "verbose" in request.GET
    components = await sync_to_async(run_readiness_checks)(verbose)
    healthy = all(c["status"] == "ok" for c in components.values())
    return JsonResponse({"status": "ok" if healthy else "fail", "components": components},
                        status=200 if healthy else 503)


def _authorized(request: HttpRequest) -> bool:
    if not settings.ERRORTRACK_METRICS_TOKEN:
        return True
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    expected = settings.ERRORTRACK_METRICS_TOKEN.encode()
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), expected)


def scrape() -> bytes:
    try:
        return exposition(timezone.now())
    finally:
        close_old_connections()


@never_cache
@require_GET
async def metrics(request: HttpRequest) -> HttpResponse:
    if not _authorized(request):
        response = JsonResponse(
            {"detail": "metrics need Authorization: Bearer <ERRORTRACK_METRICS_TOKEN>"},
            status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(await sync_to_async(scrape)(), content_type=CONTENT_TYPE_LATEST)
