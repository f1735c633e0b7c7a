from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "health"

    def ready(self) -> None:
        from errortrack.digest import consume, items
        from errortrack.queries import issue_links
        from health import crons, heartbeat, links

        items.register("check_in", crons.store_check_in)
        consume.after_each_batch(heartbeat.record_digest_heartbeat)
        issue_links.register("cron", links.cron_issue_url)
        issue_links.register("uptime", links.uptime_issue_url)
