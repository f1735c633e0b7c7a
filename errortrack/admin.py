from django.contrib import admin

from errortrack.models import ApiToken, Member, Organization, Project, ProjectKey, Team


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
