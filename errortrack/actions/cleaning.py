"""Input cleaning the actions share: slugs and display names, refused with a message a person
can act on."""


from django.core.exceptions import ValidationError
from django.core.validators import validate_slug


def clean_slug(slug: str, what: str) -> str:
    slug = (slug or "").strip().lower()
    if not slug or len(slug) > 50:
        raise ValidationError(f"{what} slug must be 1 to 50 characters.")
    validate_slug(slug)
    return slug


MAX_NAME_LENGTH = 100  # Organization, Team and Project names


def clean_name(name: object, what: str, default: str = "") -> str:
    """A display name, stripped; `default` when empty (or refused when there is none)."""
    if not isinstance(name, str):
        raise ValidationError(f"{what} name must be text.")
    name = name.strip() or default
    if not name:
        raise ValidationError(f"{what} name cannot be empty.")
    if len(name) > MAX_NAME_LENGTH or not name.isprintable():
        raise ValidationError(f"{what} name must be at most {MAX_NAME_LENGTH} printable "
                              "characters.")
    return name


def clean_bool(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"{what} must be true or false.")
    return value
