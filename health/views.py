"""Monitor pages of a project: the list (uptime and cron), each monitor's detail with its
history, and the create, edit and delete forms. Thin views: reads through health.access (404
for other tenants), writes through health.actions, whose messages show in the form."""

from collections.abc import Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from errortrack import access
from errortrack.models import Project
from health import access as health_access
from health import actions, crons, inputs
from health.crons import INTERVAL_UNITS
from health.models import CheckIn, CronMonitor, UptimeMonitor
from health.uptime.chart import response_chart
from health.uptime.history import uptime_stats, uptime_stats_for

HISTORY_SHOWN = 50
CHART_SPAN = timedelta(hours=24)
RUN_CLASSES: dict[str, str] = {
    CheckIn.Status.OK: "run-ok", CheckIn.Status.ERROR: "run-error",
    CheckIn.Status.MISSED: "run-missed", CheckIn.Status.TIMEOUT: "run-timeout",
    CheckIn.Status.IN_PROGRESS: "run-progress"}
FAILED_RUNS: set[str] = {CheckIn.Status.ERROR, CheckIn.Status.MISSED, CheckIn.Status.TIMEOUT}
NEW_UPTIME_FORM = {"name": "", "url": "https://", "method": "GET", "interval_seconds": 60,
                   "timeout_seconds": 10, "expected_status": "200-299", "expected_keyword": "",
                   "failure_threshold": 3, "recovery_threshold": 1, "is_active": True}
NEW_CRON_FORM = {"slug": "", "name": "", "schedule_type": "crontab", "schedule": "0 * * * *",
                 "interval_value": 1, "interval_unit": "hour", "timezone": "UTC",
                 "checkin_margin": 1, "max_runtime": 30, "failure_issue_threshold": 1,
                 "recovery_threshold": 1, "is_active": True}


def _can_manage(request: HttpRequest, project: Project) -> bool:
    membership = access.get_membership(request.user, project.organization)
    return membership is not None and membership.can_manage


def cron_page_url(monitor: CronMonitor) -> str | None:
    """None for a slug no URL can hold (check-ins may name a monitor "a/b")."""
    try:
        return reverse("monitor-cron", args=[monitor.project.organization.slug,
                                             monitor.project.slug, monitor.slug])
    except NoReverseMatch:
        return None


def issue_url(project: Project, issue_id: int | None) -> str | None:
    if issue_id is None:
        return None
    return f"{settings.BASE_URL}/organizations/{project.organization.slug}/issues/{issue_id}/"


@login_required
def monitor_list(request: HttpRequest, org_slug: str, project_slug: str) -> HttpResponse:
    project = access.get_project_for_user(request.user, org_slug, project_slug)
    now = timezone.now()
    monitors = list(project.uptime_monitors.order_by("name", "id"))
    stats = uptime_stats_for([m.pk for m in monitors], now)
    uptime = [{"monitor": m, "stats": stats[m.pk]} for m in monitors]
    cron = [{"monitor": m, "schedule": crons.schedule_text(m), "url": cron_page_url(m)}
            for m in project.cron_monitors.select_related("project__organization")
            .order_by("slug")]
    return render(request, "health/monitors.html", {
        "project": project, "uptime": uptime, "cron": cron,
        "can_manage": _can_manage(request, project)})


# --- uptime --------------------------------------------------------------------------------------

def uptime_form(monitor: UptimeMonitor) -> dict:
    return {key: getattr(monitor, key) for key in NEW_UPTIME_FORM}


def _render_uptime(request: HttpRequest, monitor: UptimeMonitor, form: dict, now: datetime,
                   error: str = "", status: int = 200) -> HttpResponse:
    day = monitor.results.filter(checked_at__gt=now - CHART_SPAN, checked_at__lte=now)
    return render(request, "health/uptime_detail.html", {
        "project": monitor.project, "monitor": monitor, "stats": uptime_stats(monitor, now),
        "chart": response_chart(day, now - CHART_SPAN, now),
        "results": monitor.results.order_by("-checked_at", "-id")[:HISTORY_SHOWN],
        "issue_url": issue_url(monitor.project, monitor.issue_id), "form": form,
        "error": error, "methods": UptimeMonitor.Method.values,
        "can_manage": _can_manage(request, monitor.project)}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def uptime_create(request: HttpRequest, org_slug: str, project_slug: str) -> HttpResponse:
    project = access.get_rw_project_for_user(request.user, org_slug, project_slug)
    form: Mapping[str, object] = NEW_UPTIME_FORM
    error = ""
    if request.method == "POST":
        form = request.POST.dict()
        try:
            values = inputs.uptime_values_from_form(request.POST, False)
            monitor = actions.create_uptime_monitor(project, values, timezone.now())
            messages.success(request, f"Uptime monitor {monitor.name} created.")
            return redirect("monitor-uptime", org_slug, project_slug, monitor.pk)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    return render(request, "health/uptime_new.html", {
        "project": project, "form": form, "error": error,
        "methods": UptimeMonitor.Method.values}, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def uptime_detail(request: HttpRequest, org_slug: str, project_slug: str,
                  uptime_id: str) -> HttpResponse:
    """GET shows the monitor; POST `do=edit` saves the form, `do=delete` deletes it."""
    now = timezone.now()  # the request's one clock reading
    if request.method == "GET":
        monitor = health_access.get_uptime_monitor_for_user(request.user, org_slug,
                                                            project_slug, uptime_id)
        return _render_uptime(request, monitor, uptime_form(monitor), now)
    monitor = health_access.get_rw_uptime_monitor_for_user(request.user, org_slug,
                                                           project_slug, uptime_id)
    if request.POST.get("do") == "delete":
        actions.delete_uptime_monitor(monitor)
        messages.success(request, f"Uptime monitor {monitor.name} deleted.")
        return redirect("monitors", org_slug, project_slug)
    try:
        values = inputs.uptime_values_from_form(request.POST, True)
        monitor = actions.update_uptime_monitor(monitor, values, now)
    except ValidationError as exc:
        return _render_uptime(request, monitor, request.POST.dict(), now,
                              " ".join(exc.messages), status=400)
    messages.success(request, f"Uptime monitor {monitor.name} saved.")
    return redirect("monitor-uptime", org_slug, project_slug, monitor.pk)


# --- cron ----------------------------------------------------------------------------------------

def cron_form(monitor: CronMonitor) -> dict:
    interval = monitor.schedule_type == CronMonitor.ScheduleType.INTERVAL
    return {"slug": monitor.slug, "name": monitor.name, "schedule_type": monitor.schedule_type,
            "schedule": "" if interval else monitor.schedule,
            "interval_value": monitor.schedule if interval else 1,
            "interval_unit": monitor.interval_unit if interval else "hour",
            "timezone": monitor.timezone, "checkin_margin": monitor.checkin_margin_minutes,
            "max_runtime": monitor.max_runtime_minutes,
            "failure_issue_threshold": monitor.failure_issue_threshold,
            "recovery_threshold": monitor.recovery_threshold, "is_active": monitor.is_active}


def run_rows(runs: list[CheckIn]) -> list[dict]:
    """Each run with the class that colours its timeline cell."""
    return [{"run": run, "css": RUN_CLASSES.get(run.status, "run-unknown"),
             "failed": run.status in FAILED_RUNS} for run in runs]


def _cron_context(monitor: CronMonitor) -> dict:
    rows = run_rows(list(monitor.checkins.order_by("-received_at", "-id")[:HISTORY_SHOWN]))
    return {"project": monitor.project, "monitor": monitor, "runs": rows,
            "timeline": rows[::-1], "schedule": crons.schedule_text(monitor),
            "issue_url": issue_url(monitor.project, monitor.issue_id),
            "page_url": cron_page_url(monitor)}


def _render_cron(request: HttpRequest, monitor: CronMonitor, form: dict, error: str = "",
                 status: int = 200) -> HttpResponse:
    return render(request, "health/cron_detail.html", {
        **_cron_context(monitor), "form": form, "error": error, "units": INTERVAL_UNITS,
        "can_manage": _can_manage(request, monitor.project)}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def cron_create(request: HttpRequest, org_slug: str, project_slug: str) -> HttpResponse:
    project = access.get_rw_project_for_user(request.user, org_slug, project_slug)
    form: Mapping[str, object] = NEW_CRON_FORM
    error = ""
    if request.method == "POST":
        form = request.POST.dict()
        try:
            values = inputs.cron_values_from_form(request.POST, True)
            monitor = actions.create_cron_monitor(project, values, timezone.now())
            messages.success(request, f"Cron monitor {monitor.slug} created.")
            return redirect("monitor-cron", org_slug, project_slug, monitor.slug)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    return render(request, "health/cron_new.html", {
        "project": project, "form": form, "error": error, "units": INTERVAL_UNITS},
        status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def cron_detail(request: HttpRequest, org_slug: str, project_slug: str,
                monitor_slug: str) -> HttpResponse:
    """GET shows the monitor; POST `do=edit` saves the form, `do=delete` deletes it."""
    if request.method == "GET":
        monitor = health_access.get_cron_monitor_for_user(request.user, org_slug,
                                                          project_slug, monitor_slug)
        return _render_cron(request, monitor, cron_form(monitor))
    monitor = health_access.get_rw_cron_monitor_for_user(request.user, org_slug,
                                                         project_slug, monitor_slug)
    if request.POST.get("do") == "delete":
        actions.delete_cron_monitor(monitor)
        messages.success(request, f"Cron monitor {monitor.slug} deleted.")
        return redirect("monitors", org_slug, project_slug)
    try:
        values = inputs.cron_values_from_form(request.POST, False)
        monitor = actions.update_cron_monitor(monitor, values, timezone.now())
    except ValidationError as exc:
        return _render_cron(request, monitor, request.POST.dict(), " ".join(exc.messages),
                            status=400)
    messages.success(request, f"Cron monitor {monitor.slug} saved.")
    return redirect("monitor-cron", org_slug, project_slug, monitor.slug)
