from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"

    def ready(self) -> None:
        from alerts import listeners
        from errortrack import signals

        signals.digest_facts.subscribe(listeners.on_digest_facts)
        signals.issue_changed.subscribe(listeners.on_issue_changed)
        signals.project_created.subscribe(listeners.on_project_created)
