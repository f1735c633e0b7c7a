from django.contrib import admin

from alerts.models import Channel, Delivery, DeliveryAttempt, Rule, RuleIssueState


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
