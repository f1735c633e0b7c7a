"""Links from monitor issues (kinds uptime and cron) to their monitor's page, registered with
errortrack.queries.issue_links in HealthConfig.ready()."""

from django.urls import NoReverseMatch, reverse

from errortrack.models import Issue
from health.models import CronMonitor, UptimeMonitor


def cron_issue_url(issue: Issue) -> str:
    """The failing cron monitor's page; the project's monitor list when the monitor is gone."""
    cron = CronMonitor.objects.filter(issue=issue).only("slug").first()
    if cron is None:
        return monitors_url(issue)
    return _reverse("monitor-cron", issue, cron.slug)


def uptime_issue_url(issue: Issue) -> str:
    uptime = UptimeMonitor.objects.filter(issue=issue).only("pk").first()
    if uptime is None:
        return monitors_url(issue)
    return _reverse("monitor-uptime", issue, uptime.pk)


def monitors_url(issue: Issue) -> str:
    project = issue.project
    return reverse("monitors", args=[project.organization.slug, project.slug])


def _reverse(name: str, issue: Issue, monitor: object) -> str:
    project = issue.project
    try:
        return reverse(name, args=[project.organization.slug, project.slug, monitor])
    except NoReverseMatch:
        return monitors_url(issue)
