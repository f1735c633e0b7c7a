"""errortrack's models, one module per area; import them from here."""

from errortrack.models.ingest import (
    DiscardCounts,
    EventAttachment,
    InboxItem,
    SessionCounts,
    TransactionSummary,
    UserReport,
)
from errortrack.models.issues import (
    Activity,
    Environment,
    Event,
    Issue,
    IssueBookmark,
    IssueHourBucket,
    IssueSeen,
    IssueTagValue,
    IssueUser,
    IssueUserHour,
    ProjectMinuteBucket,
    Release,
)
from errortrack.models.tenancy import (
    ApiToken,
    Member,
    Organization,
    Project,
    ProjectKey,
    Team,
    _hex32,  # noqa: F401 (migrations name it as errortrack.models._hex32)
)

__all__ = [
    "Activity", "ApiToken", "DiscardCounts", "Environment", "Event", "EventAttachment",
    "InboxItem", "Issue", "IssueBookmark", "IssueHourBucket", "IssueSeen", "IssueTagValue",
    "IssueUser", "IssueUserHour", "Member", "Organization", "Project", "ProjectKey",
    "ProjectMinuteBucket", "Release", "SessionCounts", "Team", "TransactionSummary",
    "UserReport",
]
