"""ASGI entry point: HTTP through Django, the chat WebSocket through Channels."""

import os

from django.conf import settings
from django.core.asgi import get_asgi_application
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pam_project.settings")
if not settings.DEBUG and not os.environ.get("DJANGO_SECRET_KEY"):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (set DJANGO_DEBUG=1 for a local first look)."
    )
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs the app registry)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from assistant.routing import websocket_urlpatterns  # noqa: E402
from assistant.socket_auth import ForeignOriginValidator  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # A foreign Origin is refused here; who the socket is, the consumer decides (assistant/socket_auth.py).
        "websocket": ForeignOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
