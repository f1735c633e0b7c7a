"""Request hygiene every view relies on."""

from collections.abc import Callable

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import sync_and_async_middleware

NUL = "\x00"


def _has_nul(request: HttpRequest) -> bool:
    if NUL in request.path:
        return True
    for params in (request.GET, request.POST if request.method == "POST" else None):
        if params is not None and any(NUL in key or any(NUL in value for value in values)
                                      for key, values in params.lists()):
            return True
    return False


REFUSAL = {"detail": "NUL characters are not allowed in requests."}


@sync_and_async_middleware
def refuse_nul_characters(get_response: Callable) -> Callable:
    """400 for a NUL character in the path, the query string or a form field.

    PostgreSQL cannot hold NUL in text, so a filter or a stored value with one fails in the
    database driver (a 500) however carefully the view was written; SQLite keeps it. Nothing
    legitimate sends one, so one check here answers it the same way on both databases.
    (JSON bodies go through DRF's fields, which refuse NUL themselves; ingest has its own
    app and makes NUL storable.) Sync and async, so async views keep their event loop.
    """
    if iscoroutinefunction(get_response):
        return _async_refusal(get_response)
    return _sync_refusal(get_response)


def _async_refusal(get_response: Callable) -> Callable:
    async def middleware(request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            return JsonResponse(REFUSAL, status=400)
        return await get_response(request)
    return middleware


def _sync_refusal(get_response: Callable) -> Callable:
    def middleware(request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            return JsonResponse(REFUSAL, status=400)
        return get_response(request)
    return middleware
