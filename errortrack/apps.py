from django.apps import AppConfig


class ErrortrackConfig(AppConfig):
    name = "errortrack"
    verbose_name = "errortrack"

    def ready(self) -> None:
        from errortrack import live, signals, wakeup
        from errortrack.digest import facts
        from errortrack.runtime import tasks

        wakeup.use_sender(tasks.send_wakeup)

        facts.subscribe(facts.count_digest_facts)
        facts.subscribe(live.on_digest_facts)
        signals.issue_status_changed.connect(live.on_issue_status_changed,
                                             dispatch_uid="live-status")
