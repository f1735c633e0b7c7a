"""errortrack.views.redirects.safe_next: the one check every form's `next` goes through."""

import pytest

from errortrack.views.redirects import safe_next

FALLBACK = "/organizations/alpha/issues/"

HOSTILE = [
    None, "", "https://evil.example/", "http://testserver/", "//evil.example/",
    "///evil.example/", "/\\evil.example/", "\\\\evil.example", "/\\/evil.example",
    "http:/evil.example", "https:evil.example", "javascript:alert(1)", "JaVaScRiPt:alert(1)",
    " javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "evil.example",
    "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "\x00/", "/\x7f/evil",
    "/%0a/ok?x=\u202e", "relative/path",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_anything_but_a_path_of_this_site_is_refused(target):
    assert safe_next(target, FALLBACK) == FALLBACK


@pytest.mark.parametrize("target", [
    "/organizations/alpha/issues/", "/organizations/alpha/issues/7/#activity",
    "/organizations/alpha/projects/web/issues/?query=is%3Aunresolved&page=2",
    '/organizations/alpha/issues/?query=message:"a\\b"',  # a backslash in the query is data
])
def test_a_path_of_this_site_is_kept(target):
    assert safe_next(target, FALLBACK) == target
