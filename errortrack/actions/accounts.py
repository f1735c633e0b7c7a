"""User accounts: API tokens and the bootstrap admin."""

import secrets
from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from errortrack import tokens
from errortrack.models import (
    ApiToken,
)


def create_api_token(user: User, name: str, scopes: Iterable[str],
                     expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Create a token and return it with its plaintext, which is never stored or shown again."""
    scopes = sorted(set(scopes))
    if not scopes:
        raise ValidationError("Choose at least one scope.")
    unknown = [s for s in scopes if s not in tokens.SCOPES]
    if unknown:
        raise ValidationError(f"Unknown scopes: {', '.join(unknown)}.")
    plaintext = tokens.generate_token()
    token = ApiToken.objects.create(user=user, name=name, scopes=scopes,
                                    token_hash=tokens.hash_token(plaintext),
                                    token_last_characters=plaintext[-4:], expires_at=expires_at)
    return token, plaintext


@transaction.atomic
def rotate_api_token(user: User, name: str,
                     scopes: Iterable[str]) -> tuple[ApiToken, str]:
    """Replace the user's tokens called `name` with a fresh one (old plaintexts stop working)."""
    ApiToken.objects.filter(user=user, name=name).delete()
    return create_api_token(user, name, scopes)


def revoke_api_token(token: ApiToken) -> None:
    token.delete()


def ensure_admin_user(username: str, email: str,
                      password: str | None = None) -> tuple[User, str | None]:
    """Return the superuser `username`, creating it if needed.

    Returns (user, password_to_show): the generated password when one was just made, else None.
    An explicit `password` is (re)applied so DJANGO_SUPERUSER_PASSWORD stays authoritative.
    """
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    shown = None
    if user is None:
        shown = None if password else secrets.token_urlsafe(12)
        user = user_model.objects.create_superuser(username=username, email=email,
                                                   password=password or shown)
    elif password and not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    return user, shown
