"""Websocket routes (the live-updates issue adds its consumers here)."""

websocket_urlpatterns: list = []
