"""State changes, one named function each. Views, API views, commands and tasks call these.

Callers check permissions first (errortrack.access); these functions validate their inputs and
raise django.core.exceptions.ValidationError with a message a person can act on. One module per
subject; this package re-exports each public function, so callers write `actions.<name>`.
"""

from errortrack.actions.accounts import (
    create_api_token,
    ensure_admin_user,
    revoke_api_token,
    rotate_api_token,
)
from errortrack.actions.comments import (
    MAX_COMMENT_LENGTH,
    add_comment,
    delete_comment,
    edit_comment,
)
from errortrack.actions.feedback import (
    MAX_REPORT_COMMENTS,
    MAX_REPORT_EMAIL,
    MAX_REPORT_NAME,
    create_user_report,
)
from errortrack.actions.issues import (
    STATUS_ACTIVITY,
    assign_issue,
    delete_issue,
    merge_issues,
    set_issue_bookmark,
    set_issue_seen,
    set_issue_status,
)
from errortrack.actions.keys import (
    MAX_RATE_LIMIT_COUNT,
    create_project_key,
    rename_project_key,
    set_project_key_active,
    set_project_key_rate_limit,
)
from errortrack.actions.organizations import (
    add_member,
    add_member_by_login,
    add_team_member,
    add_team_project,
    create_organization,
    create_team,
    delete_team,
    find_user,
    remove_member,
    remove_team_member,
    remove_team_project,
    set_member_role,
    set_project_teams,
)
from errortrack.actions.projects import (
    MAX_RETENTION_DAYS,
    MAX_SCRUB_FIELD_LENGTH,
    MAX_SCRUB_FIELDS,
    PLATFORM,
    PROJECT_SETTINGS,
    create_project,
    update_project_settings,
)

__all__ = [
    "MAX_COMMENT_LENGTH",
    "MAX_RATE_LIMIT_COUNT",
    "MAX_REPORT_COMMENTS",
    "MAX_REPORT_EMAIL",
    "MAX_REPORT_NAME",
    "MAX_RETENTION_DAYS",
    "MAX_SCRUB_FIELDS",
    "MAX_SCRUB_FIELD_LENGTH",
    "PLATFORM",
    "PROJECT_SETTINGS",
    "STATUS_ACTIVITY",
    "add_comment",
    "add_member",
    "add_member_by_login",
    "add_team_member",
    "add_team_project",
    "assign_issue",
    "create_api_token",
    "create_organization",
    "create_project",
    "create_project_key",
    "create_team",
    "create_user_report",
    "delete_comment",
    "delete_issue",
    "delete_team",
    "edit_comment",
    "ensure_admin_user",
    "find_user",
    "merge_issues",
    "remove_member",
    "remove_team_member",
    "remove_team_project",
    "rename_project_key",
    "revoke_api_token",
    "rotate_api_token",
    "set_issue_bookmark",
    "set_issue_seen",
    "set_issue_status",
    "set_member_role",
    "set_project_key_active",
    "set_project_key_rate_limit",
    "set_project_teams",
    "update_project_settings",
]
