from django.apps import AppConfig


class ErrortrackConfig(AppConfig):
    name = "errortrack"
    verbose_name = "errortrack"

    def ready(self) -> None:
        from errortrack import live
        from errortrack.digest import facts

        facts.subscribe(live.on_digest_facts)
