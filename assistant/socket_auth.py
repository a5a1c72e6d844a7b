"""Who may open the chat socket, and as whom (docs/protocol.md, "Connecting").

Browsers always send an ``Origin`` header with a WebSocket handshake; programs usually send none.
So a handshake with an Origin that is not one of ALLOWED_HOSTS (a page on another site) is
refused, a browser's is signed in by its session cookie, and one without an Origin signs in with
a JWT access token in its first frame, never with a cookie (a cookie without an Origin proves
nothing about which page is using it). Tokens are never read from the URL.
"""

from channels.security.websocket import OriginValidator
from django.conf import settings
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken

from pam_project import ratelimit

#: The most characters an ``auth`` frame may have (an access token is a few hundred).
MAX_AUTH_FRAME_CHARS = 4_096


class ForeignOriginValidator(OriginValidator):
    """Refuses a handshake whose Origin is present and not one of ALLOWED_HOSTS (channels'
    ``AllowedHostsOriginValidator`` also refuses a missing Origin, which shuts programs out)."""

    def __init__(self, application):
        allowed_hosts = settings.ALLOWED_HOSTS
        if settings.DEBUG and not allowed_hosts:
            allowed_hosts = ["localhost", "127.0.0.1", "[::1]"]
        super().__init__(application, allowed_hosts)

    def valid_origin(self, parsed_origin):
        return parsed_origin is None or self.validate_origin(parsed_origin)


def has_origin(scope) -> bool:
    """Whether the handshake came with an Origin header (a browser)."""
    return any(name == b"origin" for name, _ in scope.get("headers", []))


def client_ip(scope) -> str:
    """The client's address, by the API's rule (``pam_project.ratelimit.client_ip``), or
    "unknown"."""
    forwarded_for = next((value.decode("latin1") for name, value in scope.get("headers", [])
                          if name == b"x-forwarded-for"), None)
    client = scope.get("client")
    return ratelimit.client_ip(client[0] if client else None, forwarded_for) or "unknown"


def user_for_token(raw_token: str):
    """The active user a JWT access token names, or None: a bad signature, an expired token, a
    refresh token, an unknown or inactive user. Checked by simplejwt like the API's bearer tokens."""
    authentication = JWTAuthentication()
    try:
        return authentication.get_user(authentication.get_validated_token(raw_token))
    except (InvalidToken, AuthenticationFailed):
        return None
