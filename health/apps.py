from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "health"

    def ready(self) -> None:
        from errortrack.digest import consume, items
        from health import crons, heartbeat

        items.register("check_in", crons.store_check_in)
        consume.after_each_batch(heartbeat.record_digest_heartbeat)
