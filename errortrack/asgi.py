"""ASGI entry point: HTTP to Django, websockets to Channels consumers.

The ingest paths (/api/<id>/envelope|store/) are served by a lean ASGI app in front of Django
(errortrack/ingest/app.py); every other HTTP path falls through to Django.
Static files go through Django's ASGI static handler rather than WhiteNoise, whose sync-only
middleware made every request hop between the event loop and a thread (measured in bench/).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "errortrack.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from errortrack.ingest.app import IngestApp  # noqa: E402
from errortrack.live.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter({
    "http": IngestApp(ASGIStaticFilesHandler(django_asgi_app)),
    "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
})
