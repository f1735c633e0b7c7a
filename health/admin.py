from django.contrib import admin

from errortrack.admin import ReadOnlyAdmin
from health.models import (
    CheckIn,
    CronMonitor,
    Heartbeat,
    UptimeHour,
    UptimeMonitor,
    UptimeResult,
)


@admin.register(UptimeMonitor)
class UptimeMonitorAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "project", "status", "is_active", "interval_seconds",
                    "consecutive_failures", "last_checked_at"]
    list_filter = ["status", "is_active", "method"]
    search_fields = ["name", "url", "project__slug"]
    raw_id_fields = ["project", "issue"]
    readonly_fields = ["status", "consecutive_failures", "consecutive_successes",
                       "last_checked_at", "last_error", "status_changed_at", "created_at"]


@admin.register(UptimeResult)
class UptimeResultAdmin(admin.ModelAdmin):
    list_display = ["checked_at", "monitor", "ok", "status_code", "duration_ms", "error"]
    list_filter = ["ok"]
    search_fields = ["monitor__name", "monitor__url", "error"]
    raw_id_fields = ["monitor"]
    date_hierarchy = "checked_at"


@admin.register(UptimeHour)
class UptimeHourAdmin(ReadOnlyAdmin):
    """The sums are kept with each result: an edit would make the figures disagree with the
    results."""

    list_display = ["hour", "monitor", "checks", "failures", "timed_successes",
                    "success_ms_total"]
    search_fields = ["monitor__name", "monitor__url"]
    raw_id_fields = ["monitor"]
    date_hierarchy = "hour"


@admin.register(CronMonitor)
class CronMonitorAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "project", "status", "is_active", "schedule_type",
                    "schedule", "last_checkin_at", "next_expected_at"]
    list_filter = ["status", "is_active", "schedule_type"]
    search_fields = ["slug", "name", "project__slug"]
    raw_id_fields = ["project", "issue"]
    readonly_fields = ["status", "consecutive_failures", "consecutive_ok", "last_checkin_at",
                       "created_at"]


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["received_at", "monitor_slug", "status", "duration", "environment",
                    "release", "expected_at"]
    list_filter = ["status"]
    search_fields = ["monitor_slug", "check_in_id", "release"]
    raw_id_fields = ["project", "monitor"]
    date_hierarchy = "received_at"


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "last_seen"]
