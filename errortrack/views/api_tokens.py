"""Account settings → Personal tokens: what sentry-cli and scripts authenticate with.

A new token is shown once, on the page that answers the POST that made it (never stored in the
session or a message), as Sentry does; only its SHA-256 and last four characters are kept.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from errortrack import access, actions, tokens

# Scopes offered first (checked by default): what sentry-cli's issue commands and read-only
# dashboards need.
DEFAULT_SCOPES = ("org:read", "project:read", "event:read", "event:write")


def _page(request: HttpRequest, new_token: str | None = None, status: int = 200) -> HttpResponse:
    return render(request, "errortrack/api_tokens.html", {
        "tokens": access.signed_in_user(request).api_tokens.all(),
        "scopes": tokens.SCOPES,
        "default_scopes": DEFAULT_SCOPES,
        "new_token": new_token,
    }, status=status)


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    name = request.POST.get("name", "").strip()[:100] or "API token"
    try:
        _, plaintext = actions.create_api_token(access.signed_in_user(request), name,
                                                request.POST.getlist("scopes"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _page(request, status=400)
    return _page(request, new_token=plaintext)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    actions.revoke_api_token(access.get_api_token_for_user(request.user, token_id))
    messages.success(request, "Token revoked.")
    return redirect("api-tokens")
