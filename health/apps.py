from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "health"

    def ready(self) -> None:
        from errortrack.digest import facts
        from health.metrics import count_digest_facts

        facts.subscribe(count_digest_facts)
