"""Template filters for the issue page's big parts (errortrack.presenters.event_html explains
why)."""

from django import template
from django.utils.safestring import SafeString

from errortrack.presenters import event_html
from errortrack.presenters.event import Breadcrumbs, Stack

register = template.Library()


@register.filter
def stack_html(stack: Stack) -> SafeString:
    return event_html.stack_html(stack)


@register.filter
def breadcrumb_rows(breadcrumbs: Breadcrumbs) -> SafeString:
    return event_html.breadcrumbs_html(breadcrumbs)
