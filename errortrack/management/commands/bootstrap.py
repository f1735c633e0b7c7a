"""Create (once) an organization, project, DSN key and admin user; print a usable DSN and token.

Idempotent: a second run finds everything, prints the same DSN, and rotates only the named
bootstrap API token (we store hashes, so printing a token means minting a new one).
"""

import json
import os

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from errortrack import actions, tokens
from errortrack.management.options import flag, text
from errortrack.models import Member, Organization, Project

BOOTSTRAP_TOKEN_NAME = "bootstrap"  # noqa: S105 (a token name, not a secret)


def _migrations_pending() -> bool:
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


class Command(BaseCommand):
    help = "Create the first organization, project, key and admin user; print DSN and token."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="organization slug")
        parser.add_argument("--project", required=True, help="project slug")
        parser.add_argument("--platform", default="python")
        parser.add_argument("--username", default=os.environ.get("DJANGO_SUPERUSER_USERNAME",
                                                                 "admin"))
        parser.add_argument("--email", default=os.environ.get("DJANGO_SUPERUSER_EMAIL",
                                                              "admin@example.com"))
        parser.add_argument("--if-empty", action="store_true",
                            help="create nothing if any organization exists; report the first")
        parser.add_argument("--json", action="store_true",
                            help="end with one line holding a JSON object of the results")

    def handle(self, *args: object, **opts: object) -> None:
        if _migrations_pending():
            call_command("migrate", interactive=False, verbosity=0)
        org_slug, project_slug = text(opts, "org"), text(opts, "project")
        if flag(opts, "if_empty") and Organization.objects.exists():
            first = Project.objects.select_related("organization").order_by("id").first()
            if first is not None:
                org_slug, project_slug = first.organization.slug, first.slug
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD") or None
        try:
            with transaction.atomic():
                user, shown_password = actions.ensure_admin_user(
                    text(opts, "username"), text(opts, "email"), password)
                project = self._ensure_project(user, org_slug, project_slug,
                                               text(opts, "platform"))
                key = (project.keys.filter(is_active=True).first()
                       or actions.create_project_key(project))
                _, token = actions.rotate_api_token(user, BOOTSTRAP_TOKEN_NAME, tokens.SCOPES)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        result = {"dsn": key.dsn, "token": token, "org": project.organization.slug,
                  "project": project.slug, "url": settings.BASE_URL}
        self._report(result, user.get_username(), shown_password, flag(opts, "json"))

    def _ensure_project(self, user: User, org_slug: str, project_slug: str,
                        platform: str) -> Project:
        org = Organization.objects.filter(slug=org_slug).first()
        if org is None:
            org = actions.create_organization(user, org_slug)
        elif not Member.objects.filter(organization=org, user=user).exists():
            actions.add_member(org, user, Member.Role.OWNER)
        project = org.projects.filter(slug=project_slug).first()
        return project or actions.create_project(org, project_slug, platform=platform)

    def _report(self, result: dict, username: str, password: str | None, as_json: bool) -> None:
        write = self.stdout.write
        write(f"errortrack is at {result['url']}")
        write(f"  DSN:       {result['dsn']}")
        write(f"  API token: {result['token']}  (rotated on every bootstrap run)")
        if password:
            write(f"  Login:     {username} / {password}  (shown once: note it now)")
        else:
            write(f"  Login:     {username} (password unchanged; reset it with "
                  f"`python manage.py changepassword {username}`)")
        if as_json:
            write(json.dumps(result))
