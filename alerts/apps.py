from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from alerts import listeners
        from errortrack.digest import facts
        from errortrack.models import Project
        from errortrack.signals import issue_status_changed

        facts.subscribe(listeners.on_digest_facts)
        issue_status_changed.connect(listeners.on_issue_status_changed,
                                     dispatch_uid="alerts-issue-status")
        post_save.connect(listeners.on_project_saved, sender=Project,
                          dispatch_uid="alerts-default-rule")
