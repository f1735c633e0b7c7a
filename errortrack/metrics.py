"""errortrack's Prometheus counters and histograms (prometheus-client), which every layer
increments where things happen (ingest, digest, alerts, monitors).

With several processes they are kept in PROMETHEUS_MULTIPROC_DIR and summed when Prometheus
scrapes (the health app's exposition, which also reads the queue state from the database).

Names follow Prometheus' conventions: the `errortrack_` prefix, `_total` for counters, base
units (`_seconds`). Labels have a handful of fixed values each: no ids, no slugs.
"""

from prometheus_client import Counter, Histogram

INGEST_OUTCOMES = ("accepted", "rate_limited", "invalid", "too_large", "unauthorized")

ingest_envelopes = Counter(
    "errortrack_ingest_envelopes_total",
    "Ingest requests (envelopes and store events) by outcome.", ["outcome"])
ingest_events = Counter(
    "errortrack_ingest_events_total",
    "Event items (events, transactions, feedback) by outcome; a refused request counts as one "
    "event with the refusal's outcome.", ["outcome"])
ingest_duration = Histogram(
    "errortrack_ingest_request_duration_seconds",
    "Time from an ingest request's start to its answer (after the inbox commit).",
    buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))
digest_duration = Histogram(
    "errortrack_digest_batch_duration_seconds",
    "Time to consume one batch of inbox items (claim, digest, store, commit).",
    buckets=(.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
digest_batch_size = Histogram(
    "errortrack_digest_batch_size",
    "Inbox items per consumed batch.", buckets=(1, 5, 10, 25, 50, 100, 250, 500, 1000))
digest_items = Counter(
    "errortrack_digest_items_total",
    "Inbox items consumed, by outcome (stored, failed; failed items are retried).", ["outcome"])
inbox_quarantined = Counter(
    "errortrack_inbox_quarantined_total",
    "Inbox items set aside after failing ERRORTRACK_INBOX_MAX_ATTEMPTS times.")
issues_created = Counter("errortrack_issues_created_total", "New issues.")
issues_regressed = Counter("errortrack_issues_regressed_total",
                           "Resolved issues reopened by a new event.")
notifications = Counter(
    "errortrack_notifications_total",
    "Notification attempts by channel kind and outcome (sent, retrying, failed).",
    ["channel", "outcome"])
events_stored = Counter("errortrack_events_stored_total",
                        "Events stored by the digest (grouped into issues).")
uptime_checks = Counter(
    "errortrack_uptime_checks_total", "Uptime probes by result (up, down).", ["result"])
uptime_transitions = Counter(
    "errortrack_uptime_transitions_total",
    "Uptime monitors changing state, by the state entered (up, down).", ["status"])
cron_checkins = Counter(
    "errortrack_cron_checkins_total",
    "Cron check-ins by status: in_progress, ok, error and unknown as sent; missed and timeout "
    "as recorded by errortrack; unmatched for a check-in of no known monitor.", ["status"])

for outcome in INGEST_OUTCOMES:  # every series exists from the start, at 0
    ingest_envelopes.labels(outcome)
    ingest_events.labels(outcome)
for outcome in ("stored", "failed"):
    digest_items.labels(outcome)
for outcome in ("up", "down"):
    uptime_checks.labels(outcome)
    uptime_transitions.labels(outcome)
