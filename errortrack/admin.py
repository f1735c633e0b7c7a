import orjson
from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.html import format_html

from errortrack import actions
from errortrack.models import (
    Activity,
    ApiToken,
    DiscardCounts,
    Environment,
    Event,
    EventAttachment,
    InboxItem,
    Issue,
    IssueBookmark,
    IssueHourBucket,
    IssueSeen,
    IssueTagValue,
    IssueUser,
    IssueUserHour,
    Member,
    Organization,
    Project,
    ProjectKey,
    ProjectMinuteBucket,
    Release,
    SessionCounts,
    Team,
    TransactionSummary,
    UserReport,
)


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "date_created"]
    search_fields = ["slug", "name"]
    inlines = [MemberInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "organization"]
    list_filter = ["organization"]
    search_fields = ["slug", "name"]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role"]
    list_filter = ["role", "organization"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["teams"]


class ProjectKeyInline(admin.TabularInline):
    model = ProjectKey
    extra = 0
    fields = ["label", "public_key", "is_active", "rate_limit_count", "rate_limit_window_seconds"]
    readonly_fields = ["public_key"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "organization", "platform"]
    list_filter = ["organization"]
    search_fields = ["slug", "name"]
    filter_horizontal = ["teams"]
    inlines = [ProjectKeyInline]

    def save_model(self, request: HttpRequest, obj: Project, form: ModelForm,
                   change: bool) -> None:
        """A new project is made by the action, as on every path (its DSN key, and once
        committed its default alert rule); the form's other fields are then saved on it."""
        if not change:
            made = actions.create_project(obj.organization, obj.slug, obj.name, obj.platform)
            obj.pk, obj.slug, obj._state.adding = made.pk, made.slug, False
        super().save_model(request, obj, form, change)


@admin.register(ProjectKey)
class ProjectKeyAdmin(admin.ModelAdmin):
    list_display = ["label", "project", "public_key", "is_active", "rate_limit_count"]
    list_filter = ["is_active"]
    search_fields = ["public_key", "label", "project__slug"]
    readonly_fields = ["public_key", "secret_key", "dsn"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created through the API/UI (the plaintext is shown once); here: view, revoke."""

    list_display = ["name", "user", "token_last_characters", "date_created", "date_last_used"]
    search_fields = ["name", "user__username"]
    readonly_fields = ["token_hash", "token_last_characters", "date_last_used"]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ["short_id", "title", "project", "kind", "status", "level", "times_seen",
                    "user_count", "last_seen"]
    list_filter = ["status", "kind", "level", "is_regressed", "project"]
    search_fields = ["title", "culprit", "grouping_hash"]
    readonly_fields = ["grouping_hash", "grouping_version", "first_seen", "last_seen",
                       "times_seen", "user_count", "first_release", "last_release"]
    list_select_related = ["project"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "title", "project", "issue", "level", "release", "environment",
                    "timestamp"]
    list_filter = ["level", "environment", "project"]
    search_fields = ["event_id", "title", "release"]
    exclude = ["data"]
    readonly_fields = ["document"]
    raw_id_fields = ["issue"]
    list_select_related = ["project", "issue"]

    @admin.display(description="Event JSON")
    def document(self, event: Event) -> str:
        # format_html escapes the event's (hostile) content.
        pretty = orjson.dumps(event.data, option=orjson.OPT_INDENT_2).decode()
        return format_html("<pre style='white-space: pre-wrap'>{}</pre>", pretty)


@admin.register(InboxItem)
class InboxItemAdmin(admin.ModelAdmin):
    """Accepted items waiting for (or refused by) their consumer; quarantined ones say why."""

    list_display = ["pk", "item_type", "project", "event_id", "received_at", "attempts",
                    "quarantined"]
    list_filter = ["quarantined", "item_type"]
    search_fields = ["event_id", "last_error"]
    readonly_fields = ["project", "item_type", "event_id", "headers", "client_ip",
                       "received_at", "attempts", "last_error"]
    exclude = ["payload"]


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ["version", "project", "first_seen", "last_seen"]
    search_fields = ["version"]
    list_filter = ["project"]


@admin.register(Environment)
class EnvironmentAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "first_seen"]
    list_filter = ["project"]


@admin.register(IssueTagValue)
class IssueTagValueAdmin(admin.ModelAdmin):
    list_display = ["issue", "key", "value", "times_seen", "last_seen"]
    search_fields = ["key", "value"]
    raw_id_fields = ["issue"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["issue", "kind", "user", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["issue"]


# --- what ingest and the digest keep beside events: read-mostly views for operators --------------

class ReadOnlyAdmin(admin.ModelAdmin):
    """Counters and records written by ingest and the digest: look, filter, delete; never
    edit (a hand-edited counter would disagree with the events it counts)."""

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(TransactionSummary)
class TransactionSummaryAdmin(ReadOnlyAdmin):
    list_display = ["timestamp", "project", "name", "op", "status", "duration_ms", "release"]
    list_filter = ["op", "status"]
    search_fields = ["name", "event_id", "release"]


@admin.register(SessionCounts)
class SessionCountsAdmin(ReadOnlyAdmin):
    list_display = ["minute", "project", "release", "environment", "started", "exited",
                    "errored", "crashed", "abnormal"]
    list_filter = ["environment"]
    search_fields = ["release"]


@admin.register(DiscardCounts)
class DiscardCountsAdmin(ReadOnlyAdmin):
    list_display = ["day", "project", "reason", "category", "quantity"]
    list_filter = ["reason", "category"]


@admin.register(EventAttachment)
class EventAttachmentAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "project", "event_id", "filename", "content_type", "size"]
    search_fields = ["event_id", "filename"]
    exclude = ["data"]


@admin.register(UserReport)
class UserReportAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "project", "event_id", "name", "email"]
    search_fields = ["event_id", "email", "comments"]


@admin.register(IssueHourBucket)
class IssueHourBucketAdmin(ReadOnlyAdmin):
    list_display = ["hour", "issue", "events", "users"]
    raw_id_fields = ["issue"]


@admin.register(IssueUser)
class IssueUserAdmin(ReadOnlyAdmin):
    list_display = ["issue", "user_hash", "first_seen"]
    raw_id_fields = ["issue"]
    search_fields = ["user_hash"]


@admin.register(IssueUserHour)
class IssueUserHourAdmin(ReadOnlyAdmin):
    list_display = ["hour", "issue", "user_hash"]
    raw_id_fields = ["issue"]


@admin.register(ProjectMinuteBucket)
class ProjectMinuteBucketAdmin(ReadOnlyAdmin):
    list_display = ["minute", "project", "release", "environment", "events"]
    list_filter = ["environment"]


@admin.register(IssueBookmark)
class IssueBookmarkAdmin(admin.ModelAdmin):
    list_display = ["issue", "user"]
    raw_id_fields = ["issue", "user"]


@admin.register(IssueSeen)
class IssueSeenAdmin(admin.ModelAdmin):
    list_display = ["issue", "user", "last_seen"]
    raw_id_fields = ["issue", "user"]
