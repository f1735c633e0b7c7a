"""Tenant checks for monitors: another organization's monitor is 404. Built on
errortrack.access: reading needs membership, changing needs a manager (owner/admin), as for
the project's other settings (client keys, alert rules)."""

from django.http import Http404

from errortrack import access
from health.models import CronMonitor, UptimeMonitor

MAX_SLUG_LENGTH = 50


def get_uptime_monitor_for_user(user: access.Visitor, org_slug: str, project_slug: str,
                                uptime_id: str) -> UptimeMonitor:
    project = access.get_project_for_user(user, org_slug, project_slug)
    pk = access.object_id_or_404(uptime_id, "No such uptime monitor.")
    monitor = (UptimeMonitor.objects.select_related("project__organization")
               .filter(project=project, pk=pk).first())
    if monitor is None:
        raise Http404("No such uptime monitor.")
    return monitor


def get_rw_uptime_monitor_for_user(user: access.Visitor, org_slug: str, project_slug: str,
                                   uptime_id: str) -> UptimeMonitor:
    monitor = get_uptime_monitor_for_user(user, org_slug, project_slug, uptime_id)
    access.get_rw_project_for_user(user, org_slug, project_slug)
    return monitor


def get_cron_monitor_for_user(user: access.Visitor, org_slug: str, project_slug: str,
                              monitor_slug: str) -> CronMonitor:
    project = access.get_project_for_user(user, org_slug, project_slug)
    # A slug no monitor can have is not queried (the middleware refuses NUL already, and
    # PostgreSQL would refuse it in a parameter).
    valid = len(monitor_slug) <= MAX_SLUG_LENGTH and "\x00" not in monitor_slug
    monitor = (CronMonitor.objects.select_related("project__organization")
               .filter(project=project, slug=monitor_slug).first() if valid else None)
    if monitor is None:
        raise Http404("No such cron monitor.")
    return monitor


def get_rw_cron_monitor_for_user(user: access.Visitor, org_slug: str, project_slug: str,
                                 monitor_slug: str) -> CronMonitor:
    monitor = get_cron_monitor_for_user(user, org_slug, project_slug, monitor_slug)
    access.get_rw_project_for_user(user, org_slug, project_slug)
    return monitor
