from django.apps import AppConfig

from errortrack import metrics
from errortrack.signals import Facts


def count_digest_facts(facts: Facts) -> None:
    """Digest-facts listener: what a committed batch did, as Prometheus counters."""
    metrics.issues_created.inc(len(facts.new_issues))
    metrics.issues_regressed.inc(len(facts.regressed_issues))
    metrics.events_stored.inc(facts.stored)


class ErrortrackConfig(AppConfig):
    name = "errortrack"
    verbose_name = "errortrack"

    def ready(self) -> None:
        from errortrack import signals, wakeup
        from errortrack.live import consumer, publish
        from errortrack.presenters import activity, issue_stream
        from errortrack.runtime import tasks

        wakeup.use_sender(tasks.send_wakeup)
        consumer.use_row_renderer(issue_stream.rendered_rows)
        consumer.use_activity_renderer(activity.rendered_activity_log)

        signals.digest_facts.subscribe(count_digest_facts)
        signals.digest_facts.subscribe(publish.on_digest_facts)
        signals.issue_changed.subscribe(publish.on_issue_changed)
