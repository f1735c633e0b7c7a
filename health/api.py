"""The monitors API under /api/0/projects/{org}/{project}/: uptime monitors with their stats
and check history, cron monitors with their check-ins. Thin views: reads through health.access
(404 for other tenants), writes through health.actions, whose ValidationError is a 400
`{"detail": …}` (errortrack.api.errors)."""

import uuid
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers as drf
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from errortrack import access
from errortrack.api.pagination import paged
from errortrack.api.schema import detail, extend_schema, listing
from errortrack.api.serializers import iso
from health import access as health_access
from health import actions, crons, inputs
from health.models import CheckIn, CronMonitor, UptimeMonitor, UptimeResult
from health.uptime.history import uptime_stats

RECENT_RESULTS = 50
READ_WRITE = {"GET": "project:read", "POST": "project:write", "PUT": "project:write",
              "DELETE": "project:write"}


# --- shapes --------------------------------------------------------------------------------------

def _active_status(is_active: bool) -> str:
    return "active" if is_active else "disabled"


def uptime_json(monitor: UptimeMonitor) -> dict:
    return {"id": str(monitor.pk), "projectSlug": monitor.project.slug, "name": monitor.name,
            "url": monitor.url, "method": monitor.method,
            "intervalSeconds": monitor.interval_seconds,
            "timeoutSeconds": monitor.timeout_seconds,
            "expectedStatus": monitor.expected_status,
            "expectedKeyword": monitor.expected_keyword or None,
            "failureThreshold": monitor.failure_threshold,
            "recoveryThreshold": monitor.recovery_threshold,
            "isActive": monitor.is_active, "status": _active_status(monitor.is_active),
            "uptimeStatus": monitor.status,
            "consecutiveFailures": monitor.consecutive_failures,
            "consecutiveSuccesses": monitor.consecutive_successes,
            "lastChecked": iso(monitor.last_checked_at),
            "lastError": monitor.last_error or None,
            "statusChanged": iso(monitor.status_changed_at),
            "issue": str(monitor.issue_id) if monitor.issue_id else None,
            "dateCreated": iso(monitor.created_at)}


def result_json(result: UptimeResult) -> dict:
    return {"id": str(result.pk), "checkedAt": iso(result.checked_at), "ok": result.ok,
            "statusCode": result.status_code, "durationMs": result.duration_ms,
            "error": result.error or None}


def stats_json(stats: dict[str, dict]) -> dict[str, dict]:
    return {window: {"checks": row["checks"], "failures": row["failures"],
                     "uptimePercent": row["uptime_percent"],
                     "meanResponseMs": row["mean_response_ms"]}
            for window, row in stats.items()}


def uptime_detail_json(monitor: UptimeMonitor, now: datetime) -> dict:
    recent = monitor.results.order_by("-checked_at", "-id")[:RECENT_RESULTS]
    return {**uptime_json(monitor), "stats": stats_json(uptime_stats(monitor, now)),
            "recentResults": [result_json(r) for r in recent]}


def sentry_config(monitor: CronMonitor) -> dict:
    """Sentry's monitor config: an interval schedule is `[5, "minute"]`."""
    config = actions.current_config(monitor)
    if monitor.schedule_type == CronMonitor.ScheduleType.INTERVAL:
        config["schedule"] = [int(monitor.schedule), monitor.interval_unit]
    return config


def cron_json(monitor: CronMonitor) -> dict:
    return {"id": str(monitor.pk), "slug": monitor.slug, "name": monitor.name,
            "type": "cron_job", "projectSlug": monitor.project.slug,
            "isActive": monitor.is_active, "status": _active_status(monitor.is_active),
            "monitorStatus": monitor.status, "config": sentry_config(monitor),
            "scheduleText": crons.schedule_text(monitor),
            "lastCheckIn": iso(monitor.last_checkin_at),
            "nextCheckIn": iso(monitor.next_expected_at),
            "consecutiveFailures": monitor.consecutive_failures,
            "issue": str(monitor.issue_id) if monitor.issue_id else None,
            "dateCreated": iso(monitor.created_at)}


def _uuid(check_in_id: str) -> str:
    try:
        return str(uuid.UUID(hex=check_in_id))
    except ValueError:
        return check_in_id


def checkin_json(run: CheckIn) -> dict:
    """As Sentry answers: `duration` in milliseconds (check-ins report seconds)."""
    return {"id": str(run.pk), "checkInId": _uuid(run.check_in_id), "status": run.status,
            "duration": round(run.duration * 1000) if run.duration is not None else None,
            "environment": run.environment or None, "release": run.release or None,
            "dateCreated": iso(run.received_at), "dateUpdated": iso(run.updated_at),
            "expectedTime": iso(run.expected_at)}


# --- request bodies (described for the schema; health.actions checks them) ---------------------

# Not an enum: a second `status` choice set would collide with the issues' in the schema.
ACTIVE_HELP = "Sentry's `active` or `disabled` (or use isActive)"


class UptimeInput(drf.Serializer):
    name = drf.CharField(max_length=100, required=False)
    url = drf.URLField(max_length=2000, required=False)
    method = drf.ChoiceField(UptimeMonitor.Method.values, required=False)
    intervalSeconds = drf.IntegerField(
        required=False, min_value=settings.ERRORTRACK_UPTIME_MIN_INTERVAL_SECONDS,
        max_value=86_400)
    timeoutSeconds = drf.FloatField(required=False, min_value=0.1,
                                    max_value=settings.ERRORTRACK_UPTIME_MAX_TIMEOUT_SECONDS)
    expectedStatus = drf.CharField(max_length=200, required=False,
                                   help_text="Codes and ranges, e.g. 200-299,301")
    expectedKeyword = drf.CharField(max_length=200, required=False, allow_blank=True)
    failureThreshold = drf.IntegerField(required=False, min_value=1,
                                        max_value=actions.MAX_THRESHOLD)
    recoveryThreshold = drf.IntegerField(required=False, min_value=1,
                                         max_value=actions.MAX_THRESHOLD)
    isActive = drf.BooleanField(required=False)
    status = drf.CharField(required=False, help_text=ACTIVE_HELP)


class CronConfigInput(drf.Serializer):
    schedule_type = drf.ChoiceField(CronMonitor.ScheduleType.values, required=False)
    schedule = drf.JSONField(required=False,
                             help_text='A crontab ("0 * * * *") or an interval ([5, "minute"])')
    timezone = drf.CharField(max_length=64, required=False)
    checkin_margin = drf.IntegerField(required=False, min_value=1, max_value=crons.MAX_MINUTES)
    max_runtime = drf.IntegerField(required=False, min_value=1, max_value=crons.MAX_MINUTES)
    failure_issue_threshold = drf.IntegerField(required=False, min_value=1,
                                               max_value=crons.MAX_THRESHOLD)
    recovery_threshold = drf.IntegerField(required=False, min_value=1,
                                          max_value=crons.MAX_THRESHOLD)


class CronInput(drf.Serializer):
    slug = drf.SlugField(max_length=50, required=False, help_text="Set when created")
    name = drf.CharField(max_length=100, required=False)
    status = drf.CharField(required=False, help_text=ACTIVE_HELP)
    isActive = drf.BooleanField(required=False)
    config = CronConfigInput(required=False)



# --- uptime ------------------------------------------------------------------------------------

class UptimeList(APIView):
    required_scopes = READ_WRITE

    @listing()
    def get(self, request: Request, org_slug: str, project_slug: str) -> Response:
        project = access.get_project_for_user(request.user, org_slug, project_slug)
        return paged(request, UptimeMonitor.objects.filter(project=project)
                     .select_related("project").order_by("name", "id"), uptime_json)

    @detail(request=UptimeInput, status=201)
    def post(self, request: Request, org_slug: str, project_slug: str) -> Response:
        project = access.get_rw_project_for_user(request.user, org_slug, project_slug)
        values = inputs.uptime_values_from_json(request.data)
        now = timezone.now()
        monitor = actions.create_uptime_monitor(project, values, now)
        return Response(uptime_detail_json(monitor, now), status=201)


class UptimeDetail(APIView):
    """One monitor with its uptime over 24h, 7d and 30d and its last checks."""

    required_scopes = READ_WRITE

    @detail()
    def get(self, request: Request, org_slug: str, project_slug: str,
            uptime_id: str) -> Response:
        monitor = health_access.get_uptime_monitor_for_user(request.user, org_slug,
                                                            project_slug, uptime_id)
        return Response(uptime_detail_json(monitor, timezone.now()))

    @detail(request=UptimeInput)
    def put(self, request: Request, org_slug: str, project_slug: str,
            uptime_id: str) -> Response:
        monitor = health_access.get_rw_uptime_monitor_for_user(request.user, org_slug,
                                                               project_slug, uptime_id)
        values = inputs.uptime_values_from_json(request.data)
        now = timezone.now()
        monitor = actions.update_uptime_monitor(monitor, values, now)
        return Response(uptime_detail_json(monitor, now))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, org_slug: str, project_slug: str,
               uptime_id: str) -> Response:
        actions.delete_uptime_monitor(health_access.get_rw_uptime_monitor_for_user(
            request.user, org_slug, project_slug, uptime_id))
        return Response(status=204)


class UptimeResultList(APIView):
    """A monitor's check history, newest first."""

    required_scopes = {"GET": "project:read"}

    @listing()
    def get(self, request: Request, org_slug: str, project_slug: str,
            uptime_id: str) -> Response:
        monitor = health_access.get_uptime_monitor_for_user(request.user, org_slug,
                                                            project_slug, uptime_id)
        return paged(request, monitor.results.order_by("-checked_at", "-id"), result_json)


# --- cron --------------------------------------------------------------------------------------

class CronList(APIView):
    required_scopes = READ_WRITE

    @listing()
    def get(self, request: Request, org_slug: str, project_slug: str) -> Response:
        project = access.get_project_for_user(request.user, org_slug, project_slug)
        return paged(request, CronMonitor.objects.filter(project=project)
                     .select_related("project").order_by("slug", "id"), cron_json)

    @detail(request=CronInput, status=201)
    def post(self, request: Request, org_slug: str, project_slug: str) -> Response:
        project = access.get_rw_project_for_user(request.user, org_slug, project_slug)
        values = inputs.cron_values_from_json(request.data)
        monitor = actions.create_cron_monitor(project, values, timezone.now())
        return Response(cron_json(monitor), status=201)


class CronDetail(APIView):
    """A PUT's `config` may be partial: the settings it leaves out are kept."""

    required_scopes = READ_WRITE

    @detail()
    def get(self, request: Request, org_slug: str, project_slug: str,
            monitor_slug: str) -> Response:
        return Response(cron_json(health_access.get_cron_monitor_for_user(
            request.user, org_slug, project_slug, monitor_slug)))

    @detail(request=CronInput)
    def put(self, request: Request, org_slug: str, project_slug: str,
            monitor_slug: str) -> Response:
        monitor = health_access.get_rw_cron_monitor_for_user(request.user, org_slug,
                                                             project_slug, monitor_slug)
        values = inputs.cron_values_from_json(request.data, monitor)
        monitor = actions.update_cron_monitor(monitor, values, timezone.now())
        return Response(cron_json(monitor))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, org_slug: str, project_slug: str,
               monitor_slug: str) -> Response:
        actions.delete_cron_monitor(health_access.get_rw_cron_monitor_for_user(
            request.user, org_slug, project_slug, monitor_slug))
        return Response(status=204)


class CheckInList(APIView):
    """A cron monitor's runs, newest first."""

    required_scopes = {"GET": "project:read"}

    @listing()
    def get(self, request: Request, org_slug: str, project_slug: str,
            monitor_slug: str) -> Response:
        monitor = health_access.get_cron_monitor_for_user(request.user, org_slug,
                                                          project_slug, monitor_slug)
        return paged(request, monitor.checkins.order_by("-received_at", "-id"), checkin_json)
