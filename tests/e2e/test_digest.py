"""Grouping and scrubbing as users meet them: the real sentry-sdk (and @sentry/node) sending to
the real server, the digest storing, and what ends up in the database."""

import importlib.util
import shutil
import subprocess

import pytest
import sentry_sdk
from django.apps import apps
from sentry_sdk.scrubber import EventScrubber

from errortrack.compat.dsn import build_dsn
from errortrack.models import Issue
from tests.sdk import send_with_sdk
from tests.servers import ROOT
from tests.waiting import eventually, wait_for_events

HANDLER_SOURCE = '''
def checkout(cart):
    item = cart["sku"]
    return item
'''


@pytest.fixture
def dsn(errortrack_server, transactional_db, web_project):
    return build_dsn(errortrack_server.url, web_project.keys.get().public_key, web_project.pk)


def load_shop_module(directory, source: str):
    """shop.handlers from `directory`: the same module at different line numbers."""
    path = directory / "handlers.py"
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("shop.handlers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def capture_checkout_error(module) -> None:
    try:
        module.checkout({})
    except KeyError:
        sentry_sdk.capture_exception()


def sdk_options(**extra):
    return {"in_app_include": ["shop"], **extra}


def test_the_same_error_twice_is_one_issue_also_inside_a_transaction(dsn, tmp_path):
    module = load_shop_module(tmp_path / "v1", HANDLER_SOURCE)

    def twice() -> None:
        capture_checkout_error(module)
        with sentry_sdk.start_transaction(name="POST /checkout", op="http.server"):
            capture_checkout_error(module)

    send_with_sdk(dsn, twice, **sdk_options(traces_sample_rate=1.0))
    wait_for_events(2)
    [issue] = Issue.objects.all()
    assert issue.times_seen == 2 and issue.title == "KeyError: 'sku'"


def test_a_line_shifted_copy_of_the_code_is_still_one_issue(dsn, tmp_path):
    before = load_shop_module(tmp_path / "before", HANDLER_SOURCE)
    after = load_shop_module(tmp_path / "after", "\n\n\n# a new comment\n" + HANDLER_SOURCE)
    send_with_sdk(dsn, lambda: (capture_checkout_error(before), capture_checkout_error(after)),
                  **sdk_options())
    events = wait_for_events(2)
    linenos = {e.data["exception"]["values"][-1]["stacktrace"]["frames"][-1]["lineno"]
               for e in events}
    assert len(linenos) == 2  # the crash line really moved
    assert Issue.objects.count() == 1


def test_two_errors_with_one_custom_fingerprint_are_one_issue(dsn):
    def send() -> None:
        for exc in (ValueError("gateway timeout"), ConnectionError("gateway reset")):
            with sentry_sdk.new_scope() as scope:
                scope.fingerprint = ["payment-gateway"]
                sentry_sdk.capture_exception(exc)

    send_with_sdk(dsn, send)
    wait_for_events(2)
    assert Issue.objects.get().times_seen == 2


def test_default_plus_a_tag_splits_by_the_tag(dsn, tmp_path):
    module = load_shop_module(tmp_path / "v1", HANDLER_SOURCE)

    def send() -> None:
        for customer in ("acme", "globex", "acme"):
            with sentry_sdk.new_scope() as scope:
                scope.fingerprint = ["{{ default }}", "{{ tags.customer }}"]
                scope.set_tag("customer", customer)
                capture_checkout_error(module)

    send_with_sdk(dsn, send, **sdk_options())
    wait_for_events(3)
    assert sorted(Issue.objects.values_list("times_seen", flat=True)) == [1, 2]


def test_messages_with_different_numbers_group_together(dsn):
    send_with_sdk(dsn, lambda: [sentry_sdk.capture_message(f"user {n} failed after {n * 3} ms")
                                for n in (7, 42, 1999)])
    wait_for_events(3)
    issue = Issue.objects.get()
    assert issue.times_seen == 3 and issue.title.startswith("user ")


@pytest.mark.scaleout
def test_node_stack_traces_group_by_in_app_frames(errortrack_server,
                                                  transactional_db, web_project):
    if shutil.which("node") is None or not (ROOT / "node_modules" / "@sentry" / "node").exists():
        pytest.fail("node and the npm test clients are needed: run `make test`")
    dsn = build_dsn(errortrack_server.url, web_project.keys.get().public_key, web_project.pk)
    proc = subprocess.run(["node", str(ROOT / "tests" / "js" / "send_node_grouping.mjs"), dsn],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    wait_for_events(3)
    counts = dict(Issue.objects.values_list("culprit", "times_seen"))
    # Two values thrown from one place: one issue; the same type from another place: another.
    assert sorted(counts.values()) == [1, 2]
    assert any("parseOrder" in culprit for culprit in counts)


# --- No secret is stored anywhere ----------------------------------------------------------------

# The secrets live here, far from the code the stack trace shows: source lines travel as
# context lines, and a secret written into source code is not the scrubber's to find.
CARD = "4111 1111 1111 1111"
TIMESTAMP_MS = "1763899200123"
SECRET = {"local": "hunter2-local", "header": "sk_live_header", "cookie": "cookie-sess-42",
          "form": "form-pass-7", "extra": "extra-api-key-9", "crumb": "crumb-token-3",
          "env": "AKIAENVSECRET", "db": "db-pass-55", "tag": "tag-secret-1"}
LEAKS = [*SECRET.values(), CARD, CARD.replace(" ", "")]


def add_request(event, hint):
    """What a web framework integration adds: the request, with what the browser sent."""
    event["request"] = {
        "url": "https://shop.example.com/pay", "method": "POST",
        "headers": {"Authorization": "Bearer " + SECRET["header"],
                    "Cookie": "sessionid=" + SECRET["cookie"], "User-Agent": "Mozilla/5.0"},
        "data": {"username": "bob", "password": SECRET["form"]},
        "query_string": "ts=" + TIMESTAMP_MS,
    }
    return event


def prepare_scope() -> None:
    scope = sentry_sdk.get_current_scope()
    scope.add_event_processor(add_request)
    sentry_sdk.set_extra("environ", {"AWS_SECRET_ACCESS_KEY": SECRET["env"],
                                     "DATABASE_URL": f"postgres://app:{SECRET['db']}@db/shop",
                                     "HOME": "/home/app"})
    sentry_sdk.set_extra("api_key", SECRET["extra"])
    sentry_sdk.set_extra("paid_at_ms", int(TIMESTAMP_MS))
    sentry_sdk.set_tag("session_token", SECRET["tag"])
    sentry_sdk.add_breadcrumb(category="auth", message="charging " + CARD.replace(" ", ""),
                              data={"token": SECRET["crumb"]})


def pay() -> None:
    password = SECRET["local"]  # noqa: F841 (a local the SDK reports)
    raise RuntimeError(f"card {CARD} declined at {TIMESTAMP_MS}")


def send_secrets() -> None:
    prepare_scope()
    try:
        pay()
    except RuntimeError:
        sentry_sdk.capture_exception()
    sentry_sdk.capture_message(f"refund to {CARD} queued")


def everything_stored() -> str:
    """Every row of every errortrack table, as text."""
    dump = []
    for model in apps.get_app_config("errortrack").get_models():
        for row in model.objects.all().values():
            dump.append(" ".join(value.decode("utf-8", "replace") if isinstance(value, bytes)
                                 else bytes(value).decode("utf-8", "replace")
                                 if isinstance(value, memoryview) else str(value)
                                 for value in row.values()))
    return "\n".join(dump)


def test_a_scenario_full_of_secrets_leaves_none_in_any_table(dsn):
    # The SDK's own scrubber off: everything reaches the server, which must filter.
    send_with_sdk(dsn, send_secrets,
                  event_scrubber=EventScrubber(denylist=[], pii_denylist=[]))
    events = wait_for_events(2)
    stored = eventually(lambda: dump if "refund" in (dump := everything_stored()) else "",
                        "the refund message's rows stored")
    for secret in LEAKS:
        assert secret not in stored, secret
    assert TIMESTAMP_MS in stored  # a 13-digit timestamp is no card number
    assert "[Filtered]" in stored
    crash = next(e for e in events if e.data.get("exception"))
    frame = crash.data["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    assert frame["vars"]["password"] == "[Filtered]"
    assert crash.data["extra"]["paid_at_ms"] == int(TIMESTAMP_MS)
    assert ["User-Agent", "Mozilla/5.0"] in crash.data["request"]["headers"]
