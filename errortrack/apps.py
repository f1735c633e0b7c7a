from django.apps import AppConfig


class ErrortrackConfig(AppConfig):
    name = "errortrack"
    verbose_name = "errortrack"

    def ready(self) -> None:
        from errortrack import signals, wakeup
        from errortrack.digest import facts
        from errortrack.live import consumer, publish
        from errortrack.presenters import issue_stream
        from errortrack.runtime import tasks

        wakeup.use_sender(tasks.send_wakeup)
        consumer.use_row_renderer(issue_stream.rendered_rows)

        facts.subscribe(facts.count_digest_facts)
        facts.subscribe(publish.on_digest_facts)
        signals.issue_status_changed.connect(publish.on_issue_status_changed,
                                             dispatch_uid="live-status")
