"""Sentry's workflow-engine API, read-only: /api/0/organizations/{org}/workflows/[{id}/].

The MCP server's find_alert_rules and get_alert_rule read issue alerts here
(`?projectSlug=…&sortBy=-id&query=name:"*…*"`, or `&id=…&per_page=1`) and keep the workflows
attached to a detector. Our issue rules are the workflows (alerts.sentry_rules.workflow_json);
rate and deploy rules, Sentry's metric alerts, are not listed. Reads through
errortrack.access: another organization's rule is 404."""

import re
from collections.abc import Callable, Iterable

from django.db.models import Max, QuerySet, prefetch_related_objects
from django.http import Http404, QueryDict
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts import sentry_rules
from alerts.models import Rule, RuleIssueState
from errortrack import access
from errortrack.api.pagination import paginate
from errortrack.api.schema import detail, listing, query
from errortrack.models import Organization, Project

SORTS = {"id": ("id",), "name": ("name", "id"), "dateCreated": ("created_at", "id"),
         "dateUpdated": ("created_at", "id")}
MAX_QUERY = 1000
MAX_IDS = 100
# `name:"*a \"b\"*"`, `name:value` or a bare word (Sentry's search syntax, as the MCP sends it).
TERM = re.compile(r'\s*(?:(\w+):)?(?:"((?:[^"\\]|\\.)*)"|([^\s"]+))\s*')


def _unescaped(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _glob(value: str) -> Callable[[str], bool]:
    """`*` is any text, as in Sentry's search; without one the whole name must match (case
    aside). Matched piece by piece, leftmost first, so no pattern can backtrack for long."""
    pieces = value.casefold().split("*")
    if len(pieces) == 1:
        return lambda name: name.casefold() == pieces[0]
    first, *middle, last = pieces

    def matches(name: str) -> bool:
        text = name.casefold()
        if len(text) < len(first) + len(last) or not (
                text.startswith(first) and text.endswith(last)):
            return False
        position, end = len(first), len(text) - len(last)
        for piece in middle:
            found = text.find(piece, position, end)
            if found < 0:
                return False
            position = found + len(piece)
        return True
    return matches


def name_matchers(raw: str) -> list[Callable[[str], bool]]:
    """What `query` asks of a rule's name, each term a test; a 400 for other keys."""
    if len(raw) > MAX_QUERY:
        raise ParseError(f"query may be at most {MAX_QUERY} characters.")
    tests, position = [], 0
    while position < len(raw.rstrip()):
        term = TERM.match(raw, position)
        if term is None or term.end() == position:
            raise ParseError("query: an unclosed quote or a stray character.")
        key, quoted, bare = term.groups()
        value = _unescaped(quoted) if quoted is not None else bare
        if key not in (None, "name"):
            raise ParseError(f"query: {key!r} is not a key errortrack searches (name is).")
        if key is None:  # a free word: found anywhere in the name
            tests.append(_glob(f"*{value}*"))
        else:
            tests.append(_glob(value))
        position = term.end()
    return tests


def _ids(params: QueryDict, name: str) -> set[int] | None:
    values = [value for value in params.getlist(name) if value not in ("", "-1")]
    if not values:
        return None
    found = access.object_ids(values)
    if found is None or len(values) > MAX_IDS:
        raise ParseError(f"{name} must be at most {MAX_IDS} numeric ids.")
    return found


def _projects(request: Request, org_slug: str) -> list[Project]:
    """`projectSlug` (the MCP's): each must be a project of the organization, else 404."""
    slugs = [slug for slug in request.query_params.getlist("projectSlug") if slug]
    if len(slugs) > MAX_IDS:
        raise ParseError(f"At most {MAX_IDS} projectSlug values.")
    return [access.get_project_for_user(request.user, org_slug, slug) for slug in slugs]


def _order(params: QueryDict) -> tuple[str, ...]:
    raw = params.get("sortBy") or "id"
    field = SORTS.get(raw.removeprefix("-"))
    if field is None:
        raise ParseError(f"sortBy must be one of {', '.join(SORTS)}, with - for descending.")
    return tuple(f"-{name}" for name in field) if raw.startswith("-") else field


def workflows_for(request: Request, organization: Organization, org_slug: str) -> list[Rule]:
    """The organization's issue rules that the query parameters ask for, in order."""
    params = request.query_params
    rules: QuerySet[Rule] = Rule.objects.filter(project__organization=organization)
    projects = _projects(request, org_slug)
    if projects:
        rules = rules.filter(project__in=projects)
    project_ids, rule_ids = _ids(params, "project"), _ids(params, "id")
    if project_ids is not None:
        rules = rules.filter(project_id__in=project_ids)
    if rule_ids is not None:
        rules = rules.filter(pk__in=rule_ids)
    tests = name_matchers(params.get("query", ""))
    return [rule for rule in rules.select_related("project", "sentry_form")
            .order_by(*_order(params))
            if sentry_rules.is_issue_rule(rule) and all(test(rule.name) for test in tests)]


def workflow_page(rules: Iterable[Rule]) -> list[dict]:
    """Shaped with their channels and when each last fired, in two queries."""
    rules = list(rules)
    prefetch_related_objects(rules, "channels")
    fired = dict(RuleIssueState.objects.filter(rule__in=rules).values("rule_id")
                 .annotate(last=Max("last_fired_at")).values_list("rule_id", "last")
                 .order_by())
    return [sentry_rules.workflow_json(rule, fired.get(rule.pk)) for rule in rules]


def get_org_issue_rule(request: Request, org_slug: str, rule_id: str) -> Rule:
    organization = access.get_organization_for_user(request.user, org_slug)
    pk = access.object_id_or_404(rule_id, "No such workflow.")
    rule = (Rule.objects.select_related("project", "sentry_form")
            .filter(project__organization=organization, pk=pk).first())
    if rule is None or not sentry_rules.is_issue_rule(rule):
        raise Http404("No such workflow.")
    return rule


WORKFLOW_FILTERS = [
    query("projectSlug", "Only the rules of these projects (slugs)", many=True),
    query("project", "Only the rules of these project ids (-1 for all)", many=True),
    query("id", "Only these rule ids", many=True),
    query("query", 'Name search: name:"*text*", name:exact or free words'),
    query("sortBy", "id, name, dateCreated or dateUpdated; - for descending"),
    query("per_page", "Items per page (1-100), Sentry's alias of limit"),
]


class WorkflowList(APIView):
    """The organization's issue rules as Sentry's workflows, paged by Sentry's cursor."""

    required_scopes = {"GET": "org:read"}

    @listing(*WORKFLOW_FILTERS)
    def get(self, request: Request, org_slug: str) -> Response:
        organization = access.get_organization_for_user(request.user, org_slug)
        page = paginate(request, workflows_for(request, organization, org_slug))
        return Response(workflow_page(page.items), headers={"Link": page.link})


class WorkflowDetail(APIView):
    required_scopes = {"GET": "org:read"}

    @detail()
    def get(self, request: Request, org_slug: str, rule_id: str) -> Response:
        return Response(workflow_page([get_org_issue_rule(request, org_slug, rule_id)])[0])
