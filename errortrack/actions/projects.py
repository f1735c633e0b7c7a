"""Projects and their settings (scrubbing, retention, platform)."""

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from errortrack import signals
from errortrack.actions.cleaning import clean_bool, clean_name, clean_slug
from errortrack.actions.keys import create_project_key
from errortrack.models import (
    Organization,
    Project,
    Team,
)


@transaction.atomic
def create_project(organization: Organization, slug: str, name: str = "", platform: str = "",
                   teams: Iterable[Team] = ()) -> Project:
    """Create a project with one active DSN key, as Sentry does. Once it commits, the apps
    hear of it (signals.project_created: alerts gives it its default rule)."""
    slug = clean_slug(slug, "Project")
    if organization.projects.filter(slug=slug).exists():
        raise ValidationError(
            f"A project with slug {slug!r} already exists in {organization.slug}.")
    project = Project.objects.create(organization=organization, slug=slug, name=name or slug,
                                     platform=platform)
    project.teams.set(teams)
    create_project_key(project)
    signals.project_created.publish_on_commit(
        signals.ProjectCreated(project_id=project.pk, organization_id=organization.pk))
    return project


MAX_SCRUB_FIELDS = 100


MAX_SCRUB_FIELD_LENGTH = 100


MAX_RETENTION_DAYS = 3650


PLATFORM = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def _clean_platform(platform: object) -> str:
    if not isinstance(platform, str):
        raise ValidationError("Platform must be text.")
    platform = platform.strip().lower()
    if platform and not PLATFORM.match(platform):
        raise ValidationError("Platform is a Sentry platform name such as python or "
                              "javascript-react: up to 64 letters, digits, '.', '_' or '-'.")
    return platform


def _clean_field_names(names: object, what: str) -> list[str]:
    """Key names for the scrubber (errortrack.digest.scrub): stripped, without duplicates.

    The scrubber matches extra sensitive names as substrings of every key and value of every
    event, so their number and length are bounded, and each must be printable (no NUL or
    line breaks: the form holds one per line)."""
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
        raise ValidationError(f"{what} must be a list of field names.")
    cleaned: dict[str, str] = {}
    for name in (n.strip() for n in names):
        if name and name.lower() not in cleaned:
            if len(name) > MAX_SCRUB_FIELD_LENGTH or not name.isprintable():
                raise ValidationError(f"{what}: each name must be at most "
                                      f"{MAX_SCRUB_FIELD_LENGTH} printable characters.")
            cleaned[name.lower()] = name
        if len(cleaned) > MAX_SCRUB_FIELDS:
            raise ValidationError(f"{what}: at most {MAX_SCRUB_FIELDS} names.")
    return list(cleaned.values())


def _clean_retention(days: object) -> int | None:
    if days is None:
        return None
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_RETENTION_DAYS:
        raise ValidationError(f"Event retention must be 1 to {MAX_RETENTION_DAYS} days, or "
                              "empty for the global setting.")
    return days


PROJECT_SETTINGS = {
    "name": lambda value: clean_name(value, "Project"),
    "platform": _clean_platform,
    "scrub_defaults": lambda value: clean_bool(value, "Default scrubbing"),
    "sensitive_fields": lambda value: _clean_field_names(value, "Sensitive fields"),
    "safe_fields": lambda value: _clean_field_names(value, "Safe fields"),
    "scrub_ip_addresses": lambda value: clean_bool(value, "IP address scrubbing"),
    "event_retention_days": _clean_retention,
}


def update_project_settings(project: Project, **changes: object) -> Project:
    """Change any of a project's general (name, platform), data scrubbing (scrub_defaults,
    sensitive_fields, safe_fields, scrub_ip_addresses) and retention (event_retention_days,
    None for the global setting) settings. All are validated before any is set, so a refusal
    changes nothing. The digest reads scrubbing settings per batch: new events use them."""
    unknown = sorted(set(changes) - set(PROJECT_SETTINGS))
    if unknown:
        raise ValidationError(f"Unknown project settings: {', '.join(unknown)}.")
    cleaned = {key: PROJECT_SETTINGS[key](value) for key, value in changes.items()}
    for key, value in cleaned.items():
        setattr(project, key, value)
    project.save(update_fields=list(cleaned))
    return project
