from django.contrib import admin

from alerts.models import (
    AlertSnooze,
    Channel,
    Delivery,
    DeliveryAttempt,
    DeployGuardFiring,
    Rule,
    RuleIssueState,
    RuleRateState,
    RuleSentryForm,
)


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "organization", "is_failing", "created_at"]
    list_filter = ["kind", "is_failing"]
    search_fields = ["name", "organization__slug"]


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "is_active", "action_interval_minutes", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "project__slug"]
    filter_horizontal = ["channels"]


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    readonly_fields = ["number", "outcome", "response_code", "error", "duration_ms",
                       "attempted_at"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    inlines = [DeliveryAttemptInline]
    list_display = ["created_at", "channel", "action", "reason", "status", "attempts",
                    "response_code", "duration_ms"]
    list_filter = ["status", "action", "channel__kind"]
    search_fields = ["error", "channel__name"]
    raw_id_fields = ["issue", "rule", "channel"]


@admin.register(RuleIssueState)
class RuleIssueStateAdmin(admin.ModelAdmin):
    list_display = ["rule", "issue", "last_fired_at"]
    raw_id_fields = ["rule", "issue"]


@admin.register(RuleRateState)
class RuleRateStateAdmin(admin.ModelAdmin):
    list_display = ["rule", "firing", "above_since", "last_rate", "changed_at"]
    list_filter = ["firing"]


@admin.register(DeployGuardFiring)
class DeployGuardFiringAdmin(admin.ModelAdmin):
    list_display = ["fired_at", "rule", "release", "environment", "previous_release",
                    "new_rate", "previous_rate", "new_events"]
    search_fields = ["release", "previous_release"]


@admin.register(AlertSnooze)
class AlertSnoozeAdmin(admin.ModelAdmin):
    list_display = ["issue", "until", "created_by", "created_at"]
    raw_id_fields = ["issue", "created_by"]


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(admin.ModelAdmin):
    list_display = ["attempted_at", "delivery", "number", "outcome", "response_code",
                    "duration_ms"]
    list_filter = ["outcome"]
    raw_id_fields = ["delivery"]


@admin.register(RuleSentryForm)
class RuleSentryFormAdmin(admin.ModelAdmin):
    """Read to see what Sentry's rules API last wrote for a rule; changed only through it."""

    list_display = ["rule", "action_match", "filter_match", "owner"]
    search_fields = ["rule__name"]
    raw_id_fields = ["rule"]
