"""Issue search: the subset of Sentry's search syntax the API and the issue stream accept.

    is:unresolved is:resolved is:ignored is:assigned is:unassigned is:bookmarked
    level:error  environment:production  release:app@1.2  assigned:me|none|<user>|#<team>
    customer:acme  (any other key: a tag value the issue's events carried)
    "free text"  words  (matched against title and culprit)
    !key:value  (negates a filter)

Values may be quoted ("key:\"two words\""). Unknown `is:` values and malformed queries raise
SearchError with a message for a 400.
"""

import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, Q, QuerySet

from errortrack.access import object_id
from errortrack.models import Issue, IssueBookmark, IssueTagValue

TOKEN = re.compile(r'(!?)([A-Za-z_][\w.:-]*?):("(?:[^"\\]|\\.)*"|\S+)|"((?:[^"\\]|\\.)*)"|(\S+)')
IS_FILTERS = {"unresolved", "resolved", "ignored", "assigned", "unassigned", "bookmarked"}
LEVELS = {"fatal", "error", "warning", "info", "debug"}
MAX_TERMS = 20
# The stream's orders (API `sort=`, the issue stream's sort menu); the id breaks ties so that
# pages never overlap.
SORTS = {"date": ("-last_seen", "-id"), "new": ("-first_seen", "-id"),
         "freq": ("-times_seen", "-id"), "user": ("-user_count", "-id")}


class SearchError(ValueError):
    """The query cannot be understood; the message says why."""


@dataclass(frozen=True)
class Term:
    key: str  # "" for free text
    value: str
    negated: bool = False


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return re.sub(r"\\(.)", r"\1", value)


unquote = _unquote  # public: the events search (errortrack.queries.discover) reads values alike


def parse(query: str) -> list[Term]:
    terms = []
    for match in TOKEN.finditer(query or ""):
        negated, key, value, quoted_text, word = match.groups()
        if key is not None:
            terms.append(Term(key.lower(), _unquote(value), bool(negated)))
        else:
            terms.append(Term("", quoted_text if quoted_text is not None else word))
    if len(terms) > MAX_TERMS:
        raise SearchError(f"A query may have at most {MAX_TERMS} terms.")
    return terms


def _assigned(value: str, user: User) -> Q:
    if value == "me":
        return Q(assigned_user=user) if user.is_authenticated else Q(pk__in=[])
    if value in ("none", ""):
        return Q(assigned_user__isnull=True, assigned_team__isnull=True)
    if value.startswith("#"):
        return Q(assigned_team__slug=value[1:])
    users = get_user_model().objects.filter(Q(username=value) | Q(email__iexact=value))
    return Q(assigned_user__in=users)


def _is(value: str, user: User) -> Q:
    if value not in IS_FILTERS:
        raise SearchError(f"Unknown is:{value}; use one of {', '.join(sorted(IS_FILTERS))}.")
    if value in (Issue.Status.UNRESOLVED, Issue.Status.RESOLVED, Issue.Status.IGNORED):
        return Q(status=value)
    if value == "bookmarked":
        return Q(Exists(IssueBookmark.objects.filter(issue=OuterRef("pk"), user=user.pk)))
    unassigned = Q(assigned_user__isnull=True, assigned_team__isnull=True)
    return ~unassigned if value == "assigned" else unassigned


def _tag(key: str, value: str) -> Q:
    return Q(Exists(IssueTagValue.objects.filter(issue=OuterRef("pk"), key=key, value=value)))


def term_filter(term: Term, user: User) -> Q:
    if term.key == "":
        return Q(title__icontains=term.value) | Q(culprit__icontains=term.value)
    if term.key == "is":
        return _is(term.value.lower(), user)
    if term.key == "level":
        if term.value.lower() not in LEVELS:
            raise SearchError(f"Unknown level {term.value!r}.")
        return Q(level=term.value.lower())
    if term.key == "assigned":
        return _assigned(term.value, user)
    if term.key == "issue.category":  # error, uptime or cron (Sentry's issue categories)
        if term.value.lower() not in Issue.Kind.values:
            raise SearchError(f"Unknown issue category {term.value!r}; use one of "
                              f"{', '.join(Issue.Kind.values)}.")
        return Q(kind=term.value.lower())
    if term.key == "issue.id" or term.key == "id":
        pk = object_id(term.value)
        return Q(pk=pk) if pk is not None else Q(pk__in=[])
    return _tag(term.key, term.value)  # environment, release and every other tag


def apply(issues: QuerySet[Issue], query: str, user: User) -> QuerySet[Issue]:
    """`issues` narrowed by `query` (raises SearchError for a query it cannot read)."""
    for term in parse(query):
        condition = term_filter(term, user)
        issues = issues.exclude(condition) if term.negated else issues.filter(condition)
    return issues


def sort(issues: QuerySet[Issue], key: str) -> QuerySet[Issue]:
    """`issues` in the order `key` names (raises SearchError for an unknown one)."""
    if key not in SORTS:
        raise SearchError(f"sort must be one of {', '.join(SORTS)}.")
    return issues.order_by(*SORTS[key])
