"""Tenant checks for alert objects: another organization's channel, rule or delivery is 404.
Built on errortrack.access: reading needs membership, changing needs a manager (owner/admin)."""

from django.http import Http404

from alerts.models import Channel, Rule
from errortrack import access


def get_channel_for_user(user: access.Visitor, org_slug: str, channel_id: str) -> Channel:
    organization = access.get_organization_for_user(user, org_slug)
    pk = access.object_id_or_404(channel_id, "No such channel.")
    channel = Channel.objects.filter(organization=organization, pk=pk).first()
    if channel is None:
        raise Http404("No such channel.")
    return channel


def get_rw_channel_for_user(user: access.Visitor, org_slug: str, channel_id: str) -> Channel:
    channel = get_channel_for_user(user, org_slug, channel_id)
    access.get_rw_organization_for_user(user, org_slug)
    return channel


def get_rule_for_user(user: access.Visitor, org_slug: str, project_slug: str,
                      rule_id: str) -> Rule:
    project = access.get_project_for_user(user, org_slug, project_slug)
    pk = access.object_id_or_404(rule_id, "No such rule.")
    rule = Rule.objects.filter(project=project, pk=pk).first()
    if rule is None:
        raise Http404("No such rule.")
    return rule


def get_rw_rule_for_user(user: access.Visitor, org_slug: str, project_slug: str,
                         rule_id: str) -> Rule:
    rule = get_rule_for_user(user, org_slug, project_slug, rule_id)
    access.get_rw_project_for_user(user, org_slug, project_slug)
    return rule
