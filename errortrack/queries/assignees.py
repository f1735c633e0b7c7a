"""Who an issue can be assigned to: the one list of choices, and reading a choice back."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from errortrack import access
from errortrack.models import Member, Organization, Team


def display_name(user: Any) -> str:
    """What pages call a person: the full name, else the username."""
    return (user.get_full_name() or user.get_username()) if user is not None else ""


@dataclass(frozen=True)
class AssigneeChoice:
    value: str  # "user:<id>" or "team:<id>": what resolve_assignee reads and activity records
    label: str  # the person's display name, or "#<team slug>"
    member: Member | None = None  # for a person: their membership (role and all)


def assignee_choices(organization: Organization) -> list[AssigneeChoice]:
    """The organization's members by username, then its teams: two queries."""
    members = (Member.objects.filter(organization=organization).select_related("user")
               .order_by("user__username"))
    people = [AssigneeChoice(f"user:{m.user_id}", display_name(m.user), m) for m in members]
    teams = [AssigneeChoice(f"team:{team.pk}", f"#{team.slug}")
             for team in organization.teams.all()]
    return people + teams


def resolve_assignee(value: str | None, organization: Organization
                     ) -> User | Team | None:
    """`user:<id>`, `team:<id>`, a username or an email of a member; empty or null: nobody."""
    if not value:
        return None
    kind, _, ident = value.partition(":")
    pk = access.object_id(ident)
    if kind == "team" and pk is not None:
        team = organization.teams.filter(pk=pk).first()
        if team is None:
            raise ValidationError(f"No team {value} in this organization.")
        return team
    members = Member.objects.filter(organization=organization).select_related("user")
    if kind == "user" and pk is not None:
        member = members.filter(user_id=pk).first()
    else:
        member = (members.filter(user__username=value).first()
                  or members.filter(user__email__iexact=value).first())
    if member is None:
        raise ValidationError(f"No member {value!r} in this organization.")
    return member.user
