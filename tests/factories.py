"""Plain factory functions. Where an action exists, data is made through it."""

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser

from errortrack import actions
from errortrack.models import Member, Organization, Project

PASSWORD = "correct horse battery staple"


def make_user(username: str, **extra: object) -> AbstractBaseUser:
    return get_user_model().objects.create_user(username=username,
                                                email=f"{username}@example.com",
                                                password=PASSWORD, **extra)


def make_organization(owner: AbstractBaseUser, slug: str) -> Organization:
    return actions.create_organization(owner, slug, name=slug.title())


def make_project(organization: Organization, slug: str, platform: str = "python") -> Project:
    return actions.create_project(organization, slug, platform=platform)


def make_owner(username: str, org_slug: str, project_slug: str = "web") -> AbstractBaseUser:
    """A user who owns an organization with one project."""
    user = make_user(username)
    make_project(make_organization(user, org_slug), project_slug)
    return user


def make_member(organization: Organization, username: str,
                role: str = Member.Role.MEMBER) -> AbstractBaseUser:
    user = make_user(username)
    actions.add_member(organization, user, role)
    return user
