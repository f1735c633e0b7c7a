"""Token scopes, named and implied as in Sentry (`x:admin` ⊃ `x:write` ⊃ `x:read`).

A view names the scope each HTTP method needs (`required_scopes`). Requests authenticated by a
token must hold it; browser sessions act with the user's own rights, which the access helpers
check (errortrack.access), like token requests too.
"""

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from errortrack.models import ApiToken

LEVELS = ("read", "write", "admin")


def scope_allows(granted: list[str], needed: str) -> bool:
    resource, _, level = needed.partition(":")
    wanted = LEVELS.index(level)
    return any(scope == f"{resource}:{have}" for have in LEVELS[wanted:] for scope in granted)


class HasScope(BasePermission):
    message = "This token lacks the scope this request needs."

    def has_permission(self, request: Request, view: object) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if not isinstance(request.auth, ApiToken):
            return True
        needed = getattr(view, "required_scopes", {}).get(request.method)
        if needed is None:
            needed = getattr(view, "required_scopes", {}).get("GET", "org:read")
        self.message = f"This token lacks the {needed} scope."
        return scope_allows(request.auth.scopes, needed)
