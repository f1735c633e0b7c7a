"""The monitors API under /api/0/projects/{org}/{project}/: uptime monitors with their stats
and check history, cron monitors with their check-ins. Thin views: reads through health.access
(404 for other tenants), writes through health.actions, whose ValidationError is a 400
`{"detail": …}` (errortrack.api.errors)."""

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max, Min, QuerySet
from django.http import Http404, QueryDict
from django.utils import timezone
from rest_framework import serializers as drf
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from errortrack import access
from errortrack.api.pagination import paged, paginate
from errortrack.api.schema import OBJECT, detail, extend_schema, listing, query
from errortrack.api.serializers import iso
from errortrack.api.serializers import project as project_json
from errortrack.api.timerange import parse_moment, parse_period, time_range
from errortrack.models import Organization
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

MAX_ENVIRONMENTS = 50


def _environment_names(params: QueryDict) -> list[str]:
    """The environments asked for; ours without a name show as `production` (see
    sentry_checkin_json), so that name finds them too."""
    names = [name for name in params.getlist("environment") if name]
    if len(names) > MAX_ENVIRONMENTS:
        raise ParseError(f"At most {MAX_ENVIRONMENTS} environments.")
    return [*names, ""] if "production" in names else names


def checkins_asked(request: Request, monitor: CronMonitor, now: datetime) -> QuerySet[CheckIn]:
    """A monitor's runs, newest first, within `statsPeriod` or `start`/`end` and of the
    `environment`s when given (the MCP server's get_monitor_details sends both)."""
    runs = monitor.checkins.order_by("-received_at", "-id")
    span = time_range(request.query_params, now, default_period=None)
    if span is not None:
        runs = runs.filter(received_at__gte=span.start, received_at__lte=span.end)
    environments = _environment_names(request.query_params)
    return runs.filter(environment__in=environments) if environments else runs


CHECKIN_FILTERS = [
    query("statsPeriod", "Only runs of this recent period (24h, 7d, …)"),
    query("start", "Only runs from (ISO 8601, naive is UTC), with end"),
    query("end", "Only runs until"),
    query("environment", "Only runs of these environments (production: unnamed ones too)",
          many=True),
]


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

    @listing(*CHECKIN_FILTERS)
    def get(self, request: Request, org_slug: str, project_slug: str,
            monitor_slug: str) -> Response:
        monitor = health_access.get_cron_monitor_for_user(request.user, org_slug,
                                                          project_slug, monitor_slug)
        return paged(request, checkins_asked(request, monitor, timezone.now()), checkin_json)


# --- organization-level, in Sentry's shape (sentry-cli `monitors list`, the MCP server) ---------
# Sentry lists uptime monitors apart (…/uptime/), so these are the cron monitors only.

# Sentry's per-environment status for our monitor's state.
ENVIRONMENT_STATUS: dict[str, str] = {
    CronMonitor.Status.WAITING: "active", CronMonitor.Status.OK: "ok",
    CronMonitor.Status.ERROR: "error"}


def _environments(monitors: list[CronMonitor]) -> dict[int, list[dict]]:
    """Each monitor's environments as its check-ins named them, in one grouped query. Our
    state is per monitor, so every environment shows the monitor's status."""
    rows = (CheckIn.objects.filter(monitor__in=monitors).values("monitor_id", "environment")
            .annotate(first=Min("received_at"), last=Max("received_at"))
            .order_by("monitor_id", "environment"))
    by_id = {monitor.pk: monitor for monitor in monitors}
    found: dict[int, list[dict]] = {monitor.pk: [] for monitor in monitors}
    for row in rows:
        monitor = by_id[row["monitor_id"]]
        found[monitor.pk].append({
            "name": row["environment"] or "production",
            "status": ENVIRONMENT_STATUS.get(monitor.status, "active") if monitor.is_active
            else "disabled",
            "isMuted": False, "dateCreated": iso(row["first"]), "lastCheckIn": iso(row["last"]),
            "nextCheckIn": iso(monitor.next_expected_at),
            "nextCheckInLatest": iso(monitor.next_expected_at), "activeIncident": None})
    return found


def sentry_monitor_json(monitor: CronMonitor, environments: list[dict]) -> dict:
    """Sentry's monitor: `id`, `slug`, `name`, `status` strings (sentry-cli decodes them into
    Rust `String`s: src/api/data_types/monitor.rs, commands/monitors/list.rs)."""
    return {**cron_json(monitor), "isMuted": False, "owner": None,
            "project": project_json(monitor.project), "environments": environments}


def org_monitor_page(monitors: list[CronMonitor]) -> list[dict]:
    environments = _environments(monitors)
    return [sentry_monitor_json(m, environments[m.pk]) for m in monitors]


def _org_monitors(request: Request, organization: Organization) -> QuerySet[CronMonitor]:
    monitors = CronMonitor.objects.filter(project__organization=organization)
    ids = [value for value in request.query_params.getlist("project") if value != "-1"]
    if ids:
        pks = access.object_ids(ids)
        if pks is None:
            raise ParseError("project must be project ids (-1 for all).")
        monitors = monitors.filter(project_id__in=pks)
    return monitors.select_related("project__organization")


def get_org_cron_monitor(request: Request, org_slug: str, monitor_slug: str) -> CronMonitor:
    """A monitor by slug among the organization's projects (404 for outsiders). Our slugs are
    unique per project, Sentry's per organization: a slug in several projects needs
    `?project=<id>`."""
    organization = access.get_organization_for_user(request.user, org_slug)
    if len(monitor_slug) > health_access.MAX_SLUG_LENGTH or "\x00" in monitor_slug:
        raise Http404("No such cron monitor.")
    found = list(_org_monitors(request, organization).filter(slug=monitor_slug)[:10])
    if not found:
        raise Http404("No such cron monitor.")
    if len(found) > 1:
        raise ParseError(f"The monitor {monitor_slug!r} is in several projects ("
                         f"{', '.join(m.project.slug for m in found)}); pass ?project=<id>.")
    return found[0]


PROJECT_FILTER = query("project", "Only these project ids (-1 for all)", many=True)


class OrganizationMonitorList(APIView):
    """The organization's cron monitors, by slug (sentry-cli `monitors list`)."""

    required_scopes = {"GET": "org:read"}

    @listing(PROJECT_FILTER)
    def get(self, request: Request, org_slug: str) -> Response:
        organization = access.get_organization_for_user(request.user, org_slug)
        page = paginate(request, _org_monitors(request, organization).order_by(
            "slug", "project__slug", "id"))
        return Response(org_monitor_page(page.items), headers={"Link": page.link})


class OrganizationMonitorDetail(APIView):
    required_scopes = {"GET": "org:read"}

    @detail()
    def get(self, request: Request, org_slug: str, monitor_slug: str) -> Response:
        monitor = get_org_cron_monitor(request, org_slug, monitor_slug)
        return Response(org_monitor_page([monitor])[0])


def sentry_checkin_json(run: CheckIn) -> dict:
    """Sentry's check-in: `duration` in milliseconds, `environment` a string, `monitorConfig`
    an object (the MCP server's MonitorCheckInSchema refuses null; a check-in that carried no
    config answers `{}`)."""
    return {**checkin_json(run), "environment": run.environment or "production",
            "dateAdded": iso(run.received_at), "monitorConfig": run.monitor_config or {}}


class OrganizationCheckInList(APIView):
    """A monitor's check-ins, newest first."""

    required_scopes = {"GET": "org:read"}

    @listing(PROJECT_FILTER, *CHECKIN_FILTERS)
    def get(self, request: Request, org_slug: str, monitor_slug: str) -> Response:
        monitor = get_org_cron_monitor(request, org_slug, monitor_slug)
        return paged(request, checkins_asked(request, monitor, timezone.now()),
                     sentry_checkin_json)


# --- check-in stats (the MCP server's get_monitor_details; Sentry's monitor stats) -------------
# Sentry's buckets: `{ts, ok, error, missed, timeout, unknown, duration}`, `ts` the bucket's
# start in Unix seconds, `duration` the mean in milliseconds; in-progress runs are not counted.

STAT_STATUSES: tuple[str, ...] = tuple(status.value for status in (
    CheckIn.Status.OK, CheckIn.Status.ERROR, CheckIn.Status.MISSED, CheckIn.Status.TIMEOUT,
    CheckIn.Status.UNKNOWN))
ROLLUPS = (60, 300, 900, 3600, 4 * 3600, 86_400)  # seconds, the first giving few buckets wins
TARGET_BUCKETS = 200
MAX_BUCKETS = 1000
DEFAULT_SPAN = timedelta(hours=24)


@dataclass(frozen=True)
class StatsWindow:
    start: datetime
    end: datetime
    rollup: int  # seconds

    def bucket(self, moment: datetime) -> int:
        epoch = math.floor(moment.timestamp())
        return epoch - epoch % self.rollup

    def buckets(self) -> range:
        return range(self.bucket(self.start), self.bucket(self.end) + 1, self.rollup)


def _rollup(params: QueryDict, span: timedelta) -> int:
    """`resolution` (`3600s`, `1h`: what the MCP server sends), or `rollup` in seconds; else
    the first of ROLLUPS that keeps the range within TARGET_BUCKETS."""
    raw = params.get("resolution") or params.get("rollup")
    name = "resolution" if params.get("resolution") else "rollup"
    if raw:
        seconds = int(parse_period(raw, name).total_seconds())
        if seconds < 1:
            raise ParseError(f"{name} must be at least one second.")
        return seconds
    fitting = (r for r in ROLLUPS if span.total_seconds() / r <= TARGET_BUCKETS)
    days = -(-span.total_seconds() // (TARGET_BUCKETS * 86_400))
    return next(fitting, int(days) * 86_400)


def stats_window(params: QueryDict, now: datetime) -> StatsWindow:
    """The range as the MCP server sends it (`since`/`until`, Unix seconds) or as our other
    routes read it (`statsPeriod`, `start`/`end`); 24 hours by default. Too many buckets: 400."""
    since, until = params.get("since"), params.get("until")
    if since or until:
        end = parse_moment(until, "until") if until else now
        start = parse_moment(since, "since") if since else end - DEFAULT_SPAN
        if start > end:
            raise ParseError("since must be before until.")
    else:
        span = time_range(params, now, default_period="24h")
        start, end = (span.start, span.end) if span else (now - DEFAULT_SPAN, now)
    window = StatsWindow(start, end, _rollup(params, end - start))
    if len(window.buckets()) > MAX_BUCKETS:
        raise ParseError(f"That is more than {MAX_BUCKETS} buckets: choose a longer resolution "
                         f"or a shorter range.")
    return window


def monitor_stats(monitor: CronMonitor, window: StatsWindow, environments: list[str]) -> list:
    """Every bucket of the window, empty ones included, counted in one pass over the runs."""
    stats = {ts: {"ts": ts, **dict.fromkeys(STAT_STATUSES, 0), "duration": 0}
             for ts in window.buckets()}
    durations: dict[int, list[float]] = {}
    runs = monitor.checkins.filter(received_at__gt=window.start, received_at__lte=window.end,
                                   status__in=STAT_STATUSES)
    if environments:
        runs = runs.filter(environment__in=environments)
    for received, status, duration in runs.values_list("received_at", "status", "duration") \
            .order_by().iterator():
        ts = window.bucket(received)
        stats[ts][status] += 1
        if duration is not None:
            durations.setdefault(ts, []).append(duration)
    for ts, seconds in durations.items():
        stats[ts]["duration"] = round(sum(seconds) / len(seconds) * 1000)
    return list(stats.values())


STATS_PARAMS = [
    query("since", "The range's start, Unix seconds (the MCP server sends since/until)"),
    query("until", "The range's end, Unix seconds (default now)"),
    query("statsPeriod", "Or a recent period: 24h (default), 7d, …"),
    query("start", "Or the range's start (ISO 8601, naive is UTC), with end"),
    query("end", "The range's end"),
    query("resolution", "The bucket size: 3600s, 1h, 1d (default: at most 200 buckets)"),
    query("rollup", "The bucket size in seconds (when resolution is not given)"),
    query("environment", "Only check-ins of these environments (production: unnamed ones "
                         "too)", many=True),
]


def _stats_response(request: Request, monitor: CronMonitor) -> Response:
    window = stats_window(request.query_params, timezone.now())
    return Response(monitor_stats(monitor, window, _environment_names(request.query_params)))


class OrganizationMonitorStats(APIView):
    """A monitor's check-ins counted by status per bucket (the MCP's get_monitor_details)."""

    required_scopes = {"GET": "org:read"}

    @extend_schema(parameters=[*STATS_PARAMS, PROJECT_FILTER], responses={200: OBJECT})
    def get(self, request: Request, org_slug: str, monitor_slug: str) -> Response:
        return _stats_response(request, get_org_cron_monitor(request, org_slug, monitor_slug))


class CronStats(APIView):
    """The same, under the project (the MCP server asks here when given a project)."""

    required_scopes = {"GET": "project:read"}

    @extend_schema(parameters=STATS_PARAMS, responses={200: OBJECT})
    def get(self, request: Request, org_slug: str, project_slug: str,
            monitor_slug: str) -> Response:
        return _stats_response(request, health_access.get_cron_monitor_for_user(
            request.user, org_slug, project_slug, monitor_slug))
