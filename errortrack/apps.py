from django.apps import AppConfig


class ErrortrackConfig(AppConfig):
    name = "errortrack"
    verbose_name = "errortrack"
