"""Websocket routes (errortrack.asgi puts them behind the session auth and the allowed-hosts
origin check)."""

from django.urls import path

from errortrack.live.consumer import LiveConsumer

websocket_urlpatterns: list = [path("ws/live/", LiveConsumer.as_asgi())]
