from django.apps import AppConfig


class ErrortrackConfig(AppConfig):
    name = "errortrack"
    verbose_name = "errortrack"

    def ready(self) -> None:
        from errortrack import live, signals
        from errortrack.digest import facts

        facts.subscribe(facts.count_digest_facts)
        facts.subscribe(live.on_digest_facts)
        signals.issue_status_changed.connect(live.on_issue_status_changed,
                                             dispatch_uid="live-status")
