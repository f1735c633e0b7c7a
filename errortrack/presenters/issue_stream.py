"""The issue stream's logic, kept out of its views (errortrack.views.issues): which issues a
request means (the API's search syntax and sorts, errortrack.queries.issues), one page of them,
the row data that `issues/_row.html` renders (the live updates render it too, through
`rendered_rows`) and the bar chart's geometry.

A page costs a constant number of queries: the issues with their project, organization and
assignee joined, then one query for bookmarks and one for the chart counts of the whole page.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from html import escape

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince

from errortrack import access
from errortrack.models import (
    Environment,
    Issue,
    Project,
)
from errortrack.queries import search
from errortrack.queries.issues import (
    STATS_PERIODS,
    bookmarked_ids,
    matching_issues,
    slot_counts,  # one aggregated query per page
)

DEFAULT_QUERY = "is:unresolved"
PAGE_SIZE = 25
MAX_PAGE = 4000  # 100,000 issues deep; an offset beyond that is a crawl, not triage
MAX_QUERY_LENGTH = 1000
MAX_PROJECT_FILTERS = 50
MAX_ENVIRONMENTS = 200
ROW_RELATIONS = ("project__organization", "assigned_user", "assigned_team")
CHART_HEIGHT = 24
BAR_WIDTH = {"24h": 4, "14d": 7}
BAR_GAP = 1
CHART_SVG = ('<svg class="spark" width="{}" height="{}" viewBox="0 0 {} {}" role="img" '
             'aria-label="{}">{}</svg>')
BAR_SVG = '<rect x="{}" y="{}" width="{}" height="{}" class="{}"><title>{}</title></rect>'
PERIOD_NAMES = {"24h": "24 hours", "14d": "14 days"}
SORT_LABELS = {"date": "Last seen", "new": "First seen", "freq": "Events", "user": "Users"}
@dataclass(frozen=True)
class StreamParams:
    """What a stream URL asks for; `read_params` checks every value."""

    query: str = DEFAULT_QUERY
    sort: str = "date"
    environment: str = ""
    stats_period: str = "24h"
    page: int = 1
    project_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Page:
    issues: list[Issue]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


# --- reading a request ---------------------------------------------------------------------------

def _page_number(raw: str | None) -> int:
    if raw in (None, ""):
        return 1
    if not raw.isdecimal() or not 1 <= int(raw) <= MAX_PAGE:
        raise search.SearchError(f"page must be a whole number from 1 to {MAX_PAGE}.")
    return int(raw)


def _project_ids(values: list[str]) -> tuple[int, ...]:
    wanted = [value for value in values if value not in ("", "-1")]  # -1: all, as Sentry's
    if len(wanted) > MAX_PROJECT_FILTERS:
        raise search.SearchError(f"Choose at most {MAX_PROJECT_FILTERS} projects.")
    ids = [access.object_id(value) for value in wanted]
    known = [pk for pk in ids if pk is not None]
    if len(known) < len(ids):
        raise search.SearchError("project must be project ids.")
    return tuple(known)


def read_params(params: QueryDict) -> StreamParams:
    """The stream parameters of a query string (raises SearchError, with a message for a 400,
    for anything the page would not offer)."""
    query = params.get("query", DEFAULT_QUERY)
    if len(query) > MAX_QUERY_LENGTH:
        raise search.SearchError(f"A query may have at most {MAX_QUERY_LENGTH} characters.")
    stats_period = params.get("stats") or "24h"
    if stats_period not in STATS_PERIODS:
        raise search.SearchError(f"stats must be one of {', '.join(STATS_PERIODS)}.")
    sort = params.get("sort") or "date"
    if sort not in search.SORTS:
        raise search.SearchError(f"sort must be one of {', '.join(search.SORTS)}.")
    return StreamParams(query=query, sort=sort, environment=params.get("environment", ""),
                        stats_period=stats_period, page=_page_number(params.get("page")),
                        project_ids=_project_ids(params.getlist("project")))


def shown_projects(projects: list[Project], project_ids: tuple[int, ...]) -> list[Project]:
    """The projects an organization stream shows: those chosen (ids of other organizations
    choose nothing), or all."""
    if not project_ids:
        return projects
    return [project for project in projects if project.pk in project_ids]


# --- the page ------------------------------------------------------------------------------------

def stream_issues(projects: list[Project], params: StreamParams,
                  user: User) -> QuerySet[Issue]:
    """The issues of `projects` that the parameters select, sorted, with what rows show joined
    (raises SearchError for a query it cannot read)."""
    issues = Issue.objects.filter(project_id__in=[project.pk for project in projects])
    return matching_issues(issues, params.query, user, params.sort,
                           [params.environment]).select_related(*ROW_RELATIONS)


def live_filter(params: StreamParams) -> dict[str, str]:
    """What the live updates need to add only rows this page would show: the query with the
    environment filter as a term (search syntax), and whether new rows belong at the top
    (the first page of a newest-first order)."""
    query = params.query
    if params.environment:
        quoted = params.environment.replace("\\", "\\\\").replace('"', '\\"')
        query = f'{query} environment:"{quoted}"'.strip()
    return {"query": query,
            "insert": "true" if params.page == 1 and params.sort in ("date", "new") else "false"}


def page_of(issues: QuerySet[Issue], number: int, size: int = PAGE_SIZE) -> Page:
    """Page `number` (from 1); one row more than shown tells whether there is a next page."""
    offset = (number - 1) * size
    window = list(issues[offset:offset + size + 1])
    return Page(window[:size], number, len(window) > size)


def page_query(params: QueryDict, number: int) -> str:
    """The query string of page `number` with every other parameter kept."""
    kept = params.copy()
    kept.pop("page", None)
    if number > 1:
        kept["page"] = str(number)
    return kept.urlencode()


def environments(projects: list[Project]) -> list[str]:
    """Environment names seen in `projects`, for the filter menu."""
    names = (Environment.objects.filter(project__in=projects).order_by("name")
             .values_list("name", flat=True).distinct())
    return list(names[:MAX_ENVIRONMENTS])


# --- rows ----------------------------------------------------------------------------------------

@lru_cache(maxsize=1024)  # every row of a page has the same slots
def _slot_label(start: int, period: str) -> str:
    moment = datetime.fromtimestamp(start, UTC)
    return moment.strftime("%H:00 UTC" if period == "24h" else "%b %d")


def _events(count: int) -> str:
    return f"{count} event{'' if count == 1 else 's'}"


def sparkline(points: list[list[int]], period: str) -> dict:
    """Bar geometry (whole numbers only) for `[[slot start, events], …]`: bars scale to the
    busiest slot; an empty slot keeps a 1-pixel baseline so the time axis stays readable."""
    width, peak = BAR_WIDTH[period], max((count for _, count in points), default=0)
    bars = []
    for n, (start, count) in enumerate(points):
        height = max(1, round(count / peak * CHART_HEIGHT)) if count else 1
        bars.append({"x": n * (width + BAR_GAP), "y": CHART_HEIGHT - height, "width": width,
                     "height": height, "count": count,
                     "label": f"{_events(count)}, {_slot_label(start, period)}"})
    chart = {"width": max(0, len(points) * (width + BAR_GAP) - BAR_GAP), "height": CHART_HEIGHT,
             "bars": bars, "total": _events(sum(count for _, count in points)),
             "period": PERIOD_NAMES[period]}
    return {**chart, "svg": _svg(chart)}


def _svg(chart: dict) -> SafeString:
    """The chart as inline SVG. Built here rather than in the template: 600 bars a page made
    the template loop most of the page's time, and so did format_html's per-value escaping.
    Geometry is whole numbers (int() makes sure); the labels are ours and escaped anyway."""
    bars = "".join(BAR_SVG.format(int(bar["x"]), int(bar["y"]), int(bar["width"]),
                                  int(bar["height"]), "bar" if bar["count"] else "empty",
                                  escape(bar["label"])) for bar in chart["bars"])
    return format_html(CHART_SVG, chart["width"], chart["height"], chart["width"],
                       chart["height"], f"{chart['total']} in the last {chart['period']}",
                       mark_safe(bars))  # noqa: S308 (numbers and escaped text, built above)


def _assignee(issue: Issue) -> str:
    if issue.assigned_user is not None:
        return issue.assigned_user.get_full_name() or issue.assigned_user.get_username()
    return f"#{issue.assigned_team.slug}" if issue.assigned_team is not None else ""


def _kind_label(issue: Issue) -> str:
    """Monitor issues (uptime, cron) are marked; errors, the usual kind, are not."""
    return "" if issue.kind == Issue.Kind.ERROR else issue.get_kind_display()


def _ago(moment: datetime, now: datetime) -> str:
    return f"{timesince(moment, now)} ago"


def _row(issue: Issue, bookmarked: bool, points: list[list[int]], period: str,
         now: datetime) -> dict:
    level = issue.level if issue.level in search.LEVELS else "other"
    return {
        "id": issue.pk, "short_id": issue.short_id_display, "title": issue.title,
        "culprit": issue.culprit, "project_id": issue.project_id,
        "project_slug": issue.project.slug,
        "url": reverse("issue-detail", args=[issue.project.organization.slug, issue.pk]),
        "level": issue.level, "level_class": level,
        "kind": issue.kind, "kind_label": _kind_label(issue),
        "status": issue.status, "status_label": issue.get_status_display(),
        "regressed": issue.is_regressed, "count": issue.times_seen, "users": issue.user_count,
        "first_seen": issue.first_seen.isoformat(), "first_seen_text": _ago(issue.first_seen, now),
        "last_seen": issue.last_seen.isoformat(), "last_seen_text": _ago(issue.last_seen, now),
        "assignee": _assignee(issue), "bookmarked": bookmarked,
        "chart": sparkline(points, period),
    }


def rows_for(issues: list[Issue], user: User, now: datetime, stats_period: str = "24h"
             ) -> list[dict]:
    """The dicts `issues/_row.html` renders as `row`, one per issue, in order: the page and
    the live updates share them, so a live row looks like a loaded one. Two queries for any
    number of issues when they come with ROW_RELATIONS joined (as from `stream_issues`).
    `now` (the caller's one clock reading) ends the chart's last slot and the "ago" texts."""
    if stats_period not in STATS_PERIODS:
        raise ValueError(f"stats_period must be one of {', '.join(STATS_PERIODS)}")
    if not issues:
        return []
    ids = [issue.pk for issue in issues]
    bookmarked = bookmarked_ids(ids, user)
    counts = slot_counts(ids, stats_period, now)
    return [_row(issue, issue.pk in bookmarked, counts[issue.pk], stats_period, now)
            for issue in issues]


def rendered_rows(issues: list[Issue], user: User, now: datetime, stats_period: str
                  ) -> list[dict]:
    """The live updates' rows: each issue's id and its row rendered as the page renders it."""
    rows = rows_for(issues, user, now, stats_period)
    return [{"id": str(issue.pk), "html": render_to_string("errortrack/issues/_row.html",
                                                           {"row": row})}
            for issue, row in zip(issues, rows, strict=True)]
