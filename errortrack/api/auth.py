"""Bearer token authentication against hashed ApiTokens."""

from datetime import timedelta

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from errortrack import tokens
from errortrack.models import ApiToken

# Record use at most this often, so an API request is not also a write every time.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class BearerTokenAuthentication(TokenAuthentication):
    keyword = "Bearer"

    def authenticate_credentials(self, key: str) -> tuple:
        if not tokens.looks_like_token(key):
            raise exceptions.AuthenticationFailed("Invalid token.")
        token = (ApiToken.objects.select_related("user")
                 .filter(token_hash=tokens.hash_token(key)).first())
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        now = timezone.now()
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed("Token expired.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        if token.date_last_used is None or now - token.date_last_used > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(date_last_used=now)
        return token.user, token
