"""Projects and their settings (scrubbing, retention, platform)."""

import re
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from errortrack import signals
from errortrack.actions.cleaning import clean_bool, clean_name
from errortrack.actions.keys import create_project_key
from errortrack.actions.organizations import clean_new_slug
from errortrack.models import (
    Organization,
    Project,
    Team,
)


@transaction.atomic
def create_project(organization: Organization, slug: str, name: str = "", platform: str = "",
                   teams: Iterable[Team] = (), default_rules: bool = True) -> Project:
    """Create a project with one active DSN key, as Sentry does. Once it commits, the apps
    hear of it (signals.project_created: alerts gives it its default rule unless
    `default_rules` is False, as Sentry's API takes it)."""
    slug = clean_new_slug(slug, "Project")
    name, platform = clean_name(name, "Project", default=slug), _clean_platform(platform)
    if organization.projects.filter(slug=slug).exists():
        raise ValidationError(
            f"A project with slug {slug!r} already exists in {organization.slug}.")
    project = Project.objects.create(organization=organization, slug=slug, name=name,
                                     platform=platform)
    project.teams.set(teams)
    create_project_key(project)
    signals.project_created.publish_on_commit(
        signals.ProjectCreated(project_id=project.pk, organization_id=organization.pk,
                               default_rules=default_rules))
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


# Terraform's provider fails reading a project whose options lack any of these as text.
SENTRY_PROJECT_OPTIONS = {"filters:blacklisted_ips": "", "filters:releases": "",
                          "filters:error_messages": ""}
SENTRY_PROJECT_DEFAULTS: dict[str, object] = {
    "digestsMinDelay": 300, "digestsMaxDelay": 1800, "resolveAge": 0,
    "fingerprintingRules": "", "groupingEnhancements": "", "allowedDomains": ["*"],
    "scrapeJavaScript": True, "subjectPrefix": "", "subjectTemplate": "$shortID - $title",
    "securityToken": "", "securityTokenHeader": None, "verifySSL": False,
    "dataScrubber": True, "highlightTags": [], "isBookmarked": False,
    "options": SENTRY_PROJECT_OPTIONS,
}
MAX_SENTRY_TEXT = 20_000  # fingerprinting rules, grouping enhancements, option values
MAX_SENTRY_LIST = 100  # allowed domains, highlight tags, options


def _text(limit: int, nullable: bool = False) -> Callable[[str, object], object]:
    def check(name: str, value: object) -> object:
        if value is None and nullable:
            return None
        if not isinstance(value, str) or len(value) > limit:
            raise ValidationError(f"{name} must be text of at most {limit} characters.")
        return value
    return check


def _whole(low: int, high: int) -> Callable[[str, object], object]:
    def check(name: str, value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(f"{name} must be a whole number from {low} to {high}.")
        return value
    return check


def _flag(name: str, value: object) -> object:
    return clean_bool(value, name)


def _strings(name: str, value: object) -> object:
    if (not isinstance(value, list) or len(value) > MAX_SENTRY_LIST
            or not all(isinstance(item, str) and len(item) <= 255 for item in value)):
        raise ValidationError(f"{name} must be a list of at most {MAX_SENTRY_LIST} texts of "
                              "at most 255 characters.")
    return value


def _options(name: str, value: object) -> object:
    """Sentry's `options` (inbound filters such as `filters:releases`): flat and bounded."""
    if not isinstance(value, dict) or len(value) > MAX_SENTRY_LIST:
        raise ValidationError(f"{name} must be an object of at most {MAX_SENTRY_LIST} keys.")
    for key, item in value.items():
        if len(key) > 200 or not (item is None or isinstance(item, bool | int | float)
                                  or (isinstance(item, str) and len(item) <= MAX_SENTRY_TEXT)):
            raise ValidationError(f"{name}: each key is at most 200 characters and each value "
                                  f"a number, true/false or text of at most {MAX_SENTRY_TEXT}.")
    return value


SENTRY_SETTING_CHECKS: dict[str, Callable[[str, object], object]] = {
    "digestsMinDelay": _whole(60, 3600), "digestsMaxDelay": _whole(60, 3600),
    "resolveAge": _whole(0, 720), "fingerprintingRules": _text(MAX_SENTRY_TEXT),
    "groupingEnhancements": _text(MAX_SENTRY_TEXT), "allowedDomains": _strings,
    "scrapeJavaScript": _flag, "subjectPrefix": _text(200), "subjectTemplate": _text(200),
    "securityToken": _text(255), "securityTokenHeader": _text(64, nullable=True),
    "verifySSL": _flag, "dataScrubber": _flag, "options": _options,
    "highlightTags": _strings, "isBookmarked": _flag,
}


def _clean_sentry_settings(settings: object) -> dict:
    """Sentry's project settings we keep but do not act on (see Project.sentry_settings), each
    checked against Sentry's type and bounds so what is kept is what Sentry would keep."""
    if not isinstance(settings, dict):
        raise ValidationError("Sentry settings must be an object.")
    unknown = sorted(set(settings) - set(SENTRY_SETTING_CHECKS))
    if unknown:
        raise ValidationError(f"Unknown Sentry project settings: {', '.join(unknown)}.")
    cleaned = {key: SENTRY_SETTING_CHECKS[key](key, value) for key, value in settings.items()}
    merged = {**SENTRY_PROJECT_DEFAULTS, **cleaned}
    if merged["digestsMinDelay"] > merged["digestsMaxDelay"]:  # type: ignore[operator]
        raise ValidationError("digestsMinDelay cannot be more than digestsMaxDelay.")
    return cleaned


PROJECT_SETTINGS = {
    "name": lambda value: clean_name(value, "Project"),
    "platform": _clean_platform,
    "scrub_defaults": lambda value: clean_bool(value, "Default scrubbing"),
    "sensitive_fields": lambda value: _clean_field_names(value, "Sensitive fields"),
    "safe_fields": lambda value: _clean_field_names(value, "Safe fields"),
    "scrub_ip_addresses": lambda value: clean_bool(value, "IP address scrubbing"),
    "event_retention_days": _clean_retention,
    "sentry_settings": _clean_sentry_settings,
}


def update_project_settings(project: Project, **changes: object) -> Project:
    """Change any of a project's general (name, platform), data scrubbing (scrub_defaults,
    sensitive_fields, safe_fields, scrub_ip_addresses), retention (event_retention_days,
    None for the global setting) and kept Sentry settings (sentry_settings, the whole object).
    All are validated before any is set, so a refusal changes nothing. The digest reads
    scrubbing settings per batch: new events use them."""
    unknown = sorted(set(changes) - set(PROJECT_SETTINGS))
    if unknown:
        raise ValidationError(f"Unknown project settings: {', '.join(unknown)}.")
    cleaned = {key: PROJECT_SETTINGS[key](value) for key, value in changes.items()}
    for key, value in cleaned.items():
        setattr(project, key, value)
    project.save(update_fields=list(cleaned))
    return project


def change_project_slug(project: Project, slug: str) -> Project:
    """Give a project a new slug; one taken in its organization is refused. DSNs carry the
    project id, not the slug, so SDKs keep sending."""
    slug = clean_new_slug(slug, "Project")
    if project.organization.projects.filter(slug=slug).exclude(pk=project.pk).exists():
        raise ValidationError(
            f"A project with slug {slug!r} already exists in {project.organization.slug}.")
    project.slug = slug
    project.save(update_fields=["slug"])
    return project


def delete_project(project: Project) -> None:
    """Delete a project with everything it holds (issues, events, keys, rules, monitors); its
    DSN keys stop working once the ingest key cache expires (errortrack.ingest.keys)."""
    project.delete()


@transaction.atomic
def update_project(project: Project, slug: str | None = None, **settings: object) -> Project:
    """One API change of a project: a new slug and any of PROJECT_SETTINGS, all or nothing."""
    if slug is not None and slug != project.slug:
        change_project_slug(project, slug)
    if settings:
        update_project_settings(project, **settings)
    return project
